"""`keel doctor RUN_DIR`: what is broken in a run directory, and what a resume would redo and keep.

    keel doctor runs/demo          one line per finding, then the resume plan; exit 0 when the same
                                   command can resume the run as it is, 1 when something blocks it
    keel doctor runs/demo --fix    moves each broken file aside into RUN_DIR/broken/ (never deletes one;
                                   broken results.jsonl lines are dropped from a rewritten copy), so the
                                   next run redoes what they held

Every check is one function in CHECKS: `check(run) -> list[Finding]`. A finding that `blocks` would stop
a resume (the reader in train/state.py refuses the file); the others a resume handles by itself (a torn
last results line, an unfinished trainer checkpoint, temp files of interrupted writes). New state files
get a new check here.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from train import KeelError
from train.manifest import MANIFEST, verify_manifest
from train.state import (
    StateError,
    check_eval_sets,
    check_hardening,
    check_search,
    check_status,
    check_utility,
    read_json,
    read_yaml,
    results_lines,
)

DONE_MARKER = "keel_complete.json"  # train/resume.py:HardenCheckpoints.DONE


@dataclass
class Finding:
    path: Path
    problem: str
    blocks: bool  # a resume stops on it (train/state.py refuses the file)
    fix: str = ""  # what --fix (or the user) does about it
    mend: Callable[[Path], None] | None = None  # --fix: set the broken part aside (given the broken/ dir)

    def line(self, root: Path) -> str:
        where = self.path.relative_to(root) if self.path.is_relative_to(root) else self.path
        mark = "BROKEN" if self.blocks else "note"
        return f"{mark:6} {where}: {self.problem}" + (f"; {self.fix}" if self.fix else "")


def set_aside(path: Path) -> Callable[[Path], None]:
    def mend(broken_dir: Path) -> None:
        broken_dir.mkdir(parents=True, exist_ok=True)
        path.replace(broken_dir / path.name)
    return mend


def json_check(name: str, check, fix: str) -> Callable:
    def run_check(root: Path) -> list[Finding]:
        try:
            read_json(root / name, check)
        except StateError as err:
            return [Finding(root / name, err.why, True, fix, set_aside(root / name))]
        return []
    return run_check


def check_config(root: Path) -> list[Finding]:
    try:
        read_yaml(root / "config.yaml")
    except StateError as err:
        return [Finding(root / "config.yaml", err.why, True, "--fix sets it aside; then resume with resume=force "
                        "(the run cannot be checked against its config)", set_aside(root / "config.yaml"))]
    return []


def check_status_file(root: Path) -> list[Finding]:
    try:
        read_json(root / "status.json", check_status)
    except StateError as err:
        return [Finding(root / "status.json", err.why, False, "a resume rewrites it")]
    return []


def check_results(root: Path) -> list[Finding]:
    path = root / "results.jsonl"
    good, bad, torn = results_lines(path)
    found = []
    if bad:
        def mend(broken_dir: Path) -> None:
            from train.run_dir import atomic_write_bytes

            broken_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, broken_dir / path.name)
            keep = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for _, r in good)
            atomic_write_bytes(path, keep.encode("utf-8"))

        for line, problem in bad:
            found.append(Finding(Path(f"{path}:{line}"), problem, True,
                                 "--fix drops the line (a copy of the file goes to broken/); that attack reruns",
                                 mend if line == bad[0][0] else None))
    if torn:
        found.append(Finding(path, "the last line is torn (a kill mid-write)", False, "a resume cuts it and "
                             "reruns that attack"))
    return found


def check_checkpoint(root: Path) -> list[Finding]:
    ckpt = root / "checkpoint"
    found = [Finding(root / name, "left by an interrupted checkpoint save", False, "a resume removes it")
             for name in ("checkpoint.partial", "checkpoint.old") if (root / name).exists()]
    if not ckpt.exists():
        return found
    problems = verify_manifest(ckpt)
    if problems:
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""

        def mend(broken_dir: Path) -> None:
            n = 1
            while (root / f"checkpoint.broken-{n}").exists():
                n += 1
            ckpt.replace(root / f"checkpoint.broken-{n}")

        found.append(Finding(ckpt / MANIFEST, f"the checkpoint does not match it ({problems[0]}{more})", True,
                             "restore the file, or --fix (or resume=force) sets the checkpoint aside as "
                             "checkpoint.broken-N and hardens again", mend))
    return found


def check_trainer(root: Path) -> list[Finding]:
    found = []
    for folder in sorted((root / "trainer").glob("checkpoint-*")):
        if not (folder / DONE_MARKER).exists():
            found.append(Finding(folder, "unfinished trainer checkpoint (no completion marker)", False,
                                 "a resume removes it and continues from the last finished one"))
            continue
        try:
            read_json(folder / "trainer_state.json", lambda s: None if isinstance(s, dict) and
                      isinstance(s.get("global_step"), int) else "no integer 'global_step'")
        except StateError as err:
            found.append(Finding(folder / "trainer_state.json", err.why, True,
                                 "--fix sets the trainer checkpoint aside; hardening resumes from an earlier one",
                                 set_aside(folder)))
    return found


def check_temp_files(root: Path) -> list[Finding]:
    return [Finding(p, "temp file of an interrupted write", False, "a resume removes it")
            for p in sorted(root.glob(".*.tmp"))]


CHECKS: list[Callable[[Path], list[Finding]]] = [
    check_config,
    check_status_file,
    json_check("hardening.json", check_hardening, "--fix sets it aside; the report then lacks the hardening "
               "figures (steps, loss) unless the checkpoint is hardened again (resume=force after --fix)"),
    json_check("eval_sets.json", check_eval_sets, "--fix sets it aside; a resume writes it again"),
    json_check("utility.json", check_utility, "--fix sets it aside; a resume measures utility again"),
    json_check("search.json", check_search, "--fix sets it aside; a resume runs the adaptive search again"),
    check_results,
    check_checkpoint,
    check_trainer,
    check_temp_files,
]


def diagnose(root: Path) -> list[Finding]:
    return [finding for check in CHECKS for finding in check(root)]


def first_blocking(root: Path, skip: tuple[str, ...] = ()) -> Finding | None:
    """The first finding that would stop a resume; prepare_run calls this before any model loads and
    checks the files in `skip` itself (config.yaml, checkpoint)."""
    skipped = {"config.yaml": check_config, "checkpoint": check_checkpoint}
    for check in CHECKS:
        if check in [skipped[name] for name in skip]:
            continue
        for finding in check(root):
            if finding.blocks:
                return finding
    return None


def _expected_runs(config: dict) -> list[str]:
    """The grid's `target/attack/seed<s>` keys from a saved config (examples-ladder runs aside)."""
    targets = ["base", "hardened"] if "baseline" not in config else \
        (["baseline"] if config.get("baseline") else []) + ["checkpoint"]
    keys = []
    for name, node in (config.get("attack") or {}).items():
        for seed in (node or {}).get("seeds") or [0]:
            keys += [f"{t}/{name}/seed{seed}" for t in targets]
    return keys


