"""Head to head (train/head_to_head.py, `keel compare ... baseline=DIR`): two real tiny runs' hardened
models scored against each other from their finished attacks, with no model loaded."""

from __future__ import annotations

import json
import shutil

import pytest

from attacks.metrics import steps_to_threshold
from train import KeelError
from train.cli import main
from train.head_to_head import head_to_head


@pytest.fixture(scope="module")
def runs(tiny_study, tmp_path_factory):
    """The tiny study's two arms, finished runs with the same attacks and seeds (refusal SFT; refusal SFT +
    deep alignment), and a copy of the first whose records say its attacks ran at another learning rate."""
    root = tmp_path_factory.mktemp("h2h")
    for name in ("sft", "stack"):
        shutil.copytree(tiny_study / name, root / name)  # runs/<name>, as their own reports name them
    other = root / "other_lr"
    shutil.copytree(root / "sft", other)
    records = [json.loads(line) for line in (other / "results.jsonl").read_text().splitlines()]
    for record in records:
        record["config"]["lr"] *= 10
    (other / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return root


def test_stack_vs_sft_ratios_come_from_both_runs_hardened_records(runs, tmp_path):
    report = head_to_head(runs / "sft", runs / "stack", tmp_path / "pair")
    assert report["targets"] == {"base": "sft", "treated": "stack"}
    assert {(r["target"], r["seed"]) for r in report["runs"]} == {(t, s) for t in ("sft", "stack") for s in (0, 1)}
    own = {name: json.loads((runs / name / "report.json").read_text()) for name in ("sft", "stack")}
    for name in ("sft", "stack"):  # each side is exactly that run's hardened model, as its own report scored it
        mine = sorted((r["seed"], r["harm_auc"]) for r in report["runs"] if r["target"] == name)
        theirs = sorted((r["seed"], r["harm_auc"]) for r in own[name]["runs"] if r["target"] == "hardened")
        assert mine == theirs
    row = next(r for r in report["comparison"] if r["attack"] == "full_ft")
    tau = report["threshold"]
    steps = {name: [steps_to_threshold(c["curve"], tau) for c in report["curves"]
                    if c["target"] == name and c["attack"] == "full_ft"] for name in ("sft", "stack")}
    for name in ("sft", "stack"):
        assert row[name]["steps_to_threshold_mean"] == pytest.approx(sum(s.bound for s in steps[name]) / 2)
    assert "steps_to_threshold" in row["ratios"]  # stack / sft, with its bootstrap CI over the two seeds
    util = report["utility"]
    assert util["sft"] == own["sft"]["utility"]["hardened"] and util["stack"] == own["stack"]["utility"]["hardened"]
    text = (tmp_path / "pair" / "report.md").read_text()
    assert "Head to head" in text and "defenses: refusal_sft)" in text and "| stack | full_ft | 1 |" in text
    assert (tmp_path / "pair" / "effort.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_with_a_baseline_writes_one_pair_per_run(runs, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(runs / "sft"), str(runs / "stack"), f"baseline={runs / 'sft'}", f"out={out}"]) == 0
    assert "-> " + str(out / "vs_sft" / "stack") in capsys.readouterr().out
    assert json.loads((out / "vs_sft" / "stack" / "report.json").read_text())["run"] == "stack vs sft"
    assert not (out / "vs_sft" / "sft").exists()


def test_runs_with_other_attack_options_are_refused(runs, tmp_path, capsys):
    with pytest.raises(KeelError, match="share no attack run with the same options.*attack options differ"):
        head_to_head(runs / "sft", runs / "other_lr", tmp_path / "x")
    with pytest.raises(SystemExit, match="2"):
        main(["compare", str(runs / "sft"), str(tmp_path), f"baseline={runs / 'sft'}", f"out={tmp_path}/o"])
    assert "is the only run given" in capsys.readouterr().err  # the baseline alone: nothing to pair it with
    with pytest.raises(KeelError, match="has no report.json"):
        head_to_head(tmp_path, runs / "sft", tmp_path / "y")
