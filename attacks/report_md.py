"""report.md from report.json: every number shown here is a value report.json holds (attacks/report.py);
this module only formats it, with its unit and its CIs."""

from __future__ import annotations

import math

from attacks.headline import PROBE_WORDS, pct, probe_change, si
from attacks.report_judged import asr_line, outcome_lines, sample_lines

PLOT_FILES = {"effort": "effort.png", "ratios": "effort_ratios.png", "utility_harm": "utility_harm.png"}
CI_LEGEND = ("In parentheses: 95% CIs, `seeds` over attack seeds (percentile bootstrap; none with one seed) and "
             "`prompts` over the held-out prompts (Wilson score interval for rates, percentile bootstrap over "
             "prompts for steps).")


def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def _g(x) -> str:
    return "n/a" if x is None else (f"{x:.0f}" if float(x).is_integer() else f"{x:.3g}")


def _rate_ci(ci) -> str:
    return f"{100 * ci[0]:.1f}-{100 * ci[1]:.1f}%" if ci else ""


def _steps_ci(ci) -> str:
    return ci["display"] if isinstance(ci, dict) else (f"{_g(ci[0])}-{_g(ci[1])}" if ci else "")


def _with(text: str, **cis: str) -> str:
    parts = [f"{k} {v}" for k, v in cis.items() if v]
    return text + (f" ({'; '.join(parts)})" if parts else "")


def unit_of(report: dict, attack: str) -> str:
    for r in report["runs"]:
        if r["attack"] == attack:
            return r.get("cost_unit", "steps")
    return "steps"


def ratio_cell(r: dict | None, digits: int = 2) -> str:
    """A ratio object as a table cell: the value with its bound and its CIs, or why there is none."""
    if not r:
        return "(one side only)"
    if r.get("bound") == "zero_base":
        return "n/a: base past the threshold before any attack"
    if r.get("bound") == "zero_cost":
        return "n/a: the base reached the threshold at no measured cost"
    if r.get("bound") == "neither":
        return "n/a: neither broken within the budget"
    if r.get("ratio") is None:
        return "n/a"
    if math.isinf(r["ratio"]):
        return "n/a: the base side is 0"
    prefix = {"exact": "x", "lower": ">=x", "upper": "<=x", "unknown": "?x"}.get(r["bound"], "x")
    def show(c) -> str:
        return "" if not c else "-".join(f"{x:.{digits}f}" if math.isfinite(x) else "inf" for x in c)

    return _with(f"{prefix}{r['ratio']:.{digits}f}", seeds=show(r.get("ci")), prompts=show(r.get("ci_prompts")))


