"""The attack grid: every attack x every seed x every target (base and hardened side by side).

Each finished run is appended to the run directory at once (results.jsonl), so a killed run resumes
without redoing it. With an examples ladder (e.g. 10, 100, 1000) every attack that trains on examples
is also run at each rung, capped by the distinct examples its data source holds; those runs are named
`<attack>@n<rung>` and feed examples-to-threshold N_tau (attacks/metrics.py).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
from collections.abc import Callable

from attacks.base import Attack
from attacks.reproduce import command, overrides
from train import KeelError
from train.distributed import free_memory
from train.run_dir import result_key

log = logging.getLogger("keel")


def ladder_variants(attack: Attack, ladder: list[int] | None, data) -> list[Attack]:
    """Copies of `attack` training on each ladder rung (rungs above the data pool shrink to the pool)."""
    pool = attack.pool_size(data) if ladder else None
    if not ladder or pool is None or not hasattr(attack, "examples"):
        return []
    rungs = sorted({min(int(n), pool) for n in ladder} - {attack.examples})
    variants = []
    for n in rungs:
        variant = copy.copy(attack)
        variant.examples, variant.name = n, f"{attack.name}@n{n}"
        variant.ladder_of = attack.name
        variants.append(variant)
    return variants


def expand_grid(attacks: list[Attack], ladder: list[int] | None, data) -> list[Attack]:
    """The attacks to run: each configured attack, followed by its ladder variants."""
    out = []
    for attack in attacks:
        if ladder:
            attack.ladder_of = attack.name
        out += [attack, *ladder_variants(attack, ladder, data)]
    return out


def canonical_options(options) -> str:
    """An attack's options as one comparable string, the same before and after a JSON round trip."""
    return json.dumps(json.loads(json.dumps(options, default=str)), sort_keys=True)


def same_config(record: dict, attack: Attack) -> bool:
    """Whether a finished record was made with this attack's options (as written to results.jsonl)."""
    return "config" not in record or canonical_options(record["config"]) == canonical_options(attack.describe())


def recording(evaluator, run_dir, target: str, attack: str, seed: int):
    """The evaluator's recording context (attacks/evaluator.py) when there is a run dir, else a no-op."""
    if run_dir is None or not hasattr(evaluator, "recording"):
        return contextlib.nullcontext()
    return evaluator.recording(run_dir, target, attack, seed)


# The target that stands for the public base model, by the names `keel harden` and `keel evaluate` use.
REFERENCE_TARGETS = ("base", "baseline")


def reference_model(targets: dict):
    """The public base model among the targets (None when there is none, e.g. `keel evaluate` alone)."""
    return next((targets[name] for name in REFERENCE_TARGETS if name in targets), None)


def reference_kwargs(attack: Attack, reference) -> dict:
    """`{"reference": model}` for attacks that need the public base (Attack.needs_reference), else {}."""
    if not attack.needs_reference:
        return {}
    if reference is None:
        raise KeelError(f"attack.{attack.name}: needs the public base model (the hardening delta is the treated "
                        f"model minus the base); under keel evaluate pass baseline=PATH, or drop this attack")
    return {"reference": reference}


def run_grid(attacks: list[Attack], targets: dict, tokenizer, data, evaluator, *, done: dict[str, dict],
             store: Callable[[dict], None] | None = None, ladder: list[int] | None = None,
             progress: bool = True, run_dir=None) -> list[dict]:
    """Run what `done` (key -> record) lacks, or holds with other attack options; return every record of
    the grid, in grid order.

    `targets` maps a target name ("base", "hardened", or a checkpoint's name) to its model; every
    attack runs on each with the very same seeds. `store` receives each new record (append + log). With a
    `run_dir`, every evaluation's completions are stored there (attacks/completions.py).
    Attacks that need the public base get the `base` (or `baseline`) target's model as `reference`.
    """
    records = []
    reference = reference_model(targets)
    for attack in attacks:  # before anything runs: a missing base fails now, not hours later
        reference_kwargs(attack, reference)
    for attack in expand_grid(attacks, ladder, data):
        for seed in attack.seeds:
            for target, model in targets.items():
                key = result_key(target, attack.name, seed)
                if key in done and same_config(done[key], attack):
                    log.info("skip %s (finished earlier)", key)
                    records.append(done[key])
                    continue
                if key in done:  # e.g. resume=force after the attack's options changed: the old record is stale
                    log.warning("%s: the recorded result used other attack options; running it again", key)
                log.info("attack %s", key)
                with recording(evaluator, run_dir, target, attack.name, seed):
                    result = attack.run(model, tokenizer, data, evaluator, seed=seed, target=target,
                                        progress=progress, **reference_kwargs(attack, reference))
                free_memory()  # the attacked copy, its trainer and optimizer state: gone before the next attack
                if getattr(attack, "ladder_of", None):
                    result.extra["ladder_of"] = attack.ladder_of
                if getattr(evaluator, "prompt_ids", None) is not None:  # the order of every point's outcomes
                    result.extra.setdefault("prompt_ids", list(evaluator.prompt_ids))
                result.extra.setdefault("command", command(overrides(attack, seed), attack.needs_reference))
                record = result.as_dict()
                done[key] = record
                if store is not None:
                    store(record)
                records.append(record)
    return records
