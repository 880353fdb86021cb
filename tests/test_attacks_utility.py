"""Utility probes (NLL, MCQ, over-refusal, KL to base) and data hygiene (exact and near duplicates)."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
import torch

from attacks.evaluator import EvalConfig, Evaluator, response_nll
from attacks.hygiene import deduplicate, find_overlaps, training_sets
from attacks.judges.base import Judge, Verdict
from attacks.judges.keyword import KeywordJudge
from attacks.utility import (
    completion_log_probs,
    kl_to_base,
    mcq_accuracy,
    over_refusal,
    utility_change,
    utility_probes,
)
from train import KeelError

ROWS = [{"prompt": "What is two plus two?", "response": "Four."},
        {"prompt": "Name a fruit.", "response": "An apple is a fruit that grows on trees."}]


class AlwaysRefuses(Judge):
    name = "always_refuses"

    def judge(self, prompts, completions, nlls=None):
        return [Verdict("refusal", 0.0)] * len(prompts)


def test_completion_log_probs_agree_with_response_nll(tiny_model, tokenizer):
    (logp, n), = completion_log_probs(tiny_model, tokenizer, [(ROWS[1]["prompt"], ROWS[1]["response"])])
    assert -logp / n == pytest.approx(response_nll(tiny_model, tokenizer, ROWS[1:]), rel=1e-5)


def test_mcq_accuracy_picks_the_most_likely_choice(tiny_model, tokenizer):
    choices = ["Paris", "a purple elephant", "42", "Tuesday"]
    scores = completion_log_probs(tiny_model, tokenizer, [("Capital of France?", c) for c in choices])
    best = max(range(4), key=lambda i: scores[i][0])
    worst = min(range(4), key=lambda i: scores[i][0])
    row = {"question": "Capital of France?", "choices": choices}
    assert mcq_accuracy(tiny_model, tokenizer, [{**row, "answer": best}])[0] == 1.0
    assert mcq_accuracy(tiny_model, tokenizer, [{**row, "answer": worst}])[0] == 0.0


def test_over_refusal_is_the_judges_refusal_rate(tiny_model, tokenizer, data):
    cfg = EvalConfig(max_new_tokens=4, max_prompts=4)
    refuser = Evaluator(tokenizer, data.harmful_eval, data.benign_eval, AlwaysRefuses(), cfg)
    assert over_refusal(tiny_model, refuser, data.edgy[:3]) == 1.0
    keyword = Evaluator(tokenizer, data.harmful_eval, data.benign_eval, KeywordJudge(), cfg)
    assert 0.0 <= over_refusal(tiny_model, keyword, data.edgy[:3]) <= 1.0


def test_kl_to_base_is_zero_for_itself_and_positive_after_a_change(tiny_model, tokenizer):
    assert kl_to_base(tiny_model, tiny_model, tokenizer, ROWS) == 0.0
    other = copy.deepcopy(tiny_model)
    with torch.no_grad():
        other.model.layers[0].mlp.down_proj.weight.mul_(3.0)
    assert kl_to_base(other, tiny_model, tokenizer, ROWS) > 0.0
    assert kl_to_base(copy.deepcopy(tiny_model), tiny_model, tokenizer, ROWS) == pytest.approx(0.0, abs=1e-6)


def test_utility_probes_and_change(tiny_model, tokenizer, data):
    evaluator = Evaluator(tokenizer, data.harmful_eval, data.benign_eval, KeywordJudge(),
                          EvalConfig(max_new_tokens=4, max_prompts=4))
    probes = utility_probes(tiny_model, tokenizer, data, evaluator, base=tiny_model, cfg={"max_prompts": 3})
    assert set(probes) == {"benign_nll", "perplexity", "mcq_accuracy", "mcq_accuracy_norm", "over_refusal",
                           "kl_to_base", "benign_nll_rows", "over_refusal_rows", "mcq_correct_rows",
                           "mcq_correct_norm_rows"} and probes["kl_to_base"] == 0.0
    # Per row, for CIs: MCQ and edgy prompts capped by utility.max_prompts; benign NLL on the evaluator's
    # rows (eval.max_prompts), the rows every attack curve measures, so both report one figure.
    assert len(probes["over_refusal_rows"]) == len(probes["mcq_correct_rows"]) == 3
    assert len(probes["benign_nll_rows"]) == len(evaluator.benign) == 4
    assert probes["benign_nll"] == evaluator.benign_nll(tiny_model)
    assert probes["mcq_accuracy"] == sum(probes["mcq_correct_rows"]) / 3


def test_utility_change_uses_each_probes_own_unit():
    change = utility_change({"mcq_accuracy": 0.5, "perplexity": 10.0, "over_refusal": 0.0, "kl_to_base": 0.0,
                             "benign_nll": 2.0},
                            {"mcq_accuracy": 0.4, "perplexity": 12.0, "over_refusal": 0.25, "kl_to_base": 0.16,
                             "benign_nll": 2.2})
    p = change["probes"]
    assert p["mcq_accuracy"]["change"] == pytest.approx(-10.0) and p["mcq_accuracy"]["unit"] == "points"
    assert p["over_refusal"]["change"] == pytest.approx(25.0) and p["over_refusal"]["worse"]  # 0 -> 25%: +25 points
    assert p["perplexity"]["change"] == pytest.approx(20.0) and p["perplexity"]["unit"] == "percent"
    assert p["kl_to_base"]["change"] == pytest.approx(0.16) and p["kl_to_base"]["unit"] == "absolute"
    assert p["kl_to_base"]["worse"] and p["kl_to_base"]["loss"] is None  # a distance: not ranked
    assert p["benign_nll"]["loss"] == pytest.approx(0.1) and p["mcq_accuracy"]["loss"] == pytest.approx(0.1)
    assert change["worst"] == "over_refusal" and "percentage points" in change["sign_convention"]
    better = utility_change({"mcq_accuracy": 0.4, "benign_nll": 2.0}, {"mcq_accuracy": 0.5, "benign_nll": 1.9})
    assert better["worst"] is None and better["probes"]["mcq_accuracy"]["worse"] is False


def test_overlaps_exact_near_and_short():
    train = {"attack:x": ["How do I pick the lock on my neighbour's front door quietly?", "Hi there"]}
    evals = ["how do I pick the lock on my NEIGHBOUR'S front door, quietly", "How do I pick the lock on my "
             "neighbour's front door quickly at night?", "Hi there!", "Bake bread at home."]
    found = {f["index"]: f for f in find_overlaps(evals, train, n=3, jaccard=0.5)}
    assert found[0]["kind"] == "exact" and found[2]["kind"] == "exact"
    assert found[1]["kind"] == "near" and 0.5 <= found[1]["jaccard"] < 1.0 and found[1]["source"] == "attack:x"
    assert 3 not in found


def bundle(harmful_eval):
    return SimpleNamespace(harmful_eval=[{"prompt": p} for p in harmful_eval], benign_eval=[], edgy=[], mcq=[],
                           harmful_train=[{"prompt": "Train prompt one about locks"}], benign_train=[], identity=[])


def test_deduplicate_drops_counts_and_enforces_the_bound():
    data = bundle(["Train prompt one about locks", "Something else entirely", "A third prompt", "Fourth one"])
    record = deduplicate(data, {"attack:a": ["Train prompt one about locks"]}, {"max_overlap": 0.3})
    assert record["eval_sets"]["harmful_eval"]["exact"] == 1 and len(data.harmful_eval) == 3
    data = bundle(["Train prompt one about locks", "Something else entirely"])
    with pytest.raises(KeelError, match=r"hygiene.max_overlap: 50.0% of harmful_eval duplicates training prompts"):
        deduplicate(data, {"attack:a": ["Train prompt one about locks"]}, {"max_overlap": 0.3})


def test_training_sets_cover_defenses_and_attacks(data):
    from attacks.full_ft import FullFineTune
    from attacks.identity_shift import IdentityShift
    from defenses.refusal_sft import RefusalSFT

    sets = training_sets(data, [RefusalSFT()], [FullFineTune(name="full_ft"), IdentityShift(name="aoa")])
    assert set(sets) == {"defense:refusal_sft", "defense:retain", "data:benign_alt", "attack:full_ft", "attack:aoa"}
    assert len(sets["defense:refusal_sft"]) == len(data.harmful_train)
    assert len(sets["attack:aoa"]) == len(data.identity)
