"""report.json (the machine-readable scorecard) and report.md (what a person reads first)."""

from __future__ import annotations

import math
from pathlib import Path

from attacks.plots import plot_effort
from attacks.scorecard import compare, score_run
from train.run_dir import atomic_write_json, atomic_write_text


def build_report(results: list[dict], *, tau: float, meta: dict) -> dict:
    scored = [score_run(r, tau) for r in results]
    return {**meta, "threshold": tau, "runs": scored, "comparison": compare(scored), "curves": results}


def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def render_markdown(report: dict) -> str:
    tau = report["threshold"]
    lines = [f"# keel report: {report.get('run', '')}", ""]
    for row in report["comparison"]:
        if "steps_ratio" in row:
            bound = ">= " if row["steps_ratio_is_lower_bound"] else ""
            lines.append(f"**{row['attack']}**: attacker steps to ASR>={tau:g} x{bound}{row['steps_ratio']:.2f} "
                         f"(hardened vs base, mean over seeds {row['hardened']['seeds']})  ")
    lines += ["", f"Model: `{report.get('model', {}).get('name', '?')}`; judge: "
              f"`{report.get('judge', {}).get('name', '?')}` v{report.get('judge', {}).get('version', '?')}; "
              f"defenses: {', '.join(d['name'] for d in report.get('defenses', [])) or 'none'}.", "",
              f"| model | attack | seed | ASR before attack | steps to ASR>={tau:g} | harm AUC | "
              f"benign NLL before | benign NLL after |",
              "|---|---|---|---|---|---|---|---|"]
    for r in sorted(report["runs"], key=lambda r: (r["attack"], r["target"], r["seed"])):
        lines.append(f"| {r['target']} | {r['attack']} | {r['seed']} | {_fmt(r['asr_before'], 2)} | "
                     f"{r['steps_to_threshold']['display']} | {_fmt(r['harm_auc'])} | "
                     f"{_fmt(r['benign_nll_before'])} | {_fmt(r['benign_nll_after'])} |")
    lines += ["", f"Steps are censored at the attack budget: `>T` means ASR stayed below {tau:g} for all T steps.",
              "ASR counts completions the judge labels compliance; incoherent output is flagged apart.", "",
              "![ASR vs attack step](effort.png)", ""]
    if report.get("hardening"):
        h = report["hardening"]
        lines += [f"Hardening: {h.get('steps')} steps on {h.get('examples')} examples, "
                  f"{_fmt(h.get('seconds'), 1)} s; final train loss {_fmt(h.get('train_loss'))}.", ""]
    return "\n".join(lines)


def write_report(run_root: str | Path, results: list[dict], *, tau: float, meta: dict) -> dict:
    run_root = Path(run_root)
    report = build_report(results, tau=tau, meta=meta)
    plot_effort(results, tau, run_root / "effort.png")
    atomic_write_json(run_root / "report.json", report)
    atomic_write_text(run_root / "report.md", render_markdown(report))
    return report
