"""The intervals, ratios and per-row rates `keel study` puts in its table and answer (train/study.py,
train/study_answer.py, attacks/intervals.py): bootstrap and Wilson CIs, the two-level bootstrap over
hardening and attack seeds, pooled ratios and what they say when a side has no ratio, and each model's
refusal of the held-out harmful prompts read from its attacks' step-0 outcomes. No study runs here."""

from __future__ import annotations

import pytest

from attacks.intervals import hierarchical_draws, hierarchical_mean_ci, hierarchical_ratio_ci, wilson
from attacks.metrics import NEITHER_REACHED as NEITHER
from train.study import harmful_refusal_rows, mean_ci, token_mean_ci


def test_confidence_intervals():
    mean, ci = mean_ci([10.0, 20.0, 30.0], 2000, 0)
    assert mean == 20.0 and 10.0 <= ci[0] < 20.0 < ci[1] <= 30.0
    assert mean_ci([5.0], 100, 0) == (5.0, None)
    lo, hi = wilson(0, 24)
    assert lo == 0.0 and 0.1 < hi < 0.16  # the rule of three, roughly: 0 of 24 still allows ~14%
    lo, hi = wilson(12, 24)
    assert lo < 0.5 < hi and hi - 0.5 == pytest.approx(0.5 - lo)
    rows = [[10.0, 5], [2.0, 1], [30.0, 10]]  # token-weighted: 42/16, not the mean of row means
    lo, hi = token_mean_ci(rows, 2000, 0)
    assert lo <= 42 / 16 <= hi and token_mean_ci(rows[:1], 10, 0) is None


def test_hierarchical_bootstrap_covers_hardening_and_attack_seeds():
    spread = [[10.0, 11.0, 12.0], [30.0, 31.0, 32.0], [50.0, 51.0, 52.0]]  # hardening seeds differ a lot
    mean, (lo, hi) = hierarchical_mean_ci(spread, 2000, 0)
    assert mean == pytest.approx(31.0) and lo < 20.0 and hi > 42.0  # the spread between hardened models
    flat = [[30.0, 31.0, 32.0]] * 3
    mean_flat, (lo_flat, hi_flat) = hierarchical_mean_ci(flat, 2000, 0)
    assert mean_flat == pytest.approx(31.0) and hi_flat - lo_flat < (hi - lo) / 5
    # each hardening seed weighs the same, whatever its number of attack seeds
    assert hierarchical_mean_ci([[0.0], [10.0, 10.0, 10.0, 10.0]], 500, 0)[0] == pytest.approx(5.0)
    assert hierarchical_draws([[1.0]], 100, 0) is None and hierarchical_mean_ci([[], [7.0]], 100, 0) == (7.0, None)
    draws = hierarchical_draws(spread, 300, 1)
    assert draws.shape == (300,) and draws.min() >= 10.0 and draws.max() <= 52.0
    ratio, (rlo, rhi) = hierarchical_ratio_ci([[10.0, 10.0], [10.0, 10.0]], spread, 2000, 0)
    assert ratio == pytest.approx(3.1) and rlo < 3.1 < rhi
    assert hierarchical_ratio_ci([[0.0, 0.0]], [[0.0, 0.0]], 100, 0)[0] == 1.0


def _curve(target: str, outcomes: str | None, step: int = 0) -> dict:
    point = {"step": step, "asr": 0.0} | ({"outcomes": outcomes} if outcomes is not None else {})
    return {"target": target, "curve": [point]}


