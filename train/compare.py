"""`keel compare DIR...`: the runs of a sweep (defenses x seeds) in one table and one plot.

    keel compare runs/sweep                   every run directory below runs/sweep (each has report.json)
    keel compare runs/a runs/b out=runs/ab    named run directories; outputs in runs/ab/
    keel compare runs/a runs/b baseline=runs/a  ... and b's hardened model head to head with a's
                                              (train/head_to_head.py): runs/ab/vs_a/b/report.md

One row per (model, defense stack), pooled over the runs of that stack (one run per hardening seed):
  attacker cost   steps to ASR >= tau of the cheapest held-out training attack, hardened / base (each
                  run's headline, attacks/scorecard.py), as the ratio of the means over runs with a
                  paired percentile bootstrap CI (attacks/metrics.py:ratio_with_ci); `>=` when a hardened
                  run was censored at the attack budget, as in report.md.
  utility drop    what hardening cost on MCQ accuracy (percentage points), else on perplexity (%; a run
                  without probes falls back to perplexity from the benign NLL at attack step 0), mean over
                  runs with a percentile bootstrap CI. Positive = the hardened model is worse.
Writes compare.md, compare.csv, compare.json and compare.png (both figures with their CIs) into `out`.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from attacks.metrics import Censored, ratio_with_ci
from train import KeelError
from train.run_dir import (
    READY,
    STAGED,
    apply_staged,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
)
from train.state import check_object, read_json, read_yaml

log = logging.getLogger("keel")
COLUMNS = ["model", "defense", "runs", "seeds", "attacker_cost", "cost_low", "cost_high", "cost_bound",
           "utility_drop_pct", "utility_low", "utility_high", "utility_metric"]


# Folders inside a run dir holding copies of its files, not runs: keel rejudge's kept and staged versions.
KEPT_ASIDE = {"rejudge_previous", STAGED, READY}


def find_reports(paths: list[str]) -> list[Path]:
    """Each path is a run directory or a folder searched recursively for run directories (report.json)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.is_dir():
            raise KeelError(f"runs: no such directory: {raw}")
        found += [path / "report.json"] if (path / "report.json").exists() else sorted(
            p for p in path.rglob("report.json") if not set(p.relative_to(path).parts) & KEPT_ASIDE)
    if not found:
        raise KeelError(f"runs: no report.json under {', '.join(map(str, paths)) or '(nothing given)'}; "
                        f"pass the run directories of finished runs")
    for p in found:
        apply_staged(p.parent)  # a keel rejudge a kill stopped after its commit: finish it before reading
    return list(dict.fromkeys(p.resolve() for p in found))


def _seed(run_dir: Path) -> int | str:
    config = run_dir / "config.yaml"
    if config.exists():
        seed = (read_yaml(config).get("harden") or {}).get("seed")
        if seed is not None:
            return seed
    return run_dir.name


def utility_drop(report: dict) -> tuple[float | None, str | None]:
    """(utility lost by hardening, the probe and unit it was read from); positive = worse. MCQ accuracy
    in percentage points when measured, else perplexity in % (attacks/utility.py:utility_change)."""
    change = ((report.get("utility") or {}).get("change") or {})
    for key, label in (("mcq_accuracy", "mcq_accuracy (points)"), ("perplexity", "perplexity (%)")):
        p = (change.get("probes") or {}).get(key)
        if p:
            return (-p["change"] if p["better"] == "higher" else p["change"]), label
    if change.get("headline_percent") is not None:  # reports of keel versions before per-probe units
        return -float(change["headline_percent"]), change["headline_metric"]
    pairs = [(row["base"]["benign_nll_before_mean"], row["hardened"]["benign_nll_before_mean"])
             for row in report.get("comparison", []) if "base" in row and "hardened" in row]
    if not pairs:
        return None, None
    base, hardened = (float(np.mean(side)) for side in zip(*pairs))
    return 100.0 * math.expm1(hardened - base), "perplexity (attack step 0)"


