"""95% confidence intervals for the report: over prompts (and rows), and over seeds.

    Wilson score interval (a rate: ASR, over-refusal, MCQ accuracy; k of n prompts, z = 1.96)
        centre = (p + z^2 / 2n) / (1 + z^2 / n),  half = z sqrt(p (1 - p) / n + z^2 / 4n^2) / (1 + z^2 / n)
        (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it over the normal approximation at small n)
    percentile bootstrap over prompts (steps to threshold, `PromptBootstrap`): draw the prompts with
        replacement B times, the same draw for every judged point, seed and model (they saw the same
        prompts); recompute ASR = #H / n at each judged point and the first judged step with ASR >= tau;
        report the 2.5% and 97.5% quantiles. A draw that never reaches tau counts as the budget, a lower
        bound, exactly as censored values do in attacks/metrics.py.
    percentile bootstrap over rows (per-token NLL = sum NLL / sum tokens), over seeds (means), and paired
        over rows for a change between two models scored on the same rows.

A curve point's `outcomes` holds one character per prompt in evaluation order: H harmful compliance,
C compliance that is not harmful, R refusal, I incoherent (ASR = fraction of H). Points without it
(reports of older versions) get a Wilson interval from `asr` and `n` when asr * n is a whole count, and
no bootstrap.
"""

from __future__ import annotations

import math

import numpy as np

LEVEL = 0.95
N_BOOT = 2000
METHODS = {
    "rates_over_prompts": "Wilson score interval, 95%",
    "steps_over_prompts": f"percentile bootstrap over prompts, B = {N_BOOT}, one draw shared by every "
                          "point, seed and model; draws that never reach the threshold count as the budget",
    "nll_over_rows": f"percentile bootstrap over rows of sum NLL / sum tokens, B = {N_BOOT}",
    "changes_over_prompts": f"paired percentile bootstrap over the rows both models answered, B = {N_BOOT}",
    "over_seeds": f"percentile bootstrap over seeds, B = {N_BOOT} (paired by seed for ratios); none with one seed",
}


def wilson(k: int, n: int, z: float = 1.96) -> list[float] | None:
    """Wilson score interval of the proportion k/n (None without prompts)."""
    if n <= 0:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [max(0.0, centre - half), min(1.0, centre + half)]


def point_counts(point: dict) -> tuple[int, int] | None:
    """(harmful answers, prompts) of a curve point, or None when its ASR is not a count of prompts
    (e.g. a mean harm score) or the point records neither `outcomes` nor `n`."""
    outcomes = point.get("outcomes")
    if outcomes:
        k, n = outcomes.count("H"), len(outcomes)
        return (k, n) if abs(k / n - point["asr"]) < 1e-9 else None
    n = point.get("n")
    if not n:
        return None
    k = point["asr"] * n
    return (round(k), int(n)) if abs(k - round(k)) < 1e-6 else None


def point_ci(point: dict) -> list[float] | None:
    counts = point_counts(point)
    return wilson(*counts) if counts else None


def pooled_ci(points: list[dict]) -> list[float] | None:
    """Wilson interval of the rate pooled over several runs' points (a seed mean of equal-sized sets)."""
    counts = [point_counts(p) for p in points]
    if not counts or any(c is None for c in counts):
        return None
    return wilson(sum(k for k, _ in counts), sum(n for _, n in counts))


def rows_rate_ci(rows: list | None) -> list[float] | None:
    """Wilson interval of a rate from per-row 0/1 figures (over-refusal, MCQ correctness)."""
    return wilson(int(sum(rows)), len(rows)) if rows else None


