"""Report plots (matplotlib, Agg backend, PNG): ASR vs attack step, effort ratios, utility vs harm.

Only what was measured is drawn: markers at judged steps (a step line between them, since ASR is known
only at those steps), CI bars only where a CI exists, and every missing ratio named with the reason.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FixedLocator, NullLocator  # noqa: E402

from train.run_dir import atomic_write_bytes  # noqa: E402

COLORS = {"base": "tab:red", "hardened": "tab:blue", "baseline": "tab:red", "checkpoint": "tab:blue"}
MISSING = {"zero_base": "base past the threshold before any attack", "neither": "neither broken within the budget",
           "zero_cost": "the base reached the threshold at no measured cost", "none": "one side did not run"}


def _color(target: str, targets: dict | None) -> str:
    """Base side red, treated side blue, whatever the targets are called (e.g. two run names)."""
    if targets and target == targets.get("base"):
        return "tab:red"
    if targets and target == targets.get("treated"):
        return "tab:blue"
    return COLORS.get(target, "tab:gray")


def _save(fig, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def _threshold(ax, tau: float) -> None:
    ax.axhline(tau, color="k", ls="--", lw=0.8)
    ax.annotate(f"threshold: ASR {tau:g}", xy=(1.0, tau), xycoords=("axes fraction", "data"), xytext=(-4, 3),
                textcoords="offset points", ha="right", va="bottom", fontsize=8)


def plot_effort(results: list[dict], tau: float, path: str | Path, targets: dict | None = None,
                palette: dict[str, str] | None = None) -> Path:
    """ASR vs attack step per attack; one marker per judged point (hollow: judged to locate the threshold
    between grid points), a step line between them, base in red and treated in blue (`palette`: target ->
    color for more sides). With one seed per side, bars give the 95% Wilson CI over prompts (`asr_ci`)."""
    attacks = sorted({r["attack"] for r in results}) or ["(no attack)"]
    fig, axes = plt.subplots(1, len(attacks), figsize=(5 * len(attacks), 3.6), squeeze=False, sharey=True)
    for ax, attack in zip(axes[0], attacks):
        runs = [r for r in results if r["attack"] == attack]
        one_seed = all(sum(x["target"] == r["target"] for x in runs) == 1 for r in runs)
        drew_ci = False
        for r in runs:
            color = (palette or {}).get(r["target"]) or _color(r["target"], targets)
            points = sorted((p for p in r["curve"] if not p.get("carried")), key=lambda p: p["step"])
            x, y = [p["step"] for p in points], [p["asr"] for p in points]
            ax.step(x, y, where="post", color=color, lw=1.0, alpha=0.45)
            for hollow in (False, True):
                chosen = [p for p in points if (p.get("probe") == "bisect") == hollow]
                if chosen:
                    ax.plot([p["step"] for p in chosen], [p["asr"] for p in chosen], "o", ms=4, color=color,
                            mfc="white" if hollow else color, label=r["target"] if not hollow else None)
            cis = [p for p in points if p.get("asr_ci")]
            if one_seed and cis:
                drew_ci = True
                ax.errorbar([p["step"] for p in cis], [p["asr"] for p in cis], fmt="none", ecolor=color, alpha=0.6,
                            capsize=2, yerr=[[max(0.0, p["asr"] - p["asr_ci"][0]) for p in cis],  # Wilson ends at 0 and 1
                                             [max(0.0, p["asr_ci"][1] - p["asr"]) for p in cis]])  # float error
        _threshold(ax, tau)
        unit = next(((r.get("extra") or {}).get("cost_unit") for r in runs), None) or "steps"
        ax.set(title=attack + (" (bars: 95% CI over prompts)" if drew_ci else ""),
               xlabel={"steps": "attack step", "none": "0 = before the edit, 1 = after"}.get(unit, unit),
               ylim=(-0.03, 1.03))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("attack success rate (ASR)")
    unique = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            unique.setdefault(label, handle)
    if unique:
        seeds = sorted({r["seed"] for r in results}, key=str)
        fig.legend(unique.values(), unique.keys(), loc="lower center", ncol=min(4, len(unique)),
                   bbox_to_anchor=(0.5, -0.22), frameon=False,
                   title=f"markers: judged points; one line per attack seed ({', '.join(map(str, seeds))})")
    return _save(fig, Path(path))


def _ticks(lo: float, hi: float) -> list[float]:
    """Readable log-axis ticks covering [lo, hi] (always including 1)."""
    ladder = [m * 10.0 ** e for e in range(-3, 4) for m in (1, 2, 5)]
    ticks = [t for t in ladder if lo <= t <= hi]
    return sorted(set(ticks) | {1.0})


def plot_ratios(report: dict, path: str | Path) -> Path:
    """Treated / base ratio per attack and figure on a log axis (1 = no effect), each labelled with its
    value; whiskers only for ratios with a 95% CI over seeds; a missing ratio is listed with its reason."""
    metrics = {"steps_to_threshold": ("steps to threshold", "tab:blue"),
               "flops_to_threshold": ("FLOPs to threshold", "tab:green"), "harm_auc": ("harm AUC", "tab:red")}
    rows = [(c["attack"], m, (c.get("ratios") or {}).get(m)) for c in report["comparison"] for m in metrics]
    shown = [(a, m, r) for a, m, r in rows if r and r.get("ratio") is not None and 0 < r["ratio"] < math.inf]
    missing = [(a, m, r) for a, m, r in rows if (a, m, r) not in shown]
    labels = [f"{a}: {metrics[m][0]}" for a, m, _ in shown + missing]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * max(len(labels), 2) + 1.4))
    values = [r["ratio"] for _, _, r in shown] + [x for _, _, r in shown for x in (r.get("ci") or ())]
    lo, hi = (min(values + [1.0]) / 2.5, max(values + [1.0]) * 2.5) if values else (0.2, 5.0)
    any_ci = False
    for y, (_attack, metric, r) in enumerate(shown):
        ci = r.get("ci")
        err = None
        if ci:
            any_ci = True
            err = [[r["ratio"] - max(min(ci[0], r["ratio"]), lo)], [min(max(ci[1], r["ratio"]), hi) - r["ratio"]]]
        ax.errorbar(r["ratio"], y, xerr=err, fmt="o" if r["bound"] == "exact" else ">", color=metrics[metric][1],
                    capsize=3)
        prefix = {"lower": ">=", "upper": "<=", "unknown": "?"}.get(r["bound"], "")
        ax.annotate(f"{prefix}x{r['ratio']:.2f}", (r["ratio"], y), xytext=(6, 5), textcoords="offset points", fontsize=8)
    for y, (_attack, _metric, r) in enumerate(missing, start=len(shown)):
        reason = ("the base side is 0" if r and r.get("ratio") == math.inf
                  else MISSING.get((r or {}).get("bound", "none"), "not defined"))
        ax.annotate(f"no ratio: {reason}", (1.0, y), xytext=(0, -3), textcoords="offset points", ha="center",
                    fontsize=8, color="0.35", style="italic", bbox={"fc": "white", "ec": "none", "pad": 1})
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(_ticks(lo, hi)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"x{t:g}" for t in _ticks(lo, hi)])
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.7, max(len(labels), 1) - 0.3)
    ax.invert_yaxis()
    ax.axvline(1.0, color="k", lw=0.8, ls="--")
    treated, base = report["targets"]["treated"], report["targets"]["base"]
    ax.set(xlabel=f"{treated} / {base} (cost: >1 is costlier to attack; harm AUC: <1 is safer)",
           title="effort ratios" + (", bars: 95% CI over seeds" if any_ci else " (one seed: no CI)")
           + (" (> marks a lower bound)" if any(r["bound"] == "lower" for *_, r in shown) else ""))
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, Path(path))


def plot_utility_harm(scored: list[dict], path: str | Path, targets: dict | None = None) -> Path:
    """Each run's final ASR against its benign NLL rise (utility lost by the attack)."""
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for target in sorted({r["target"] for r in scored}):
        rows = [r for r in scored if r["target"] == target]
        ax.scatter([r["benign_nll_increase"] for r in rows], [r["asr_final"] for r in rows], alpha=0.8,
                   color=_color(target, targets), label=target)
    ax.set(xlabel="benign NLL increase after the attack (nats/token)", ylabel="final ASR", ylim=(-0.03, 1.03),
           title="utility vs harm, one point per attack run")
    ax.grid(alpha=0.3)
    if scored:
        ax.legend(frameon=False)
    return _save(fig, Path(path))