def resume_plan(root: Path) -> list[str]:
    """What the same command would keep and redo, read from the files as they are."""
    lines = []
    ckpt, trainer = root / "checkpoint", root / "trainer"
    finished = sorted((p for p in trainer.glob("checkpoint-*") if (p / DONE_MARKER).exists()),
                      key=lambda p: int("".join(c for c in p.name if c.isdigit()) or 0))
    if ckpt.exists() and not verify_manifest(ckpt):
        lines.append("keep   the hardened checkpoint (it matches its manifest)")
    elif finished:
        lines.append(f"redo   hardening from {finished[-1].relative_to(root)} (a finished hardening is not trained "
                     f"further)")
    else:
        lines.append("redo   hardening from the start (when the command hardens)")
    good, _, _ = results_lines(root / "results.jsonl")
    done = {f"{r['target']}/{r['attack']}/seed{r['seed']}" for _, r in good}
    lines.append(f"keep   {len(done)} finished attack run(s) scored on the same weights (sha256-checked on resume)")
    try:
        config = read_yaml(root / "config.yaml", default={})
    except KeelError:
        config = {}
    todo = [k for k in _expected_runs(config) if k not in done]
    if todo:
        lines.append(f"redo   {len(todo)} attack run(s): {', '.join(todo[:6])}{' ...' if len(todo) > 6 else ''}")
    lines.append("redo   report.json, report.md and the plots (always rebuilt from the results)")
    return lines


def doctor(run_dir: str | Path, fix: bool = False) -> tuple[list[str], bool]:
    """(lines to print, whether the run can resume as it is)."""
    root = Path(run_dir)
    if not root.is_dir():
        raise KeelError(f"{root}: run directory not found")
    if not any((root / n).exists() for n in ("config.yaml", "status.json", "results.jsonl", "checkpoint")):
        raise KeelError(f"{root}: not a keel run directory (no config.yaml, status.json or results.jsonl)")
    findings = diagnose(root)
    if fix:
        broken_dir = root / "broken" / time.strftime("%Y%m%d-%H%M%S")
        for finding in findings:
            if finding.blocks and finding.mend is not None:
                finding.mend(broken_dir)
        findings = diagnose(root)
    status = read_json(root / "status.json", default={}) if not any(
        f.path.name == "status.json" for f in findings) else {}
    lines = [f"{root}: status {status.get('status', 'unknown')}" +
             (f" ({status['error']})" if status.get("error") else "")]
    lines += [f.line(root) for f in findings] or ["ok     every state file reads back and checks out"]
    healthy = not any(f.blocks for f in findings)
    lines += ["", "a resume (the same command again) would:" if healthy else
              "after fixing the BROKEN lines, a resume (the same command again) would:", *resume_plan(root)]
    return lines, healthy


def doctor_main() -> int:
    parser = argparse.ArgumentParser(prog="keel doctor", description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("run_dir", help="a run directory (runs/<name>)")
    parser.add_argument("--fix", action="store_true", help="move broken files aside into RUN_DIR/broken/")
    args = parser.parse_args(sys.argv[1:])
    lines, healthy = doctor(args.run_dir, fix=args.fix)
    print("\n".join(lines))
    return 0 if healthy else 1
