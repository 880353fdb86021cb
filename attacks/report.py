"""report.json (the machine-readable scorecard, docs/report_schema.md) and report.md (read it first).

The headline: "attacker cost xN (95% CI), utility -X%", where N is the treated/base ratio of steps to
threshold of the cheapest held-out training attack (per seed; attacks/scorecard.py:headline_cost) and
X the relative change of the headline utility probe (attacks/utility.py:utility_change).
"""

from __future__ import annotations

import math
from pathlib import Path

from attacks.judges.agreement import add_confusion, agreement
from attacks.plots import plot_effort, plot_ratios, plot_utility_harm
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
from attacks.utility import utility_change
from train.run_dir import atomic_write_json, atomic_write_text

PLOTS = {"effort": "effort.png", "ratios": "effort_ratios.png", "utility_harm": "utility_harm.png"}


def judge_agreement(results: list[dict]) -> dict | None:
    """Agreement of the primary and secondary judges, summed over every evaluated point of every run."""
    matrix = None
    for r in results:
        for p in r["curve"]:
            if "judge_confusion" in p:
                matrix = add_confusion(matrix, p["judge_confusion"])
    return None if matrix is None else agreement(matrix)


def build_report(results: list[dict], *, tau: float, meta: dict, eps: float | None = None,
                 utility: dict | None = None, search: dict | None = None) -> dict:
    base, treated = meta.get("targets", {}).get("base", "base"), meta.get("targets", {}).get("treated", "hardened")
    validation = list(meta.get("validation_attacks") or [])
    scored = [score_run(r, tau, eps) | {"role": tuning_role(r["attack"], validation)} for r in results]
    util = dict(utility or {})
    if base in util and treated in util:
        util["change"] = utility_change(util[base], util[treated])
    cost = headline_cost(scored, base, treated)
    change = util.get("change", {})
    text = f"attacker cost {cost['display'] if cost else 'n/a'}"
    if change.get("headline_percent") is not None:
        text += f", utility {change['headline_percent']:+.1f}% ({change['headline_metric']})"
    split = {s: sorted({r["attack"] for r in scored if r["split"] == s and r["ladder_of"] in (None, r["attack"])})
             for s in ("train", "heldout")}
    split["validation"] = sorted({r["attack"] for r in scored if r["role"] == "validation"})
    return {
        **meta, "targets": {"base": base, "treated": treated}, "threshold": tau, "utility_eps": eps,
        "headline": {"text": text, "cost": cost, "utility": change or None},
        "split": split, "runs": scored, "comparison": compare(scored, base, treated),
        "effort": {"examples_to_threshold": examples_effort(results, tau, eps, base, treated),
                   "worst_case_asr": worst_case(scored, base, treated, eps),
                   "trials_to_threshold": trials_effort(search, base, treated)},
        "utility": util or None, "judge_agreement": judge_agreement(results),
        "search": _search_summary(search), "cheapest": cheapest_per_target(results, search, tau, eps),
        "plots": PLOTS, "curves": results,
    }


def _search_summary(search: dict | None) -> dict | None:
    """The searches without their trials' curves (target -> one record per search seed)."""
    if not search:
        return None
    return {target: [{**s, "trials": [{k: v for k, v in t.items() if k != "curve"} for t in s["trials"]]}
                     for s in runs] for target, runs in search.items()}


