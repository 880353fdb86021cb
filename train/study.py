"""`keel study`: several arms (defense stacks) under one attack grid, then one table of them all.

    keel study                                          # conf/study/durability.yaml, runs/durability/
    keel study "overrides=['budget.seeds=[0]']"        # overrides every arm gets, each quoted

Each arm is an ordinary `keel harden` run in STUDY_DIR/<arm>, composed from `overrides` (every arm) and
the arm's own overrides, so it resumes like any run. The base model is the study's first arm, (a): the
first arm's run attacks it, and every later arm takes those finished base attacks instead of repeating
them (train/shared_base.py checks they are the same model under the same attacks, seeds, data, judge and
evaluation). Then every arm is scored head to head against `baseline` (train/head_to_head.py), and
study.{md,json} put the arms side by side per attack, validation attacks (the ones the defenses were tuned
against, `effort.validation_attacks`) apart from test attacks:

    steps to ASR>=tau (censored), harm AUC, examples consumed and FLOPs until tau, per arm: seed mean with
    a 95% bootstrap CI over seeds; every ratio with its CI (arm / base from the arm's own report, arm /
    baseline arm from the head-to-head report); benign NLL and over-refusal with 95% CIs over rows.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

from hydra import compose
from omegaconf import DictConfig

from attacks.intervals import mean_ci, token_mean_ci, wilson
from train import KeelError
from train.head_to_head import head_to_head
from train.run_dir import atomic_write_json, atomic_write_text

log = logging.getLogger("keel")

METRICS = (("steps_to_threshold", "steps to ASR>=tau"), ("examples_to_threshold", "examples consumed to tau"),
           ("flops_to_threshold", "FLOPs to tau"), ("harm_auc", "harm AUC"), ("asr_before", "ASR before attack"))


def arm_overrides(cfg: DictConfig, arm: str, first: str | None) -> list[str]:
    study_dir = Path(cfg.study.dir)
    overrides = [*map(str, cfg.overrides), *map(str, cfg.study.arms[arm] or []),
                 f"run.name={arm}", f"run.dir={study_dir / arm}", f"resume={cfg.resume}"]
    if first is not None:
        overrides.append(f"run.base_results_from={study_dir / first}")
    return overrides


def check_study(cfg: DictConfig) -> list[str]:
    arms = list((cfg.study.get("arms") or {}).keys())
    if not arms:
        raise KeelError("study.arms: no arm; give at least one, e.g. study.arms={sft:[defense=[refusal_sft]]}")
    if cfg.study.get("baseline") and cfg.study.baseline not in arms:
        raise KeelError(f"study.baseline: '{cfg.study.baseline}' is not an arm ({', '.join(arms)})")
    if "base" in arms:
        raise KeelError("study.arms: 'base' names the untouched model, arm (a) of every study; rename that arm")
    return arms


def run_study(cfg: DictConfig) -> dict:
    """Run every arm (resuming finished work), the head-to-head reports and the study table."""
    from train.pipeline import run_pipeline

    arms = check_study(cfg)
    study_dir = Path(cfg.study.dir)
    seconds, reports = {}, {}
    for i, arm in enumerate(arms):
        overrides = arm_overrides(cfg, arm, arms[0] if i else None)
        log.info("study %s: arm %s (%d/%d): keel harden %s", cfg.study.name, arm, i + 1, len(arms),
                 " ".join(overrides))
        t0 = time.perf_counter()
        reports[arm] = run_pipeline(compose(config_name="harden", overrides=overrides))
        seconds[arm] = time.perf_counter() - t0
    baseline = cfg.study.get("baseline")
    pairs = {arm: head_to_head(study_dir / baseline, study_dir / arm, study_dir / f"{arm}_vs_{baseline}")
             for arm in arms if baseline and arm != baseline}
    summary = summarize(study_dir.name, reports, baseline, pairs, seconds, cfg.bootstrap)
    plot_arms(study_dir / "study.png", reports, summary["threshold"])
    atomic_write_json(study_dir / "study.json", summary)
    atomic_write_text(study_dir / "study.md", render_study(summary))
    return summary


ARM_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive")


def plot_arms(path: Path, reports: dict[str, dict], tau: float) -> Path:
    """study.png: ASR vs attack step, every attack and seed, base in red and each arm in its own color."""
    from attacks.plots import plot_effort

    arms = list(reports)
    records = [c for c in reports[arms[0]]["curves"] if c["target"] == "base"]
    for arm, report in reports.items():
        records += [{**c, "target": arm} for c in report["curves"] if c["target"] == "hardened"]
    palette = {"base": "tab:red"} | dict(zip(arms, ARM_COLORS))
    return plot_effort(records, tau, path, palette=palette)


# -- the table -----------------------------------------------------------------------------------------
def _runs(report: dict, target: str, attack: str) -> list[dict]:
    return sorted((r for r in report["runs"] if r["target"] == target and r["attack"] == attack),
                  key=lambda r: r["seed"])


def _cell(runs: list[dict], metric: str, batch: dict, boot: DictConfig) -> dict:
    values, censored = [], 0
    for r in runs:
        v = r.get(metric.replace("examples_", "steps_"))
        if isinstance(v, dict):  # Censored.as_dict(): the value, or the budget (a lower bound) when censored
            censored += bool(v.get("censored"))
            v = v["budget"] if v.get("censored") else v.get("value")
        if metric == "examples_to_threshold" and v is not None:
            v = v * batch.get(r["attack"], 1)
        values.append(v)
    mean, ci = mean_ci(values, int(boot.samples), int(boot.seed))
    return {"mean": mean, "ci": ci, "censored": censored, "n": len(runs), "values": values}


def _ratio_cell(report: dict | None, attack: str, metric: str) -> str:
    if report is None:
        return ""
    metric = "steps_to_threshold" if metric == "examples_to_threshold" else metric  # same batch on both sides
    for row in report.get("comparison", []):
        if row["attack"] == attack and row.get("ratios") and metric in row["ratios"]:
            return row["ratios"][metric]["display"]
    return "n/a"


def _utility(report: dict, target: str, boot: DictConfig) -> dict:
    util = (report.get("utility") or {}).get(target) or {}
    out = dict(util)
    rows = util.get("benign_nll_rows")
    if rows:
        out["benign_nll_ci"] = token_mean_ci(rows, int(boot.samples), int(boot.seed))
    refusals = util.get("over_refusal_rows")
    if refusals:
        out["over_refusal_ci"] = wilson(int(sum(refusals)), len(refusals))
    return out


def _train_seconds(report: dict, target: str) -> float:
    """Attack training wall time summed over a target's attack runs (evaluations not included)."""
    return sum(max((p.get("train_seconds") or 0.0) for p in c["curve"]) for c in report.get("curves", [])
               if c["target"] == target)


