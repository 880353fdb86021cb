"""report.json (the machine-readable scorecard, docs/report_schema.md) and report.md (read it first).

Every figure is computed once, here and in the modules it calls, and stored in report.json; report.md
(attacks/report_md.py), the plots (attacks/plots.py), the first paragraph (attacks/headline.py) and the
release card (train/release.py) only render those values.

    runs[]        attacks/scorecard.py:score_run + attacks/figures.py:run_figures (CIs over prompts, resolution)
    comparison[]  attacks/scorecard.py:compare (ratios, CIs over seeds) + figures.side_figures (CIs over prompts)
    headline      the cost of the cheapest attack in scope per model (figures.headline_sides), the
                  treated / base ratio (attacks/scorecard.py:headline_cost), the utility change in each
                  probe's unit (attacks/utility.py:utility_change), and the plain-words paragraph
    resolution    judged steps, prompts per set (and whether they were subsampled), CI methods
"""

from __future__ import annotations

from pathlib import Path

from attacks.figures import (
    annotated_curve,
    headline_ratio_ci,
    headline_sides,
    resolution,
    run_figures,
    run_key,
    side_figures,
    steps_draws,
)
from attacks.headline import plain_words
from attacks.judges.agreement import add_confusion, agreement
from attacks.plots import plot_effort, plot_ratios, plot_utility_harm
from attacks.report_md import render_markdown
from attacks.reproduce import cheapest_per_target
from attacks.scorecard import (
    compare,
    examples_effort,
    headline_cost,
    score_run,
    trials_effort,
    tuning_role,
    worst_case,
)
from attacks.utility import utility_change, utility_cis
from train.run_dir import atomic_write_json, atomic_write_text

PLOTS = {"effort": "effort.png", "ratios": "effort_ratios.png", "utility_harm": "utility_harm.png"}
__all__ = ["PLOTS", "build_report", "render_markdown", "write_report"]


def judge_agreement(results: list[dict]) -> dict | None:
    """Agreement of the primary and secondary judges, summed over every evaluated point of every run."""
    matrix = None
    for r in results:
        for p in r["curve"]:
            if "judge_confusion" in p:
                matrix = add_confusion(matrix, p["judge_confusion"])
    return None if matrix is None else agreement(matrix)


def utility_figures(utility: dict | None, base: str, treated: str) -> dict | None:
    """Each model's probes with their CIs over prompts (`ci`), and the change treated vs base."""
    if not utility:
        return None
    util = {name: {**side, "ci": utility_cis(side)} for name, side in utility.items() if name != "change"}
    if base in util and treated in util:
        util["change"] = utility_change(util[base], util[treated])
    return util


def build_report(results: list[dict], *, tau: float, meta: dict, eps: float | None = None,
                 utility: dict | None = None, search: dict | None = None) -> dict:
    base, treated = meta.get("targets", {}).get("base", "base"), meta.get("targets", {}).get("treated", "hardened")
    validation = list(meta.get("validation_attacks") or [])
    draws = steps_draws(results, tau)  # steps to threshold under shared bootstrap draws of the prompts
    scored = []
    for r in results:
        row = score_run(r, tau, eps) | {"role": tuning_role(r["attack"], validation)}
        scored.append(row | run_figures(r, row, draws.get(run_key(r))))
    util = utility_figures(utility, base, treated)
    comparison = compare(scored, base, treated)
    side_figures(comparison, scored, results, draws, base, treated)
    cost = headline_cost(scored, base, treated)
    sides = headline_sides(scored, draws, (base, treated))
    if cost is not None:
        cost["ci_prompts"] = headline_ratio_ci(sides, base, treated)
    for side in sides.values():
        side.pop("draws")
    split = {s: sorted({r["attack"] for r in scored if r["split"] == s and r["ladder_of"] in (None, r["attack"])})
             for s in ("train", "heldout")}
    split["validation"] = sorted({r["attack"] for r in scored if r["role"] == "validation"})
    report = {
        **meta, "targets": {"base": base, "treated": treated}, "threshold": tau, "utility_eps": eps,
        "headline": {"text": "", "sentences": [], "notes": [], "cost": cost, "sides": sides,
                     "utility": (util or {}).get("change")},
        "split": split, "runs": scored, "comparison": comparison,
        "effort": {"examples_to_threshold": examples_effort(results, tau, eps, base, treated),
                   "worst_case_asr": worst_case(scored, base, treated, eps),
                   "trials_to_threshold": trials_effort(search, base, treated)},
        "utility": util, "judge_agreement": judge_agreement(results),
        "resolution": resolution(results, scored, util, meta),
        "search": _search_summary(search), "cheapest": cheapest_per_target(results, search, tau, eps),
        "plots": PLOTS, "curves": [annotated_curve(r) for r in results],
    }
    sentences, notes = plain_words(report)
    report["headline"].update(text=" ".join(sentences), sentences=sentences, notes=notes)
    return report


def _search_summary(search: dict | None) -> dict | None:
    """The searches without their trials' curves (target -> one record per search seed)."""
    if not search:
        return None
    return {target: [{**s, "trials": [{k: v for k, v in t.items() if k != "curve"} for t in s["trials"]]}
                     for s in runs] for target, runs in search.items()}


def write_report(run_root: str | Path, results: list[dict], *, tau: float, meta: dict, eps: float | None = None,
                 utility: dict | None = None, search: dict | None = None) -> dict:
    run_root = Path(run_root)
    report = build_report(results, tau=tau, meta=meta, eps=eps, utility=utility, search=search)
    plot_effort(report["curves"], tau, run_root / PLOTS["effort"], report["targets"])
    plot_ratios(report, run_root / PLOTS["ratios"])
    plot_utility_harm(report["runs"], run_root / PLOTS["utility_harm"], report["targets"])
    atomic_write_json(run_root / "report.json", report)
    atomic_write_text(run_root / "report.md", render_markdown(report))
    return report
