"""Property tests (hypothesis): every reader and validator of user input, fed arbitrary values, either
accepts them or raises a one-line KeelError, never another exception (a traceback); what it accepts is
safe (a run name stays one directory below runs/, a manifest path stays inside its directory).
Pure functions only: no model, each test well under a second per hundred examples."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import compose_config
from train import KeelError
from train.data import _validate
from train.manifest import outside
from train.options import Options, Run, validate_node
from train.run_dir import RunDir
from train.state import (
    StateError,
    check_hardening,
    check_search,
    check_status,
    check_utility,
    read_json,
    results_lines,
)

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
SEGMENTS = st.sampled_from(["..", ".", "", "a", "b", "~", "/", "\\", "\0", "x" * 300, "c d", "-rf", "é"])


@FAST
@given(name=st.text(max_size=120) | st.lists(SEGMENTS, max_size=6).map("".join))
def test_an_accepted_run_name_stays_one_directory_below_runs(name):
    try:
        validate_node(Run, {"name": name, "dir": "runs/x"}, "run.")
    except KeelError as err:
        assert "\n" not in str(err) and str(err).startswith("run.name:")
        return
    runs = Path("/srv/runs")
    assert (runs / name).resolve().parent == runs and "\0" not in name


@FAST
@given(parts=st.lists(SEGMENTS, min_size=1, max_size=6))
def test_an_accepted_manifest_path_stays_inside_its_directory(tmp_path, parts):
    root = tmp_path / "release"
    root.mkdir(exist_ok=True)
    if not (root / "out").exists():
        os.symlink("/", root / "out")  # a symlink that leads out of the directory
    rel = "/".join(parts)
    why = outside(root, rel)
    if why is None:
        target = (root / rel).resolve()
        assert target == root.resolve() or root.resolve() in target.parents


@pytest.fixture(scope="module")
def plain_options() -> dict:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(compose_config("harden", ["preset=ci", "model=tiny-random"]), resolve=True)


LEAVES = ["run.name", "run.dir", "budget.steps", "budget.seeds", "budget.lr_scale", "budget.stop_at_asr",
          "threshold", "effort.utility_eps", "effort.examples_ladder", "hygiene.jaccard", "hygiene.drop",
          "utility.max_prompts", "search.seeds", "eval.max_prompts", "harden.lr", "harden.schedule",
          "harden.trainer", "wandb.mode", "wandb.tags", "data.eval_fraction", "model.dtype", "resume"]


@FAST
@given(leaf=st.sampled_from(LEAVES), value=JSON)
def test_any_option_value_is_accepted_or_named_in_one_line(plain_options, leaf, value):
    config = json.loads(json.dumps(plain_options))
    section, _, key = leaf.rpartition(".")
    (config[section] if section else config)[key] = value
    try:
        validate_node(Options, config)
    except KeelError as err:
        assert "\n" not in str(err) and str(err).startswith(leaf)


@FAST
@given(record=st.dictionaries(st.sampled_from(["id", "question", "choices", "answer", "split", "group", "language",
                                               "prompt", "refusal", "compliance", "category", "response"]),
                              JSON, max_size=10),
       kind=st.sampled_from(["harmful", "benign", "mcq", "identity", "edgy"]))
def test_any_data_record_is_accepted_or_named_in_one_line(record, kind):
    try:
        _validate(record, kind, "f.jsonl:1", max_chars=50)
    except KeelError as err:
        assert str(err).startswith("f.jsonl:1: ") and "\n" not in str(err)


@FAST
@given(content=st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()),
       check=st.sampled_from([check_status, check_hardening, check_utility, check_search]))
def test_any_state_file_reads_back_checked_or_is_named(tmp_path, content, check):
    path = tmp_path / "state.json"
    path.write_bytes(content)
    try:
        read_json(path, check)
    except StateError as err:
        assert str(err).startswith(str(path)) and "keel doctor" in str(err) and "\n" not in str(err)


@FAST
@given(lines=st.lists(st.binary(max_size=60) | JSON.map(lambda v: json.dumps(v).encode()), max_size=5),
       torn=st.booleans())
def test_any_results_file_splits_into_records_and_named_bad_lines(tmp_path, lines, torn):
    path = tmp_path / "results.jsonl"
    path.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines) + (b"" if torn else b"\n"))
    good, bad, is_torn = results_lines(path)
    assert all(isinstance(n, int) and n >= 1 for n, _ in good + bad)
    assert len(good) + len(bad) <= len(lines)


@FAST
@given(record=st.dictionaries(st.sampled_from(["status", "pid", "started", "host"]), JSON, max_size=4))
def test_any_status_record_never_claims_the_run_for_a_stranger(tmp_path, record):
    """Whatever status.json holds, owner_alive answers None or a pid; a live process that is not the
    recorded keel run (here: this test's parent, started long before) never blocks the run dir."""
    run = RunDir(tmp_path / "run")
    record = {**record, "host": socket.gethostname()} if record.get("host") is None else record
    if record.get("pid") is True:
        record["pid"] = os.getppid()
    (run.root / "status.json").write_text(json.dumps(record))
    owner = run.owner_alive()
    assert owner is None or (isinstance(owner, int) and owner > 0)
    if record.get("pid") == os.getppid() and record.get("started") != _started(os.getppid()):
        assert owner is None


def _started(pid):
    from train.run_dir import process_started

    return process_started(pid)