def summarize(name: str, reports: dict[str, dict], baseline: str | None, vs_baseline: dict[str, dict],
              seconds: dict, boot: DictConfig) -> dict:
    """The study table from each arm's report and each arm's head-to-head report against `baseline`."""
    arms = list(reports)
    first = reports[arms[0]]
    batch = {a["name"]: a.get("batch_size", 1) for a in first.get("attacks", [])}
    validation = set(first.get("validation_attacks") or [])
    attacks = []
    for row in first["comparison"]:
        attack = row["attack"]
        entry = {"attack": attack, "split": row["split"], "role": "validation" if attack in validation else "test",
                 "recipe": row["recipe"], "metrics": {}}
        for metric, _ in METRICS:
            cells = {"base": _cell(_runs(first, "base", attack), metric, batch, boot)}
            for arm in arms:
                cells[arm] = _cell(_runs(reports[arm], "hardened", attack), metric, batch, boot)
                cells[f"{arm}/base"] = _ratio_cell(reports[arm], attack, metric)
                if arm in vs_baseline:
                    cells[f"{arm}/{baseline}"] = _ratio_cell(vs_baseline[arm], attack, metric)
            entry["metrics"][metric] = cells
        attacks.append(entry)
    utility = {"base": _utility(first, "base", boot)}
    utility.update({arm: _utility(reports[arm], "hardened", boot) for arm in arms})
    hardening = {arm: (reports[arm].get("hardening") or {}).get("seconds") for arm in arms}
    training = {"base": _train_seconds(first, "base")} | {arm: _train_seconds(reports[arm], "hardened")
                                                         for arm in arms}
    return {"study": name, "arms": arms, "baseline": baseline, "threshold": first.get("threshold"),
            "model": first.get("model"), "judge": first.get("judge"), "attacks": attacks, "utility": utility,
            "hardening_seconds": hardening, "attack_train_seconds": training, "call_seconds": seconds,
            "headlines": {arm: reports[arm]["headline"]["text"] for arm in arms}
            | {f"{arm} vs {baseline}": r["headline"]["text"] for arm, r in vs_baseline.items()},
            "defenses": {arm: [d["name"] for d in reports[arm].get("defenses") or []] for arm in arms}}