def load_run(report_path: Path) -> dict:
    """One run's figures for the comparison, from its report.json (and config.yaml for the seed)."""
    report = read_json(report_path, check_object)
    cost = (report.get("headline") or {}).get("cost") or {}
    drop, metric = utility_drop(report)
    defense = "+".join(d["name"] for d in report.get("defenses") or []) or "none"
    return {"dir": str(report_path.parent), "model": (report.get("model") or {}).get("name") or "?",
            "defense": defense, "seed": _seed(report_path.parent), "threshold": report.get("threshold"),
            "cost_base": cost.get("base_mean"), "cost_hardened": cost.get("treated_mean"),
            "base_censored": bool(cost.get("base_censored")), "hardened_censored": bool(cost.get("treated_censored")),
            "cost_display": cost.get("display", "n/a"), "utility_drop_pct": drop, "utility_metric": metric}


def bootstrap_mean_ci(values: list[float], n_boot: int = 2000, seed: int = 0, level: float = 0.95
                      ) -> tuple[float, float] | None:
    """Percentile bootstrap CI of the mean (resampling runs); None with fewer than 2 values."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return None
    means = x[np.random.default_rng(seed).integers(0, len(x), size=(n_boot, len(x)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2], method="lower")
    return float(lo), float(hi)


def _side(value: float, censored: bool) -> Censored:
    return Censored(None if censored else value, value)


def summarize(runs: list[dict], n_boot: int = 2000, seed: int = 0) -> list[dict]:
    """One row per (model, defense): pooled attacker cost ratio and utility drop, with CIs over runs."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for run in runs:
        groups[(run["model"], run["defense"])].append(run)
    rows = []
    for (model, defense), members in sorted(groups.items()):
        members.sort(key=lambda r: str(r["seed"]))
        costed = [r for r in members if r["cost_base"] is not None and r["cost_hardened"] is not None]
        ids = [str(r["seed"]) for r in costed]
        cost = ratio_with_ci([_side(r["cost_base"], r["base_censored"]) for r in costed],
                             [_side(r["cost_hardened"], r["hardened_censored"]) for r in costed],
                             base_seeds=ids, treated_seeds=ids, n_boot=n_boot, seed=seed)
        drops = [r["utility_drop_pct"] for r in members if r["utility_drop_pct"] is not None]
        util_ci = bootstrap_mean_ci(drops, n_boot, seed)
        metrics = sorted({r["utility_metric"] for r in members if r["utility_metric"]})
        rows.append({
            "model": model, "defense": defense, "runs": len(members), "seeds": [r["seed"] for r in members],
            "attacker_cost": cost.get("ratio"), "cost_low": (cost.get("ci") or (None, None))[0],
            "cost_high": (cost.get("ci") or (None, None))[1], "cost_bound": cost.get("bound"),
            "cost_display": cost.get("display", "n/a"),
            "utility_drop_pct": float(np.mean(drops)) if drops else None,
            "utility_low": util_ci[0] if util_ci else None, "utility_high": util_ci[1] if util_ci else None,
            "utility_metric": " / ".join(metrics) or None, "dirs": [r["dir"] for r in members],
        })
    return rows


def _pct(value, ci, metric: str | None = None) -> str:
    if value is None:
        return "n/a"
    text = f"{value:+.1f}" + (" points" if "points" in str(metric) else "%")
    return text + (f" (95% CI {ci[0]:+.1f} to {ci[1]:+.1f})" if ci and ci[0] is not None else " (1 run, no CI)")


def render_markdown(rows: list[dict], runs: list[dict]) -> str:
    taus = sorted({r["threshold"] for r in runs if r["threshold"] is not None})
    tau = "/".join(f"{t:g}" for t in taus) or "tau"
    lines = ["# keel compare", "",
             f"{len(runs)} runs. Attacker cost = steps to ASR>={tau} of the cheapest held-out training attack, "
             "hardened/base, pooled over runs (seeds) with a paired 95% bootstrap CI; `>=` = lower bound "
             "(censored at the budget). Utility drop = what hardening cost on the probe named: MCQ accuracy in "
             "percentage points when measured, else perplexity in % (positive = worse).", "",
             "| model | defense | runs | seeds | attacker cost | utility drop | utility probe |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        seeds = ", ".join(map(str, r["seeds"]))
        lines.append(f"| {r['model']} | {r['defense']} | {r['runs']} | {seeds} | {r['cost_display']} | "
                     f"{_pct(r['utility_drop_pct'], (r['utility_low'], r['utility_high']), r['utility_metric'])} | "
                     f"{r['utility_metric'] or 'n/a'} |")
    lines += ["", "![attacker cost and utility drop per defense](compare.png)", "", "Runs:", ""]
    lines += [f"- `{r['dir']}`: {r['defense']}, seed {r['seed']}, cost {r['cost_display']}" for r in runs]
    if len(taus) > 1:
        lines += ["", f"**Warning**: the runs used different thresholds ({tau}); their costs do not compare."]
    return "\n".join(lines) + "\n"


def render_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "seeds": " ".join(map(str, r["seeds"]))})
    return buf.getvalue()