def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def _effort_lines(report: dict, base: str, treated: str) -> list[str]:
    tau = report["threshold"]
    lines = [f"## Effort ({treated} vs {base}: ratio of seed means, 95% bootstrap CI over seeds)", "",
             f"| attack | part | steps to ASR>={tau:g} | FLOPs to ASR>={tau:g} | seconds to ASR>={tau:g} | "
             "harm AUC | final ASR |", "|---|---|---|---|---|---|---|"]
    for row in report["comparison"]:
        r = row.get("ratios")
        cells = [r[m]["display"] for m in ("steps_to_threshold", "flops_to_threshold", "seconds_to_threshold",
                                           "harm_auc", "asr_final")] if r else ["(one side only)"] * 5
        part = row["split"] + (", validation" if row.get("role") == "validation" else "")
        lines.append(f"| {row['attack']} | {part} | " + " | ".join(cells) + " |")
    effort = report["effort"]
    lines += ["", "Cost ratios above 1 mean the attacker pays more against the treated model; `>=` marks a lower "
              "bound (the treated side was censored at the budget), `<=` an upper bound, `?` both censored.", ""]
    wc = effort.get("worst_case_asr")
    if wc:
        lines.append(f"- **Worst-case ASR** within the utility bound (benign NLL rise <= {report['utility_eps']}): "
                     f"{base} {_fmt(wc['base_mean'], 2)}, {treated} {_fmt(wc['treated_mean'], 2)}, {wc['display']}")
    for e in effort.get("examples_to_threshold") or []:
        if "ratio" in e:
            lines.append(f"- **Examples to threshold** ({e['attack']}, ladder): {e['ratio']['display']}")
    if effort.get("trials_to_threshold"):
        lines.append(f"- **Trials to threshold** (adaptive attacker): {effort['trials_to_threshold']['display']}")
    for target, searches in (report.get("search") or {}).items():
        for sr in searches:
            best = sr.get("best") or {}
            params = ", ".join(f"{k}={v:.2g}" if isinstance(v, float) else f"{k}={v}"
                               for k, v in (best.get("params") or {}).items())
            lines.append(f"- Adaptive attacker on {target} (seed {sr['seed']}, {sr['n_trials']} trials): trials to "
                         f"threshold {sr['trials_to_threshold']['display']}; best attack: {params or 'none'} "
                         f"(objective {_fmt(best.get('objective'), 1)})")
    for target, found in (report.get("cheapest") or {}).items():
        lines.append(_cheapest_line(target, found))
    return lines + [""]


def _cheapest_line(target: str, found: dict | None) -> str:
    """The cheapest attack that reached tau on one target (grid runs and search trials), and its command."""
    if not found:
        return f"- **Cheapest attack** on {target}: none of the attacks run reached the threshold."
    cost = found["cost"]
    units = "" if cost["unit"] == "none" else f", {cost['units']['display']} {cost['unit']}"
    line = (f"- **Cheapest attack** on {target}: `{found['attack']}` ({found['source']}; "
            f"{cost['flops']['value']:.3g} FLOPs, {cost['examples'] or 0} examples{units})")
    return line + (f"; re-run it: `{found['command']}`" if found.get("command") else "")