def _cost(value, censored: int, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "none":  # a weight edit: step 0 = before it, step 1 = after
        return "not reached" if censored else ("before the edit" if value == 0 else "after the edit")
    shown = si(value, "FLOPs") if unit == "FLOPs" else f"{_g(value)} {unit}"
    return (">=" if censored else "") + shown


def effort_lines(report: dict) -> list[str]:
    tau, base, treated = report["threshold"], report["targets"]["base"], report["targets"]["treated"]
    lines = [f"## Attacker cost and harm ({treated} vs {base}, seed means)", "", CI_LEGEND, "",
             f"| attack | part | figure | {base} | {treated} | {treated} / {base} |", "|---|---|---|---|---|---|"]
    for row in report["comparison"]:
        unit = unit_of(report, row["attack"])
        part = row["split"] + (", validation" if row.get("role") == "validation" else "")
        ratios = row.get("ratios") or {}
        figures = [("steps_to_threshold", "threshold reached" if unit == "none" else f"{unit} to threshold", unit),
                   ("flops_to_threshold", "FLOPs to threshold", "FLOPs"),
                   ("seconds_to_threshold", "training seconds to threshold", "s"),
                   ("asr_before", "ASR before attack", "rate"), ("asr_final", "final ASR", "rate"),
                   ("harm_auc", "harm AUC (mean ASR over judged steps)", "auc")]
        for i, (metric, label, kind) in enumerate(figures):
            cells = []
            for side in (base, treated):
                s = row.get(side)
                if not s:
                    cells.append("")
                    continue
                ci = (s.get("ci") or {}).get(metric) or {}
                if kind == "rate":
                    cells.append(_with(pct(s[f"{metric}_mean"]), seeds=_rate_ci(ci.get("seeds")),
                                       prompts=_rate_ci(ci.get("prompts"))))
                elif kind == "auc":
                    cells.append(_fmt(s[f"{metric}_mean"]))
                else:
                    cells.append(_with(_cost(s[f"{metric}_mean"], s[f"{metric}_censored"], kind),
                                       seeds=_steps_ci(ci.get("seeds")), prompts=_steps_ci(ci.get("prompts"))))
            ratio = ratio_cell(ratios.get(metric)) if row.get("ratios") else "(one side only)"
            if metric == "asr_before":
                ratio = ""
            lead = f"| {row['attack']} | {part} |" if i == 0 else "| | |"
            lines.append(f"{lead} {label} | {cells[0]} | {cells[1]} | {ratio} |")
    lines += ["", f"The threshold is ASR >= {tau:g}. Cost ratios above 1 mean the attacker pays more against "
              f"{treated}; `>=` marks a lower bound (censored at the budget: not broken within it), `<=` an upper "
              "bound, `?` both censored. Harm ratios below 1 mean less harm.", ""]
    effort = report["effort"]
    wc = effort.get("worst_case_asr")
    if wc:
        lines.append(f"- **Worst-case ASR** within the utility bound (benign NLL rise <= {report['utility_eps']} "
                     f"nats/token): {base} {pct(wc.get('base_mean'))}, {treated} {pct(wc.get('treated_mean'))}, "
                     f"{ratio_cell(wc)}")
    for e in effort.get("examples_to_threshold") or []:
        if "ratio" in e:
            lines.append(f"- **Examples to threshold** ({e['attack']}, ladder): {ratio_cell(e['ratio'])}")
    if effort.get("trials_to_threshold"):
        lines.append(f"- **Trials to threshold** (adaptive attacker): {ratio_cell(effort['trials_to_threshold'])}")
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


def _probe_label(key: str, report: dict) -> str:
    prompts = (report.get("resolution") or {}).get("prompts") or {}
    count = {"over_refusal": ("edgy", "prompts"), "mcq_accuracy": ("mcq", "questions"),
             "mcq_accuracy_norm": ("mcq", "questions"), "benign_nll": ("benign_eval", "benign rows"),
             "kl_to_base": ("benign_eval", "benign rows")}.get(key)
    used = (prompts.get(count[0]) or {}).get("used") if count else None
    return PROBE_WORDS.get(key, key) + (f" ({used} {count[1]})" if used else "")


def _probe_cell(key: str, side: dict) -> str:
    value = side.get(key)
    if value is None:
        return "n/a"
    ci = (side.get("ci") or {}).get(key)
    if key in ("mcq_accuracy", "mcq_accuracy_norm", "over_refusal"):
        return _with(pct(value), prompts=_rate_ci(ci))
    unit = " nats/token" if key in ("benign_nll", "kl_to_base") else ""
    return _with(f"{value:.3f}{unit}", rows=f"{ci[0]:.3f}-{ci[1]:.3f}" if ci else "")


def utility_lines(report: dict) -> list[str]:
    util = report.get("utility") or {}
    base, treated = report["targets"]["base"], report["targets"]["treated"]
    sides = [s for s in (base, treated) if s in util]
    if not sides:
        return []
    keys = [k for k in ("mcq_accuracy", "mcq_accuracy_norm", "over_refusal", "benign_nll", "perplexity",
                        "kl_to_base") if any(util[s].get(k) is not None for s in sides)]
    change = util.get("change")
    lines = ["## Utility (before any attack)", ""]
    if change:
        lines += [f"Change = {change['sign_convention'].removeprefix('change = ')}. In parentheses: 95% CIs over "
                  "prompts (Wilson for rates, a row bootstrap for NLL, a paired bootstrap for changes).", ""]
    head = f"| probe | {' | '.join(sides)} |" + (" change | for users |" if change else "")
    lines += [head, "|---" * (head.count("|") - 1) + "|"]
    for key in keys:
        cells = [_probe_cell(key, util[s]) for s in sides]
        row = f"| {_probe_label(key, report)} | {' | '.join(cells)} |"
        if change:
            p = change["probes"].get(key)
            verdict = "" if p is None else ("same" if p["worse"] is None else "worse" if p["worse"] else "better")
            shown = "" if p is None else probe_change(key, p).replace(", 95% CI over prompts ", " (") + (
                ")" if p.get("ci_prompts") else "")
            row += f" {shown} | {verdict} |"
        lines.append(row)
    lines.append("")
    for s in sides:
        tasks = util[s].get("lm_eval") or {}
        for task, metrics in tasks.items():
            lines.append(f"- lm-eval `{task}` on {s}: " + ", ".join(f"{k} {_fmt(v)}" for k, v in metrics.items()))
    return lines + ([""] if any(util[s].get("lm_eval") for s in sides) else [])


def resolution_lines(report: dict) -> list[str]:
    res = report.get("resolution") or {}
    if not res:
        return []
    lines = ["## How finely this was measured", ""]
    for attack, a in (res.get("attacks") or {}).items():
        unit = a.get("unit", "steps")
        if unit == "none":
            lines.append(f"- {attack}: a weight edit, judged before and after it.")
            continue
        if a["steps"] <= 1:
            how = f"to the {unit.rstrip('s')} ({', '.join(a['methods'])})"
        else:
            how = f"to within {a['steps']} {unit} (ASR judged every {a['steps']} {unit}; {', '.join(a['methods'])})"
        points = a["judged_points"]
        count = str(points[0]) if points[0] == points[1] else f"{points[0]}-{points[1]}"
        lines.append(f"- {attack}: {unit} to threshold known {how}; {count} judged points per run.")
    names = {"harmful_eval": "held-out harmful prompts", "benign_eval": "benign rows (NLL, KL)",
             "edgy": "benign-but-edgy prompts (over-refusal)", "mcq": "MCQ questions"}
    options = res.get("subsample_options") or {}
    option = {"harmful_eval": "eval.max_prompts", "benign_eval": "eval.max_prompts", "edgy": "utility.max_prompts",
              "mcq": "utility.max_prompts"}
    keys = {"eval.max_prompts": "max_prompts", "utility.max_prompts": "utility_max_prompts"}
    for name, p in (res.get("prompts") or {}).items():
        if p.get("used") is None:
            lines.append(f"- Prompts: {p['available']} {names.get(name, name)} available (how many were used is "
                         "not recorded in this report).")
            continue
        of = f"{p['used']} of {p['available']}" if p.get("available") is not None else f"{p['used']}"
        sub = ""
        if p.get("subsampled"):
            value = options.get(keys[option[name]])
            sub = f" (a subsample: {option[name]}={value})" if value is not None else " (a subsample)"
        lines.append(f"- Prompts: {of} {names.get(name, name)}{sub}.")
    if res.get("eval_split") == "validation":
        lines.append("- Rows: the **validation** split (data.eval_split=validation: the held-out rows after "
                     "data.test_rows), for tuning; report the test split.")
    for attack, proxies in (res.get("proxy") or {}).items():
        shown = "; ".join(", ".join(f"{k} {_fmt(v) if isinstance(v, float) else v}" for k, v in p.items())
                          for p in proxies)
        lines.append(f"- Step proxy for {attack} (it only picks where to judge; judged points decide): {shown}.")
    methods = res.get("ci_methods") or {}
    if methods:
        lines.append("- CIs: " + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in methods.items()) + ".")
    return lines + [""]


