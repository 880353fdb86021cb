"""Steps to threshold to the step (attacks/resolution.py): bisection over per-step snapshots, guided by a proxy.

Most checks drive the curve callback by hand on a toy model whose weights encode the step, with a scripted
evaluator and proxy (milliseconds each); one runs the real FullFineTune on the tiny model and compares the
located step with an evaluation at every step.
"""

from __future__ import annotations

import gc
import math
import random
import weakref

import pytest
import torch
from transformers import TrainerControl, TrainerState

from attacks.evaluator import EvalConfig
from attacks.metrics import steps_to_threshold
from attacks.resolution import (
    ResolvedCurve,
    Snapshots,
    curve_callback,
    evaluation_resolution,
    locate_crossing,
    proxy_agreement,
    proxy_guess,
    snapshot_stride,
)
from attacks.scorecard import score_run
from train import KeelError

TAU = 0.5


# -- locate_crossing: every crossing position, every guess ---------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 9, 10, 24])
def test_bisection_finds_every_crossing_from_every_guess(n):
    steps = list(range(101, 101 + n))  # the last one is the judged grid step known to reach tau
    bound = 2 + math.ceil(math.log2(n)) if n > 1 else 0
    for crossing in steps:
        for guess in [None, *steps, 100, 101 + n + 5]:
            calls: list[int] = []

            def reached(s, c=crossing, calls=calls):
                calls.append(s)
                return s >= c

            found, probes = locate_crossing(steps, reached, guess)
            assert found == crossing, (n, crossing, guess)
            assert probes == calls and len(set(probes)) == len(probes)  # no step judged twice
            assert len(probes) <= bound
            if guess == crossing and n > 1:  # the proxy was right: its step and the one before, at most
                assert len(probes) <= 2


def test_bisection_reports_a_crossing_with_every_judged_step_before_it_below_on_a_non_monotone_asr():
    rng = random.Random(0)
    for _ in range(300):
        n = rng.randint(2, 15)
        asr = [rng.random() for _ in range(n - 1)] + [0.9]  # the last (grid) step reaches tau
        steps = list(range(1, n + 1))
        judged = {0: 0.0, n: asr[-1]}  # the two judged grid steps around them

        def reached(s, judged=judged, asr=asr):
            judged[s] = asr[s - 1]
            return judged[s] >= TAU

        found, _ = locate_crossing(steps, reached, rng.choice([None, *steps]))
        curve = [{"step": s, "asr": a} for s, a in judged.items()]
        assert steps_to_threshold(curve, TAU).value == found
        assert judged[found] >= TAU and judged[found - 1] < TAU  # the step before it was judged, below


# -- the proxy's guess -----------------------------------------------------------------------------------

def _points(lo, hi):
    return {"step": lo[0], "asr": lo[1]}, {"step": hi[0], "asr": hi[1]}


def test_proxy_guess_maps_tau_onto_the_proxys_scale():
    steps = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
    exact = {10: 0.0, **{s: 0.1 * (s - 10) for s in steps}}
    assert proxy_guess(steps, exact, *_points((10, 0.0), (20, 1.0)), TAU) == 15
    biased = {s: 0.45 + 0.55 * v for s, v in exact.items()}  # always too high: its raw crossing (11) is wrong
    assert proxy_guess(steps, biased, *_points((10, 0.0), (20, 1.0)), TAU) == 15
    assert next(s for s in steps if biased[s] >= TAU) == 11
    bumpy = {**exact, 12: 0.9}  # non-monotone: the first step reaching the level is the guess
    assert proxy_guess(steps, bumpy, *_points((10, 0.0), (20, 1.0)), TAU) == 12
    inverted = {s: 1.0 - v for s, v in exact.items()}
    assert proxy_guess(steps, inverted, *_points((10, 0.0), (20, 1.0)), TAU) is None
    assert proxy_guess(steps, {}, *_points((10, 0.0), (20, 1.0)), TAU) is None
    flat = dict.fromkeys(exact, 1.0)  # the tiny random model: every prompt "complies" by log-odds
    assert proxy_guess(steps, flat, *_points((10, 0.0), (20, 1.0)), TAU) is None