def plot(rows: list[dict], path: Path) -> None:
    """Two panels, one bar per defense: attacker cost ratio and utility drop, with their 95% CIs; a
    hatched cost bar is a lower bound (censored) or of unknown direction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [r["defense"] if len({x["model"] for x in rows}) == 1 else f"{r['model']}\n{r['defense']}" for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(max(6.0, 1.6 * len(rows) + 3), 3.6))
    for ax, key, low, high, title in ((left, "attacker_cost", "cost_low", "cost_high", "attacker cost (hardened/base)"),
                                      (right, "utility_drop_pct", "utility_low", "utility_high",
                                       "utility drop (points or %, see the table)")):
        values = [r[key] if r[key] is not None and math.isfinite(r[key]) else np.nan for r in rows]
        errors = np.array([[v - r[low], r[high] - v] if r[low] is not None and not np.isnan(v) else [0.0, 0.0]
                           for r, v in zip(rows, values)]).T
        bars = ax.bar(range(len(rows)), values, yerr=errors, capsize=4, color="tab:blue", alpha=0.8)
        for bar, r in zip(bars, rows):
            if key == "attacker_cost" and r["cost_bound"] in ("lower", "unknown", "neither"):
                bar.set_hatch("//")  # a lower bound (or unknown direction): censored at the attack budget
        ax.axhline(1.0 if key == "attacker_cost" else 0.0, color="k", lw=0.8, ls="--")
        ax.set(title=title, xticks=range(len(rows)))
        ax.set_xticklabels(labels, rotation=20, ha="right")
        ax.grid(axis="y", alpha=0.3)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def run_compare(cfg) -> dict:
    """Gather, summarize, write compare.{md,csv,json,png} into `cfg.out`; returns the summary."""
    runs = [load_run(p) for p in find_reports(list(cfg.runs or []))]
    boot = cfg.get("bootstrap") or {}
    rows = summarize(runs, int(boot.get("samples", 2000)), int(boot.get("seed", 0)))
    out = Path(cfg.out)
    atomic_write_text(out / "compare.md", render_markdown(rows, runs))
    atomic_write_text(out / "compare.csv", render_csv(rows))
    atomic_write_json(out / "compare.json", {"rows": rows, "runs": runs})
    plot(rows, out / "compare.png")
    log.info("compared %d runs of %d defense stacks into %s", len(runs), len(rows), out)
    summary = {"rows": rows, "runs": runs, "out": str(out)}
    if cfg.get("baseline"):
        summary["head_to_head"] = compare_with_baseline(runs, Path(cfg.baseline), out)
    return summary


def compare_with_baseline(runs: list[dict], baseline: Path, out: Path) -> list[dict]:
    """Every other run's hardened model vs the baseline run's (train/head_to_head.py), in out/vs_<name>/."""
    from train.head_to_head import head_to_head

    baseline = baseline.expanduser().resolve()
    pairs = []
    for run in runs:
        if Path(run["dir"]).resolve() == baseline:
            continue
        target = out / f"vs_{baseline.name}" / Path(run["dir"]).name
        report = head_to_head(baseline, run["dir"], target)
        pairs.append({"run": run["dir"], "out": str(target), "headline": report["headline"]["text"]})
    if not pairs:
        raise KeelError(f"baseline: {baseline} is the only run given; name the runs to compare with it too")
    return pairs

