"""Bad-input cases: the run directory, its resources and its state files (train/state.py, train/resume.py).

A state-file case builds the run dir a killed run leaves (config.yaml of the very same command, one
finished attack) and breaks one file: the command stops before any model loads, naming the file (and
line) and `keel doctor RUN_DIR`.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.cases_options import Case, args
from tests.conftest import compose_config, finished_record

# Small budgets: a case that slipped through validation would still end in seconds.
FAST = ["preset=ci", "model=tiny-random", "harden.steps=1", "budget.steps=1", "budget.eval_every=1",
        "eval.max_prompts=2", "eval.max_new_tokens=4", "utility.enabled=false"]
LIVE: list[subprocess.Popen] = []  # processes a case started, stopped after it
DOCTOR = "run `keel doctor <tmp>/run` to see what is broken"


def saved_run(tmp: Path, overrides: list[str] = (), status: dict | None = None, files: dict | None = None) -> Path:
    """A run dir as a killed run leaves it: config.yaml, status.json, one finished attack, plus `files`
    (name -> text or bytes) written over it."""
    import yaml

    from train.pipeline import redacted_config

    run = tmp / "run"
    run.mkdir(exist_ok=True)
    cfg = compose_config("harden", [*FAST, f"run.dir={run}", *overrides])
    (run / "config.yaml").write_text(yaml.safe_dump(redacted_config(cfg)))
    (run / "results.jsonl").write_text(json.dumps(finished_record()) + "\n")
    (run / "status.json").write_text(json.dumps(status or {"status": "failed"}))
    for name, content in (files or {}).items():
        path = run / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return run


def state(files: dict | None = None, change=None):
    def build(tmp, mp):
        run = saved_run(tmp, files=files)
        if change is not None:
            change(run)
        return []
    return build


def checkpoint(change):
    """A finished checkpoint/ (two files and their manifest), then `change(checkpoint_dir)`."""
    def break_it(run: Path):
        from train.manifest import write_manifest

        ckpt = run / "checkpoint"
        ckpt.mkdir()
        (ckpt / "model.safetensors").write_bytes(b"weights" * 100)
        (ckpt / "config.json").write_text("{}")
        write_manifest(ckpt)
        change(ckpt)
    return state(change=break_it)


def flip_hash(ckpt: Path):
    lines = (ckpt / "manifest.sha256").read_text().splitlines()
    lines[0] = ("0" if lines[0][0] != "0" else "1") + lines[0][1:]
    (ckpt / "manifest.sha256").write_text("\n".join(lines) + "\n")


def trainer_state(text: str):
    return state({"trainer/checkpoint-2/keel_complete.json": '{"step": 2}',
                  "trainer/checkpoint-2/trainer_state.json": text})


def config_changed(tmp, mp):
    saved_run(tmp, ["harden.steps=7"])
    return []


def resume_false(tmp, mp):
    saved_run(tmp)
    return ["resume=false"]


def run_in_use(tmp, mp):
    from train.run_dir import process_started

    LIVE.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
    pid = LIVE[-1].pid
    saved_run(tmp, status={"status": "running", "pid": pid, "started": process_started(pid),
                           "host": socket.gethostname()})
    return []


def disk_full(tmp, mp):
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    mp.setattr("train.run_dir.os.fsync", no_space)
    return []


def disk_full_checkpoint(tmp, mp):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp / "run" / "checkpoint.partial"))
    mp.setattr("transformers.modeling_utils.safe_save_file", no_space)
    return []


def run_dir_not_writable(tmp, mp):
    if os.geteuid() == 0:  # root writes anywhere a mode allows nothing: use a filesystem that refuses mkdir
        return ["run.dir=/sys/keel-run"]
    ro = tmp / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    return [f"run.dir={ro}/run"]


def run_dir_is_a_file(tmp, mp):
    (tmp / "afile").write_text("x")
    return [f"run.dir={tmp}/afile/run"]


def resources(what, build, expected):
    return Case("run directory and resources", what, build, expected)


def broken(what, build, expected):
    return Case("run-dir state files", what, build, expected)


RECORD = json.dumps(finished_record()) + "\n"
CASES = {
    "nan_loss": resources("loss becomes nan/inf", args("harden.lr=1e30", "harden.steps=4", "harden.save_steps=1", "harden.logging_steps=1"), "harden: training loss is"),
    "disk_full": resources("out of disk space (simulated ENOSPC)", disk_full, "cannot write (No space left on device)"),
    "disk_full_checkpoint": resources("disk fills while saving the checkpoint", disk_full_checkpoint, "checkpoint.partial: cannot write (No space left on device)"),
    "run_dir_not_writable": resources("run dir not writable", run_dir_not_writable, "cannot write (Operation not permitted"),
    "run_dir_is_a_file": resources("run dir below a regular file", run_dir_is_a_file, "cannot write (Not a directory)"),
    "config_changed": resources("resume with a different config", config_changed, "made with a different config (harden.steps: 7 -> 1)"),
    "resume_nothing": resources("resume=true with nothing to resume", args("resume=true"), "resume=true:"),
    "resume_false": resources("resume=false on an existing run", resume_false, "resume=false:"),
    "run_in_use": resources("run dir used by a live keel process", run_in_use, "is being run by process"),
    # state files, checked when read
    "results_empty_object": broken("a results.jsonl line `{}`", state({"results.jsonl": RECORD + "{}\n"}), f"results.jsonl:2: record lacks attack, recipe, split, target, seed, config, curve, flops_per_token, examples; {DOCTOR}"),
    "results_missing_keys": broken("a results.jsonl record missing keys", state({"results.jsonl": '{"target": "base", "attack": "full_ft", "seed": 0}\n'}), "results.jsonl:1: record lacks recipe, split, config, curve"),
    "results_not_json": broken("a results.jsonl line that is not JSON, between good ones", state({"results.jsonl": RECORD + "garbage\n" + RECORD}), "results.jsonl:2: not JSON"),
    "results_list": broken("a results.jsonl line that is a list", state({"results.jsonl": "[1, 2]\n"}), "results.jsonl:1: expected a JSON object, got list"),
    "results_empty_curve": broken("a results.jsonl record with an empty curve", state({"results.jsonl": json.dumps(finished_record(curve=[])) + "\n"}), "results.jsonl:1: field 'curve' is empty"),
    "results_seed_text": broken("a results.jsonl seed that is text", state({"results.jsonl": json.dumps(finished_record(seed="0")) + "\n"}), "results.jsonl:1: field 'seed' is str"),
    "results_bad_point": broken("a results.jsonl curve point without asr", state({"results.jsonl": json.dumps(finished_record(curve=[{"step": 0}])) + "\n"}), "a curve point lacks an integer 'step' or a finite 'asr'"),
    "results_not_utf8": broken("a results.jsonl line that is not UTF-8", state({"results.jsonl": b"\xff\xfe\n"}), "results.jsonl:1: not UTF-8 text"),
    "hardening_truncated": broken("a truncated hardening.json", state({"hardening.json": '{"steps": 4, "train_lo'}), "hardening.json: truncated or not JSON"),
    "hardening_list": broken("hardening.json that is a list", state({"hardening.json": "[]"}), "hardening.json: expected a JSON object, got list"),
    "hardening_no_steps": broken("hardening.json without steps", state({"hardening.json": '{"train_loss": 1.0}'}), "hardening.json: field 'steps' is missing or not an integer"),
    "utility_truncated": broken("a truncated utility.json", state({"utility.json": '{"base": {"mcq_acc'}), "utility.json: truncated or not JSON"),
    "utility_not_object": broken("utility.json with a number for a target", state({"utility.json": '{"base": 3}'}), "utility.json: target 'base' is int"),
    "search_truncated": broken("a truncated search.json", state({"search.json": '{"base": ['}), "search.json: truncated or not JSON"),
    "search_wrong_shape": broken("search.json with a target that is no list", state({"search.json": '{"base": {"seed": 0}}'}), "search.json: target 'base' is not a list of searches"),
    "eval_sets_truncated": broken("a truncated eval_sets.json", state({"eval_sets.json": '{"harmful_eval": "ab'}), "eval_sets.json: truncated or not JSON"),
    "config_yaml_syntax": broken("config.yaml with a YAML syntax error", state(change=lambda run: (run / "config.yaml").write_text((run / "config.yaml").read_text() + "budget: [1,\n")), "config.yaml:"),
    "config_yaml_list": broken("config.yaml that is a list", state({"config.yaml": "- a\n- b\n"}), "config.yaml: expected a YAML mapping of options, got list"),
    "config_yaml_not_utf8": broken("config.yaml that is not UTF-8", state({"config.yaml": b"run: \xff\n"}), "config.yaml: not UTF-8 text"),
    "checkpoint_hash_line": broken("a manifest hash line changed in checkpoint/", checkpoint(flip_hash), "checkpoint: does not match its manifest (config.json: sha256 differs from the manifest); keel will not retrain over a finished checkpoint"),
    "checkpoint_file_changed": broken("a checkpoint file changed after the run", checkpoint(lambda c: (c / "model.safetensors").write_bytes(b"other")), "checkpoint: does not match its manifest (model.safetensors: sha256 differs"),
    "checkpoint_file_missing": broken("a checkpoint file deleted", checkpoint(lambda c: (c / "model.safetensors").unlink()), "checkpoint: does not match its manifest (model.safetensors: missing)"),
    "checkpoint_no_manifest": broken("a checkpoint without its manifest", checkpoint(lambda c: (c / "manifest.sha256").unlink()), "manifest missing"),
    "checkpoint_extra_file": broken("a file added to a finished checkpoint", checkpoint(lambda c: (c / "pytorch_model.bin").write_bytes(b"x")), "pytorch_model.bin: not in the manifest"),
    "trainer_state_truncated": broken("a finished trainer checkpoint with a truncated trainer_state.json", trainer_state('{"global_st'), "trainer_state.json: truncated or not JSON"),
    "trainer_state_no_step": broken("a trainer_state.json without global_step", trainer_state('{"log_history": []}'), "trainer_state.json: no integer 'global_step'"),
}