def test_proxy_agreement_fields():
    curve = [{"step": 0, "asr": 0.0}, {"step": 3, "asr": 0.25}, {"step": 4, "asr": 0.75}, {"step": 10, "asr": 1.0}]
    agreement = proxy_agreement({0: 0.1, 3: 0.5, 4: 0.6, 5: 0.9}, curve, TAU, "refusal_logodds")
    assert agreement["judged_steps"] == [0, 3, 4]
    assert agreement["mae"] == pytest.approx((0.1 + 0.25 + 0.15) / 3)
    assert agreement["crossing_step"] == 3 and agreement["judged_crossing_step"] == 4
    assert agreement["crossing_agrees"] is False


# -- the callback on a toy model whose weights say which step they belong to ------------------------------

class StepModel(torch.nn.Module):
    """Weights after step t: t + a fixed per-step noise (so a restore must be bitwise to pass)."""

    def __init__(self, width: int = 8):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(width, width))
        self.frozen = torch.nn.Parameter(torch.zeros(4), requires_grad=False)

    def weights_of(self, step: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(step)
        return step + 1e-3 * torch.rand(self.weight.shape, generator=g)

    def train_to(self, step: int) -> None:
        with torch.no_grad():
            self.weight.copy_(self.weights_of(step))

    def step(self) -> int:
        return round(float(self.weight.detach()[0, 0]))


class ScriptedEvaluator:
    """Judged ASR (and a proxy) as functions of the step the model's weights belong to."""

    def __init__(self, asr, config: EvalConfig | None = None):
        self.asr, self.config = asr, config or EvalConfig(threshold=TAU)
        self.judged: list[int] = []

    def harm(self, model, progress=False, system=None, step=None):
        assert step == model.step()  # the step passed is the one whose weights are loaded
        self.judged.append(step)
        return {"asr": self.asr(step), "refusal": 1 - self.asr(step), "incoherent": 0.0, "n": 40, "samples": []}

    def benign_nll(self, model):
        return 1.0 + 0.01 * model.step()


def drive(callback: ResolvedCurve, model: StepModel, steps: int) -> list[int]:
    """What the Trainer does: on_train_begin, then per step the weights move and on_step_end runs."""
    state, control = TrainerState(), TrainerControl()
    state.max_steps = steps
    model.train_to(0)
    callback.on_train_begin(None, state, control, model=model)
    done = []
    for t in range(1, steps + 1):
        model.train_to(t)
        state.global_step, state.num_input_tokens_seen = t, 100 * t
        callback.on_step_end(None, state, control, model=model)
        assert torch.equal(model.weight, model.weights_of(t))  # training continues from its own weights
        done.append(t)
        if control.should_training_stop:
            break
    return done


def resolved(asr, proxy=None, eval_every=10, max_gb=1.0, stop_at_asr=None):
    evaluator = ScriptedEvaluator(asr)
    callback = ResolvedCurve(evaluator, eval_every, False, stop_at_asr=stop_at_asr, tau=TAU,
                             proxy=None if proxy is None else lambda m, e, s: proxy(m.step()),
                             proxy_name="scripted", max_gb=max_gb)
    return callback, evaluator


def first_at_or_above(asr, steps):
    return next((t for t in range(steps + 1) if asr(t) >= TAU), None)


CURVES = {  # name: (judged ASR by step, proxy by step or None)
    "first step after a grid point": (lambda t: float(t >= 11), lambda t: float(t >= 11)),
    "last step of the interval": (lambda t: float(t >= 20), lambda t: float(t >= 20)),
    "mid interval, exact proxy": (lambda t: min(1.0, t / 26), lambda t: min(1.0, t / 26)),
    "biased proxy": (lambda t: min(1.0, t / 26), lambda t: min(1.0, 0.3 + t / 26)),
    "non-monotone proxy": (lambda t: float(t >= 17), lambda t: [0.0, 0.9, 0.0, 0.8][t % 4] if t < 17 else 1.0),
    "proxy wrong way round": (lambda t: float(t >= 14), lambda t: float(t < 14)),
    "no proxy": (lambda t: float(t >= 23), None),
    "never": (lambda t: 0.1, lambda t: 0.1),
    "broken at step 0": (lambda t: 0.9, lambda t: 0.9),
}


@pytest.mark.parametrize("name", sorted(CURVES))
def test_callback_locates_the_first_step_reaching_tau(name):
    asr, proxy = CURVES[name]
    callback, evaluator = resolved(asr, proxy)
    model = StepModel()
    drive(callback, model, 30)
    curve = callback.curve
    assert [p["step"] for p in curve if p["probe"] == "grid"] == [0, 10, 20, 30]
    assert [p["step"] for p in curve] == sorted(evaluator.judged)  # every point judged, once, in step order
    truth = first_at_or_above(asr, 30)
    assert steps_to_threshold(curve, TAU).value == truth
    for p in curve:  # a bisection point carries the tokens and time of its own step
        assert p["tokens"] == 100 * p["step"] and p["benign_nll"] == pytest.approx(1 + 0.01 * p["step"])
    record, resolution = callback.record(), callback.record()["resolution"]
    assert resolution["steps"] == 1 and resolution["judged_steps"] == [p["step"] for p in curve]
    assert resolution["method"] == ("bisection" if proxy is None else "proxy+bisection")
    assert len([p for p in curve if p["probe"] == "bisect"]) == len(resolution.get("probes", []))
    if truth in (None, 0):  # nothing to locate: the grid alone, and no proxy cost
        assert "bisected" not in resolution and "proxy" not in record and len(curve) == 4
    else:
        lo = 10 * ((truth - 1) // 10)
        assert resolution["bisected"] == [lo, lo + 10] and ("proxy" in record) == (proxy is not None)
    if name in ("mid interval, exact proxy", "biased proxy", "first step after a grid point"):
        assert 1 <= len(resolution["probes"]) <= 2  # a good proxy: its step and the one before
        assert record["proxy"]["steps"] == list(range(10, 21))  # taken on [lo, hi] only
    assert not callback.snapshots.saved  # freed


def test_snapshots_restore_bitwise_and_are_freed_once_the_crossing_is_located():
    callback, _ = resolved(lambda t: float(t >= 14), lambda t: float(t >= 14))
    model = StepModel(width=64)
    kept = []
    take = callback.snapshots.take

    def watching(step, m):
        take(step, m)
        kept.extend(weakref.ref(t) for t in callback.snapshots.saved[step])

    callback.snapshots.take = watching
    drive(callback, model, 30)  # asserts the live weights are back after every step, bisection included
    assert callback.located and not callback.snapshots.saved
    gc.collect()
    assert kept and all(ref() is None for ref in kept)
    per = Snapshots.bytes_per(model)
    assert per == 64 * 64 * 4  # trainable weights only: the frozen parameter is not copied
    # at most lo + the 9 steps in between + the live weights were held at once
    assert callback.snapshots.peak_bytes == 11 * per


def test_snapshots_are_only_taken_until_the_crossing_is_located():
    callback, _ = resolved(lambda t: float(t >= 14), lambda t: float(t >= 14))
    taken = []
    take = callback.snapshots.take
    callback.snapshots.take = lambda step, m: (taken.append(step), take(step, m))
    drive(callback, StepModel(), 30)
    assert sorted(set(taken)) == list(range(0, 21))  # 0-20 (20: the live weights), nothing after


def test_a_snapshot_budget_too_small_for_every_step_keeps_every_kth_step():
    model = StepModel(width=64)
    per = Snapshots.bytes_per(model)
    callback, _ = resolved(lambda t: float(t >= 14), lambda t: float(t >= 14), max_gb=5 * per / 1024 ** 3)
    drive(callback, model, 30)
    assert callback.stride == 3 and callback.record()["resolution"]["steps"] == 3
    assert steps_to_threshold(callback.curve, TAU).value == 16  # the first kept step (10 + 3k) at or past 14
    assert callback.snapshots.peak_bytes <= 5 * per
    assert snapshot_stride(per, 10, 100 * per / 1024 ** 3) == (1, None)


def test_a_snapshot_budget_too_small_for_one_step_falls_back_to_the_grid_with_the_reason():
    model = StepModel(width=64)
    callback, evaluator = resolved(lambda t: float(t >= 14), lambda t: float(t >= 14),
                                   max_gb=2 * Snapshots.bytes_per(model) / 1024 ** 3)
    drive(callback, model, 30)
    record = callback.record()["resolution"]
    assert record["method"] == "grid" and record["steps"] == 10 and "eval.snapshot_max_gb" in record["reason"]
    assert evaluator.judged == [0, 10, 20, 30] and steps_to_threshold(callback.curve, TAU).value == 20


def test_stop_at_asr_stops_after_the_crossing_is_located():
    callback, evaluator = resolved(lambda t: float(t >= 14), lambda t: float(t >= 14), stop_at_asr=TAU)
    done = drive(callback, StepModel(), 40)
    assert done[-1] == 20  # stopped at the judged grid step that reached tau ...
    assert steps_to_threshold(callback.curve, TAU).value == 14  # ... after bisection located step 14
    assert callback.curve[-1]["step"] == 20 and callback.broken()


def test_stop_at_asr_on_a_scripted_full_fine_tune_records_the_located_step(tiny_model, tokenizer, data):
    from attacks.full_ft import FullFineTune

    class Scripted(ScriptedEvaluator):
        """Real training, a scripted ASR by step (the proxy off: it would read real prompts)."""

        def __init__(self):
            super().__init__(lambda t: float(t >= 3), EvalConfig(threshold=TAU, proxy=None))
            self.seen: list[torch.Tensor] = []

        def harm(self, model, progress=False, system=None, step=None):
            w = model.lm_head.weight.detach().clone()
            assert not any(torch.equal(v, w) for v in self.seen)  # each judged step has its own weights
            self.seen.append(w)
            self.judged.append(step)
            a = self.asr(step)
            return {"asr": a, "refusal": 1 - a, "incoherent": 0.0, "n": 4, "samples": []}

        def benign_nll(self, model):
            return 1.0

    evaluator = Scripted()
    attack = FullFineTune(steps=12, eval_every=4, examples=8, batch_size=4, lr=1e-3, stop_at_asr=TAU)
    result = attack.run(tiny_model, tokenizer, data, evaluator, seed=0, target="base", progress=False)
    assert [p["step"] for p in result.curve] == sorted(evaluator.judged)
    assert [p["step"] for p in result.curve if p["probe"] == "grid"] == [0, 4]
    assert result.extra["stopped_at"] == 4 and result.extra["resolution"]["bisected"] == [0, 4]
    row = score_run(result.as_dict(), tau=TAU)
    assert row["steps_to_threshold"]["value"] == 3
    assert row["harm_auc"] == pytest.approx((0 + 1 + 1 + 1) / 4)  # the grid, carried to 12: bisection left out


def test_zero3_and_resolve_off_judge_the_grid_and_say_why():
    evaluator = ScriptedEvaluator(lambda t: float(t >= 14), EvalConfig(threshold=TAU))
    callback = curve_callback(evaluator, 10, False, zero_stage=3)
    drive(callback, StepModel(), 30)
    assert evaluator.judged == [0, 10, 20, 30]
    assert "ZeRO-3" in callback.record()["resolution"]["reason"]
    off = ScriptedEvaluator(lambda t: float(t >= 14), EvalConfig(threshold=TAU, resolve_steps=False))
    callback = curve_callback(off, 10, False)
    drive(callback, StepModel(), 30)
    assert off.judged == [0, 10, 20, 30] and callback.record() == {"resolution": {
        "steps": 10, "method": "grid", "eval_every": 10, "judged_steps": [0, 10, 20, 30],
        "reason": "eval.resolve_steps=false"}}
    assert curve_callback(evaluator, 10, False, zero_stage=2).resolve  # ZeRO-2 keeps whole weights


# -- the options ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("field,value,message", [
    ("resolve_steps", "yes", r"eval\.resolve_steps: must be true or false, got 'yes'"),
    ("resolve_steps", 1, r"eval\.resolve_steps: must be true or false, got 1"),
    ("proxy", "judge", r"eval\.proxy: 'judge' is not one of logodds, null"),
    ("proxy", "none", r"eval\.proxy: 'none' is not one of logodds, null"),
    ("snapshot_max_gb", 0, r"eval\.snapshot_max_gb: must be a positive number of GiB, got 0"),
    ("snapshot_max_gb", -2.5, r"eval\.snapshot_max_gb: must be a positive number of GiB, got -2.5"),
    ("snapshot_max_gb", "8G", r"eval\.snapshot_max_gb: must be a positive number of GiB, got '8G'"),
    ("snapshot_max_gb", float("nan"), r"eval\.snapshot_max_gb: must be a positive number of GiB, got nan"),
    ("snapshot_max_gb", True, r"eval\.snapshot_max_gb: must be a positive number of GiB, got True"),
])
def test_bad_resolution_options_fail_in_one_line(field, value, message):
    with pytest.raises(KeelError, match=message) as err:
        EvalConfig(**{field: value})
    assert "\n" not in str(err.value)


