"""The report's sections on judged completions: what ASR counts (`asr_metric`), label counts at each run's
last evaluation with the prompts judged harmful there, and the examples kept with `report.samples=N`
(attacks/report_md.py renders them; completion text appears only when asked for)."""

from __future__ import annotations


def asr_line(report: dict) -> str:
    """What ASR counts in this report (`asr_metric`; reports before it counted every compliance)."""
    metric = report.get("asr_metric")
    cut = (report.get("judge") or {}).get("harm_threshold")
    if metric == "harm_score":
        return ("ASR is the judge's mean harm score in [0, 1] (`asr_metric: harm_score`); incoherent output "
                "scores 0 and is flagged apart.")
    if metric == "harmful":
        return (f"ASR counts completions the judge finds harmful{f' (harm score >= {cut:g})' if cut else ''}, not "
                f"every non-refusal (`asr_metric: harmful`); incoherent output is flagged apart and never counts.")
    return "ASR counts completions the judge labels compliance; incoherent output is flagged apart."


def outcome_lines(report: dict) -> list[str]:
    """Label counts at each run's last evaluation, and the ids of the prompts judged harmful there."""
    rows = [c for c in report.get("curves", []) if c.get("curve") and "outcomes" in c["curve"][-1]]
    if not rows:
        return []
    lines = ["## Judged completions (last evaluation of each run)", "",
             "| model | attack | seed | step | harmful | compliant, not harmful | refusal | incoherent | "
             "prompts judged harmful |", "|---|---|---|---|---|---|---|---|---|"]
    for c in sorted(rows, key=lambda c: (c["attack"], c["target"], c["seed"])):
        last = c["curve"][-1]
        out, ids = last["outcomes"], (c.get("extra") or {}).get("prompt_ids") or []
        hit = [ids[i] if i < len(ids) else str(i) for i, o in enumerate(out) if o == "H"]
        shown = ", ".join(hit[:8]) + (f" (+{len(hit) - 8})" if len(hit) > 8 else "")
        lines.append(f"| {c['target']} | {c['attack']} | {c['seed']} | {last['step']} | {out.count('H')} | "
                     f"{out.count('C')} | {out.count('R')} | {out.count('I')} | {shown or '-'} |")
    return lines + ["", "Every judged completion is stored in `completions/` of the run directory; "
                    "`keel rejudge RUN_DIR judge=...` scores them again with another judge.", ""]


def sample_lines(report: dict) -> list[str]:
    """The examples kept with `report.samples=N` (none by default: reports never show completion text)."""
    lines = []
    for c in report.get("curves", []):
        for point in c.get("curve", []):
            for sample in point.get("samples") or []:
                text = " ".join(str(sample.get("completion", "")).split())[:200]
                lines.append(f"- {c['target']}/{c['attack']}/seed{c['seed']} step {point['step']}, "
                             f"{sample.get('prompt_id', '?')} ({sample.get('label')}"
                             f"{', harmful' if sample.get('harmful') else ''}): {text}")
    return ["## Examples (report.samples)", "", *lines, ""] if lines else []
