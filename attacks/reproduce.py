"""The command line that re-runs one attack exactly, and the cheapest attack per model.

    overrides(attack, seed)  ->  ["attack=[lora]", "++attack.lora.rank=4", ..., "++attack.lora.seeds=[7]"]
    command(...)             ->  "keel evaluate MODEL_PATH 'attack=[lora]' '++attack.lora.rank=4' ..."

Every constructor option the attack recorded is given with `++` (set, whether or not the attack's YAML
has that key), so the line does not depend on the YAML's defaults or the run's budget: it re-creates
the very options the attack ran with (tests/test_attacks_search_v2.py composes and compares them).
Attacks that need the public base add `baseline=BASE_PATH`.
"""

from __future__ import annotations

import inspect
import math
import re
import shlex

from attacks.costs import cheapest, cost_to_threshold

SKIP = {"name", "split", "seeds", "deepspeed"}
# Recorded attributes whose constructor option has another name (identity shift keeps `eval_system`).
ATTRIBUTE_OPTIONS = {"system_prompt": "eval_system"}
_BARE = re.compile(r"^[A-Za-z0-9_.+\-]+$")


def constructor_options(cls: type) -> set[str]:
    """The keyword options `cls(...)` takes, following **kwargs up the class hierarchy."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters
        names |= {n for n, p in params.items() if p.kind is not inspect.Parameter.VAR_KEYWORD and n != "self"}
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            break
    return names


def hydra_value(value) -> str:
    """A value in Hydra's override grammar (null, true, numbers, quoted strings, [lists], {dicts})."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(hydra_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{hydra_value(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if _BARE.match(text) and text not in ("null", "true", "false") and not _looks_numeric(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def overrides(attack, seed: int, conf_name: str | None = None) -> list[str]:
    """Hydra overrides that build `attack` (seeded `seed`) from conf/attack/<conf_name>.yaml."""
    conf = conf_name or attack.name.split("@")[0]  # an examples-ladder variant: its family's YAML
    options = constructor_options(type(attack))
    out = [f"attack=[{conf}]"]
    for key, value in attack.describe().items():
        key = ATTRIBUTE_OPTIONS.get(key, key)
        if key in options and key not in SKIP:
            out.append(f"++attack.{conf}.{key}={hydra_value(value)}")
    out.append(f"++attack.{conf}.seeds=[{int(seed)}]")
    return out


def command(args: list[str], needs_reference: bool = False) -> str:
    """`keel evaluate MODEL_PATH ...` (+ `baseline=BASE_PATH` for attacks that need the public base)."""
    head = ["keel", "evaluate", "MODEL_PATH"] + (["baseline=BASE_PATH"] if needs_reference else [])
    return " ".join(head + [shlex.quote(a) for a in args])


def cheapest_per_target(results: list[dict], search: dict | None, tau: float, eps: float | None) -> dict:
    """Per target: the cheapest run that reached tau, among the grid's runs and the search's trials
    (attacks/costs.py: FLOPs, then examples, then units), with the line that re-runs it."""
    found: dict[str, list[dict]] = {}
    for r in results:
        found.setdefault(r["target"], []).append({
            "source": "grid", "attack": r["attack"], "recipe": r["recipe"], "seed": r["seed"],
            "cost": cost_to_threshold(r, tau, eps), "command": r.get("extra", {}).get("command")})
    for target, searches in (search or {}).items():
        for s in searches:
            for t in s.get("trials", []):
                if "cost" in t:
                    found.setdefault(target, []).append({
                        "source": f"search seed {s['seed']} trial {t['trial']}", "attack": t["params"]["recipe"],
                        "recipe": t["params"]["recipe"], "seed": t["params"].get("seed"), "cost": t["cost"],
                        "command": t.get("command")})
    return {target: cheapest(candidates) for target, candidates in found.items()}
