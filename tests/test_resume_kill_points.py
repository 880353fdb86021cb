"""kill -9 at the kill points an uninterrupted run reaches, re-run the same command: the same report and the
same weights as the uninterrupted run, under `harden.schedule=constant` (where one step past the end of
hardening would change the weights; with cosine the learning rate is 0 there and hides it).

The list of points is not hand-picked: the reference run records every kill point it reaches
(train/run_dir.py:points_reached): each atomic write (`write:<file>`), each append (`append:<file>`) and
each point the pipeline names. By default a representative chain runs (a full disk in the trainer's save,
then kills in the final-save window, where a finished hardening must be recognised, not trained further);
the opt-in slow test kills at every recorded point, its first and its last hit, each in a fresh run dir:

    .venv/bin/python -m pytest -m slow tests/test_resume_kill_points.py -s

About 30 kills (each ~40 s on a busy 2-core machine); `KEEL_KILL_POINTS=<glob>` (e.g. `write:*`) kills only
at the matching points. The default tests take ~45 s on a 2-core machine.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import os
from collections import Counter
from pathlib import Path

import pytest

import train.run_dir
from tests.test_resume import (
    RESUME_ARGS,
    assert_same_run,
    assert_written_atomically,
    keel_killed_at,
    run_in_process,
    warm_forkserver,
)
from train.cli import main

ARGS = [*RESUME_ARGS, "harden.schedule=constant"]
# Written in place on purpose (see tests/test_resume_attacks.py), or by libraries into their own folders.
# The window after hardening finished and before the checkpoint is complete, and its end.
FINAL_SAVE = ["write:hardening.json", "write:manifest.sha256", "checkpoint_saved"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Counter]:
    """An uninterrupted run and every kill point it reached (with how often)."""
    warm = warm_forkserver()
    run = tmp_path_factory.mktemp("kill-points") / "reference"
    train.run_dir.points_reached = Counter()
    try:
        run_in_process(run, ARGS)
        points = train.run_dir.points_reached
    finally:
        train.run_dir.points_reached = None
    warm.join()
    return run, points


def test_the_recorded_points_cover_every_write(reference):
    run, points = reference
    written = {p.removeprefix("write:") for p in points if p.startswith("write:")}
    assert_written_atomically(run, written)
    assert set(FINAL_SAVE) <= set(points) and "append:results.jsonl" in points
    assert points["harden_step"] == 4 and points["harden_save"] == 2


def full_disk_in_the_trainers_save(monkeypatch):
    """From now on the disk is full once the HF Trainer starts writing a checkpoint's weights: that file is
    left half-written, and no new file can be made (atomic writes need a temp file)."""
    import transformers.modeling_utils

    full = []
    real_mkstemp, real_save = train.run_dir.tempfile.mkstemp, transformers.modeling_utils.safe_save_file

    def save_half(tensors, filename, *args, **kwargs):
        if "trainer" not in str(filename):
            return real_save(tensors, filename, *args, **kwargs)
        Path(filename).write_bytes(b"\0" * 64)  # what fitted before the disk filled up
        full.append(filename)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(filename))

    def mkstemp(*args, **kwargs):
        if full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(transformers.modeling_utils, "safe_save_file", save_half)
    monkeypatch.setattr(train.run_dir.tempfile, "mkstemp", mkstemp)


def test_a_full_disk_then_kills_in_the_final_save_resume_to_the_same_report(reference, tmp_path, monkeypatch,
                                                                            capsys):
    """1. The disk fills while the Trainer writes checkpoint-2: one line, status `failed` (written in
    place), the half-written checkpoint has no completion marker. 2. With space again, the same command
    removes it, hardens to the end and is killed renaming hardening.json, 3. then killed writing the last
    file of checkpoint/ (the issue's case: the resume must not train a 5th step of 4). 4. The same command
    once more ends with the uninterrupted run's report and weights."""
    run = tmp_path / "run"
    full_disk_in_the_trainers_save(monkeypatch)
    monkeypatch.setattr("sys.argv", ["keel"])
    try:
        code = main(["harden", *ARGS, f"run.dir={run}"])
    except SystemExit as exit_:
        code = exit_.code
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("keel:")]
    assert code == 2 and len(err) == 1 and "cannot write (No space left on device)" in err[0], err
    status = json.loads((run / "status.json").read_text())
    assert status["status"] == "failed" and "No space left" in status["error"]
    half = run / "trainer" / "checkpoint-2"
    assert half.exists() and not (half / "keel_complete.json").exists()
    monkeypatch.undo()

    keel_killed_at("write:hardening.json", run, args=ARGS)  # trained to the end, stats not yet renamed
    assert (run / "trainer" / "checkpoint-2" / "keel_complete.json").exists(), "the half checkpoint was redone"
    assert (run / "trainer" / "checkpoint-4" / "keel_complete.json").exists()
    keel_killed_at("write:manifest.sha256", run, args=ARGS)
    assert not (run / "checkpoint").exists() and json.loads((run / "hardening.json").read_text())["steps"] == 4
    run_in_process(run, ARGS)
    assert json.loads((run / "hardening.json").read_text())["steps"] == 4, "a finished hardening trained on"
    assert_same_run(run, reference[0])


def hits_to_kill(points: Counter, pattern: str = "*") -> list[str]:
    """Each recorded point at its first hit, and at its last when it is reached more than once; only the
    points matching `pattern` (fnmatch, e.g. `write:*`)."""
    hits = {f"{p}@1" for p in points} | {f"{p}@{n}" for p, n in points.items() if n > 1}
    return sorted(h for h in hits if fnmatch.fnmatch(h.rpartition("@")[0], pattern))


@pytest.mark.slow
def test_every_kill_point_resumes_to_the_same_report(reference, tmp_path):
    """Opt-in: kill at every recorded point (first and last hit), resume, compare. KEEL_KILL_POINTS=<glob>
    runs a subset (e.g. `write:*`)."""
    run_dir, points = reference
    failed = []
    chosen = hits_to_kill(points, os.environ.get("KEEL_KILL_POINTS", "*"))
    print(f"{len(chosen)} of {len(hits_to_kill(points))} kills: {', '.join(chosen)}")
    for i, point in enumerate(chosen):
        run = tmp_path / f"k{i}"
        try:
            keel_killed_at(point, run, args=ARGS)
            run_in_process(run, ARGS)
            assert_same_run(run, run_dir)
        except AssertionError as err:
            failed.append(f"{point}: {str(err).splitlines()[0]}")
    assert not failed, "\n".join(failed)
