"""The report's first paragraph, in plain words, from figures already in report.json (nothing is computed
here that a table shows differently):

    1. what breaking a model means: the attack-success threshold, the prompts it was judged on, and
       whether they were a subsample;
    2. what breaking each model cost with the cheapest attack in the headline's scope (steps, examples,
       FLOPs), and the treated / base ratio with its CIs; a base already past the threshold before any
       attack gets the treated model's absolute cost instead of a ratio;
    3. the worst utility probe, each change in its own unit;
    4. only when it applies: the cost figure is censored, or too coarse / too noisy to rank the two.
"""

from __future__ import annotations

import math

NOUNS = {"base": "the base model", "hardened": "the hardened model", "baseline": "the baseline",
         "checkpoint": "the checkpoint"}
PROBE_WORDS = {"mcq_accuracy": "MCQ accuracy", "mcq_accuracy_norm": "MCQ accuracy (length-normalised)",
               "over_refusal": "over-refusal on benign-but-edgy prompts", "benign_nll": "benign-answer NLL",
               "perplexity": "perplexity", "kl_to_base": "KL to base"}


def noun(name: str, report: dict) -> str:
    if report.get("head_to_head"):
        return f"{name}'s hardened model"
    return NOUNS.get(name, f"`{name}`")


def si(x: float, unit: str) -> str:
    """3.67e12 FLOPs -> '3.7 TFLOPs'."""
    for factor, prefix in ((1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= factor:
            return f"{x / factor:.2g} {prefix}{unit}" if x / factor < 10 else f"{x / factor:.0f} {prefix}{unit}"
    return f"{x:.3g} {unit}"


def num(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.3g}"


def pct(rate: float | None) -> str:
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "n/a"
    return f"{100 * rate:.0f}%" if float(100 * rate).is_integer() else f"{100 * rate:.1f}%"


def span(ci, fmt=num) -> str | None:
    if not ci:
        return None
    if isinstance(ci, dict):
        return ci.get("display")
    return f"{fmt(ci[0])}-{fmt(ci[1])}"


def cis(seeds=None, prompts=None, fmt=num) -> str:
    """'95% CI over seeds a-b; over prompts c-d' with whatever exists ('' when neither does)."""
    parts = [f"over {what} {s}" for what, s in (("seeds", span(seeds, fmt)), ("prompts", span(prompts, fmt))) if s]
    return f"95% CI {'; '.join(parts)}" if parts else ""


def steps_word(n: float) -> str:
    return f"{num(n)} fine-tuning step{'' if n == 1 else 's'}"


def threshold_sentence(report: dict) -> str:
    tau = report["threshold"]
    prompts = ((report.get("resolution") or {}).get("prompts") or {}).get("harmful_eval") or {}
    used, total = prompts.get("used"), prompts.get("available")
    metric = str(report.get("asr_metric") or "")
    what = f"the {used} held-out harmful prompts" if used else "the held-out harmful prompts"
    if "mean" in metric or "score" in metric:
        text = f"a mean harm score of {tau:g} over {what}"
    else:
        text = f"{pct(tau)} of {what} answered"
    if prompts.get("subsampled"):
        text += f", a subsample of the {total} available"
    return f"Breaking a model means reaching the attack-success threshold: {text}."


def cost_phrase(side: dict) -> str:
    """What reaching the threshold cost one model (seed means over its cheapest attack per seed)."""
    extras = [f"{num(side['examples'])} examples" if side.get("examples") is not None else None,
              si(side["flops"], "FLOPs") if side.get("flops") else None]
    extras = ", ".join(e for e in extras if e)
    seeds = f" on average over {side['n']} seeds" if side["n"] > 1 else ""
    if side["censored"] == side["n"]:
        return (f"was not broken within the {num(side['budget'])}-step budget" + (f" ({extras})" if extras else "")
                + f" of {', '.join(sorted(set(side['attacks'])))}")
    text = f"took {'at least ' if side['censored'] else ''}{steps_word(side['steps'])}"
    text += (f" ({extras})" if extras else "") + seeds
    if side["censored"]:
        text += f" ({side['censored']} of {side['n']} seeds not broken within the {num(side['budget'])}-step budget)"
    return text + f" with {', '.join(sorted(set(side['attacks'])))}"


def breaking(who: str, side: dict) -> str:
    """'Breaking the hardened model took ...', or 'The hardened model was not broken within ...'."""
    if side["censored"] == side["n"]:
        return f"{who[0].upper()}{who[1:]} {cost_phrase(side)}"
    return f"Breaking {who} {cost_phrase(side)}"


def ratio_phrase(cost: dict, base_noun: str) -> str:
    word = {"exact": "", "lower": "at least ", "upper": "at most ", "unknown": "of unknown direction, "}
    if cost.get("ratio") is None or cost["bound"] not in word:
        return ""
    seeds = cost.get("ci")
    ci = cis(list(seeds) if seeds else None, cost.get("ci_prompts"), lambda x: f"{x:.2f}")
    return f"{word[cost['bound']]}x{cost['ratio']:.2f} {base_noun}'s cost" + (f" ({ci})" if ci else "")


def cost_sentences(report: dict) -> list[str]:
    head = report["headline"]
    base, treated = report["targets"]["base"], report["targets"]["treated"]
    sides, cost = head.get("sides") or {}, head.get("cost")
    b, t = sides.get(base), sides.get(treated)
    nb, nt = noun(base, report), noun(treated, report)
    if t is None:
        return ["No training attack counted in steps ran, so there is no attacker cost in steps (see the tables)."]
    if b is None:
        return [f"{breaking(nt, t)}; there is no {base} to compare with."]
    if b["steps"] == 0 and not b["censored"]:
        if t["steps"] == 0 and not t["censored"]:
            return [f"Neither model resisted: {nb} and {nt} were both past the threshold before any attack "
                    f"({pct(b['asr_before'])} and {pct(t['asr_before'])} of prompts answered)."]
        return [f"{breaking(nt, t)}; {nb} needed none: it was already past the threshold before "
                f"any attack ({pct(b['asr_before'])} of prompts answered)."]
    if b["censored"] == b["n"] and t["censored"] == t["n"]:
        scope = set(b["attacks"]) | set(t["attacks"])
        broke = sorted(row["attack"] for row in report.get("comparison", []) if row["attack"] not in scope and any(
            isinstance(row.get(side), dict) and row[side].get("steps_to_threshold_censored", 1) < len(
                row[side].get("seeds") or []) for side in (base, treated)))
        return [f"Neither model was broken within the {num(max(b['budget'], t['budget']))}-step budget of "
                f"{', '.join(sorted(scope))}, so this budget cannot rank them"
                + (f"; attacks outside the headline's scope did reach the threshold ({', '.join(broke)}: see the "
                   "table)." if broke else ".")]
    ratio = ratio_phrase(cost or {}, nb) if cost else ""
    return [f"{breaking(nt, t)}; {nb} {cost_phrase(b)}"
            + (f": {ratio}." if ratio else ".")]


def notes(report: dict) -> list[str]:
    """Say when the cost figure cannot rank the two models; silent otherwise."""
    head = report["headline"]
    base, treated = report["targets"]["base"], report["targets"]["treated"]
    b, t = ((head.get("sides") or {}).get(s) for s in (base, treated))
    if not b or not t or b["censored"] or t["censored"]:
        return []
    if b["steps"] == t["steps"] and b["steps"] > 0 and max(b["resolution"], t["resolution"]) > 1:
        every = max(b["resolution"], t["resolution"])
        return [f"Both reached the threshold at the same judged step ({num(b['steps'])}; ASR was judged every "
                f"{num(every)} steps), so steps to threshold cannot rank them at this resolution."]
    for kind in ("ci_prompts", "ci_seeds"):
        lo_b, hi_b = _bounds(b.get(kind))
        lo_t, hi_t = _bounds(t.get(kind))
        if None in (lo_b, lo_t) or (b["steps"] == 0 and t["steps"] == 0):
            continue
        if (lo_b <= lo_t and hi_t <= hi_b) or (lo_t <= lo_b and hi_b <= hi_t):
            what = "prompts" if kind == "ci_prompts" else "seeds"
            return [f"Their 95% CIs over {what} of steps to threshold ({span(b[kind])} vs {span(t[kind])}) overlap "
                    f"completely, so these {what} cannot rank them."]
    return []


def _bounds(ci) -> tuple:
    if not ci:
        return None, None
    if isinstance(ci, dict):
        lo, hi = ci.get("low"), ci.get("high")
        return (lo, math.inf if hi is None else hi) if lo is not None else (None, None)
    return ci[0], ci[1]


def probe_value(key: str, x: float) -> str:
    if key in ("mcq_accuracy", "mcq_accuracy_norm", "over_refusal"):
        return pct(x)
    return f"{x:.3g} nats/token" if key in ("benign_nll", "kl_to_base") else f"{x:.3g}"


def probe_change(key: str, p: dict) -> str:
    unit = {"points": " points", "percent": "%", "absolute": " nats/token"}[p["unit"]]
    digits = 3 if p["unit"] == "absolute" else 1
    text = f"{p['change']:+.{digits}f}{unit}"
    ci = p.get("ci_prompts")
    return text + (f", 95% CI over prompts {ci[0]:+.{digits}f} to {ci[1]:+.{digits}f}" if ci else "")


def utility_sentence(report: dict) -> str | None:
    util = report.get("utility") or {}
    base, treated = report["targets"]["base"], report["targets"]["treated"]
    change = util.get("change")
    who = ("Hardening's" if (base, treated) == ("base", "hardened")
           else f"The largest utility cost of {noun(treated, report)} against {noun(base, report)}")
    if not change:
        side = util.get(treated)
        if not side:
            return None
        shown = [f"{PROBE_WORDS[k]} {probe_value(k, side[k])}" for k in ("mcq_accuracy", "over_refusal", "benign_nll")
                 if side.get(k) is not None]
        return f"Utility of {noun(treated, report)}: {', '.join(shown)} (no {base} to compare with)." if shown else None
    probes, worst = change["probes"], change.get("worst")
    if worst is None:
        return f"No utility probe got worse ({', '.join(PROBE_WORDS[k] for k in probes)})."
    p = probes[worst]
    lead = f"{who} largest utility cost" if who == "Hardening's" else who
    if worst == "over_refusal":
        text = (f"{lead}: {noun(treated, report)} refuses {pct(p['treated'])} of benign-but-edgy prompts, against "
                f"{pct(p['base'])} for {noun(base, report)} ({probe_change(worst, p)})")
    else:
        verb = "fell" if p["treated"] < p["base"] else "rose"
        text = (f"{lead}: {PROBE_WORDS[worst]} {verb} from {probe_value(worst, p['base'])} to "
                f"{probe_value(worst, p['treated'])} ({probe_change(worst, p)})")
    also = [f"{PROBE_WORDS[k]} {probe_change(k, probes[k]).split(',')[0]}" for k in ("mcq_accuracy", "over_refusal",
            "benign_nll") if k != worst and k in probes and probes[k]["worse"]]
    return text + "." + (f" Also worse: {'; '.join(also)}." if also else "")


def plain_words(report: dict) -> tuple[list[str], list[str]]:
    """(sentences of the first paragraph, the notes among them)."""
    found = notes(report)
    sentences = [threshold_sentence(report), *cost_sentences(report)]
    util = utility_sentence(report)
    return sentences + ([util] if util else []) + found, found
