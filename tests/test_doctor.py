"""`keel doctor RUN_DIR` and what a resume does with broken or foreign state: a broken file is named before
any model loads, doctor lists it and what a resume would redo, `--fix` sets it aside, and the resumed run
ends with the report of the run that was never broken. A checkpoint that fails its manifest is refused,
never silently retrained; results scored on other weights are redone, never kept."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

import train.pipeline
from tests.conftest import compose_config
from tests.test_resume import assert_same_run
from train import KeelError
from train.cli import main
from train.pipeline import run_pipeline
from train.run_dir import read_jsonl
from train.state import StateError

TINY_RUN = ["preset=ci", "model=tiny-random", "harden.steps=2", "harden.save_steps=0", "budget.steps=1",
            "budget.eval_every=1", "eval.max_prompts=2", "eval.max_new_tokens=4", "utility.max_prompts=2",
            "utility.mcq=false", "utility.kl=false"]


def pipeline(run: Path, *extra: str) -> dict:
    return run_pipeline(compose_config("harden", [*TINY_RUN, f"run.dir={run}", *extra]))


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("doctor") / "finished"
    pipeline(run)
    return run


@pytest.fixture
def copy(finished, tmp_path) -> Path:
    return Path(shutil.copytree(finished, tmp_path / "run"))


@pytest.fixture
def no_model_load(monkeypatch):
    """Fails the test if the pipeline gets as far as loading a model."""
    def load(*args, **kwargs):
        raise AssertionError("a model was loaded before the broken state file was reported")
    monkeypatch.setattr(train.pipeline, "load_model_and_tokenizer", load)


def doctor(run: Path, capsys, *flags: str) -> tuple[int, str]:
    sys.argv, saved = ["keel"], sys.argv
    try:
        code = main(["doctor", str(run), *flags])
    finally:
        sys.argv = saved
    return code, capsys.readouterr().out


def test_doctor_on_a_finished_run(finished, capsys):
    code, out = doctor(finished, capsys)
    assert code == 0, out
    assert "status done" in out and "every state file reads back" in out
    assert "keep   the hardened checkpoint" in out and "keep   2 finished attack run(s)" in out
    assert "BROKEN" not in out


def test_broken_state_is_named_before_any_model_loads_and_fix_makes_it_resumable(finished, copy, capsys,
                                                                                  monkeypatch, no_model_load):
    with (copy / "results.jsonl").open("a") as fh:
        fh.write("{}\n")
    (copy / "utility.json").write_text('{"base": {"over_ref')
    (copy / "report.json").unlink()
    with pytest.raises(StateError, match=rf"utility.json: truncated or not JSON .*; run `keel doctor {copy}`"):
        pipeline(copy)

    code, out = doctor(copy, capsys)
    assert code == 1
    assert "BROKEN utility.json: truncated or not JSON" in out
    assert "BROKEN results.jsonl:3: record lacks attack, recipe" in out

    code, out = doctor(copy, capsys, "--fix")
    assert code == 0, out
    kept = list((copy / "broken").glob("*/*"))
    assert sorted(p.name for p in kept) == ["results.jsonl", "utility.json"]  # set aside, never deleted
    assert len(read_jsonl(copy / "results.jsonl")) == 2

    monkeypatch.undo()
    pipeline(copy)
    assert len(read_jsonl(copy / "results.jsonl")) == 2, "the finished attacks were kept"
    assert_same_run(copy, finished)


def test_a_checkpoint_failing_its_manifest_is_refused_then_set_aside_with_force(finished, copy, monkeypatch,
                                                                               no_model_load):
    manifest = copy / "checkpoint" / "manifest.sha256"
    lines = manifest.read_text().splitlines()
    lines[0] = ("0" if lines[0][0] != "0" else "1") + lines[0][1:]
    manifest.write_text("\n".join(lines) + "\n")
    (copy / "report.json").unlink()
    with pytest.raises(KeelError, match=r"checkpoint: does not match its manifest .*sha256 differs.*keel will not "
                                        r"retrain over a finished checkpoint: restore it, or pass resume=force"):
        pipeline(copy)
    assert (copy / "checkpoint" / "manifest.sha256").read_text() == manifest.read_text()

    monkeypatch.undo()
    pipeline(copy, "resume=force")
    assert (copy / "checkpoint.broken-1" / "manifest.sha256").exists(), "the old checkpoint is kept aside"
    # Hardening again from the same seed gave the same weights: the attack results stay (same sha256).
    assert len(read_jsonl(copy / "results.jsonl")) == 2
    assert_same_run(copy, finished)


def test_results_scored_on_other_weights_are_redone_not_kept(finished, copy, caplog):
    records = read_jsonl(copy / "results.jsonl")
    assert {r["target"] for r in records} == {"base", "hardened"} and all(len(r["weights_sha256"]) == 64
                                                                           for r in records)
    utility = json.loads((copy / "utility.json").read_text())
    assert set(utility["_weights"]) == {"base", "hardened"}
    for r in records:
        if r["target"] == "hardened":
            r["weights_sha256"] = "0" * 64  # as if scored on a checkpoint that was later replaced
    (copy / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    utility["_weights"]["hardened"] = "0" * 64
    (copy / "utility.json").write_text(json.dumps(utility))

    pipeline(copy)
    assert "hardened/full_ft/seed0 was scored on other weights" in caplog.text
    assert "utility.json: hardened was measured on other weights" in caplog.text
    assert [r["target"] for r in read_jsonl(copy / "results.jsonl")] == ["base", "hardened", "hardened"]
    assert_same_run(copy, finished)
