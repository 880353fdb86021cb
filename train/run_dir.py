"""The run directory: every write is atomic (temp file + rename), results are an append-only JSONL.

    runs/<name>/
      config.yaml      the resolved config (secrets redacted)
      status.json      {"status": "running" | "done" | "failed", ...}
      checkpoint/      hardened weights (safetensors) + manifest.sha256
      results.jsonl    one finished attack run per line
      report.json, report.md, *.png
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def append_jsonl(path: str | Path, record: dict) -> None:
    """Append one line in a single write + fsync; a torn last line is ignored by `read_jsonl`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    with path.open("ab") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def read_jsonl(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line torn by a kill mid-write: that attack simply did not finish
    return records


class RunDir:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    checkpoint = property(lambda self: self.root / "checkpoint")
    results = property(lambda self: self.root / "results.jsonl")
    report_json = property(lambda self: self.root / "report.json")
    report_md = property(lambda self: self.root / "report.md")

    def set_status(self, status: str, **details) -> None:
        atomic_write_json(self.root / "status.json", {"status": status, "time": time.time(), **details})

    def status(self) -> str | None:
        path = self.root / "status.json"
        return json.loads(path.read_text())["status"] if path.exists() else None

    def finished_results(self) -> dict[str, dict]:
        """Finished attack runs by key (target/attack/seed); the last record of a key wins."""
        return {f"{r['target']}/{r['attack']}/seed{r['seed']}": r for r in read_jsonl(self.results)}

    def add_result(self, record: dict) -> None:
        append_jsonl(self.results, record)
