"""Data sets by name: `hf:<id>`, local copies of them, and YAML column maps (docs/data.md).

    keel harden data/harmful_eval=advbench data/edgy=xstest      # shipped maps, conf/data/<key>/<name>.yaml
    keel harden data.harmful=hf:my-org/my-harmful-set            # columns already named like keel's fields

A data option (`data.harmful`, `data.harmful_eval`, `data.edgy`, ...) holds one of:
  - a keel JSONL file, or a `save_to_disk` folder, whose rows already carry keel's fields (train/data.py);
  - `hf:<id>`: a dataset loaded with `datasets.load_dataset`, columns named like keel's fields;
  - a column map, a mapping with the keys of MAP_KEYS below; its `path` is `hf:<id>` or a local copy (a
    `save_to_disk` folder, a folder of data files such as a clone of the hub repository, or one
    .jsonl/.json/.csv/.tsv/.parquet file);
  - a list of these, concatenated (ids must stay unique).

From the hub when there is a network, otherwise from the Hugging Face cache: with HF_HUB_OFFLINE set, or
when the hub does not answer within a few seconds, nothing is fetched, and a data set not in the cache
fails in one line naming the option. A row that lacks a field fails naming the data set, row and field.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

from omegaconf import OmegaConf

from train import KeelError

MAP_KEYS = {
    "path": "hf:<id> or a local copy (save_to_disk folder, folder of data files, one data file)",
    "name": "the data set's configuration (subset), e.g. 'standard'; null = its default",
    "split": "the data set's split, e.g. 'train' or 'test' (ignored for one local data file)",
    "revision": "a hub commit, tag or branch to pin (reproducible runs)",
    "data_files": "which files of the repository or folder to read (load_dataset's data_files)",
    "load_options": "other load_dataset keyword arguments, e.g. {names: [prompt]} for a CSV without header line",
    "where": "keep rows whose column equals the value (or one of a list of values), e.g. {label: safe}",
    "columns": "keel field -> the data set's column, e.g. {prompt: goal}",
    "constants": "keel field -> fixed value, for fields the data set lacks (category, refusal, ...)",
    "id": "column holding a unique row id; null = the row index",
    "id_prefix": "prefix of every id (keeps ids unique next to other data sets)",
    "limit": "keep at most this many rows (after `where`); null = all",
    "parts": "a list of partial maps, each merged onto this one and loaded in turn (one file per category)",
}
LOCAL_BUILDERS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}
HUB_PROBE_SECONDS = 3.0

Validate = Callable[[Any, str, str], dict]


def is_named_source(value: Any) -> bool:
    """True for what this module loads: `hf:<id>` or a column map."""
    if OmegaConf.is_config(value):
        value = OmegaConf.to_container(value, resolve=True)
    return value.startswith("hf:") if isinstance(value, str) else isinstance(value, Mapping)


def describe(value: Any) -> str:
    """A short text naming a source, for error messages and the report's `data.sources`."""
    if OmegaConf.is_config(value):
        value = OmegaConf.to_container(value, resolve=True)
    if isinstance(value, Mapping):
        details = [f"{k} {value[k]}" for k in ("name", "split", "revision") if value.get(k)]
        parts = f", {len(value['parts'])} parts" if value.get("parts") else ""
        return f"{value.get('path')}" + (f" ({', '.join(details)}{parts})" if details or parts else "")
    if isinstance(value, Sequence) and not isinstance(value, str):
        return " + ".join(describe(v) for v in value)
    return str(value)


def load_source(value: Any, kind: str, option: str, validate: Validate) -> list[dict]:
    """Every row of `hf:<id>` or of a column map, as validated keel records of `kind` (lists of sources
    are train/data.py's: it loads each item)."""
    if OmegaConf.is_config(value):
        value = OmegaConf.to_container(value, resolve=True)
    node = _checked_map({"path": value} if isinstance(value, str) else value, option)
    if node.get("parts"):
        base = {k: v for k, v in node.items() if k != "parts"}
        return [row for i, part in enumerate(node["parts"])
                for row in load_source(_merged(base, _checked_map(part, f"{option}.parts[{i}]", part=True)), kind,
                                       f"{option}.parts[{i}]", validate)]
    label = f"{option} ({describe(node)})"
    table = _load_table(node, option)
    return [validate(record, kind, f"{label} row {index}") for index, record in _mapped_rows(table, node, label)]


def _checked_map(node: Any, option: str, part: bool = False) -> dict:
    if not isinstance(node, Mapping):
        raise KeelError(f"{option}: expected a path, hf:<id> or a column map, got {type(node).__name__}")
    unknown = sorted(set(node) - set(MAP_KEYS))
    if unknown:
        raise KeelError(f"{option}: unknown key '{unknown[0]}' in the column map (keys: {', '.join(MAP_KEYS)})")
    for key in ("columns", "constants", "where", "load_options"):
        if node.get(key) is not None and not isinstance(node[key], Mapping):
            raise KeelError(f"{option}.{key}: must be a mapping, got {type(node[key]).__name__}")
    for field, column in (node.get("columns") or {}).items():
        if not isinstance(column, str) or not column:
            raise KeelError(f"{option}.columns.{field}: must name a column (a non-empty string), got {column!r}")
    limit = node.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise KeelError(f"{option}.limit: must be a positive integer or null, got {limit!r}")
    if not part and not node.get("parts") and not node.get("path"):
        raise KeelError(f"{option}.path: missing; name hf:<id> or a local copy of the data set")
    return dict(node)


