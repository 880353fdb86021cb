"""Hand-made attack results and utility probes for the report tests (attacks/report.py and friends).

A curve is given as the number of harmful answers (H) among `n` prompts at each judged step; every point
carries the per-prompt `outcomes` string the judges write (H harmful, R refusal), or not (`old=True`:
reports of keel versions before CIs over prompts).
"""

from __future__ import annotations

import random


def outcomes(k: int, n: int) -> str:
    """k H among n prompts: the same (easier) prompts break first on every run, as on a real model."""
    return "H" * k + "R" * (n - k)


def curve(ks: list[int], n: int = 20, every: int = 10, nll0: float = 2.0, old: bool = False,
          tokens_per_step: int = 100) -> list[dict]:
    points = []
    for i, k in enumerate(ks):
        point = {"step": every * i, "asr": k / n, "refusal": 1 - k / n, "incoherent": 0.0,
                 "benign_nll": nll0 + 0.05 * i, "tokens": tokens_per_step * every * i, "train_seconds": 2.0 * i}
        if not old:
            point.update(n=n, outcomes=outcomes(k, n))
        points.append(point)
    return points


def result(target: str, ks: list[int], *, attack: str = "lora", split: str = "heldout", seed: int = 0,
           n: int = 20, every: int = 10, batch: int = 4, extra: dict | None = None, old: bool = False,
           nll0: float = 2.0, flops_per_token: float = 6.0e9) -> dict:
    return {"attack": attack, "recipe": attack, "split": split, "target": target, "seed": seed,
            "config": {"steps": every * (len(ks) - 1), "eval_every": every, "batch_size": batch},
            "curve": curve(ks, n, every, nll0, old=old), "flops_per_token": flops_per_token,
            "examples": 64, "extra": dict(extra or {})}


def rows(ones: int, n: int) -> list[int]:
    return [1] * ones + [0] * (n - ones)


def nll_rows(nll: float, count: int = 40) -> list[list[float]]:
    rng = random.Random(int(nll * 1000))
    out = []
    for _ in range(count):
        tokens = rng.randint(5, 30)
        out.append([tokens * (nll + rng.uniform(-0.3, 0.3)), tokens])
    total = sum(r[0] for r in out) / sum(r[1] for r in out)
    return [[r[0] * nll / total, r[1]] for r in out]  # rescaled: the token mean is exactly `nll`


def utility_side(nll: float, mcq: int, refused: int, kl: float | None = None, n_mcq: int = 24, n_edgy: int = 24
                 ) -> dict:
    import math

    side = {"benign_nll": nll, "perplexity": math.exp(nll), "benign_nll_rows": nll_rows(nll),
            "mcq_accuracy": mcq / n_mcq, "mcq_correct_rows": rows(mcq, n_mcq),
            "over_refusal": refused / n_edgy, "over_refusal_rows": rows(refused, n_edgy)}
    if kl is not None:
        side["kl_to_base"] = kl
    return side


META = {"run": "t", "model": {"name": "tiny"}, "judge": {"name": "refusal", "version": "2"}, "defenses": [],
        "data": {"harmful_eval": 73, "benign_eval": 48, "edgy": 64, "mcq": 64},
        "evaluation": {"harmful_prompts": 20, "benign_rows": 40, "max_prompts": 20, "utility_max_prompts": 24}}
