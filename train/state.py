"""The state files of a run directory, read with a check.

A run resumes from what it finds in its directory (train/run_dir.py lists the files). Each file is read
through one of the readers here, which check its shape, so a truncated, hand-edited or foreign file ends
the run with one line naming the file (and the line, for results.jsonl) and pointing to
`keel doctor RUN_DIR`, which lists everything broken and what a resume would redo (train/doctor.py):

    read_json(path, check)      status.json, hardening.json, utility.json, search.json, eval_sets.json,
                                report.json; `check(obj) -> problem | None`, e.g. `mapping_of(dict)`
    read_yaml(path)             config.yaml (a YAML mapping)
    read_results(path)          results.jsonl: every complete line a finished attack record; a torn last
                                line (a kill mid-append, no newline yet) is not a record and is skipped

Each `check_*` below says what a sound file holds; train/doctor.py runs the same checks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from train import KeelError

STATUSES = ("running", "done", "failed", "interrupted")
# What every finished attack record in results.jsonl holds (attacks/base.py:AttackResult).
RECORD_FIELDS = {"attack": str, "recipe": str, "split": str, "target": str, "seed": int, "config": dict,
                 "curve": list, "flops_per_token": (int, float), "examples": int}
Check = Callable[[Any], "str | None"]


class StateError(KeelError):
    """A state file of a run directory is broken: the message names it and points to `keel doctor`;
    `why` is the problem alone."""

    why = ""


def doctor_hint(path: str | Path) -> str:
    return f"run `keel doctor {run_dir_of(path)}` to see what is broken and what a resume would redo"


def run_dir_of(path: str | Path) -> Path:
    """The run directory a state file belongs to (checkpoint/ and trainer/ files are one or two below)."""
    path = Path(path)
    for parent in path.parents:
        if (parent / "config.yaml").exists() or (parent / "status.json").exists():
            return parent
    return path.parent


def broken(path: str | Path, why: str, line: int | None = None) -> StateError:
    where = f"{path}:{line}" if line else str(path)
    err = StateError(f"{where}: {why}; {doctor_hint(path)}")
    err.why = why
    return err


def _kind(value) -> str:
    return type(value).__name__


def mapping_of(value_type: type | tuple, what: str = "entry") -> Check:
    """A check: a JSON object whose values all have `value_type`."""
    def check(obj):
        if not isinstance(obj, dict):
            return f"expected a JSON object, got {_kind(obj)}"
        for key, value in obj.items():
            if not isinstance(value, value_type) or isinstance(value, bool):
                return f"{what} '{key}' is {_kind(value)}, not {getattr(value_type, '__name__', 'valid')}"
        return None
    return check


def check_object(obj) -> str | None:
    """report.json and other JSON objects read whole."""
    return None if isinstance(obj, dict) else f"expected a JSON object, got {_kind(obj)}"


def check_status(obj) -> str | None:
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {_kind(obj)}"
    if obj.get("status") not in STATUSES:
        return f"status {obj.get('status')!r} is not one of {', '.join(STATUSES)}"
    return None


def check_hardening(obj) -> str | None:
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {_kind(obj)}"
    if obj.get("resumed"):  # written by keel < 0.1 for a checkpoint found without its stats
        return None
    for key, typ in (("steps", int), ("examples", int)):
        if not isinstance(obj.get(key), typ) or isinstance(obj.get(key), bool):
            return f"field '{key}' is missing or not an integer"
    return None


def check_utility(obj) -> str | None:
    """target -> {probe: figure}, plus `_weights` (target -> sha256 of the weights probed)."""
    return mapping_of(dict, "target")(obj)


def check_search(obj) -> str | None:
    """target -> [one search per seed, each with its `seed`], plus `_weights` like utility.json."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {_kind(obj)}"
    for target, searches in obj.items():
        if target == "_weights":
            continue
        if not isinstance(searches, list) or not all(isinstance(s, dict) and "seed" in s for s in searches):
            return f"target '{target}' is not a list of searches with a 'seed'"
    return None


check_eval_sets = mapping_of(str, "evaluation set")


def check_record(record) -> str | None:
    """A finished attack run (attacks/base.py:AttackResult.as_dict)."""
    if not isinstance(record, dict):
        return f"expected a JSON object, got {_kind(record)}"
    missing = [k for k in RECORD_FIELDS if k not in record]
    if missing:
        return f"record lacks {', '.join(missing)}"
    for key, typ in RECORD_FIELDS.items():
        if not isinstance(record[key], typ) or isinstance(record[key], bool):
            return f"field '{key}' is {_kind(record[key])}"
    if not record["curve"]:
        return "field 'curve' is empty"
    for point in record["curve"]:
        if not isinstance(point, dict) or not isinstance(point.get("step"), int) \
                or not isinstance(point.get("asr"), (int, float)) or not math.isfinite(point["asr"]):
            return "a curve point lacks an integer 'step' or a finite 'asr'"
    return None


def read_json(path: str | Path, check: Check | None = None, default: Any = None) -> Any:
    """The parsed file, checked; `default` when the file does not exist."""
    path = Path(path)
    if not path.exists():
        return default
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise broken(path, "not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise broken(path, f"truncated or not JSON ({err.msg} at line {err.lineno} column {err.colno})") from None
    except OSError as err:
        raise broken(path, f"cannot be read ({err.strerror})") from None
    problem = check(obj) if check else None
    if problem:
        raise broken(path, problem)
    return obj


def read_yaml(path: str | Path, default: Any = None) -> Any:
    """A YAML mapping (config.yaml); `default` when the file does not exist."""
    import yaml

    path = Path(path)
    if not path.exists():
        return default
    try:
        obj = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise broken(path, "not UTF-8 text") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise broken(path, f"not valid YAML ({getattr(err, 'problem', None) or 'syntax error'})", line) from None
    if not isinstance(obj, dict):
        raise broken(path, f"expected a YAML mapping of options, got {_kind(obj)}")
    return obj


def results_lines(path: str | Path) -> tuple[list[tuple[int, dict]], list[tuple[int, str]], bool]:
    """(good records with their line numbers, (line, problem) for each broken complete line, whether the
    last line is torn). Used by read_results and by keel doctor."""
    path = Path(path)
    if not path.exists():
        return [], [], False
    data = path.read_bytes()
    torn = bool(data) and not data.endswith(b"\n")
    lines = data.split(b"\n")
    complete = lines[:-1]  # the part after the last newline is empty, or a line a kill tore
    good, bad = [], []
    for number, raw in enumerate(complete, 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            bad.append((number, "not UTF-8 text"))
            continue
        except json.JSONDecodeError as err:
            bad.append((number, f"not JSON ({err.msg})"))
            continue
        problem = check_record(record)
        if problem:
            bad.append((number, problem))
        else:
            good.append((number, record))
    return good, bad, torn


def read_results(path: str | Path) -> list[dict]:
    """Every finished attack record of results.jsonl, in order; a broken complete line is an error."""
    good, bad, _ = results_lines(path)
    if bad:
        line, problem = bad[0]
        more = f" (and {len(bad) - 1} more broken lines)" if len(bad) > 1 else ""
        raise broken(path, f"{problem}{more}", line)
    return [record for _, record in good]