def runs_lines(report: dict) -> list[str]:
    tau = report["threshold"]
    lines = ["## Runs", "", "One row per attack run. In parentheses: 95% CI over prompts.", "",
             "| model | attack | seed | ASR before attack | cost to threshold | final ASR | harm AUC | "
             "benign NLL after attack | NLL rise during attack |", "|---|---|---|---|---|---|---|---|---|"]
    rows = sorted(report["runs"], key=lambda r: (r["attack"], r["target"], str(r["seed"])))
    for r in rows:
        s = r["steps_to_threshold"]
        steps = (_cost(s["value"] if not s["censored"] else s["budget"], s["censored"], "none")
                 if r.get("cost_unit") == "none" else f"{s['display']} {r.get('cost_unit', 'steps')}")
        lines.append(f"| {r['target']} | {r['attack']} | {r['seed']} | "
                     f"{_with(pct(r['asr_before']), prompts=_rate_ci(r.get('asr_before_ci')))} | "
                     f"{_with(steps, prompts=_steps_ci(r.get('steps_to_threshold_ci')))} | "
                     f"{_with(pct(r['asr_final']), prompts=_rate_ci(r.get('asr_final_ci')))} | {_fmt(r['harm_auc'])} | "
                     f"{_fmt(r['benign_nll_after'])} | {_fmt(r['benign_nll_increase'], 3)} |")
    lines += ["", f"`>T` means ASR stayed below {tau:g} for all T steps (censored at the budget). {asr_line(report)}"]
    return lines + _nll_note(report) + [""]


def _nll_note(report: dict) -> list[str]:
    """Say whether the curves' benign NLL before the attack is the Utility table's figure."""
    util = report.get("utility") or {}
    differs = []
    for target in sorted({r["target"] for r in report["runs"]}):
        before = {round(r["benign_nll_before"], 6) for r in report["runs"] if r["target"] == target
                  and r["benign_nll_before"] is not None and not math.isnan(r["benign_nll_before"])}
        probe = (util.get(target) or {}).get("benign_nll")
        if probe is not None and before and before != {round(probe, 6)}:
            differs.append(f"{target} {', '.join(f'{b:.3f}' for b in sorted(before))} (curves) vs {probe:.3f} (Utility)")
    if differs:
        return ["**Benign NLL before the attack was measured on a different row set by the attack curves than by "
                f"the Utility probe, so these are different figures**: {'; '.join(differs)}."]
    if util:
        return ["Benign NLL before the attack is the Utility table's figure (the same rows)."]
    return []


