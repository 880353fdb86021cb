"""Which judges scored a run dir's stored verdicts, so one report never mixes verdicts of two judges.

A judge's verdicts can change with its code (attacks/judges: `version`) while the run's config stays the
same, so the config check of a resume or of `run.base_results_from` cannot see it. Each run dir therefore
keeps `judge.json`: the `describe()` of the primary and secondary judge that scored it. Reusing the
finished records of a run dir (resume) or another run's base attacks (train/shared_base.py) requires the
same judges; otherwise one line says to re-score the stored completions with `keel rejudge` (minutes for
the text judges) instead of attacking again. Run dirs from before judge.json are read through their
report.json's `judge` / `judge_secondary`; a run dir with neither, or without any stored verdict (stopped
during hardening), has scored nothing yet. `keel rejudge` also re-scores a run stopped before its report.
"""

from __future__ import annotations

import json
from pathlib import Path

from train import KeelError
from train.run_dir import atomic_write_json

JUDGE_FILE = "judge.json"
KEYS = ("judge", "judge_secondary")
VERDICT_FILES = ("results.jsonl", "utility.json", "report.json")


def stamp(judges: dict) -> dict:
    """The part of a describe_judges() / report.json meta that decides verdicts."""
    return {key: judges.get(key) for key in KEYS}


def holds_verdicts(root: Path) -> bool:
    """Whether run dir `root` stored any verdict: attack curves, over-refusal labels or a report. A run
    stopped during hardening has only judge.json (written at its start), which then binds nothing."""
    return any((Path(root) / name).is_file() for name in VERDICT_FILES)


def judged_with(root: Path) -> dict | None:
    """The judges behind the verdicts stored in run dir `root`; None when it stored none."""
    if not holds_verdicts(root):
        return None
    for name in (JUDGE_FILE, "report.json"):
        path = Path(root) / name
        if path.is_file():
            try:
                return stamp(json.loads(path.read_text()))
            except (json.JSONDecodeError, AttributeError) as err:
                raise KeelError(f"{path}: cannot be read ({err}); restore it or run `keel rejudge {root}`") from err
    return None


def _named(judges: dict) -> str:
    first = judges.get("judge") or {}
    text = f"{first.get('name', '?')} v{first.get('version', '?')}"
    second = judges.get("judge_secondary")
    return text + (f" (secondary {second.get('name', '?')} v{second.get('version', '?')})" if second else "")


def check_same_judges(root: Path, judges: dict, where: str) -> None:
    """A one-line KeelError unless run dir `root` was scored by `judges` (or has scored nothing yet)."""
    saved, now = judged_with(root), stamp(judges)
    if saved is None or saved == now:
        return
    detail = "" if _named(saved) != _named(now) else " with other settings"
    raise KeelError(f"{where}: its verdicts come from {_named(saved)}{detail}, this run judges with {_named(now)}; "
                    f"re-score them first with `keel rejudge {root}` (no attack reruns), or choose its judge")


def write_judge_file(root: Path, judges: dict) -> None:
    atomic_write_json(Path(root) / JUDGE_FILE, stamp(judges))


def keep_judges(root: Path, judges: dict, write: bool = True, source: str | Path | None = None) -> None:
    """Before any stored verdict is reused: run dir `root`'s own (a resume) and `source`'s (the base attacks
    it takes, run.base_results_from) come from `judges`; then judge.json records them for `root`."""
    check_same_judges(root, judges, f"run.dir {root}")
    if source:
        check_same_judges(Path(source), judges, f"run.base_results_from: {source}")
    if write:
        write_judge_file(root, judges)
