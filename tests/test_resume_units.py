"""The parts resume is built from: defense state across a hardening restart, the config check, torn JSONL
lines, atomic writes, status.json, the kill hook. In-process and fast; the end-to-end kills are in
tests/test_resume.py and tests/test_resume_attacks.py."""

from __future__ import annotations

import json
import os
import random
import signal

import pytest
import torch
import yaml
from omegaconf import OmegaConf
from transformers import TrainerCallback

import train.run_dir
from defenses.base import Defense
from tests.conftest import TINY_OVERRIDES, compose_config, finished_record
from train import KeelError
from train.hardening import harden
from train.pipeline import redacted_config, run_pipeline
from train.resume import config_diff, config_hash, logged_train_loss, prepare_run
from train.run_dir import RunDir, append_jsonl, atomic_write_text, kill_point, read_jsonl

HARDEN = {"steps": 4, "batch_size": 4, "lr": 1e-3, "retain_examples": 8, "seed": 0, "save_steps": 2,
          "logging_steps": 2, "keep_base_copy": False}


class Sampler(Defense):
    """A defense whose training depends on its own RNG, like a meta-learning attack sampler."""

    name = "sampler"

    def setup(self, ctx):
        super().setup(ctx)
        self.rng, self.draws, self.last = random.Random(ctx.seed + 7), 0, 0.0

    def meta_step(self, model, inputs):
        self.last, self.draws = self.rng.random(), self.draws + 1
        return {"draw": self.last}

    def loss_terms(self, model, inputs):
        first = next(p for p in model.parameters() if p.requires_grad)
        return {"pull": self.last * first.pow(2).mean()}

    def state_dict(self):
        return {"rng": self.rng.getstate(), "draws": self.draws}

    def load_state_dict(self, state):
        self.rng.setstate(state["rng"])
        self.draws = state["draws"]


class Forgetful(Sampler):
    def state_dict(self):
        return {}