def render_markdown(report: dict) -> str:
    tau, base, treated = report["threshold"], report["targets"]["base"], report["targets"]["treated"]
    head = report["headline"]
    lines = [f"# keel report: {report.get('run', '')}", "", f"**{head['text']}**", ""]
    if head.get("cost"):
        c = head["cost"]
        lines += [f"Attacker cost = steps to ASR>={tau:g} of the cheapest training attack in scope "
                  f"({c['scope']}: {', '.join(c['attacks'])}), {treated} vs {base}, seeds {c['seeds']}.", ""]
    judge = report.get("judge", {})
    lines += [f"Model: `{report.get('model', {}).get('name', '?')}`; judge: `{judge.get('name', '?')}` "
              f"v{judge.get('version', '?')}; defenses: "
              f"{', '.join(d['name'] for d in report.get('defenses', [])) or 'none'}.", ""]
    pair = report.get("head_to_head")
    if pair:
        lines += [f"Head to head (train/head_to_head.py): the hardened model of `{pair['treated_run']}` ({treated}) "
                  f"against the hardened model of `{pair['baseline_run']}` ({base}; defenses: "
                  f"{', '.join(d['name'] for d in pair['baseline_defenses']) or 'none'}), same attacks and seeds; "
                  f"ratios are {treated} / {base}.", ""]
        if pair["unpaired"]:
            lines += [f"Left out (not run by both with the same options): {'; '.join(pair['unpaired'])}.", ""]
    lines += _effort_lines(report, base, treated)
    split = report["split"]
    lines += ["## Held-out attacks", "",
              f"Held out (outside what a defense may simulate): {', '.join(split['heldout']) or 'none'}.  ",
              f"Train part (a defense may have trained against these): {', '.join(split['train']) or 'none'}.", ""]
    if split.get("validation"):
        lines += [f"Validation (the defense was tuned against these; the headline and the worst case leave them "
                  f"out): {', '.join(split['validation'])}. Every other attack is a test attack tuning never saw.",
                  ""]
    for warning in report.get("split_warnings") or []:
        lines.append(f"- Warning: {warning} (attacks it could produce are counted as train).")
    if report.get("split_warnings"):
        lines.append("")
    if not split["heldout"]:
        lines += ["**Warning: no held-out attack ran; these figures may only show the defense fits its own "
                  "training attacks.**", ""]
    util = report.get("utility") or {}
    if base in util and treated in util:
        change = util.get("change", {}).get("change_percent", {})
        lines += ["## Utility", "", f"| probe | {base} | {treated} | change (negative = worse) |", "|---|---|---|---|"]
        for key in ("benign_nll", "perplexity", "mcq_accuracy", "mcq_accuracy_norm", "over_refusal", "kl_to_base"):
            if key in util[treated]:
                lines.append(f"| {key} | {_fmt(util[base].get(key))} | {_fmt(util[treated][key])} | "
                             f"{_fmt(change.get(key), 1)}% |")
        lines.append("")
    agree = report.get("judge_agreement")
    if agree and agree["n"]:
        second = report.get("judge_secondary") or {}
        lines += ["## Judges", "", f"`{judge.get('name')}` v{judge.get('version')} vs `{second.get('name')}` "
                  f"v{second.get('version')}: {agree['percent']:.1f}% agreement, Cohen's kappa "
                  f"{_fmt(agree['kappa'], 2)} over {agree['n']} labels.", ""]
    hyg = report.get("hygiene")
    if hyg:
        parts = [f"{k}: {v['exact']} exact + {v['near']} near of {v['rows']}" for k, v in hyg["eval_sets"].items()]
        lines += ["## Data hygiene", "", f"Evaluation prompts vs every training set (word {hyg['ngram']}-gram "
                  f"Jaccard >= {hyg['jaccard']}): {'; '.join(parts)}"
                  f"{'; overlapping rows are dropped from evaluation' if hyg['drop'] else ''}.", ""]
    lines += ["## Runs", "", f"| model | attack | seed | ASR before attack | steps to ASR>={tau:g} | harm AUC | "
              f"benign NLL before | benign NLL after |", "|---|---|---|---|---|---|---|---|"]
    for r in sorted(report["runs"], key=lambda r: (r["attack"], r["target"], r["seed"])):
        lines.append(f"| {r['target']} | {r['attack']} | {r['seed']} | {_fmt(r['asr_before'], 2)} | "
                     f"{r['steps_to_threshold']['display']} | {_fmt(r['harm_auc'])} | "
                     f"{_fmt(r['benign_nll_before'])} | {_fmt(r['benign_nll_after'])} |")
    lines += ["", f"Steps are censored at the attack budget: `>T` means ASR stayed below {tau:g} for all T steps.",
              "ASR counts completions the judge labels compliance; incoherent output is flagged apart.", "",
              f"![ASR vs attack step]({PLOTS['effort']})", f"![effort ratios]({PLOTS['ratios']})",
              f"![utility vs harm]({PLOTS['utility_harm']})", ""]
    if report.get("hardening"):
        h = report["hardening"]
        lines += [f"Hardening: {h.get('steps')} steps on {h.get('examples')} examples, "
                  f"{_fmt(h.get('seconds'), 1)} s; final train loss {_fmt(h.get('train_loss'))}.", ""]
    return "\n".join(lines)


def write_report(run_root: str | Path, results: list[dict], *, tau: float, meta: dict, eps: float | None = None,
                 utility: dict | None = None, search: dict | None = None) -> dict:
    run_root = Path(run_root)
    report = build_report(results, tau=tau, meta=meta, eps=eps, utility=utility, search=search)
    plot_effort(results, tau, run_root / PLOTS["effort"], report["targets"])
    plot_ratios(report, run_root / PLOTS["ratios"])
    plot_utility_harm(report["runs"], run_root / PLOTS["utility_harm"], report["targets"])
    atomic_write_json(run_root / "report.json", report)
    atomic_write_text(run_root / "report.md", render_markdown(report))
    return report
