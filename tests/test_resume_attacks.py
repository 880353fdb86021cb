"""kill -9 a tiny `keel harden` in the attack grid and while it writes the report, re-run the same command:
finished attacks are not redone, a torn results line is dropped, and the report equals an uninterrupted
run's (timings aside). The reference run also audits that every file the run writes goes through the
atomic writer (temp file + rename). Helpers and the kill mechanism: tests/test_resume.py.
"""

from __future__ import annotations

import json

from tests.conftest import warm_forkserver
from tests.test_resume import assert_same_run, assert_written_atomically, keel_killed_at, run_in_process
from train.run_dir import read_jsonl

# Written in place on purpose: the append-only results (torn lines are cut), Hydra's own log, and the
# trainer/checkpoint folders (HF writes them; keel uses completion markers and .partial + rename).


def keys(run) -> list[str]:
    return [f"{r['target']}/{r['attack']}/seed{r['seed']}" for r in read_jsonl(run / "results.jsonl")]


def test_killed_attacks_and_report_resume_to_the_same_report(tmp_path, resume_reference):
    warm = warm_forkserver()
    reference, written = resume_reference  # the files its writes passed through the atomic writer
    assert_written_atomically(reference, written)
    warm.join()

    run = tmp_path / "killed"
    keel_killed_at("attack_eval@2", run)  # hardening done, dies inside the first attack (base)
    assert (run / "checkpoint" / "manifest.sha256").exists() and keys(run) == []

    keel_killed_at("append:results.jsonl@1", run)  # dies half-way through writing the base attack's line
    assert keys(run) == [] and (run / "results.jsonl").read_text().count("\n") == 0

    keel_killed_at("attack_done@1", run)  # the base attack is recorded, the hardened one never starts
    assert keys(run) == ["base/full_ft/seed0"]

    keel_killed_at("write:report.json", run)  # after the temp file, before the rename
    assert keys(run) == ["base/full_ft/seed0", "hardened/full_ft/seed0"]  # the base attack was not redone
    assert not (run / "report.json").exists()

    run_in_process(run)  # the report rebuilt from what is there
    assert keys(run) == ["base/full_ft/seed0", "hardened/full_ft/seed0"]
    assert not list(run.glob(".report.json.*.tmp")), "a killed write's temp file was not cleaned up"
    assert_same_run(run, reference)
    status = json.loads((run / "status.json").read_text())
    assert status["status"] == "done" and status["pid"]