class CrashAt(TrainerCallback):
    """Stands in for a kill: the process dies after `step`, the checkpoints on disk are what is left."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise RuntimeError("killed")


def hardened(model, tokenizer, data, defense, out, callbacks=(), resume=False):
    harden(model, tokenizer, data, [defense], OmegaConf.create(HARDEN), str(out), callbacks, resume=resume)
    return {k: v.clone() for k, v in model.state_dict().items()}


def same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_defense_state_survives_a_hardening_restart(tmp_path, tiny_model, tokenizer, data):
    import copy

    start = copy.deepcopy(tiny_model)
    reference = Sampler()
    want = hardened(copy.deepcopy(start), tokenizer, data, reference, tmp_path / "ref")

    with pytest.raises(RuntimeError, match="killed"):
        hardened(copy.deepcopy(start), tokenizer, data, Sampler(), tmp_path / "run", [CrashAt(3)])
    resumed = Sampler()
    got = hardened(copy.deepcopy(start), tokenizer, data, resumed, tmp_path / "run", resume=True)
    assert same(got, want) and resumed.draws == reference.draws == 4

    # Without its state the sampler replays draws 1-2 instead of 3-4: the weights come out different.
    with pytest.raises(RuntimeError, match="killed"):
        hardened(copy.deepcopy(start), tokenizer, data, Forgetful(), tmp_path / "forgetful", [CrashAt(3)])
    assert not same(hardened(copy.deepcopy(start), tokenizer, data, Forgetful(), tmp_path / "forgetful",
                             resume=True), want)


def test_logged_train_loss_weights_windows_by_length():
    history = [{"loss": 2.0, "step": 2}, {"loss": 1.0, "step": 3}, {"train_runtime": 1.0, "step": 3}]
    assert logged_train_loss(history) == pytest.approx((2 * 2 + 1) / 3)


def saved(tmp_path, overrides, outputs=True):
    run = RunDir(tmp_path / "run")
    config = redacted_config(compose_config("harden", [*TINY_OVERRIDES, f"run.dir={run.root}", *overrides]))
    atomic_write_text(run.config, yaml.safe_dump(config))
    if outputs:
        append_jsonl(run.results, finished_record())
    return run


def current(run, overrides):
    cfg = compose_config("harden", [*TINY_OVERRIDES, f"run.dir={run.root}", *overrides])
    return cfg, redacted_config(cfg)


def test_config_check_before_resuming(tmp_path):
    run = saved(tmp_path, ["harden.lr=0.01"])
    cfg, config = current(run, ["harden.lr=0.02"])
    with pytest.raises(KeelError, match=r"different config \(harden.lr: 0.01 -> 0.02\); .*resume=force"):
        prepare_run(cfg, run, config)
    cfg, config = current(run, ["harden.lr=0.02", "resume=force"])
    assert prepare_run(cfg, run, config) is True
    # Where the run is written, how it is logged and named cannot change a result: no refusal.
    cfg, config = current(run, ["harden.lr=0.01", "run.name=other", "wandb.mode=offline"])
    assert prepare_run(cfg, run, config) is True
    assert config_diff(yaml.safe_load(run.config.read_text()), config) == []
    assert config_hash(yaml.safe_load(run.config.read_text())) == config_hash(config)


@pytest.mark.parametrize("key, later", [("data.eval_split", "validation"), ("data.test_rows", {"edgy": 4}),
                                        ("defense.helpful_boundary.kl_tokens", 4)])
def test_an_option_added_later_matches_a_saved_config_without_it_at_its_neutral_value(key, later):
    from train.resume import ADDED_OPTIONS

    section, *path = key.split(".")
    saved_config = {"harden": {"lr": 0.01}, "data": {"harmful": "h.jsonl"}, "defense": {"helpful_boundary": {"kl": 1.0}}}
    with_option = json.loads(json.dumps(saved_config))
    node = with_option[section]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = ADDED_OPTIONS[key]
    assert config_diff(saved_config, with_option) == [] and config_hash(saved_config) == config_hash(with_option)
    node[path[-1]] = later  # another value is a real difference
    assert config_diff(saved_config, with_option)[0].startswith(key)  # e.g. data.test_rows.edgy: <unset> -> 4
    assert config_hash(saved_config) != config_hash(with_option)


def test_a_config_without_outputs_is_just_replaced(tmp_path):
    run = saved(tmp_path, ["harden.lr=0.01"], outputs=False)  # a run that failed before doing anything
    cfg, config = current(run, ["harden.lr=0.02"])
    assert prepare_run(cfg, run, config) is False


def test_torn_jsonl_line_is_cut_before_the_next_append(tmp_path):
    path = tmp_path / "results.jsonl"
    append_jsonl(path, {"n": 1})
    with path.open("ab") as fh:
        fh.write(b'{"n": 2, "cur')  # a kill in the middle of a write
    assert read_jsonl(path) == [{"n": 1}]
    append_jsonl(path, {"n": 3})
    assert read_jsonl(path) == [{"n": 1}, {"n": 3}]
    assert path.read_text().splitlines() == ['{"n": 1}', '{"n": 3}']


def test_interrupted_atomic_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    atomic_write_text(target, "old")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(train.run_dir.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.json"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600), "results are readable like any other file"


def test_status_failed_names_the_error(tmp_path):
    bad = tmp_path / "harmful.jsonl"
    bad.write_text("{not json\n")
    cfg = compose_config("harden", [*TINY_OVERRIDES, f"run.dir={tmp_path / 'run'}", f"data.harmful={bad}"])
    with pytest.raises(KeelError):
        run_pipeline(cfg)
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["status"] == "failed" and "harmful.jsonl:1: malformed JSON" in status["error"]
    assert status["pid"] == os.getpid() and not (tmp_path / "run" / "report.json").exists()


def test_sigterm_marks_the_run_failed_not_running(tmp_path):
    """A preempted or killed job (SIGTERM) must not stay `running` in status.json; the handler is restored."""
    from train.run_dir import Terminated, finishes_run

    closed = []
    tracker = type("Tracker", (), {"finish": lambda self: closed.append(True)})()
    run = RunDir(tmp_path / "run")
    run.set_status("running")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as ended, finishes_run(run, tracker):
        os.kill(os.getpid(), signal.SIGTERM)  # Python runs the handler right after this call returns
    status = json.loads((tmp_path / "run" / "status.json").read_text())
    assert status["status"] == "failed" and "SIGTERM" in status["error"]
    assert ended.value.code == 143 and closed == [True]
    assert signal.getsignal(signal.SIGTERM) is before


def test_kill_point_fires_on_the_nth_hit(monkeypatch):
    kills = []
    monkeypatch.setattr(train.run_dir.os, "kill", lambda pid, sig: kills.append(sig))
    monkeypatch.setenv("KEEL_TEST_KILL_AT", "unit_point@2")
    monkeypatch.setattr(train.run_dir, "_kill_hits", train.run_dir.Counter())
    kill_point("other")
    kill_point("unit_point")
    assert kills == []
    kill_point("unit_point")
    assert kills == [signal.SIGKILL]


@pytest.mark.parametrize("target, point, expected", [
    ("unit_point@2:INT", "unit_point", signal.SIGINT),
    ("unit_point@2:TERM", "unit_point", signal.SIGTERM),
    ("unit_point@2:KILL", "unit_point", signal.SIGKILL),
    ("write:status.json@2", "write:status.json", signal.SIGKILL),  # a colon in the point's own name
    ("write:status.json@2:INT", "write:status.json", signal.SIGINT),
    ("append:results.jsonl@2", "append:results.jsonl", signal.SIGKILL),
])
def test_kill_point_sends_the_named_signal(monkeypatch, target, point, expected):
    kills = []
    monkeypatch.setattr(train.run_dir.os, "kill", lambda pid, sig: kills.append(sig))
    monkeypatch.setenv("KEEL_TEST_KILL_AT", target)
    monkeypatch.setattr(train.run_dir, "_kill_hits", train.run_dir.Counter())
    kill_point(point)
    assert kills == []
    kill_point(point)
    assert kills == [expected]
