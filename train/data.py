"""Data: validated JSONL (or `datasets`) inputs and seeded, group-level train/eval splits.

Record kinds and their required fields (extra fields are kept):
  harmful   id, prompt, refusal, compliance, category        (+ language, group: paraphrase group)
  benign    id, prompt, response                             (+ category, language)
  edgy      id, prompt, response                             benign prompts that look harmful
  mcq       id, question, choices (list), answer (int index)
  identity  id, system, prompt, response                     identity-shift (obedience) examples

A bad record fails with one line: `FILE:LINE: field 'x' ...`. Splits are made per paraphrase group, so
no paraphrase of an evaluation prompt is ever trained on; a record may pin its own `split`.

Text fields longer than `data.max_chars` (default MAX_CHARS) are refused, not truncated: a cut prompt
would be judged as a different prompt, and one 200,000-character prompt would make the evaluator
allocate gigabytes. Raise the cap with `+data.max_chars=N` for long-context data. A UTF-8 byte-order
mark at the start of a file is skipped.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from train import KeelError

REQUIRED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "harmful": {"id": str, "prompt": str, "refusal": str, "compliance": str, "category": str},
    "benign": {"id": str, "prompt": str, "response": str},
    "edgy": {"id": str, "prompt": str, "response": str},
    "mcq": {"id": str, "question": str, "choices": list, "answer": int},
    "identity": {"id": str, "system": str, "prompt": str, "response": str},
}
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


def load_records(path: str | Path, kind: str, max_chars: int = MAX_CHARS) -> list[dict]:
    """Read and validate one JSONL file (or a `datasets` directory saved with `save_to_disk`)."""
    if kind not in REQUIRED:
        raise DataError(f"data: unknown record kind '{kind}' (one of {sorted(REQUIRED)})")
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
    if not rows:
        raise DataError(f"{p}: no records (empty file)")
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise DataError(f"{p}: field 'id' = '{dup}' appears more than once")
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
    sources: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        return {k: len(v) for k, v in vars(self).items() if isinstance(v, list)}


def load_data(cfg) -> DataBundle:
    """Build a DataBundle from a `data` config node (paths, eval_fraction, split_seed, caps)."""
    cap = int(cfg.get("max_chars") or MAX_CHARS)
    harmful = load_records(cfg.harmful, "harmful", cap)
    benign = load_records(cfg.benign, "benign", cap)
    h_train, h_eval = split_by_group(harmful, cfg.eval_fraction, cfg.split_seed)
    b_train, b_eval = split_by_group(benign, cfg.eval_fraction, cfg.split_seed)
    for name, rows in (("harmful train", h_train), ("harmful eval", h_eval),
                       ("benign train", b_train), ("benign eval", b_eval)):
        if not rows:
            raise DataError(f"data: the {name} split is empty; check data.eval_fraction and the 'split' fields")
    optional = {k: load_records(cfg[k], k, cap) if cfg.get(k) else [] for k in ("edgy", "mcq", "identity")}
    sources = {k: str(cfg[k]) for k in ("harmful", "benign", "edgy", "mcq", "identity") if cfg.get(k)}
    return DataBundle(h_train, h_eval, b_train, b_eval, sources=sources, **optional)
