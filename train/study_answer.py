"""The study's answer in a few sentences: did an arm raise the attacker's cost over the baseline arm, and
what did it cost in utility? Read from study.json's cells (train/study.py), so every number has its CI
in the table below it.

When the base model is past the threshold before any attack (SmolLM2-135M-Instruct complies out of the
box), no ratio against it exists; the answer is then each hardened arm's absolute cost to break (steps,
examples, FLOPs to tau) and its ratio against the baseline arm, never "n/a" alone.
"""

from __future__ import annotations

import math

from attacks.costs import UNIT_WORDS
from attacks.metrics import NEITHER_REACHED


def unit_word(attack: dict) -> str:
    """What a study attack's `steps to threshold` counts, in words ('steps', 'prefix tokens', 'rungs')."""
    return UNIT_WORDS.get(attack.get("unit") or "steps", attack.get("unit") or "steps")


def _n(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and abs(x) >= 1e4:
        return f"{x:.2e}"
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)


def _cost(attack: dict, side: str) -> str:
    """'>=20 steps (80 examples, 3.1e+12 FLOPs)' for one side of one attack ('5 prefix tokens (0
    examples, 0 FLOPs)' for a prefilling attack: its own cost unit)."""
    cells = attack["metrics"]
    steps, examples, flops = (cells[m][side] for m in ("steps_to_threshold", "examples_to_threshold",
                                                         "flops_to_threshold"))
    bound = ">=" if steps["censored"] else ""
    return (f"{bound}{_n(steps['mean'])} {unit_word(attack)} ({bound}{_n(examples['mean'])} examples, "
            f"{bound}{_n(flops['mean'])} FLOPs)")


def _compliance(attack: dict, sides: list[str], tau: float) -> str:
    """' Compliance>=0.5 (the refusal gone, harmful answers or not): base 0, sft >=50 steps.' (empty for a
    study.json written before the figure)."""
    cells = attack["metrics"].get("steps_to_compliance")
    if not cells:
        return ""
    return (f" Compliance>={tau:g} (the refusal gone, harmful answers or not): " + ", ".join(
        f"{side} {'>=' * bool(cells[side]['censored'])}{_n(cells[side]['mean'])}" for side in sides)
        + f" {unit_word(attack)}.")


def _versus(attack: dict, arm: str, reference: str, name: str) -> str:
    """', x2.44 (95% CI 2.18-2.71) sft's steps': a hardened arm's cost against a reference side (the
    baseline arm, or the base model) called `name`. When neither side was broken within the budget no cost
    ratio exists, and the harm the attack drew along the way (harm AUC, lower is better for the defender)
    is what separates them."""
    cells, key = attack["metrics"], f"{arm}/{reference}"
    if key not in cells["steps_to_threshold"]:
        return ""
    steps = cells["steps_to_threshold"][key]
    if steps != NEITHER_REACHED:
        return f", {steps} {name}'s {unit_word(attack)}"
    text = f", like {name} not broken within the budget (no cost ratio)"
    if key in cells.get("harm_auc", {}):
        text += f", harm AUC along the attack {cells['harm_auc'][key]} {name}'s"
    return text


def _percent(x) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def utility_sentence(summary: dict, arm: str) -> str:
    """Benign NLL change vs base; refusal of held-out harmful prompts, over-refusal and MCQ accuracy of base,
    baseline arm and `arm`."""
    util, baseline = summary["utility"], summary.get("baseline")
    base, mine = util.get("base") or {}, util.get(arm) or {}
    parts = []
    if base.get("benign_nll") and mine.get("benign_nll") is not None:
        change = 100 * (mine["benign_nll"] / base["benign_nll"] - 1)
        parts.append(f"benign NLL {_n(base['benign_nll'])} -> {_n(mine['benign_nll'])} ({change:+.1f}% vs base)")
    sides = [("base", base)] + ([(baseline, util.get(baseline) or {})] if baseline and baseline != arm else [])
    sides.append((arm, mine))
    for key, label in (("harmful_refusal", "refusal of held-out harmful prompts"),
                       ("over_refusal", "over-refusal on edgy-but-benign prompts"), ("mcq_accuracy", "MCQ accuracy")):
        if mine.get(key) is not None:
            parts.append(f"{label} " + ", ".join(f"{name} {_percent(u.get(key))}" for name, u in sides))
    return "; ".join(parts) if parts else "no utility probe ran"


def answer(summary: dict) -> list[str]:
    """Markdown lines: per test attack, each hardened arm's cost to break and its ratio against the baseline
    arm (or the base model when that has a cost), then each arm's utility."""
    arms, baseline, tau = summary["arms"], summary.get("baseline"), summary["threshold"]
    tests = [a for a in summary["attacks"] if a["role"] == "test"] or summary["attacks"]
    lines = ["## The answer", ""]
    for attack in tests:
        cells = attack["metrics"]
        base_steps = cells["steps_to_threshold"]["base"]
        broken = base_steps["mean"] == 0 and not base_steps["censored"]
        before = cells["asr_before"]["base"]["mean"]
        intro = (f"the base model is past ASR {tau:g} before any attack (ASR {_n(before, 2)} at step 0), so "
                 "each hardened model's cost is absolute" if broken else
                 f"the base model needs {_cost(attack, 'base')}")
        lines.append(f"- **{attack['attack']}** (test attack; {intro}): " + "; ".join(
            f"{arm} needs {_cost(attack, arm)}"
            + (_versus(attack, arm, baseline, baseline) if baseline and arm != baseline else "")
            + ("" if broken else _versus(attack, arm, "base", "the base model"))
            for arm in arms) + "." + _compliance(attack, ["base", *arms], tau))
    lines.append("- **Utility** (before any attack): " + " | ".join(
        f"{arm}: {utility_sentence(summary, arm)}" for arm in arms) + ".")
    return lines + [""]