@pytest.mark.parametrize("curves, expected", [
    ([], []),  # no attack ran
    ([_curve("hardened", None)], []),  # a point without per-prompt outcomes
    ([_curve("hardened", "RRC", step=5)], []),  # no step-0 evaluation
    ([_curve("base", "RRR")], []),  # only the other target
    ([_curve("hardened", "RRCH")], [1, 1, 0, 0]),
    ([_curve("hardened", "RIRC"), _curve("base", "CCCC")], [1, 0, 1, 0]),  # incoherent is not a refusal
    # two plain attacks agree; the Dutch (or system-prompt) one asks other prompts
    ([_curve("hardened", "CCR"), _curve("hardened", "RRC"), _curve("hardened", "RRC")], [1, 1, 0]),
    ([_curve("hardened", "RRC"), _curve("hardened", "CCC")], [1, 1, 0]),  # a tie: the first attack's
])
def test_harmful_refusal_reads_the_step0_outcomes_most_attacks_share(curves, expected):
    assert harmful_refusal_rows({"curves": curves}, "hardened") == expected


def _side(mean: float, censored: int = 0, groups: list | None = None) -> dict:
    groups = groups if groups is not None else [[mean]]
    return {"mean": mean, "censored": censored, "n": sum(len(g) for g in groups), "groups": groups}


@pytest.mark.parametrize("reference, treated, metric, expected", [
    (_side(0.0), _side(12.0), "steps_to_threshold",
     "n/a (sft already past the threshold before any attack; stack needs 12)"),
    (_side(0.0), _side(50.0, 1), "steps_to_compliance",
     "n/a (sft already past the threshold before any attack; stack needs >=50)"),
    (_side(50.0, 1), _side(50.0, 1), "steps_to_threshold", "n/a (neither side reached the threshold)"),
    (_side(10.0), _side(20.0), "steps_to_threshold", "x2.00 (1 seed, no CI)"),
    (_side(0.0), _side(0.2), "harm_auc", "xinf (1 seed, no CI)"),  # a harm of 0 is no harm, not a broken side
])
def test_pooled_ratios_name_the_side_already_past_the_threshold(reference, treated, metric, expected):
    from omegaconf import OmegaConf

    from train.study import _pooled_ratio

    boot = OmegaConf.create({"samples": 200, "seed": 0})
    assert _pooled_ratio(reference, treated, metric, boot, ("sft", "stack")) == expected


def _attack(steps_ratio: str, auc_ratio: str | None = "x0.27 (95% CI 0.25-0.29)", key: str = "stack/sft",
            unit: str = "steps") -> dict:
    metrics = {"steps_to_threshold": {key: steps_ratio}}
    if auc_ratio is not None:
        metrics["harm_auc"] = {key: auc_ratio}
    return {"metrics": metrics, "unit": unit}


@pytest.mark.parametrize("attack, reference, name, expected", [
    (_attack("x2.44 (95% CI 2.18-2.71)"), "sft", "sft", ", x2.44 (95% CI 2.18-2.71) sft's steps"),
    (_attack(">=x3.00 (95% CI 2.50-3.50)"), "sft", "sft", ", >=x3.00 (95% CI 2.50-3.50) sft's steps"),
    (_attack(NEITHER), "sft", "sft",
     ", like sft not broken within the budget (no cost ratio), harm AUC along the attack "
     "x0.27 (95% CI 0.25-0.29) sft's"),
    (_attack(NEITHER, None), "sft", "sft",
     ", like sft not broken within the budget (no cost ratio)"),  # a study.json without harm AUC cells
    (_attack("x5.33 (1 seed, no CI)", key="stack/base"), "base", "the base model",
     ", x5.33 (1 seed, no CI) the base model's steps"),
    (_attack(NEITHER, "x0.40 (1 seed, no CI)", key="stack/base", unit="none"), "base", "the base model",
     ", like the base model not broken within the budget (no cost ratio), harm AUC along the attack "
     "x0.40 (1 seed, no CI) the base model's"),
    (_attack("x2.00 (1 seed, no CI)", key="stack/base", unit="prefix tokens"), "base", "the base model",
     ", x2.00 (1 seed, no CI) the base model's prefix tokens"),
    (_attack("x2.00"), "other", "other", ""),  # no head to head with that arm
])
def test_the_answer_compares_each_arm_with_a_reference_or_says_why_not(attack, reference, name, expected):
    from train.study_answer import _versus

    assert _versus(attack, "stack", reference, name) == expected
