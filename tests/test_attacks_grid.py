"""The grid runner (attacks x seeds x targets, resume, examples ladder) and the adaptive attacker."""

from __future__ import annotations

import json

import pytest

from attacks.base import Attack, AttackResult
from attacks.evaluator import EvalConfig, Evaluator
from attacks.grid import expand_grid, run_grid
from attacks.judges.keyword import KeywordJudge
from attacks.runner import run_search
from attacks.search import AdaptiveAttacker, trial_objective
from attacks.space import AttackSpace
from tests.conftest import TINY_OVERRIDES, compose_config
from train.run_dir import RunDir


class CountingAttack(Attack):
    """No training: a curve whose speed depends on the number of examples (for ladder tests)."""

    recipe = "counting"

    def __init__(self, name=None, seeds=None, examples=100):
        super().__init__(name, "auto", seeds)
        self.examples, self._calls = examples, []

    @property
    def calls(self) -> list:
        return self._calls

    def pool_size(self, data):
        return 500

    def run(self, model, tokenizer, data, evaluator, *, seed, target, progress=True):
        self._calls.append((self.name, target, seed))
        asr = min(1.0, self.examples / 200)
        curve = [{"step": 0, "asr": 0.0, "refusal": 1.0, "incoherent": 0.0, "benign_nll": 1.0},
                 {"step": 10, "asr": asr, "refusal": 1 - asr, "incoherent": 0.0, "benign_nll": 1.1}]
        return AttackResult(self.name, self.recipe, "heldout", target, seed, self.describe(), curve, 1.0,
                            self.examples)


def test_grid_runs_every_attack_seed_and_target_and_resumes():
    attack = CountingAttack(name="a", seeds=[0, 1])
    stored, done = [], {}
    records = run_grid([attack], {"base": None, "hardened": None}, None, None, None, done=done, store=stored.append,
                       progress=False)
    assert [(r["target"], r["seed"]) for r in records] == [("base", 0), ("hardened", 0), ("base", 1), ("hardened", 1)]
    assert len(stored) == 4 and set(done) == {f"{t}/a/seed{s}" for t in ("base", "hardened") for s in (0, 1)}
    again = run_grid([attack], {"base": None, "hardened": None}, None, None, None, done=done, progress=False)
    assert len(again) == 4 and len(attack.calls) == 4  # nothing re-ran
    attack.examples = 150  # e.g. `resume=force` after changing the attack's options: stale records re-run
    stale = run_grid([attack], {"base": None, "hardened": None}, None, None, None, done=done, progress=False)
    assert len(attack.calls) == 8 and all(r["config"]["examples"] == 150 for r in stale)


def test_examples_ladder_is_capped_by_the_data_and_feeds_n_tau():
    from attacks.scorecard import examples_effort

    attack = CountingAttack(name="a", seeds=[0], examples=100)
    names = [a.name for a in expand_grid([attack], [10, 100, 1000], None)]
    assert names == ["a", "a@n10", "a@n500"]  # 100 is the attack itself; 1000 shrinks to the pool of 500
    records = run_grid([attack], {"base": None, "hardened": None}, None, None, None, done={},
                       ladder=[10, 100, 1000], progress=False)
    assert all(r["extra"]["ladder_of"] == "a" for r in records)
    effort = examples_effort(records, 0.5, None, "base", "hardened")
    assert effort[0]["base"]["0"] == {"value": 100.0, "censored": False, "budget": 500.0, "display": "100"}


def test_trial_objective_rewards_speed_and_partial_success():
    fast = [{"step": 0, "asr": 0.0}, {"step": 5, "asr": 0.6}]
    none = [{"step": 0, "asr": 0.0}, {"step": 5, "asr": 0.0}]
    half = [{"step": 0, "asr": 0.0}, {"step": 5, "asr": 0.25}]
    assert trial_objective(fast, 0.5, None) == (5.0, True)
    assert trial_objective(none, 0.5, None) == (10.0, False) and trial_objective(half, 0.5, None) == (7.5, False)


@pytest.fixture(scope="module")
def search_cfg():
    return compose_config("harden", [*TINY_OVERRIDES, "budget.steps=2", "budget.eval_every=2", "budget.examples=8",
                                     "eval.max_prompts=4", "eval.max_new_tokens=4", "search.enabled=true",
                                     "search.n_trials=2", "threshold=0.25"])


def test_adaptive_search_tries_heldout_points_only(search_cfg, tiny_model, tokenizer, data):
    space = AttackSpace.from_config(search_cfg.attack_space)
    evaluator = Evaluator(tokenizer, data.harmful_eval, data.benign_eval, KeywordJudge(),
                          EvalConfig(max_new_tokens=4, max_prompts=4))
    out = AdaptiveAttacker(space, n_trials=2, tau=0.25, eps=None, seed=0, exclude_recipes=["refusal_ablation"],
                           attack_options={"eval_every": 2}).run(tiny_model, tokenizer, data, evaluator, target="base")
    assert out["n_trials"] == 2 and len(out["trials"]) == 2
    assert all(space.split_of(t["params"]) == "heldout" for t in out["trials"])
    assert all(t["params"]["recipe"] != "refusal_ablation" for t in out["trials"])
    assert out["best"]["objective"] == min(t["objective"] for t in out["trials"])
    tt = out["trials_to_threshold"]
    assert tt["budget"] == 2.0 and (tt["censored"] or tt["value"] in (1.0, 2.0))
    assert json.dumps(out)  # JSON-serialisable for search.json


def test_search_runs_from_the_pipeline_config_and_resumes(search_cfg, tmp_path, tiny_model, tokenizer, data,
                                                          monkeypatch):
    space = AttackSpace.from_config(search_cfg.attack_space)
    evaluator = Evaluator(tokenizer, data.harmful_eval, data.benign_eval, KeywordJudge(),
                          EvalConfig(max_new_tokens=4, max_prompts=4))
    run = RunDir(tmp_path)
    monkeypatch.setattr(AdaptiveAttacker, "run", lambda self, *a, target, **k: {
        "target": target, "seed": self.seed, "n_trials": self.n_trials, "trials": [],
        "trials_to_threshold": {"value": None, "censored": True, "budget": 2.0, "display": ">2"}})
    out = run_search(search_cfg, run, space, {"base": tiny_model}, tokenizer, data, evaluator)
    assert out["base"][0]["n_trials"] == 2 and (tmp_path / "search.json").exists()
    monkeypatch.setattr(AdaptiveAttacker, "run", lambda *a, **k: pytest.fail("finished searches must not re-run"))
    assert run_search(search_cfg, run, space, {"base": tiny_model}, tokenizer, data, evaluator) == out
    off = compose_config("harden", TINY_OVERRIDES)
    assert off.search.enabled is False and run_search(off, run, space, {}, tokenizer, data, evaluator) is None
