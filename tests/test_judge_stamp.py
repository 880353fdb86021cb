"""A run dir's verdicts come from one judge (train/judge_stamp.py): a resume or run.base_results_from that
would mix verdicts of another judge version is refused before hardening; `keel rejudge` makes them reusable."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import STUDY_SMALL
from train import KeelError
from train.cli import main
from train.judge_stamp import JUDGE_FILE, check_same_judges, judged_with, stamp

V3 = {"judge": {"name": "refusal", "version": "3", "nll_low": 0.1}, "judge_secondary": None}


def older(judges: dict, **change) -> dict:
    return {**judges, "judge": {**judges["judge"], **change}}


def test_judged_with_reads_judge_json_then_the_report_then_nothing(tmp_path):
    assert judged_with(tmp_path) is None
    (tmp_path / JUDGE_FILE).write_text(json.dumps(older(V3, version="2")))
    assert judged_with(tmp_path) is None  # stopped during hardening: no verdict is bound to a judge yet
    (tmp_path / "report.json").write_text(json.dumps({**older(V3, version="2"), "curves": []}))
    assert judged_with(tmp_path) == stamp(older(V3, version="2"))
    (tmp_path / JUDGE_FILE).write_text(json.dumps(V3))
    assert judged_with(tmp_path) == stamp(V3)


@pytest.mark.parametrize("saved, message", [
    (older(V3, version="2"), r"refusal v2, this run judges with refusal v3"),
    (older(V3, name="keyword", version="1"), r"keyword v1, this run judges with refusal v3"),
    (older(V3, nll_low=0.5), r"refusal v3 with other settings"),
    ({**V3, "judge_secondary": {"name": "keyword", "version": "1"}}, r"secondary keyword v1"),
])
def test_verdicts_of_other_judges_are_refused_in_one_line(saved, message, tmp_path):
    (tmp_path / JUDGE_FILE).write_text(json.dumps(saved))
    (tmp_path / "results.jsonl").write_text("")
    with pytest.raises(KeelError, match=message) as err:
        check_same_judges(tmp_path, V3, "run.dir x")
    assert "keel rejudge" in str(err.value) and "\n" not in str(err.value)
    check_same_judges(tmp_path / "fresh", V3, "run.dir x")  # nothing scored yet
    (tmp_path / JUDGE_FILE).write_text(json.dumps(V3))
    check_same_judges(tmp_path, V3, "run.dir x")


def test_an_unreadable_judge_file_is_named(tmp_path):
    (tmp_path / JUDGE_FILE).write_text("{not json")
    (tmp_path / "results.jsonl").write_text("")
    with pytest.raises(KeelError, match=rf"{JUDGE_FILE}: cannot be read"):
        judged_with(tmp_path)


def _as_judged_by_an_older_version(run):
    """The run dir as a keel whose refusal judge had another version left it (judge.json, or before
    judge.json existed, report.json's meta)."""
    saved = json.loads((run / JUDGE_FILE).read_text())
    (run / JUDGE_FILE).write_text(json.dumps(older(saved, version="0")))


@pytest.mark.parametrize("legacy", [False, True])
def test_resuming_a_run_judged_by_another_version_is_refused_until_rejudged(tiny_study, legacy, tmp_path, capsys):
    run = tmp_path / "sft"
    shutil.copytree(tiny_study / "sft", run)
    _as_judged_by_an_older_version(run)
    if legacy:  # a run dir from before judge.json: its report names the judge
        report = json.loads((run / "report.json").read_text())
        report["judge"] = {**report["judge"], "version": "0"}
        (run / "report.json").write_text(json.dumps(report))
        (run / JUDGE_FILE).unlink()
    results = (run / "results.jsonl").read_text()
    args = ["harden", *STUDY_SMALL, "defense=[refusal_sft]", f"run.dir={run}"]
    with pytest.raises(SystemExit, match="2"):
        main(args)
    assert "its verdicts come from refusal v0" in capsys.readouterr().err
    assert (run / "results.jsonl").read_text() == results
    assert main(["rejudge", str(run)]) == 0
    assert judged_with(run)["judge"]["version"] != "0"
    assert main(args) == 0  # the rejudged verdicts are reused: nothing is attacked again
    assert len((run / "results.jsonl").read_text().splitlines()) == len(results.splitlines())


def test_base_attacks_judged_by_another_version_are_refused_before_hardening(tiny_study, tmp_path, capsys):
    source = tmp_path / "sft"
    shutil.copytree(tiny_study / "sft", source)
    _as_judged_by_an_older_version(source)
    run = tmp_path / "stack"
    with pytest.raises(SystemExit, match="2"):
        main(["harden", *STUDY_SMALL, "defense=[refusal_sft,deep_alignment]", f"run.dir={run}",
              f"run.base_results_from={source}"])
    assert "run.base_results_from" in capsys.readouterr().err
    assert not (run / "checkpoint").exists() and not (run / "hardening.json").exists()


@pytest.mark.parametrize("verdicts", ["results.jsonl", "utility.json", "report.json"])
def test_a_run_stopped_before_its_first_verdict_resumes_under_any_judge(verdicts, tmp_path):
    (tmp_path / JUDGE_FILE).write_text(json.dumps(older(V3, version="2")))
    check_same_judges(tmp_path, V3, "run.dir x")  # only judge.json: hardening was interrupted
    (tmp_path / verdicts).write_text("{}" if verdicts.endswith(".json") else "")
    with pytest.raises(KeelError, match="refusal v2, this run judges with refusal v3"):
        check_same_judges(tmp_path, V3, "run.dir x")


def test_a_run_interrupted_before_its_report_is_rejudged_then_resumed(tiny_study, tmp_path, capsys):
    """Killed after some attacks, before report.json, then keel's judge changed: `keel rejudge` re-scores
    what it stored and the resume finishes it with the new judge, attacking only what was left."""
    run = tmp_path / "sft"
    shutil.copytree(tiny_study / "sft", run)
    _as_judged_by_an_older_version(run)
    for name in ("report.json", "report.md"):
        (run / name).unlink()
    lines = (run / "results.jsonl").read_text().splitlines(keepends=True)
    (run / "results.jsonl").write_text("".join(lines[:-1]))  # the last attack run had not finished
    args = ["harden", *STUDY_SMALL, "defense=[refusal_sft]", f"run.dir={run}"]
    with pytest.raises(SystemExit, match="2"):
        main(args)
    assert "its verdicts come from refusal v0" in capsys.readouterr().err
    assert main(["rejudge", str(run)]) == 0
    assert "no report yet" in capsys.readouterr().out
    assert judged_with(run)["judge"]["version"] != "0" and not (run / "report.json").exists()
    kept = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert len(kept) == len(lines) - 1
    assert main(args) == 0
    finished = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert finished[: len(kept)] == kept and len(finished) == len(lines)  # only the unfinished run was attacked
    assert json.loads((run / "report.json").read_text())["judge"] == judged_with(run)["judge"]


def test_rejudge_of_a_run_without_any_verdict_says_there_is_nothing_to_judge(tiny_study, tmp_path):
    from attacks.rejudge import open_run

    run = tmp_path / "sft"
    shutil.copytree(tiny_study / "sft", run)
    for name in ("report.json", "results.jsonl", "utility.json"):
        (run / name).unlink(missing_ok=True)
    with pytest.raises(KeelError, match="has stored no verdicts yet"):
        open_run(run)
