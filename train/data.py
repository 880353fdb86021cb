"""Data: validated JSONL (or `datasets`) inputs and seeded, group-level train/eval splits.

Record kinds and their required fields (extra fields are kept):
  harmful     id, prompt, refusal, compliance, category      (+ language, group: paraphrase group)
  harmful_nl  as harmful, + language                         harmful rows in a language the defenses'
                                                             refusal data lacks (optional)
  benign      id, prompt, response                           (+ category, language)
  benign_alt  as benign                                      a second benign source for simulated benign
                                                             fine-tuning attacks (optional, not split)
  edgy        id, prompt, response                           benign prompts that look harmful
  edgy_train  as edgy                                        more of them, for hardening (optional)
  mcq         id, question, choices (list), answer (int index)
  identity    id, system, prompt, response                   identity-shift (obedience) examples

A bad record fails with one line: `FILE:LINE: field 'x' ...`. Splits are made per paraphrase group, so
no paraphrase of an evaluation prompt is ever trained on; a record may pin its own `split`. harmful_nl
follows harmful's split by group (a translation carries its source row's group), so no translation of
an evaluation prompt is ever trained on either. Harmful evaluation rows are interleaved by category, so
a capped evaluation (the first `eval.max_prompts` rows) covers every category.

Any data option may also name a data set through `datasets` (`hf:<id>`, a local copy, a YAML column map,
or a list of sources: train/sources.py, docs/data.md). `data.harmful_eval`, when set, replaces the held-out
harmful prompts (e.g. a standard benchmark); the training split of `data.harmful` stays as it is.

Tune on validation rows, report on test rows: `data.test_rows` ({harmful_eval: 32, edgy: 48, mcq: 48})
names how many rows from the top of each held-out set (in evaluation order) are the test rows; with
`data.eval_split: validation` every evaluation reads the rows after them instead, and with `test` (the
default) it reads the test rows only, so no cap can reach a row that tuning looked at.

Text fields longer than `data.max_chars` (default MAX_CHARS) are refused, not truncated: a cut prompt
would be judged as a different prompt, and one 200,000-character prompt would make the evaluator
allocate gigabytes. Raise the cap with `+data.max_chars=N` for long-context data. A UTF-8 byte-order
mark at the start of a file is skipped.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import ListConfig

from train import KeelError
from train.sources import describe, is_named_source, load_source

REQUIRED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "harmful": {"id": str, "prompt": str, "refusal": str, "compliance": str, "category": str},
    "benign": {"id": str, "prompt": str, "response": str},
    "edgy": {"id": str, "prompt": str, "response": str},
    "mcq": {"id": str, "question": str, "choices": list, "answer": int},
    "identity": {"id": str, "system": str, "prompt": str, "response": str},
}
REQUIRED["harmful_nl"] = {**REQUIRED["harmful"], "language": str}
REQUIRED["edgy_train"] = REQUIRED["edgy"]
REQUIRED["benign_alt"] = REQUIRED["benign"]
OPTIONAL_KINDS = ("edgy", "edgy_train", "benign_alt", "mcq", "identity")  # loaded as they are, not split
SPLIT_SETS = ("harmful_eval", "edgy", "mcq")  # the held-out sets data.test_rows divides into test / validation
REPO_ROOT = Path(__file__).resolve().parent.parent
MAX_CHARS = 16_000  # per text field; ~4k tokens, far above the ~256-token training and evaluation windows


class DataError(KeelError):
    """A data file is malformed; the message names the file, line and field."""


def _validate(record: Any, kind: str, where: str, max_chars: int = MAX_CHARS) -> dict:
    if not isinstance(record, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}")
    for name, typ in REQUIRED[kind].items():
        if name not in record:
            raise DataError(f"{where}: field '{name}' is missing ({kind} records need {sorted(REQUIRED[kind])})")
        value = record[name]
        if not isinstance(value, typ) or isinstance(value, bool):
            raise DataError(f"{where}: field '{name}' must be {typ.__name__}, got {type(value).__name__}")
        if isinstance(value, (str, list)) and not value:
            raise DataError(f"{where}: field '{name}' is empty")
        if isinstance(value, str) and len(value) > max_chars:
            raise DataError(f"{where}: field '{name}' is {len(value):,} characters long (more than "
                            f"data.max_chars = {max_chars:,}); shorten it or raise +data.max_chars")
    if kind == "mcq":
        choices = record["choices"]
        bad = next((i for i, c in enumerate(choices) if not isinstance(c, str) or not c.strip()), None)
        if bad is not None:
            raise DataError(f"{where}: field 'choices' item {bad} must be non-empty text, got "
                            f"{type(choices[bad]).__name__}")
        if len(choices) < 2:
            raise DataError(f"{where}: field 'choices' needs at least 2 choices, got {len(choices)}")
        if len(set(choices)) != len(choices):
            raise DataError(f"{where}: field 'choices' holds the same choice twice")
        if sum(len(c) for c in choices) > max_chars:
            raise DataError(f"{where}: field 'choices' is longer than data.max_chars = {max_chars:,} characters")
        if not 0 <= record["answer"] < len(choices):
            raise DataError(f"{where}: field 'answer' = {record['answer']} is not an index into 'choices'")
    for name in ("language", "group", "split"):
        if name in record and not isinstance(record[name], str):
            raise DataError(f"{where}: field '{name}' must be str, got {type(record[name]).__name__}")
    if record.get("split") not in (None, "train", "eval"):
        raise DataError(f"{where}: field 'split' = '{record['split']}' must be 'train' or 'eval'")
    record.setdefault("language", "en")
    record.setdefault("group", record["id"])
    return record


def resolve_data_path(path: str | Path) -> Path:
    """Relative paths resolve against the working directory first, then keel's repository root."""
    p = Path(path).expanduser()
    if not p.is_absolute() and not p.exists() and (REPO_ROOT / p).exists():
        p = REPO_ROOT / p
    return p


