"""Stored completions and `keel rejudge` on a REAL tiny run (issue 12, point 5): every judged completion is in
the run dir, a resumed attack re-creates what a kill lost, and rejudging with the run's own judge reproduces
report.json exactly while another judge changes only the judge-dependent fields."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from attacks import completions as store
from train import KeelError
from train.cli import main

ARGS = ["preset=ci", "model=tiny-random", "harden.steps=2", "budget.steps=2", "budget.eval_every=1",
        "eval.max_prompts=4", "eval.max_new_tokens=6", "utility.max_prompts=4"]
ROW_FIELDS = {"prompt_id", "prompt", "completion", "nll", "label", "score", "harmful", "harm_score"}
# What a judge decides: a curve point's label rates and outcomes, and every figure made from them.
POINT_FIELDS = {"asr", "asr_ci", "compliance", "refusal", "incoherent", "outcomes"}
JUDGED = ("asr", "refusal", "incoherent", "compliance", "harm_auc", "max_asr", "over_refusal")
SUMMARIES = {"judge", "config_hash", "headline", "comparison", "effort", "runs", "curves", "utility", "cheapest",
             "resolution"}


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("rejudge") / "run"
    assert main(["harden", *ARGS, f"run.dir={run}"]) == 0
    return run


def copy_of(run: Path, tmp_path: Path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(run, target)
    return target


def read_report(run: Path) -> dict:
    return json.loads((run / "report.json").read_text())


def test_every_judged_completion_is_stored_and_reports_hold_no_text(finished_run):
    report = read_report(finished_run)
    assert report["asr_metric"] == "harmful"
    for record in report["curves"]:
        ids = record["extra"]["prompt_ids"]
        assert len(ids) == 4
        for point in record["curve"]:
            rows = store.read_rows(store.step_path(finished_run, record["target"], record["attack"],
                                                   record["seed"], point["step"]))
            assert [r["prompt_id"] for r in rows] == ids and all(set(r) >= ROW_FIELDS for r in rows)
            assert all(isinstance(r["nll"], float) for r in rows)  # the evaluated model's own NLL
            assert point["outcomes"] == "".join(store.OUTCOME.get(r["label"]) or "HC"[not r["harmful"]]
                                                for r in rows)
            assert point["asr"] == sum(r["harmful"] for r in rows) / len(rows)
            assert "samples" not in point  # no completion text in a report unless report.samples=N
    for target in ("base", "hardened"):
        probe = store.read_rows(store.utility_path(finished_run, target))
        assert probe and all(set(r) >= ROW_FIELDS for r in probe)
    prompts = {r["prompt"] for p in (finished_run / "completions").rglob("*.jsonl") for r in store.read_rows(p)}
    shown = (finished_run / "report.json").read_text() + (finished_run / "report.md").read_text()
    assert not [p for p in prompts if p in shown]


def test_a_resumed_attack_recreates_the_completions_a_kill_lost(finished_run, tmp_path):
    run = copy_of(finished_run, tmp_path)
    lines = (run / "results.jsonl").read_text().splitlines()
    last = json.loads(lines[-1])
    folder = store.attack_dir(run, last["target"], last["attack"], last["seed"])
    before = {p.name: p.read_text() for p in folder.glob("*.jsonl")}
    # A kill during the last attack run: its record never written, one evaluation stored, a stray temp file.
    (run / "results.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    for p in sorted(folder.glob("*.jsonl"))[1:]:
        p.unlink()
    (folder / "step99.jsonl").write_text('{"prompt_id": "0", "completion": "from a killed attempt"}\n')
    (run / "report.json").unlink()
    assert main(["harden", *ARGS, f"run.dir={run}"]) == 0
    assert {p.name: p.read_text() for p in folder.glob("*.jsonl")} == before


def test_rejudge_with_the_runs_own_judge_reproduces_report_json_exactly(finished_run, tmp_path, capsys):
    run = copy_of(finished_run, tmp_path)
    assert main(["rejudge", str(run)]) == 0
    assert read_report(run) == read_report(finished_run)
    assert (run / "results.jsonl").read_text() == (finished_run / "results.jsonl").read_text()
    assert (run / "rejudge_previous" / "report.json").is_file()
    assert str(run / "report.md") in capsys.readouterr().out or (run / "report.md").is_file()


def diff_paths(a, b, path=()) -> set[tuple]:
    """The paths (as key tuples; list indices dropped) where two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return {d for k in set(a) | set(b) for d in diff_paths(a.get(k), b.get(k), (*path, k))}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return {d for x, y in zip(a, b) for d in diff_paths(x, y, path)}
    return set() if a == b else {path}


