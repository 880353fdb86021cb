"""Reliability behaviours that are not one-line refusals (those are in tests/test_bad_inputs.py): Ctrl-C,
W&B without a network, a live unrelated pid in status.json, byte-order marks, a finished hardening that
a resume recognises, and model directories that check out."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from tests.cases_files import tiny_dir
from tests.conftest import compose_config
from train import KeelError
from train.run_dir import INTERRUPTED, RunDir, finishes_run, process_started

REPO = Path(__file__).resolve().parent.parent


# -- Ctrl-C ---------------------------------------------------------------------------------------------
def test_ctrl_c_marks_the_run_interrupted(tmp_path):
    run = RunDir(tmp_path / "run")
    run.set_status("running")
    with pytest.raises(KeyboardInterrupt), finishes_run(run, None):
        raise KeyboardInterrupt
    status = json.loads((run.root / "status.json").read_text())
    assert status["status"] == "interrupted" and status["error"] == INTERRUPTED


def _default_sigint() -> None:
    """A shell starts background jobs with SIGINT ignored, and Python keeps an ignored SIGINT ignored: restore
    the default so the test does not depend on how pytest was launched (`make test &`)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig, code, line, status_word", [
    ("INT", 130, f"keel: {INTERRUPTED}", "interrupted"),
    ("TERM", 143, None, "failed"),
])
def test_a_signal_mid_hardening_in_a_real_keel_process_ends_it_cleanly(tmp_path, sig, code, line, status_word):
    """Ctrl-C (SIGINT) or a scheduler's SIGTERM in the middle of `keel harden`'s training loop: exit status
    130 / 143, no traceback, one `keel:` line for Ctrl-C, and status.json says how the run ended with the
    hint to run the same command again. The process signals itself at its third hardening step
    (KEEL_TEST_KILL_AT=harden_step@3:INT, train/run_dir.py:kill_point), so the signal always lands mid-run
    instead of racing a timer against a tiny model that may finish first."""
    run = tmp_path / "run"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KEEL_TEST_KILL_AT": f"harden_step@3:{sig}"}
    proc = subprocess.run([sys.executable, "-m", "train.cli", "harden", "preset=ci", "model=tiny-random",
                           "harden.steps=40", "harden.save_steps=0", f"run.dir={run}"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, preexec_fn=_default_sigint)
    assert proc.returncode == code, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    keel_lines = [x for x in proc.stderr.splitlines() if x.startswith("keel:")]
    assert keel_lines == ([line] if line else []), proc.stderr[-3000:]
    status = json.loads((run / "status.json").read_text())
    assert status["status"] == status_word and "run the same command again to resume" in status["error"]
    assert not (run / "report.json").exists()  # nothing half-done looks finished


# -- W&B without a network ------------------------------------------------------------------------------
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed once the socket is: connections are refused at once


def test_wandb_online_without_a_server_falls_back_to_offline(tmp_path, monkeypatch, caplog):
    from train.tracking import Tracker

    monkeypatch.setenv("WANDB_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("WANDB_MODE", raising=False)
    tracker = Tracker(OmegaConf.create({"mode": "online", "project": "keel"}), "t", str(tmp_path), {"a": 1})
    try:
        assert "cannot reach" in caplog.text and "logging offline" in caplog.text
        assert tracker.run is not None and tracker.run.settings.mode == "offline"
    finally:
        tracker.finish()
    assert list((tmp_path / "wandb").glob("offline-run-*"))


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}", "http://no-such-host.invalid", "not a url"])
def test_server_probe_names_why(url):
    from train.tracking import server_unreachable

    assert server_unreachable(url.format(port=closed_port()), timeout=3)


def test_wandb_failing_to_start_leaves_the_run_failed_not_running(tmp_path, monkeypatch):
    import wandb

    from train.pipeline import start_run

    def broken_init(**kwargs):
        raise RuntimeError("wandb service died")

    monkeypatch.setattr(wandb, "init", broken_init)
    cfg = compose_config("harden", ["preset=ci", "model=tiny-random", f"run.dir={tmp_path / 'run'}",
                                    "wandb.mode=offline"])
    with pytest.raises(KeelError, match=r"wandb.mode=offline: W&B did not start \(wandb service died\)"):
        start_run(cfg)
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["status"] == "failed" and "wandb service died" in status["error"]


# -- a live pid in status.json is not proof of a live keel run ------------------------------------------
@pytest.fixture(scope="module")
def sleeper():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc
    proc.kill()


def status_variants(sleeper) -> dict[str, tuple[dict, bool]]:
    """name -> (status.json, whether it names a live keel run of this dir)."""
    host, pid = socket.gethostname(), sleeper.pid
    started = process_started(pid)
    running = {"status": "running", "host": host}
    return {
        "live, same start time": ({**running, "pid": pid, "started": started}, True),
        "live, other start time (pid reused)": ({**running, "pid": pid, "started": started + 1}, False),
        "init (pid 1), a start time recorded": ({**running, "pid": 1, "started": 12345}, False),
        "parent process, no start time, not keel": ({**running, "pid": os.getppid()}, False),
        "live but the status is done": ({"status": "done", "host": host, "pid": pid, "started": started}, False),
        "live but on another host": ({**running, "host": "elsewhere", "pid": pid, "started": started}, False),
        "dead pid": ({**running, "pid": 2 ** 22 + 7, "started": 1}, False),
        "pid as text": ({**running, "pid": "123"}, False),
        "negative pid (a process group)": ({**running, "pid": -1}, False),
        "pid 0 (own group)": ({**running, "pid": 0}, False),
        "huge pid": ({**running, "pid": 2 ** 70}, False),
        "boolean pid": ({**running, "pid": True}, False),
        "not an object": ([1, 2], False),
    }


def test_only_the_recorded_keel_process_holds_the_run_dir(tmp_path, sleeper):
    for name, (record, owned) in status_variants(sleeper).items():
        run = RunDir(tmp_path / name.replace(" ", "_").replace("(", "").replace(")", "").replace(",", ""))
        (run.root / "status.json").write_text(json.dumps(record))
        assert (run.owner_alive() == sleeper.pid) is owned, name


# -- byte-order marks, model directories ----------------------------------------------------------------
def test_a_bom_prefixed_jsonl_loads_like_the_plain_file(tmp_path):
    from train.data import load_records

    plain = REPO / "data" / "keel-mini" / "mcq.jsonl"
    (tmp_path / "mcq.jsonl").write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    assert load_records(tmp_path / "mcq.jsonl", "mcq") == load_records(plain, "mcq")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_bom_prefixed_csv_judges_like_the_plain_file(tmp_path, newline):
    from attacks.judge_file import read_pairs

    text = newline.join(["prompt,completion", "hi,I can't help with that.", '"a, b","sure"', ""])
    (tmp_path / "plain.csv").write_text(text)
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert read_pairs(tmp_path / "bom.csv") == read_pairs(tmp_path / "plain.csv")
    assert read_pairs(tmp_path / "bom.csv")[1] == {"prompt": "a, b", "completion": "sure"}


def test_a_sound_model_directory_passes_the_checks(tmp_path):
    from train.model_files import check_model_files, looks_local

    path = tiny_dir(tmp_path)
    check_model_files(OmegaConf.create({"source": "hf", "path": str(path)}))
    assert not looks_local("gpt2") and not looks_local("org/model")  # hub ids: checked when they load
    assert looks_local("runs/x/checkpoint") and looks_local("./m") and looks_local("/m")


def test_a_finished_hardening_is_not_trained_further(tmp_path, tiny_model, tokenizer, data):
    """Resumed from the trainer checkpoint of the last step (the final save was killed), hardening ends
    where it was: no step past max_steps, the same weights (HF's loop would take one more step)."""
    import torch

    from train.hardening import harden

    cfg = OmegaConf.create({"steps": 3, "batch_size": 4, "lr": 1e-2, "retain_examples": 8, "seed": 0,
                            "save_steps": 3, "logging_steps": 1, "keep_base_copy": False, "schedule": "constant"})
    start = copy.deepcopy(tiny_model)
    first = harden(tiny_model, tokenizer, data, [], cfg, str(tmp_path), resume=True)
    assert (tmp_path / "checkpoint-3" / "keel_complete.json").exists()
    again = harden(start, tokenizer, data, [], cfg, str(tmp_path), resume=True)
    assert first["steps"] == again["steps"] == 3 and first["train_loss"] == again["train_loss"]
    assert all(torch.equal(a, b) for a, b in zip(tiny_model.state_dict().values(), start.state_dict().values()))


def test_a_manifest_is_never_written_for_a_link_that_leads_out(tmp_path):
    from train.manifest import verify_manifest, write_manifest

    release = tmp_path / "release"
    release.mkdir()
    (release / "model.safetensors").write_bytes(b"w")
    (release / "inside").symlink_to(release / "model.safetensors")  # a link within the release is fine
    write_manifest(release)
    assert verify_manifest(release) == []
    (release / "host").symlink_to(Path(__file__))
    with pytest.raises(KeelError, match="host: a symlink that leads outside its directory"):
        write_manifest(release)