def load_records(path, kind: str, option: str | None = None, max_chars: int = MAX_CHARS) -> list[dict]:
    """Read and validate one JSONL file (or a `datasets` directory saved with `save_to_disk`), or a named
    source (`hf:<id>`, a column map, a list: train/sources.py); `option` names the config key in errors,
    `max_chars` caps every text field (module docstring)."""
    if kind not in REQUIRED:
        raise DataError(f"data: unknown record kind '{kind}' (one of {sorted(REQUIRED)})")
    option = option or f"data ({kind})"
    if isinstance(path, (list, tuple, ListConfig)):
        return _unique_ids([r for i, item in enumerate(path) for r in load_records(item, kind, f"{option}[{i}]", max_chars)],
                           f"{option} ({describe(path)})")
    if is_named_source(path):
        return _unique_ids(load_source(path, kind, option, functools.partial(_validate, max_chars=max_chars)), f"{option} ({describe(path)})")
    p = resolve_data_path(path)
    if p.is_dir():
        from datasets import load_from_disk

        try:
            table = load_from_disk(str(p))
        except (OSError, ValueError):
            raise DataError(f"{p}: a directory, but not a `datasets` save_to_disk folder; name a JSONL file") from None
        rows = [_validate(dict(r), kind, f"{p}:row {i}", max_chars) for i, r in enumerate(table, 1)]
    elif not p.is_file():
        raise DataError(f"{path}: data file not found")
    else:
        rows = []
        with p.open("rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                try:
                    line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")  # a BOM is no data
                except UnicodeDecodeError as err:
                    raise DataError(f"{p}:{lineno}: not UTF-8 text (byte {raw[err.start]:#04x} at column "
                                    f"{err.start + 1})") from None
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise DataError(f"{p}:{lineno}: malformed JSON ({err.msg.removesuffix(' at')} at column {err.colno})") from None
                rows.append(_validate(record, kind, f"{p}:{lineno}", max_chars))
    return _unique_ids(rows, str(p), "empty file")


def _unique_ids(rows: list[dict], where: str, why_empty: str = "no row kept") -> list[dict]:
    if not rows:
        raise DataError(f"{where}: no records ({why_empty})")
    seen: set[str] = set()
    for r in rows:
        if r["id"] in seen:
            raise DataError(f"{where}: field 'id' = '{r['id']}' appears more than once")
        seen.add(r["id"])
    return rows


def split_by_group(rows: list[dict], eval_fraction: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Seeded split of whole paraphrase groups; records carrying `split` keep it."""
    if not 0.0 < eval_fraction < 1.0:
        raise DataError(f"data.eval_fraction must be in (0, 1), got {eval_fraction}")
    groups = sorted({r["group"] for r in rows if "split" not in r})
    rng = random.Random(seed)
    rng.shuffle(groups)
    n_eval = max(1, round(len(groups) * eval_fraction)) if groups else 0
    eval_groups = set(groups[:n_eval])
    train, evaluation = [], []
    for r in rows:
        is_eval = r.get("split") == "eval" if "split" in r else r["group"] in eval_groups
        (evaluation if is_eval else train).append(r)
    return train, evaluation


def interleave_by(rows: list[dict], key: str) -> list[dict]:
    """Rows reordered round-robin over their `key` values (first-seen order, stable within a value), so
    that any prefix, which is what a capped evaluation (`eval.max_prompts`) reads, spreads over them all."""
    buckets: dict[Any, list[dict]] = {}
    for r in rows:
        buckets.setdefault(r.get(key), []).append(r)
    return [b[i] for i in range(max(map(len, buckets.values()), default=0)) for b in buckets.values() if i < len(b)]


def split_following(rows: list[dict], reference_train: list[dict], reference_eval: list[dict],
                    eval_fraction: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Split `rows` (e.g. translations) the way a reference split splits their groups: a group held out
    there is held out here, one trained on there is trained on here. Records pinning their own `split`,
    and groups the reference lacks, are split by `split_by_group`."""
    held = {r["group"] for r in reference_eval}
    known = held | {r["group"] for r in reference_train}
    rest = [r for r in rows if "split" in r or r["group"] not in known]
    rest_ids = {r["id"] for r in rest}
    rest_eval = {r["id"] for r in split_by_group(rest, eval_fraction, seed)[1]} if rest else set()
    train, evaluation = [], []
    for r in rows:
        is_eval = r["id"] in rest_eval if r["id"] in rest_ids else r["group"] in held
        (evaluation if is_eval else train).append(r)
    return train, evaluation


@dataclass
class DataBundle:
    """Every data set one run needs, already split."""

    harmful_train: list[dict]
    harmful_eval: list[dict]
    benign_train: list[dict]
    benign_eval: list[dict]
    edgy: list[dict] = field(default_factory=list)
    mcq: list[dict] = field(default_factory=list)
    identity: list[dict] = field(default_factory=list)
    edgy_train: list[dict] = field(default_factory=list)
    benign_alt: list[dict] = field(default_factory=list)
    harmful_nl_train: list[dict] = field(default_factory=list)
    harmful_nl_eval: list[dict] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        return {k: len(v) for k, v in vars(self).items() if isinstance(v, list)}


def choose_rows(sets: dict[str, list[dict]], cfg) -> dict[str, list[dict]]:
    """The held-out `sets` (SPLIT_SETS) cut to their test rows (the first data.test_rows[k] of each) or,
    with data.eval_split=validation, to the rows after them."""
    sets = dict(sets)
    split, test_rows = cfg.get("eval_split") or "test", dict(cfg.get("test_rows") or {})
    if split not in ("test", "validation"):
        raise DataError(f"data.eval_split: must be 'test' or 'validation', got {split!r}")
    if split == "validation" and not test_rows:
        raise DataError("data.eval_split=validation: needs data.test_rows, the rows of each held-out set "
                        "kept for the test evaluation, e.g. data.test_rows={harmful_eval:32,edgy:48,mcq:48}")
    for key, n in test_rows.items():
        rows = sets[key]
        if split == "validation" and n >= len(rows):
            raise DataError(f"data.test_rows.{key}: {n} test rows leave no validation rows in data.{key} "
                            f"({len(rows)} rows)")
        sets[key] = rows[n:] if split == "validation" else rows[:n]
    return sets


def load_data(cfg) -> DataBundle:
    """Build a DataBundle from a `data` config node (paths, eval_fraction, split_seed, caps)."""
    cap = int(cfg.get("max_chars") or MAX_CHARS)
    harmful = load_records(cfg.harmful, "harmful", "data.harmful", cap)
    benign = load_records(cfg.benign, "benign", "data.benign", cap)
    h_train, h_eval = split_by_group(harmful, cfg.eval_fraction, cfg.split_seed)
    h_eval_groups = h_eval
    h_eval = interleave_by(h_eval, "category")
    if cfg.get("harmful_eval"):  # e.g. a standard benchmark: the held-out prompts, never trained on
        h_eval = load_records(cfg.harmful_eval, "harmful", "data.harmful_eval", cap)
    b_train, b_eval = split_by_group(benign, cfg.eval_fraction, cfg.split_seed)
    for name, rows in (("harmful train", h_train), ("harmful eval", h_eval),
                       ("benign train", b_train), ("benign eval", b_eval)):
        if not rows:
            raise DataError(f"data: the {name} split is empty; check data.eval_fraction and the 'split' fields")
    optional = {k: load_records(cfg[k], k, f"data.{k}", cap) if cfg.get(k) else [] for k in OPTIONAL_KINDS}
    if cfg.get("harmful_nl"):
        nl = load_records(cfg.harmful_nl, "harmful_nl", "data.harmful_nl", cap)
        nl_train, nl_eval = split_following(nl, h_train, h_eval_groups, cfg.eval_fraction, cfg.split_seed)
        optional["harmful_nl_train"], optional["harmful_nl_eval"] = nl_train, interleave_by(nl_eval, "category")
    optional |= choose_rows({"harmful_eval": h_eval, "edgy": optional["edgy"], "mcq": optional["mcq"]}, cfg)
    h_eval = optional.pop("harmful_eval")
    sources = {k: describe(cfg[k]) for k in ("harmful", "harmful_eval", "harmful_nl", "benign", *OPTIONAL_KINDS)
               if cfg.get(k)}
    return DataBundle(h_train, h_eval, b_train, b_eval, sources=sources, **optional)