def test_rejudge_with_another_judge_changes_only_what_a_judge_decides(finished_run, tmp_path):
    run = copy_of(finished_run, tmp_path)
    assert main(["rejudge", str(run), "judge=keyword"]) == 0
    old, new = read_report(finished_run), read_report(run)
    assert new["judge"]["name"] == "keyword" and old["judge"]["name"] == "refusal"
    changed = diff_paths(old, new)
    assert changed, "a different judge changed nothing"
    assert {path[0] for path in changed} <= SUMMARIES
    for path in changed:
        if path[0] == "curves":
            assert path[-1] in POINT_FIELDS, path
        elif path[0] in ("runs", "utility"):  # per run: only what is read off the curve or the probe's labels
            assert path[1].startswith(JUDGED) or "threshold" in path[1], path
    # measured without a judge: every benign NLL and token count is as it was
    measured = [(p["step"], p["benign_nll"], p.get("tokens")) for r in old["curves"] for p in r["curve"]]
    assert measured == [(p["step"], p["benign_nll"], p.get("tokens")) for r in new["curves"] for p in r["curve"]]
    rows = store.read_rows(store.step_path(run, "base", old["curves"][0]["attack"], old["curves"][0]["seed"], 0))
    assert {r["label"] for r in rows} <= {"refusal", "compliance", "incoherent"}
    assert "keyword" in json.dumps(yaml.safe_load((run / "config.yaml").read_text())["judge"])


def test_rejudge_refuses_what_it_cannot_do_in_one_line(finished_run, tmp_path, capsys):
    with pytest.raises(KeelError, match="run_dir: .* is not a directory"):
        from attacks.rejudge import open_run

        open_run(tmp_path / "nowhere")
    run = copy_of(finished_run, tmp_path)
    shutil.rmtree(run / "completions" / "hardened")
    with pytest.raises(SystemExit, match="2"):
        main(["rejudge", str(run), "judge=keyword"])
    assert "step0.jsonl: missing" in capsys.readouterr().err
    assert read_report(run) == read_report(finished_run)  # nothing half rewritten
    with pytest.raises(KeelError, match="reads the evaluated model"):
        from attacks.rejudge import choose_judges
        from tests.conftest import compose_config

        choose_judges(compose_config("rejudge", ["judge=logodds", f"run_dir={run}"]), {})


@pytest.fixture(scope="module")
def paired_run(tmp_path_factory) -> Path:
    """A tiny run of the two attacks that judge a second prompt set at every point (PairedEvaluator)."""
    run = tmp_path_factory.mktemp("rejudge_paired") / "run"
    assert main(["harden", *ARGS, "attack=[multilingual_ft,jailbreak_backdoor]", f"run.dir={run}"]) == 0
    return run


@pytest.mark.parametrize("attack, suffix", [("multilingual_ft", "en"), ("jailbreak_backdoor", "plain")])
def test_each_prompt_set_of_a_paired_point_is_stored_apart_under_its_own_ids(paired_run, attack, suffix):
    records = [r for r in read_report(paired_run)["curves"] if r["attack"] == attack]
    assert records
    for record in records:
        for point in record["curve"]:
            first = store.read_rows(store.step_path(paired_run, record["target"], attack, record["seed"], point["step"]))
            other = store.read_rows(store.step_path(paired_run, record["target"], attack, record["seed"], point["step"],
                                                    suffix))
            assert [r["prompt_id"] for r in first] == record["extra"]["prompt_ids"]
            assert point["asr"] == sum(r["harmful"] for r in first) / len(first)
            assert point[f"asr_{suffix}"] == sum(r["harmful"] for r in other) / len(other)
            assert point[f"n_{suffix}"] == len(other)
            if attack == "multilingual_ft":  # Dutch rows under their own ids, the English ones under theirs
                assert {r["prompt"] for r in first}.isdisjoint(r["prompt"] for r in other)
                assert set(record["extra"]["prompt_ids"]).isdisjoint(r["prompt_id"] for r in other)


def test_rejudge_judges_each_prompt_set_of_a_paired_point_again(paired_run, tmp_path):
    run = copy_of(paired_run, tmp_path)
    assert main(["rejudge", str(run)]) == 0
    assert read_report(run) == read_report(paired_run)
    assert main(["rejudge", str(run), "judge=keyword"]) == 0
    for record in read_report(run)["curves"]:
        for point in record["curve"]:
            for suffix in [s for s in ("en", "plain") if f"n_{s}" in point]:
                rows = store.read_rows(store.step_path(run, record["target"], record["attack"], record["seed"],
                                                       point["step"], suffix))
                assert point[f"refusal_{suffix}"] == sum(r["label"] == "refusal" for r in rows) / len(rows)


def test_rejudge_refuses_a_paired_point_stored_in_one_file(paired_run, tmp_path, capsys):
    run = copy_of(paired_run, tmp_path)
    for path in (run / "completions").rglob("step*.en.jsonl"):  # how keel stored them before 2026-12-01
        path.replace(path.with_name(path.name.replace(".en.jsonl", ".jsonl")))
    with pytest.raises(SystemExit, match="2"):
        main(["rejudge", str(run)])
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "multilingual_ft judged two prompt sets at step" in err[0] and "asr_en" in err[0]
    assert read_report(run) == read_report(paired_run)  # nothing half rewritten
