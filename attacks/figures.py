"""The report's derived figures, each computed once here and only rendered elsewhere (attacks/report_md.py,
attacks/headline.py, train/release.py):

    run_figures      per attack run: cost unit, prompts judged, how finely steps were resolved, Wilson CIs
                     over prompts of ASR before / after, a bootstrap CI over prompts of steps to threshold,
                     examples consumed until the threshold (steps x batch size)
    side_figures     per attack and model: seed means of ASR and steps with CIs over seeds and prompts
    headline_sides   the headline's absolute cost per model: steps, examples, FLOPs and seconds of the
                     cheapest attack in scope, per seed, averaged over seeds
    resolution       the evaluation's resolution: judged steps per attack, prompts per set (and whether
                     they were subsampled), the CI methods, the step proxy's agreement where one ran

CI definitions: attacks/intervals.py.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from attacks.intervals import (
    METHODS,
    PromptBootstrap,
    bounded,
    judged,
    mean_ci,
    point_ci,
    pooled_ci,
    ratio_ci,
    steps_ci,
)
from attacks.metrics import Censored
from attacks.scorecard import headline_pool, main_runs

Key = tuple


def run_key(r: dict) -> Key:
    return (r["target"], r["attack"], r["seed"])


def steps_draws(results: list[dict], tau: float) -> dict[Key, np.ndarray]:
    """Steps to threshold under each bootstrap draw of the prompts, per run with `outcomes` at every
    judged point; runs judged on the same number of prompts share the draws (paired)."""
    boots: dict[int, PromptBootstrap] = {}
    out = {}
    for r in results:
        points = judged(r["curve"])
        if not points or not points[0].get("outcomes"):
            continue
        n = len(points[0]["outcomes"])
        boot = boots.setdefault(n, PromptBootstrap(n))
        draws = boot.steps(r["curve"], tau)
        if draws is not None:
            out[run_key(r)] = draws
    return out


def resolution_of(result: dict) -> dict:
    """How finely a run's steps to threshold is known: `extra.resolution` when the run recorded it, else
    the regular grid (every `eval_every` steps) its judged points lie on."""
    recorded = (result.get("extra") or {}).get("resolution")
    steps = [p["step"] for p in judged(result["curve"])]
    if recorded:
        return {"steps": recorded.get("steps"), "method": recorded.get("method", "?"),
                "judged_steps": recorded.get("judged_steps", steps)}
    gaps = [b - a for a, b in zip(steps, steps[1:])]
    every = (result.get("config") or {}).get("eval_every") or (max(gaps) if gaps else 1)
    return {"steps": every, "method": "grid", "judged_steps": steps}


def run_figures(result: dict, row: dict, draws: np.ndarray | None) -> dict:
    """Fields added to a runs[] row (see the module docstring)."""
    points = judged(result["curve"])
    config = result.get("config") or {}
    out = {"cost_unit": (result.get("extra") or {}).get("cost_unit", "steps"),
           "n_prompts": points[0].get("n") or len(points[0].get("outcomes") or "") or None,
           "resolution": resolution_of(result),
           "asr_before_ci": point_ci(points[0]), "asr_final_ci": point_ci(points[-1]),
           "steps_to_threshold_ci": steps_ci(draws, row["steps_to_threshold"]["budget"])}
    if row["trains"] and config.get("batch_size"):
        steps, batch = row["steps_to_threshold"], int(config["batch_size"])
        out["examples_to_threshold"] = Censored(None if steps["censored"] else steps["value"] * batch,
                                                steps["budget"] * batch).as_dict()
    return out


def annotated_curve(result: dict) -> dict:
    """A copy of an attack result whose judged points carry `asr_ci` (Wilson, over prompts)."""
    return {**result, "curve": [p if p.get("carried") else {**p, "asr_ci": point_ci(p)} for p in result["curve"]]}


def _mean_draws(rows: list[dict], draws: dict[Key, np.ndarray]) -> np.ndarray | None:
    """Per draw, the mean over rows (seeds) of steps to threshold, censored draws as the budget."""
    if not rows or any(run_key(r) not in draws for r in rows):
        return None
    return np.stack([bounded(draws[run_key(r)], r["steps_to_threshold"]["budget"]) for r in rows]).mean(axis=0)


def side_figures(comparison: list[dict], scored: list[dict], results: list[dict], draws: dict[Key, np.ndarray],
                 base: str, treated: str) -> None:
    """Adds `ci` to each side of each comparison row (seed means of ASR before/after and steps, with CIs
    over seeds and prompts) and `ci_prompts` to the steps ratio. In place."""
    by_key = {run_key(r): r for r in results}
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in main_runs(scored):
        groups[(row["attack"], row["target"])].append(row)
    for entry in comparison:
        for target in [t for t, side in entry.items() if isinstance(side, dict) and "seeds" in side]:
            rows = sorted(groups[(entry["attack"], target)], key=lambda r: r["seed"])
            ci = {}
            for field, index in (("asr_before", 0), ("asr_final", -1)):
                points = [judged(by_key[run_key(r)]["curve"])[index] for r in rows]
                ci[field] = {"seeds": mean_ci([r[field] for r in rows])[1], "prompts": pooled_ci(points)}
            budget = max(r["steps_to_threshold"]["budget"] for r in rows)
            mean = _mean_draws(rows, draws)
            ci["steps_to_threshold"] = {
                "seeds": mean_ci([Censored.from_dict(r["steps_to_threshold"]).bound for r in rows])[1],
                "prompts": None if mean is None else steps_ci(mean, budget)}
            entry[target]["ci"] = ci
        steps = (entry.get("ratios") or {}).get("steps_to_threshold")
        if steps is not None:
            b, t = (_mean_draws(groups[(entry["attack"], side)], draws) for side in (base, treated))
            steps["ci_prompts"] = ratio_ci(b[None], t[None]) if b is not None and t is not None else None


def _cheapest_row(rows: list[dict]) -> dict:
    """The attacker's best run among one seed's attacks: the fewest steps to threshold when one reached it
    within every censored budget (attacks/scorecard.py:cheapest), else the censored run with the
    smallest budget; ties go to fewer FLOPs."""
    known = [r for r in rows if not r["steps_to_threshold"]["censored"]]
    censored = [r for r in rows if r["steps_to_threshold"]["censored"]]
    floor = min((r["steps_to_threshold"]["budget"] for r in censored), default=math.inf)
    best = min(known, key=lambda r: (r["steps_to_threshold"]["value"],
                                     Censored.from_dict(r["flops_to_threshold"]).bound), default=None)
    if best is not None and best["steps_to_threshold"]["value"] <= floor:
        return best
    return min(censored, key=lambda r: r["steps_to_threshold"]["budget"])


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def headline_sides(scored: list[dict], draws: dict[Key, np.ndarray], sides: tuple[str, ...]) -> dict:
    """Per model: the cheapest attack in the headline's scope per seed and what reaching the threshold
    cost there (seed means; a censored seed enters as its budget, a lower bound)."""
    pool, scope = headline_pool(scored)
    out = {}
    for side in sides:
        rows = [r for r in pool if r["target"] == side]
        seeds = sorted({r["seed"] for r in rows})
        if not seeds:
            continue
        chosen = [_cheapest_row([r for r in rows if r["seed"] == s]) for s in seeds]

        def bound(r, field):
            v = r.get(field)
            return Censored.from_dict(v).bound if isinstance(v, dict) else None

        steps = [bound(r, "steps_to_threshold") for r in chosen]
        mean = _mean_draws(chosen, draws)
        out[side] = {
            "seeds": seeds, "attacks": [r["attack"] for r in chosen], "scope": scope,
            "censored": sum(r["steps_to_threshold"]["censored"] for r in chosen), "n": len(chosen),
            "budget": max(r["steps_to_threshold"]["budget"] for r in chosen),
            "steps": _mean(steps), "examples": _mean([bound(r, "examples_to_threshold") for r in chosen]),
            "flops": _mean([bound(r, "flops_to_threshold") for r in chosen]),
            "seconds": _mean([bound(r, "seconds_to_threshold") for r in chosen]),
            "asr_before": _mean([r["asr_before"] for r in chosen]),
            "asr_before_ci": pooled_ci_of(chosen),
            "n_prompts": chosen[0].get("n_prompts"),
            "resolution": max((r["resolution"]["steps"] or 1) for r in chosen),
            "ci_seeds": mean_ci(steps)[1],
            "ci_prompts": None if mean is None else steps_ci(mean, max(r["steps_to_threshold"]["budget"]
                                                                      for r in chosen)),
            "draws": mean,
        }
    return out


def pooled_ci_of(rows: list[dict]) -> list[float] | None:
    """Wilson interval of ASR before the attack pooled over runs (from each row's prompt count)."""
    if any(not r.get("n_prompts") for r in rows):
        return None
    return pooled_ci([{"asr": r["asr_before"], "n": r["n_prompts"]} for r in rows])


def headline_ratio_ci(sides: dict, base: str, treated: str) -> list[float] | None:
    """CI over prompts of the headline ratio: the same prompt draws on both sides (paired)."""
    b, t = (sides.get(s, {}).get("draws") for s in (base, treated))
    return None if b is None or t is None else ratio_ci(b[None], t[None])


def _used(rows, fallback):
    return len(rows) if rows else fallback


def resolution(results: list[dict], scored: list[dict], utility: dict | None, meta: dict) -> dict:
    """report.json `resolution`: judged steps per attack, prompts per set, CI methods, proxy agreement."""
    attacks: dict[str, dict] = {}
    for row in scored:
        res = row["resolution"]
        a = attacks.setdefault(row["attack"], {"steps": 0, "methods": [], "judged_points": [], "unit":
                                                row.get("cost_unit", "steps")})
        a["steps"] = max(a["steps"], res["steps"] or 1)
        a["methods"] = sorted({*a["methods"], res["method"]})
        a["judged_points"].append(len(res["judged_steps"]))
    for a in attacks.values():
        a["judged_points"] = [min(a["judged_points"]), max(a["judged_points"])]
    proxies = {}
    for r in results:
        proxy = (r.get("extra") or {}).get("proxy")
        if isinstance(proxy, dict):
            proxies.setdefault(r["attack"], []).append({k: v for k, v in proxy.items()
                                                        if isinstance(v, (int, float, bool, str)) or v is None})
    available = meta.get("data") or {}
    evaluation = meta.get("evaluation") or {}
    util = next((v for k, v in (utility or {}).items() if k != "change" and isinstance(v, dict)), {})
    harmful = sorted({r["n_prompts"] for r in scored if r.get("n_prompts")})
    used = {"harmful_eval": harmful[-1] if harmful else evaluation.get("harmful_prompts"),
            "benign_eval": _used(util.get("benign_nll_rows"), evaluation.get("benign_rows")),
            "edgy": _used(util.get("over_refusal_rows"), None), "mcq": _used(util.get("mcq_correct_rows"), None)}
    prompts = {}
    for name, n in used.items():
        total = available.get(name)
        if n is None and total is None:
            continue
        prompts[name] = {"used": n, "available": total,
                         "subsampled": None if n is None or total is None else n < total}
    if len(harmful) > 1:
        prompts["harmful_eval"]["varies"] = harmful
    options = {k: evaluation[k] for k in ("max_prompts", "utility_max_prompts") if evaluation.get(k) is not None}
    return {**(meta.get("resolution") or {}), "attacks": attacks, "prompts": prompts, "subsample_options": options,
            "ci_methods": METHODS, "proxy": proxies or None, "eval_split": evaluation.get("eval_split")}