def _merged(base: dict, part: dict) -> dict:
    out = dict(base)
    for key, value in part.items():
        out[key] = {**(base.get(key) or {}), **value} if isinstance(value, Mapping) else value
    return out


# -- loading ------------------------------------------------------------------------------------------

def _load_table(node: dict, option: str):
    """The `datasets.Dataset` a map names (one split)."""
    import datasets

    from train.data import resolve_data_path

    path, split = str(node["path"]), node.get("split") or "train"
    options = dict(node.get("load_options") or {})
    for key in ("name", "revision", "data_files"):
        if node.get(key) is not None:
            options[key] = node[key]
    try:
        if path.startswith("hf:"):
            with _offline_unless_hub_answers():
                return datasets.load_dataset(path.removeprefix("hf:"), split=split, **options)
        local = resolve_data_path(path)
        if local.is_dir() and ((local / "dataset_dict.json").exists() or (local / "state.json").exists()):
            return _split_of(datasets.load_from_disk(str(local)), split, option)
        if local.is_dir():
            return datasets.load_dataset(str(local), split=split, **options)
        if local.is_file() and local.suffix.lower() in LOCAL_BUILDERS:
            if local.suffix.lower() == ".tsv":
                options.setdefault("delimiter", "\t")
            for hub_only in ("data_files", "name", "revision"):  # a single file has no configs or commits
                options.pop(hub_only, None)
            return datasets.load_dataset(LOCAL_BUILDERS[local.suffix.lower()], data_files=str(local),
                                         split="train", **options)
    except KeelError:
        raise
    except Exception as err:  # datasets raises many types (ConnectionError, FileNotFoundError, ValueError...)
        raise KeelError(f"{option}: cannot load {path}: {_first_line(err)}{_offline_hint(path)}") from None
    if local.exists():
        raise KeelError(f"{option}: {path} is neither a data folder nor a {'/'.join(LOCAL_BUILDERS)} file")
    raise KeelError(f"{option}: {path} not found (a local path; hub data sets are named hf:<id>)")


def _split_of(saved, split: str, option: str):
    if not hasattr(saved, "keys"):  # a single saved Dataset
        return saved
    if split not in saved:
        raise KeelError(f"{option}.split: '{split}' is not a split of the saved copy (splits: {', '.join(saved)})")
    return saved[split]


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _offline_hint(path: str) -> str:
    if not path.startswith("hf:") or not _offline():
        return ""
    return ("; offline, and not in the Hugging Face cache: load it once with a network, or point the "
            "option's path at a local copy (load_dataset(...).save_to_disk(DIR))")


def _offline() -> bool:
    import huggingface_hub.constants as hub

    return bool(hub.HF_HUB_OFFLINE)


def hub_answers(timeout: float = HUB_PROBE_SECONDS) -> bool:
    """Whether the hub's host accepts a TCP connection within `timeout` seconds (no request is sent)."""
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        with socket.create_connection((endpoint.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _offline_unless_hub_answers() -> Iterator[None]:
    """Offline mode (cache only) for one load when HF_HUB_OFFLINE is set or the hub does not answer:
    `datasets` would otherwise retry for ~30 s before it falls back to the cache."""
    import datasets.config
    import huggingface_hub.constants as hub

    if hub.HF_HUB_OFFLINE or hub_answers():
        yield
        return
    saved = hub.HF_HUB_OFFLINE, datasets.config.HF_HUB_OFFLINE
    hub.HF_HUB_OFFLINE = datasets.config.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        hub.HF_HUB_OFFLINE, datasets.config.HF_HUB_OFFLINE = saved


# -- column map ---------------------------------------------------------------------------------------

def _mapped_rows(table, node: dict, label: str) -> Iterator[tuple[int, dict]]:
    """(row index in the data set, keel record) for each row kept by `where`, up to `limit`."""
    columns, constants = node.get("columns") or {}, node.get("constants") or {}
    present = set(table.column_names)
    where, id_column = node.get("where") or {}, node.get("id") or ("id" if "id" in present else None)
    needed = [(f"columns.{field}", column) for field, column in columns.items()]
    needed += [(f"where.{column}", column) for column in where] + ([("id", id_column)] if id_column else [])
    for key, column in needed:
        if column not in present:
            raise KeelError(f"{label}: {key} names column '{column}', which the data set lacks "
                            f"(columns: {', '.join(sorted(present))})")
    allowed = {column: set(map(str, v)) if isinstance(v, (list, tuple)) else {str(v)} for column, v in where.items()}
    as_is = same_named_fields(table.column_names, columns, constants)
    prefix, kept = str(node.get("id_prefix") or ""), 0
    for index, row in enumerate(table):
        if any(str(row[column]) not in values for column, values in allowed.items()):
            continue
        record = {**{field: row[field] for field in as_is}, **constants,
                  **{field: row[column] for field, column in columns.items()}}
        record["id"] = f"{prefix}{row[id_column] if id_column else index}"
        yield index, record
        kept += 1
        if node.get("limit") and kept >= node["limit"]:
            return


def same_named_fields(column_names: list[str], columns: dict, constants: dict) -> list[str]:
    """Columns already named like a keel field that the map neither maps nor fixes: taken as they are
    (so `hf:<id>` with keel's own column names needs no map)."""
    from train.data import REQUIRED

    fields = {name for schema in REQUIRED.values() for name in schema} | {"language", "group"}
    return [c for c in column_names if c in fields and c not in columns and c not in constants and c != "id"]