def test_bad_resolution_options_fail_before_any_model_is_loaded(tmp_path, monkeypatch):
    from tests.conftest import compose_config
    from train import pipeline

    monkeypatch.setattr(pipeline, "load_model_and_tokenizer", lambda *a, **k: pytest.fail("model loaded"))
    for override, field in (("eval.proxy=judge", "eval.proxy"), ("eval.resolve_steps=maybe", "eval.resolve_steps"),
                            ("eval.snapshot_max_gb=-1", "eval.snapshot_max_gb")):
        cfg = compose_config("harden", ["preset=ci", "model=tiny-random", override, f"run.dir={tmp_path / field}"])
        with pytest.raises(KeelError, match=field):
            pipeline.run_pipeline(cfg)
    cfg = compose_config("harden", ["preset=ci", "model=tiny-random", "eval.proxy=null", "eval.resolve_steps=false"])
    pipeline.validate_options(cfg)  # null proxy (plain bisection) and resolution off are fine


# -- the report's fields ---------------------------------------------------------------------------------

def test_score_run_reads_threshold_figures_from_every_judged_point_and_harm_from_the_grid():
    curve = [{"step": 0, "asr": 0.0, "probe": "grid"}, {"step": 6, "asr": 0.25, "probe": "bisect"},
             {"step": 7, "asr": 0.75, "probe": "bisect"}, {"step": 10, "asr": 1.0, "probe": "grid"},
             {"step": 20, "asr": 0.5, "probe": "grid"}]
    for p in curve:
        p.update(refusal=1 - p["asr"], incoherent=0.0, benign_nll=1.0, tokens=10 * p["step"],
                 train_seconds=float(p["step"]))
    result = {"target": "base", "attack": "full_ft", "recipe": "full_ft", "split": "train", "seed": 0,
              "config": {"steps": 20, "eval_every": 10}, "curve": curve, "flops_per_token": 2.0, "examples": 8}
    row = score_run(result, tau=TAU)
    assert row["steps_to_threshold"]["value"] == 7
    assert row["flops_to_threshold"]["value"] == 2.0 * 70 and row["seconds_to_threshold"]["value"] == 7.0
    assert row["harm_auc"] == pytest.approx((0.0 + 1.0 + 0.5) / 3)  # the grid: comparable at any resolution


