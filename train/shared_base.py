"""The base model's finished attacks, taken from another run instead of attacking the base again.

    keel harden preset=durability_stack run.base_results_from=runs/durability/refusal_sft

Runs that compare defenses (a sweep, the arms of `keel study`) attack the same base model with the same
attacks and seeds; each would spend the same hours reproducing the same base curves. A run may take them
from a finished run `SOURCE` when nothing that decides a base result differs:

    config      every result-relevant field equal except the ones only hardening reads
                (ARM_ONLY: defense, harden, attack_space: the attack space only decides the split an
                attack lies in, and each record's options, split included, are checked on their own;
                data.edgy_train: only a defense trains on it, and what hygiene drops for it is checked
                through the eval sets)
    eval sets   the evaluation rows left after data hygiene (which drops rows that duplicate any
                training set, defenses' included) hash the same (eval_sets.json in both run dirs)
    records     per (attack, seed): the same attack options (attacks/grid.py:same_config)

Anything else is refused with one line naming what differs, before any model loads (train/pipeline.py),
and so are base attacks another judge scored (train/judge_stamp.py). Taken records are copied into this
run's results.jsonl (so the run dir stands alone) and marked `extra.taken_from`; the report lists the source.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from attacks.hygiene import EVAL_SETS
from train import KeelError
from train.resume import config_diff
from train.run_dir import RunDir, atomic_write_json
from train.state import check_eval_sets, read_json, read_results, read_yaml

log = logging.getLogger("keel")

# Config keys (dotted paths) that only change the hardened model (or nothing the base attacks read).
ARM_ONLY = ("defense", "harden", "attack_space", "data.edgy_train")
EVAL_SETS_FILE = "eval_sets.json"


def eval_fingerprint(data) -> dict[str, str]:
    """sha256 of each evaluation set's rows as evaluation sees them (after hygiene)."""
    return {name: hashlib.sha256(json.dumps(getattr(data, name, None) or [], sort_keys=True, default=str).encode())
            .hexdigest() for name in EVAL_SETS}


def write_eval_fingerprint(run: RunDir, data) -> dict[str, str]:
    fingerprint = eval_fingerprint(data)
    atomic_write_json(run.root / EVAL_SETS_FILE, fingerprint)
    return fingerprint


def _without(node: dict, path: str) -> dict:
    """`node` without the key at dotted `path` (unchanged where the path is absent)."""
    head, _, rest = path.partition(".")
    if not isinstance(node, dict) or head not in node:
        return node
    if not rest:
        return {k: v for k, v in node.items() if k != head}
    return {**node, head: _without(node[head], rest)}


def _without_arm(config: dict) -> dict:
    for path in ARM_ONLY:
        config = _without(config, path)
    return config


def base_records_from(source: str | Path, config: dict, fingerprint: dict[str, str],
                      base: str = "base") -> list[dict]:
    """The `base` target's finished records of run dir `source`, checked against this run's (redacted,
    resolved) `config` and evaluation-set `fingerprint`; a one-line KeelError when they cannot stand in."""
    where = f"run.base_results_from: {source}"
    root = Path(source)
    config_file, sets_file, results = root / "config.yaml", root / EVAL_SETS_FILE, root / "results.jsonl"
    for path in (config_file, sets_file, results):
        if not path.exists():
            raise KeelError(f"{where}: no {path.name} there; pass the directory of a run that attacked the base model")
    diffs = config_diff(_without_arm(read_yaml(config_file)), _without_arm(config))
    if diffs:
        raise KeelError(f"{where}: made with other settings ({'; '.join(diffs)}); its base attacks cannot "
                        f"stand in for this run's")
    theirs = read_json(sets_file, check_eval_sets)
    changed = sorted(k for k in fingerprint.keys() | theirs.keys() if fingerprint.get(k) != theirs.get(k))
    if changed:
        raise KeelError(f"{where}: evaluated on other rows of {', '.join(changed)} (data hygiene dropped different "
                        f"rows: the defenses' training sets differ); attack the base in this run instead")
    records = [r for r in read_results(results) if r.get("target") == base]
    for r in records:
        r.setdefault("extra", {}).setdefault("taken_from", str(source))
    log.info("taking %d finished base attack(s) from %s", len(records), source)
    return records