def curve_lines(report: dict) -> list[str]:
    lines = ["## ASR at each judged step", "", "`step: ASR (95% CI over prompts)`; `*` = judged to locate the "
             "threshold between two grid points (bisection).", "", "| model | attack | seed | ASR at each judged step |",
             "|---|---|---|---|"]
    for c in sorted(report.get("curves", []), key=lambda c: (c["attack"], c["target"], str(c["seed"]))):
        points = [p for p in sorted(c["curve"], key=lambda p: p["step"]) if not p.get("carried")]
        shown = "; ".join(f"{p['step']}{'*' if p.get('probe') == 'bisect' else ''}: {pct(p['asr'])}"
                          + (f" ({_rate_ci(p['asr_ci'])})" if p.get("asr_ci") else "") for p in points)
        lines.append(f"| {c['target']} | {c['attack']} | {c['seed']} | {shown} |")
    return lines + [""]


def context_lines(report: dict) -> list[str]:
    base, treated = report["targets"]["base"], report["targets"]["treated"]
    judge = report.get("judge") or {}
    lines = [f"Model: `{(report.get('model') or {}).get('name', '?')}`; judge: `{judge.get('name', '?')}` "
             f"v{judge.get('version', '?')}; defenses: "
             f"{', '.join(d['name'] for d in report.get('defenses', [])) or 'none'}."]
    if report.get("asr_metric"):
        lines.append(f"ASR metric: {report['asr_metric']}.")
    cost = (report.get("headline") or {}).get("cost")
    if cost:
        lines.append(f"Attacker cost = steps to the threshold of the cheapest training attack in scope ({cost['scope']}: "
                     f"{', '.join(cost['attacks'])}), per seed ({', '.join(map(str, cost['seeds']))}).")
    pair = report.get("head_to_head")
    if pair:
        lines.append(f"Head to head (train/head_to_head.py): the hardened model of `{pair['treated_run']}` ({treated}) "
                     f"against the hardened model of `{pair['baseline_run']}` ({base}; defenses: "
                     f"{', '.join(d['name'] for d in pair['baseline_defenses']) or 'none'}), same attacks and seeds; "
                     f"ratios are {treated} / {base}.")
        if pair["unpaired"]:
            lines.append(f"Left out (not run by both with the same options): {'; '.join(pair['unpaired'])}.")
    return [" ".join(lines), ""]


def split_lines(report: dict) -> list[str]:
    split = report["split"]
    lines = ["## Held-out attacks", "",
             f"Held out (outside what a defense may simulate): {', '.join(split['heldout']) or 'none'}.  ",
             f"Train part (a defense may have trained against these): {', '.join(split['train']) or 'none'}.", ""]
    if split.get("validation"):
        lines += [f"Validation (the defense was tuned against these; the headline and the worst case leave them "
                  f"out): {', '.join(split['validation'])}. Every other attack is a test attack tuning never saw.", ""]
    for warning in report.get("split_warnings") or []:
        lines.append(f"- Warning: {warning} (attacks it could produce are counted as train).")
    if report.get("split_warnings"):
        lines.append("")
    if not split["heldout"]:
        lines += ["**Warning: no held-out attack ran; these figures may only show the defense fits its own "
                  "training attacks.**", ""]
    return lines


def extra_lines(report: dict) -> list[str]:
    lines = []
    judge, agree = report.get("judge") or {}, report.get("judge_agreement")
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
    return lines


def render_markdown(report: dict) -> str:
    plots = report.get("plots") or PLOT_FILES
    lines = [f"# keel report: {report.get('run', '')}", "", report["headline"]["text"], ""]
    lines += context_lines(report) + effort_lines(report) + utility_lines(report) + resolution_lines(report)
    lines += split_lines(report) + extra_lines(report) + runs_lines(report) + curve_lines(report)
    lines += [f"![ASR vs attack step]({plots['effort']})", f"![effort ratios]({plots['ratios']})",
              f"![utility vs harm]({plots['utility_harm']})", ""]
    lines += outcome_lines(report) + sample_lines(report)
    if report.get("hardening"):
        h = report["hardening"]
        lines += [f"Hardening: {h.get('steps')} steps on {h.get('examples')} examples, "
                  f"{_fmt(h.get('seconds'), 1)} s; final train loss {_fmt(h.get('train_loss'))}.", ""]
    return "\n".join(lines)
