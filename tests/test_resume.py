"""kill -9 a tiny `keel harden` during hardening, re-run the same command: the report equals an uninterrupted
run's with the same seed (timings aside) and the hardened weights are bitwise the same.

The kills are real SIGKILLs: KEEL_TEST_KILL_AT=<point>[@n] makes the process kill itself the n-th time it
reaches <point> (train/run_dir.py:kill_point). Each killed `keel harden` runs `train.cli.main` in a process
forked from the session's forkserver, which has keel imported already (seconds instead of a 10-25 s
import each; tests/test_bad_inputs.py and tests/test_sweep.py run `python -m train.cli` for real).
tests/test_resume_attacks.py kills the attack grid and the report the same way.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from tests.conftest import compose_config, run_forked, warm_forkserver
from train.pipeline import run_pipeline

# Small and fast, yet every stage runs: 4 hardening steps checkpointed every 2, two attack runs.
RESUME_ARGS = ["preset=ci", "model=tiny-random", "harden.steps=4", "harden.save_steps=2", "harden.logging_steps=2",
               "budget.steps=2", "budget.eval_every=1", "eval.max_prompts=4", "eval.max_new_tokens=6",
               "utility.max_prompts=4"]
TIMING = ("seconds", "runtime")


def _keel_child(argv: list[str], point: str) -> None:
    os.environ["KEEL_TEST_KILL_AT"] = point
    from train.cli import main

    sys.exit(main(argv))


def keel_killed_at(point: str, run: Path, args: list[str] = RESUME_ARGS) -> None:
    """`keel harden` on `run` in a process forked from the forkserver that SIGKILLs itself at `point`."""
    argv = ["harden", *args, f"run.dir={run}"]
    code = run_forked((_keel_child, argv, point), timeout=900)[0]  # generous: a loaded CI machine
    assert code == -signal.SIGKILL, f"{point}: not killed (exit {code}; the forked child's output is the forkserver's)"
    status = run / "status.json"  # absent only when the kill hit the very first write of status.json
    assert not status.exists() or json.loads(status.read_text())["status"] == "running", "a kill leaves `running`"


NOT_ATOMIC = {"results.jsonl", "hydra", "checkpoint", "trainer"}  # appended, Hydra's, or written by a trainer


def assert_written_atomically(run: Path, written) -> None:
    """Every file of a run dir (and every stored completion) passed through the atomic writer."""
    for path in run.iterdir():
        if path.name == "completions":  # a folder of stored completions: every file in it written whole
            stored = [p for p in path.rglob("*") if p.is_file()]
            assert stored and all(p.name in written for p in stored), "a stored completion was not written atomically"
            continue
        assert path.name in NOT_ATOMIC or path.name in written, f"{path.name} was not written atomically"


def run_in_process(run: Path, args: list[str] = RESUME_ARGS) -> dict:
    return run_pipeline(compose_config("harden", [*args, f"run.dir={run}"]))


def without_timings(node):
    if isinstance(node, dict):
        return {k: without_timings(v) for k, v in node.items() if not any(t in k for t in TIMING)}
    if isinstance(node, list):
        return [without_timings(v) for v in node]
    return node


def assert_same_run(resumed: Path, reference: Path) -> None:
    a, b = (without_timings(json.loads((d / "report.json").read_text())) for d in (resumed, reference))
    differing = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    assert not differing, f"report.json differs in {differing}"
    assert (resumed / "checkpoint" / "manifest.sha256").read_text() == \
        (reference / "checkpoint" / "manifest.sha256").read_text(), "hardened weights differ"
    assert json.loads((resumed / "status.json").read_text())["status"] == "done"
    assert not (resumed / "trainer").exists(), "trainer checkpoints are removed once checkpoint/ is written"


def test_killed_hardening_resumes_to_the_same_report(tmp_path, resume_reference):
    warm = warm_forkserver()
    reference, _ = resume_reference
    warm.join()

    run = tmp_path / "killed"
    keel_killed_at("harden_step@3", run)  # after step 3; last checkpoint: step 2
    assert sorted(p.name for p in (run / "trainer").glob("checkpoint-*")) == ["checkpoint-2"]

    keel_killed_at("harden_save@1", run)  # resumes at 2, dies saving step 4 (no completion marker)
    step4 = run / "trainer" / "checkpoint-4"
    assert step4.exists() and not (step4 / "keel_complete.json").exists()

    keel_killed_at("checkpoint_saved", run)  # resumes at 2 again, writes checkpoint/, dies before attacks
    assert (run / "checkpoint" / "model.safetensors").exists() and not (run / "results.jsonl").exists()

    run_in_process(run)  # the same command once more: attacks and report
    assert_same_run(run, reference)
