"""Report plots (matplotlib, Agg backend, PNG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from train.run_dir import atomic_write_bytes  # noqa: E402

COLORS = {"base": "tab:red", "hardened": "tab:blue"}


def _save(fig, path: Path) -> None:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def plot_effort(results: list[dict], tau: float, path: str | Path) -> Path:
    """ASR vs attack step for every attack run; base in red, hardened in blue, one line per seed."""
    attacks = sorted({r["attack"] for r in results})
    fig, axes = plt.subplots(1, len(attacks), figsize=(5 * len(attacks), 3.6), squeeze=False, sharey=True)
    for ax, attack in zip(axes[0], attacks):
        for r in (r for r in results if r["attack"] == attack):
            curve = sorted(r["curve"], key=lambda p: p["step"])
            ax.plot([p["step"] for p in curve], [p["asr"] for p in curve], marker="o", ms=3, alpha=0.85,
                    color=COLORS.get(r["target"], "tab:gray"), label=f"{r['target']} (seed {r['seed']})")
        ax.axhline(tau, color="k", ls="--", lw=0.8)
        ax.set(title=attack, xlabel="attack step", ylim=(-0.03, 1.03))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("attack success rate")
    handles, labels = axes[0][-1].get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    fig.legend(unique.values(), unique.keys(), loc="lower center", ncol=min(4, len(unique)),
               bbox_to_anchor=(0.5, -0.08), frameon=False)
    path = Path(path)
    _save(fig, path)
    return path