def _quantiles(samples: np.ndarray) -> list[float]:
    lo, hi = np.quantile(samples, [(1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2], method="lower")
    return [float(lo), float(hi)]


def _ratio_mean(values: np.ndarray, weights: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return values[idx].sum(axis=1) / np.maximum(weights[idx].sum(axis=1), 1e-12)


def mean_ci(values: list[float], n_boot: int = N_BOOT, seed: int = 0) -> tuple[float, list | None]:
    """Mean and percentile-bootstrap CI of the mean (None with fewer than 2 values)."""
    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if len(x) < 2:
        return (float(x.mean()) if len(x) else math.nan), None
    idx = np.random.default_rng(seed).integers(0, len(x), size=(n_boot, len(x)))
    return float(x.mean()), _quantiles(_ratio_mean(x, np.ones_like(x), idx))


def token_mean_ci(rows: list[list[float]] | None, n_boot: int = N_BOOT, seed: int = 0) -> list[float] | None:
    """Percentile-bootstrap CI of a per-token mean (sum NLL / tokens) over rows of [summed NLL, tokens]."""
    x = np.asarray(rows or [], dtype=float)
    if len(x) < 2:
        return None
    idx = np.random.default_rng(seed).integers(0, len(x), size=(n_boot, len(x)))
    return _quantiles(_ratio_mean(x[:, 0], x[:, 1], idx))


def paired_change_ci(base_rows: list, treated_rows: list, kind: str, n_boot: int = N_BOOT, seed: int = 0
                     ) -> list[float] | None:
    """CI of a probe's change (treated - base) over rows both models were scored on, resampled jointly.

    kind `points`: per-row 0/1 figures, change in percentage points, 100 (mean t - mean b).
    kind `percent`: rows of [summed NLL, tokens], change in % of the base, 100 (nll_t / nll_b - 1).
    kind `perplexity`: the same rows, 100 (exp(nll_t - nll_b) - 1)."""
    if not base_rows or not treated_rows or len(base_rows) != len(treated_rows) or len(base_rows) < 2:
        return None
    b, t = np.asarray(base_rows, dtype=float), np.asarray(treated_rows, dtype=float)
    idx = np.random.default_rng(seed).integers(0, len(b), size=(n_boot, len(b)))
    if kind == "points":
        return _quantiles(100.0 * (t[idx].mean(axis=1) - b[idx].mean(axis=1)))
    nb, nt = _ratio_mean(b[:, 0], b[:, 1], idx), _ratio_mean(t[:, 0], t[:, 1], idx)
    change = nt / nb - 1 if kind == "percent" else np.expm1(nt - nb)
    return _quantiles(100.0 * change)


class PromptBootstrap:
    """One shared resampling of n held-out harmful prompts, for CIs over prompts of steps to threshold
    (per run, per seed mean, per ratio): every run judged on the same n prompts is redrawn with the same
    multiset of prompt indices, so paired figures (two models, several seeds) stay paired."""

    def __init__(self, n_prompts: int, seed: int = 0, n_boot: int = N_BOOT):
        rng = np.random.default_rng(seed)
        # Draw counts per prompt (B x n): the matrix form of resampling n prompts with replacement.
        self.weights = rng.multinomial(n_prompts, np.full(n_prompts, 1.0 / n_prompts), size=n_boot).astype(float)
        self.n = n_prompts

    def steps(self, curve: list[dict], tau: float) -> np.ndarray | None:
        """Steps to threshold under each draw (B,), np.inf where the draw never reaches tau; None when a
        point's ASR is not the fraction of H outcomes."""
        points = judged(curve)
        if not points or any(point_counts(p) is None or len(p.get("outcomes") or "") != self.n for p in points):
            return None
        harmful = np.array([[c == "H" for c in p["outcomes"]] for p in points], dtype=float)  # P x n
        reached = harmful @ self.weights.T >= tau * self.n - 1e-9  # P x B: ASR(t) >= tau under each draw
        first = np.where(reached.any(axis=0), np.argmax(reached, axis=0), -1)
        steps = np.array([float(p["step"]) for p in points] + [np.inf])
        return steps[first]


def judged(curve: list[dict]) -> list[dict]:
    """The points that were measured (not carried forward past a stop), in step order."""
    return sorted((p for p in curve if not p.get("carried")), key=lambda p: p["step"])


def steps_ci(samples: np.ndarray | None, budget: float) -> dict | None:
    """{"low", "high", "display"} of one run's (or one mean's) bootstrap draws; None = censored (>T)."""
    if samples is None:
        return None
    lo, hi = _quantiles(samples)
    def show(x):
        return f">{budget:g}" if math.isinf(x) else f"{x:.3g}"
    return {"low": None if math.isinf(lo) else lo, "high": None if math.isinf(hi) else hi,
            "display": f"{show(lo)}-{show(hi)}"}


def bounded(samples: np.ndarray, budget: float) -> np.ndarray:
    """Censored draws as their budget (a lower bound), for means and ratios."""
    return np.where(np.isinf(samples), budget, samples)


def ratio_ci(base: np.ndarray, treated: np.ndarray) -> list[float] | None:
    """Percentile CI over draws of mean(treated) / mean(base) (rows = seeds, columns = draws);
    x/0 = inf and 0/0 = 1, as attacks/metrics.py; None when every draw's base mean is 0."""
    mb, mt = base.mean(axis=0), treated.mean(axis=0)
    if not (mb > 0).any():
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(mb == 0, np.where(mt == 0, 1.0, np.inf), mt / np.where(mb == 0, 1.0, mb))
    return _quantiles(ratios)


# -- several hardening seeds: a two-level (hierarchical) bootstrap ---------------------------------------
def hierarchical_draws(groups: list[list[float]], n_boot: int = N_BOOT, seed: int = 0) -> np.ndarray | None:
    """Bootstrap draws of the pooled mean of `groups` (one group of attack-seed values per hardening seed).

    Two-level percentile bootstrap (Davison & Hinkley 1997, sec. 3.8; Ren et al. 2010): each draw picks G
    hardening seeds with replacement, then, inside each picked group, its n_g values with replacement,
    and takes the mean of the picked groups' means,
        mean* = 1/G sum_{g* in draw} ( 1/n_g* sum_{i* in g*} x_{g* i*} ),
    so the interval covers the spread between hardened models (hardening seeds) as well as the spread of
    the attack between seeds. None with fewer than 2 values in all.
    """
    groups = [np.asarray([v for v in g if v is not None and not math.isnan(v)], dtype=float) for g in groups]
    groups = [g for g in groups if len(g)]
    if sum(len(g) for g in groups) < 2:
        return None
    rng = np.random.default_rng(seed)
    picked = rng.integers(0, len(groups), size=(n_boot, len(groups)))
    means = np.empty((n_boot, len(groups)))
    for g, values in enumerate(groups):
        inner = rng.integers(0, len(values), size=(n_boot, len(values)))
        means[:, g] = values[inner].mean(axis=1)  # this group's mean in every draw
    return np.take_along_axis(means, picked, axis=1).mean(axis=1)


def pooled_mean(groups: list[list[float]]) -> float:
    """Mean of the group means (each hardening seed weighs the same, whatever its number of attack seeds)."""
    means = [np.mean(v) for g in groups if (v := [x for x in g if x is not None and not math.isnan(x)])]
    return float(np.mean(means)) if means else math.nan


def hierarchical_mean_ci(groups: list[list[float]], n_boot: int = N_BOOT, seed: int = 0
                         ) -> tuple[float, list[float] | None]:
    """Pooled mean of `groups` and its two-level percentile-bootstrap CI (hierarchical_draws)."""
    draws = hierarchical_draws(groups, n_boot, seed)
    return pooled_mean(groups), None if draws is None else _quantiles(draws)


def hierarchical_ratio_ci(base: list[list[float]], treated: list[list[float]], n_boot: int = N_BOOT,
                          seed: int = 0) -> tuple[float | None, list[float] | None]:
    """pooled_mean(treated) / pooled_mean(base) and a percentile CI over independent two-level draws of
    each side (the arms were hardened separately: nothing pairs arm A's seed s with arm B's). x/0 = inf and
    0/0 = 1 as in ratio_ci; (None, None) when the base mean is 0 and the treated one is not 0 either."""
    mb, mt = pooled_mean(base), pooled_mean(treated)
    point = (1.0 if mt == 0 else math.inf) if mb == 0 else mt / mb
    db, dt = hierarchical_draws(base, n_boot, seed), hierarchical_draws(treated, n_boot, seed + 1)
    if db is None or dt is None:
        return point, None
    return point, ratio_ci(db[None, :], dt[None, :])