def _num(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and (abs(x) >= 1e4 or (x and abs(x) < 1e-3)):
        return f"{x:.2e}"
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)


def _show(cell: dict) -> str:
    text = ">=" * bool(cell["censored"]) + _num(cell["mean"])
    if cell["ci"]:
        text += f" [{_num(cell['ci'][0])}, {_num(cell['ci'][1])}]"
    return text + (f" ({cell['censored']}/{cell['n']} censored)" if cell["censored"] else "")


def render_study(summary: dict) -> str:
    arms, baseline, tau = summary["arms"], summary["baseline"], summary["threshold"]
    ratio_cols = [f"{a}/base" for a in arms] + [f"{a}/{baseline}" for a in arms if baseline and a != baseline]
    lines = [f"# keel study: {summary['study']}", "",
             f"Model `{(summary.get('model') or {}).get('name')}`, judge `{(summary.get('judge') or {}).get('name')}`, "
             f"tau = {tau}. Arms: base (a), " + ", ".join(f"{a} ({', '.join(summary['defenses'][a]) or 'none'})"
                                                         for a in arms) + ".", "",
             "Per arm: seed mean [95% bootstrap CI over seeds]; `>=` marks censoring at the attack budget. "
             "Ratios: seed means, 95% bootstrap CI (paired by seed).", "",
             "## In plain words (each arm's report, and each arm head to head with the baseline arm)", ""]
    lines += [f"- **{k}**: {v}" for k, v in summary["headlines"].items()] + [""]
    for role in ("validation", "test"):
        rows = [a for a in summary["attacks"] if a["role"] == role]
        if not rows:
            continue
        lines += [f"## {role.capitalize()} attacks" + (" (the defenses were tuned against these)"
                                                        if role == "validation" else " (tuning never saw these)"), ""]
        lines += ["| attack (part) | figure | base | " + " | ".join(arms) + " | " + " | ".join(ratio_cols) + " |",
                  "|---" * (3 + len(arms) + len(ratio_cols)) + "|"]
        for a in rows:
            for metric, label in METRICS:
                cells = a["metrics"][metric]
                lines.append(f"| {a['attack']} ({a['split']}) | {label.replace('tau', f'{tau:g}')} | "
                             f"{_show(cells['base'])} | " + " | ".join(_show(cells[x]) for x in arms) + " | "
                             + " | ".join(cells.get(c, "") for c in ratio_cols) + " |")
        lines.append("")
    lines += ["## Utility (before any attack)", "", "| figure | base | " + " | ".join(arms) + " |",
              "|---" * (2 + len(arms)) + "|"]
    for key, ci_key, label in (("benign_nll", "benign_nll_ci", "benign NLL [95% CI over rows]"),
                               ("over_refusal", "over_refusal_ci", "over-refusal on edgy prompts [95% Wilson CI]"),
                               ("mcq_accuracy", None, "MCQ accuracy"), ("kl_to_base", None, "KL to base")):
        cells = []
        for side in ["base", *arms]:
            u = summary["utility"].get(side) or {}
            ci = u.get(ci_key) if ci_key else None
            cells.append(_num(u.get(key)) + (f" [{_num(ci[0])}, {_num(ci[1])}]" if ci else ""))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "## Time", "", "| arm | hardening s | attack training s (all attacks and seeds) | "
              "wall s of this `keel study` call |", "|---|---|---|---|",
              f"| base | | {_num(summary['attack_train_seconds']['base'], 4)} | |"]
    for arm in arms:
        lines.append(f"| {arm} | {_num(summary['hardening_seconds'].get(arm), 4)} | "
                     f"{_num(summary['attack_train_seconds'].get(arm), 4)} | "
                     f"{_num(summary['call_seconds'].get(arm), 4)} |")
    lines += ["", "Attack training time excludes the ASR evaluations along each attack; a resumed call only "
              "spends time on what was left.", ""]
    lines += ["![ASR vs attack step, every arm](study.png)", ""]
    lines += ["Examples consumed = steps to tau x the attack's batch size: an upper bound on the distinct "
              "examples the attack needed (the ladder figure N_tau needs effort.examples_ladder). Each arm's "
              "full report: `<arm>/report.md`; head to head: `<arm>_vs_<baseline>/report.md`.", ""]
    return "\n".join(lines)