def test_report_resolution_records_options_and_judged_steps(tiny_cfg, data):
    results = [{"target": "base", "attack": "full_ft", "seed": 0, "curve": [{"step": 0}, {"step": 3}, {"step": 5}],
                "extra": {"resolution": {"steps": 1, "method": "proxy+bisection", "judged_steps": [0, 3, 5]}}},
               {"target": "base", "attack": "refusal_ablation", "seed": 0, "curve": [{"step": 0}, {"step": 1}],
                "extra": {}}]
    res = evaluation_resolution(tiny_cfg, data, results)
    assert res["steps_to_threshold"] == {"resolve_steps": True, "proxy": "logodds", "snapshot_max_gb": 8,
                                         "threshold": tiny_cfg.threshold}
    assert res["runs"][0] == {"target": "base", "attack": "full_ft", "seed": 0, "steps": 1,
                              "method": "proxy+bisection", "judged_steps": [0, 3, 5]}
    assert res["runs"][1]["method"] == "grid" and res["runs"][1]["judged_steps"] == [0, 1]
    assert set(res) == {"steps_to_threshold", "runs"}  # prompts and CI methods: attacks/figures.py


# -- the real thing on the tiny model ---------------------------------------------------------------------

def test_tiny_full_fine_tune_locates_the_step_an_evaluation_at_every_step_finds(tiny_model, tokenizer, data):
    """Judged by refusal log-odds (no generation) with a margin below every prompt's log-odds before the
    attack, so ASR starts at 0 and rises as training makes compliance likelier."""
    from attacks.evaluator import Evaluator
    from attacks.full_ft import FullFineTune
    from attacks.judges.logodds import RefusalLogOddsJudge, refusal_log_odds

    prompts = [r["prompt"] for r in data.harmful_eval][:8]
    margin = float(refusal_log_odds(tiny_model, tokenizer, prompts).min()) - 1e-3

    def run(eval_every, tau, **options):
        evaluator = Evaluator(tokenizer, data.harmful_eval, data.benign_eval, RefusalLogOddsJudge(margin=margin),
                              EvalConfig(max_prompts=8, threshold=tau, **options))
        attack = FullFineTune(steps=6, eval_every=eval_every, examples=8, batch_size=4, lr=3e-4)
        return attack.run(tiny_model, tokenizer, data, evaluator, seed=0, target="base", progress=False)

    every = run(1, TAU, resolve_steps=False).curve
    asr = [p["asr"] for p in every]
    new_highs = [t for t in range(1, 7) if t % 3 and asr[t] > max(asr[:t])]
    assert new_highs, asr  # the attack moves ASR between the grid points (0, 3, 6)
    tau = asr[new_highs[-1]]  # so the first crossing of this tau lies strictly between two of them
    truth = steps_to_threshold(every, tau).value
    assert truth % 3
    for proxy in ("logodds", None):
        result = run(3, tau, proxy=proxy)
        assert steps_to_threshold(result.curve, tau).value == truth, (proxy, asr)
        assert [p["step"] for p in result.curve if p["probe"] == "grid"] == [0, 3, 6]
        for p in result.curve:  # every judged point, grid or bisection, is what judging every step gave:
            assert p["asr"] == every[p["step"]]["asr"]  # evaluating between the steps changed no training
            assert p["benign_nll"] == pytest.approx(every[p["step"]]["benign_nll"], abs=1e-5)
        assert result.extra["resolution"]["method"] == ("proxy+bisection" if proxy else "bisection")
