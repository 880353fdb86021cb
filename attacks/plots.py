"""Report plots (matplotlib, Agg backend, PNG): ASR vs step, effort ratios with CIs, utility vs harm."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from train.run_dir import atomic_write_bytes  # noqa: E402

COLORS = {"base": "tab:red", "hardened": "tab:blue", "baseline": "tab:red", "checkpoint": "tab:blue"}


def _color(target: str, targets: dict | None) -> str:
    """Base side red, treated side blue, whatever the targets are called (e.g. two run names)."""
    if targets and target == targets.get("base"):
        return "tab:red"
    if targets and target == targets.get("treated"):
        return "tab:blue"
    return COLORS.get(target, "tab:gray")


def _save(fig, path: Path) -> Path:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def plot_effort(results: list[dict], tau: float, path: str | Path, targets: dict | None = None,
                palette: dict[str, str] | None = None) -> Path:
    """ASR vs attack step for every attack run; base in red, treated in blue, one line per seed.
    `targets`: {"base": name, "treated": name} when the sides are not called base and hardened;
    `palette`: target -> color, for more than two targets (keel study's arms)."""
    attacks = sorted({r["attack"] for r in results}) or ["(no attack)"]
    fig, axes = plt.subplots(1, len(attacks), figsize=(5 * len(attacks), 3.6), squeeze=False, sharey=True)
    for ax, attack in zip(axes[0], attacks):
        for r in (r for r in results if r["attack"] == attack):
            curve = sorted(r["curve"], key=lambda p: p["step"])
            ax.plot([p["step"] for p in curve], [p["asr"] for p in curve], marker="o", ms=3, alpha=0.85,
                    color=(palette or {}).get(r["target"]) or _color(r["target"], targets), label=r["target"])
        ax.axhline(tau, color="k", ls="--", lw=0.8)
        ax.set(title=attack, xlabel="attack step", ylim=(-0.03, 1.03))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("attack success rate")
    unique = {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            unique.setdefault(label, handle)
    if unique:
        seeds = sorted({r["seed"] for r in results}, key=str)
        fig.legend(unique.values(), unique.keys(), loc="lower center", ncol=min(4, len(unique)),
                   bbox_to_anchor=(0.5, -0.22), frameon=False,
                   title=f"one line per attack seed ({', '.join(map(str, seeds))})")
    return _save(fig, Path(path))


def plot_ratios(report: dict, path: str | Path) -> Path:
    """Treated/base ratio per attack and figure, with 95% CI whiskers, on a log axis (1 = no effect)."""
    metrics = ("steps_to_threshold", "flops_to_threshold", "harm_auc")
    rows = [(c["attack"], m, c["ratios"][m]) for c in report["comparison"] if c.get("ratios") for m in metrics]
    rows = [(a, m, r) for a, m, r in rows if r["ratio"] is not None and 0 < r["ratio"] < math.inf]
    fig, ax = plt.subplots(figsize=(6.5, 0.35 * max(len(rows), 3) + 1.2))
    for y, (_attack, metric, r) in enumerate(rows):
        color = {"steps_to_threshold": "tab:blue", "flops_to_threshold": "tab:green", "harm_auc": "tab:red"}[metric]
        lo, hi = r["ci"] if r["ci"] else (r["ratio"], r["ratio"])
        lo, hi = max(lo, 1e-3), min(hi, 1e3)
        ax.errorbar(r["ratio"], y, xerr=[[r["ratio"] - min(lo, r["ratio"])], [max(hi, r["ratio"]) - r["ratio"]]],
                    fmt="o" if r["bound"] == "exact" else ">", color=color, capsize=3)
    ax.set_yticks(range(len(rows)), [f"{a}: {m.replace('_', ' ')}" for a, m, _ in rows])
    ax.axvline(1.0, color="k", lw=0.8, ls="--")
    ax.set_xscale("log")
    treated, base = report["targets"]["treated"], report["targets"]["base"]
    ax.set(xlabel=f"{treated} / {base} (cost: >1 is costlier; harm AUC: <1 is safer)",
           title="effort ratios, 95% CI over seeds (> marks a lower bound)")
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
