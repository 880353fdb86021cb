"""`keel study` (train/study.py): arms under one grid, the base attacked once and shared
(train/shared_base.py), validation attacks kept out of the headline, and the side-by-side table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from attacks.metrics import NEITHER_REACHED
from tests.conftest import STUDY_ARGS, STUDY_SMALL, TINY_OVERRIDES, compose_config
from train import KeelError
from train.cli import CONF_DIR, main
from train.run_dir import READY, read_jsonl
from train.shared_base import EVAL_SETS_FILE, base_records_from
from train.study import (
    arm_overrides,
    arm_runs,
    check_study,
    harmful_refusal_rows,
)


@pytest.fixture
def study(tiny_study):
    return tiny_study


def test_later_arms_take_the_base_attacks_of_the_first(study):
    first = {(r["attack"], r["seed"]): r for r in read_jsonl(study / "sft" / "results.jsonl") if r["target"] == "base"}
    taken = [r for r in read_jsonl(study / "stack" / "results.jsonl") if r["target"] == "base"]
    assert len(first) == len(taken) == 4  # 2 attacks x 2 seeds, attacked once
    for r in taken:
        assert r["extra"]["taken_from"] == str(study / "sft")
        assert r["curve"] == first[(r["attack"], r["seed"])]["curve"]
    report = json.loads((study / "stack" / "report.json").read_text())
    assert report["base_results_from"] == str(study / "sft")
    stack_hardened = [r for r in read_jsonl(study / "stack" / "results.jsonl") if r["target"] == "hardened"]
    assert len(stack_hardened) == 4 and not any("taken_from" in r.get("extra", {}) for r in stack_hardened)


def test_validation_attacks_stay_out_of_the_headline(study):
    report = json.loads((study / "sft" / "report.json").read_text())
    assert report["split"]["validation"] == ["lora"]
    assert report["headline"]["cost"]["attacks"] == ["full_ft"]
    assert "test attacks only" in report["headline"]["cost"]["scope"]
    assert {r["attack"]: r["role"] for r in report["comparison"]} == {"full_ft": "test", "lora": "validation"}
    assert "Validation (the defense was tuned against these" in (study / "sft" / "report.md").read_text()
    pair = json.loads((study / "stack_vs_sft" / "report.json").read_text())
    assert pair["validation_attacks"] == ["lora"] and pair["headline"]["cost"]["attacks"] == ["full_ft"]


def test_study_table_reads_every_arm_and_ratio(study):
    summary = json.loads((study / "study.json").read_text())
    assert summary["arms"] == ["sft", "stack"] and summary["baseline"] == "sft"
    assert [(a["attack"], a["role"]) for a in summary["attacks"]] == [("full_ft", "test"), ("lora", "validation")]
    stack = json.loads((study / "stack" / "report.json").read_text())
    runs = [r for r in stack["runs"] if r["target"] == "hardened" and r["attack"] == "full_ft"]
    cell = summary["attacks"][0]["metrics"]["harm_auc"]["stack"]
    assert cell["values"] == [r["harm_auc"] for r in sorted(runs, key=lambda r: r["seed"])]
    assert cell["mean"] == pytest.approx(np.mean(cell["values"]))
    steps = summary["attacks"][0]["metrics"]["steps_to_threshold"]["stack"]
    examples = summary["attacks"][0]["metrics"]["examples_to_threshold"]["stack"]
    batch = next(a["batch_size"] for a in stack["attacks"] if a["name"] == "full_ft")
    assert examples["values"] == [v * batch for v in steps["values"]]
    pair = json.loads((study / "stack_vs_sft" / "report.json").read_text())
    expected = next(r for r in pair["comparison"] if r["attack"] == "full_ft")["ratios"]["harm_auc"]["display"]
    assert summary["attacks"][0]["metrics"]["harm_auc"]["stack/sft"] == expected
    util = summary["utility"]["stack"]
    lo, hi = util["benign_nll_ci"]
    assert lo <= util["benign_nll"] <= hi and len(util["benign_nll_rows"]) == 6
    summed, tokens = map(sum, zip(*util["benign_nll_rows"]))
    assert summed / tokens == pytest.approx(util["benign_nll"])  # the rows are the probe's own figures
    assert len(util["over_refusal_rows"]) == 6 and np.mean(util["over_refusal_rows"]) == util["over_refusal"]
    refused = harmful_refusal_rows(stack, "hardened")
    start = next(c["curve"][0] for c in stack["curves"] if c["target"] == "hardened")
    assert util["harmful_refusal"] == pytest.approx(start["refusal"]) and len(refused) == start["n"]
    for key in ("harmful_refusal", "mcq_accuracy", "over_refusal"):
        lo, hi = util[f"{key}_ci"]
        assert 0 <= lo <= util[key] <= hi <= 1
    text = (study / "study.md").read_text()
    assert "| refusal of held-out harmful prompts [95% CI] |" in text and "| MCQ accuracy [95% CI] |" in text
    assert (study / "study.png").stat().st_size > 10_000 and "![ASR vs attack step, every arm](study.png)" in text
    assert "## Validation attacks" in text and "## Test attacks" in text and "stack/sft" in text


def test_study_reads_steps_to_compliance_from_every_runs_curve(study):
    """Steps to compliance is the study's own figure, read from each report's curves (so reports taken as
    written have it too), shown in the table and in the answer, with a ratio against the baseline arm."""
    from attacks.metrics import steps_to_compliance
    from train.study_answer import answer

    summary = json.loads((study / "study.json").read_text())
    tau = summary["threshold"]
    reports = {arm: json.loads((study / arm / "report.json").read_text()) for arm in ("sft", "stack")}
    for entry in summary["attacks"]:
        cells = entry["metrics"]["steps_to_compliance"]
        for side, report, target in (("base", reports["sft"], "base"), ("sft", reports["sft"], "hardened"),
                                     ("stack", reports["stack"], "hardened")):
            curves = sorted((c for c in report["curves"] if c["target"] == target and c["attack"] == entry["attack"]),
                            key=lambda c: c["seed"])
            assert len(curves) == 2 and cells[side]["values"] == [steps_to_compliance(c["curve"], tau).bound
                                                                 for c in curves]
        assert cells["stack/sft"].startswith(("x", ">=x", "<=x", "?x", "n/a"))
    text = (study / "study.md").read_text()
    assert text.count("| steps to compliance>=0.5 |") == len(summary["attacks"])
    assert "Steps to compliance>=tau: the first judged step" in text
    assert any(line.startswith("- **full_ft**") and " Compliance>=0.5 (the refusal gone" in line
               for line in answer(summary))
    for entry in summary["attacks"]:  # a study.json written before the figure still answers, without it
        del entry["metrics"]["steps_to_compliance"]
    assert not any("Compliance>=" in line for line in answer(summary))


def test_resuming_a_finished_study_reruns_nothing(study, capsys):
    before = {p: (study / p / "results.jsonl").read_text() for p in ("sft", "stack")}
    code = main(["study", *STUDY_ARGS, f"study.dir={study}"])
    assert code == 0
    assert before == {p: (study / p / "results.jsonl").read_text() for p in ("sft", "stack")}


def _spy_pipeline(monkeypatch) -> list[str]:
    """run_pipeline replaced by a spy that records the run dirs it was asked to run (and fails the study)."""
    import train.pipeline

    called = []

    def spy(cfg):
        called.append(Path(cfg.run.dir).name)
        raise KeelError(f"pipeline called for {cfg.run.dir}")

    monkeypatch.setattr(train.pipeline, "run_pipeline", spy)
    return called


def test_finished_runs_are_taken_as_written_without_their_checkpoints(study, tmp_path, monkeypatch):
    """A study whose runs all finished re-reads their reports and loads no model, so the hardened weights
    may be deleted, or the run dirs copied (without checkpoint/) from the machine that ran them."""
    moved = tmp_path / "moved" / study.name  # the study is named after its directory
    shutil.copytree(study, moved, ignore=shutil.ignore_patterns("checkpoint", "study.*"))
    called = _spy_pipeline(monkeypatch)
    assert main(["study", *STUDY_ARGS, f"study.dir={moved}"]) == 0
    assert called == [] and not any(moved.glob("*/checkpoint"))
    ours, theirs = (json.loads((d / "study.json").read_text()) for d in (moved, study))
    assert ours["attacks"] == theirs["attacks"] and ours["utility"] == theirs["utility"]
    assert (moved / "study.md").read_text().split("## Time")[0] == (study / "study.md").read_text().split("## Time")[0]


def _not_done(root: Path) -> None:
    status = json.loads((root / "status.json").read_text())
    (root / "status.json").write_text(json.dumps({**status, "status": "failed"}))


def _other_config(root: Path) -> None:
    report = json.loads((root / "report.json").read_text())
    (root / "report.json").write_text(json.dumps({**report, "config_hash": "0" * 64}))


def _other_version(root: Path) -> None:
    report = json.loads((root / "report.json").read_text())
    (root / "report.json").write_text(json.dumps({**report, "keel_version": "0.0.1"}))


@pytest.mark.parametrize("change", [_not_done, _other_config, _other_version,
                                    lambda root: (root / "report.json").unlink(),
                                    lambda root: (root / "status.json").unlink(),
                                    lambda root: (root / READY).mkdir()])
def test_a_run_not_finished_under_this_config_goes_back_to_the_pipeline(study, change, tmp_path, monkeypatch):
    """Only a run marked done whose report this keel version wrote for the same config is taken as written;
    anything else (failed, another config or version, a report or status missing, a `keel rejudge` left to
    apply) is resumed or refused by the pipeline as before, and the runs before it are still taken as
    written."""
    copy = tmp_path / "copy"
    shutil.copytree(study, copy)
    change(copy / "stack")
    called = _spy_pipeline(monkeypatch)
    with pytest.raises(SystemExit, match="2"):
        main(["study", *STUDY_ARGS, f"study.dir={copy}"])
    assert called == ["stack"]


def test_a_run_dir_with_a_config_change_is_refused_not_taken(study, tmp_path, capsys):
    """A finished run under other result-relevant options is neither taken nor rerun: the pipeline refuses
    it, naming the option (resume=force reruns it)."""
    copy = tmp_path / "copy"
    shutil.copytree(study, copy)
    args = [a.replace("'eval.max_new_tokens=6'", "'eval.max_new_tokens=7'") for a in STUDY_ARGS]
    with pytest.raises(SystemExit, match="2"):
        main(["study", *args, f"study.dir={copy}"])
    assert "different config (eval.max_new_tokens: 6 -> 7" in capsys.readouterr().err


def test_base_attacks_from_a_run_with_other_settings_are_refused(study, tmp_path):
    config = yaml.safe_load((study / "stack" / "config.yaml").read_text())
    fingerprint = json.loads((study / "stack" / EVAL_SETS_FILE).read_text())
    assert len(base_records_from(study / "sft", config, fingerprint)) == 4  # defense/harden may differ
    other = {**config, "eval": {**config["eval"], "max_new_tokens": 99}}
    with pytest.raises(KeelError, match=r"run.base_results_from: .*eval.max_new_tokens: 6 -> 99"):
        base_records_from(study / "sft", other, fingerprint)
    with pytest.raises(KeelError, match="evaluated on other rows of harmful_eval"):
        base_records_from(study / "sft", config, {**fingerprint, "harmful_eval": "0" * 64})
    data = config["data"]
    for arm_only in ({**data, "edgy_train": ["data/keel-mini/edgy_train.jsonl", "more.jsonl"]},
                     {**data, "edgy_train": None}, {k: v for k, v in data.items() if k != "edgy_train"}):
        assert len(base_records_from(study / "sft", {**config, "data": arm_only}, fingerprint)) == 4
    for key, value in (("benign", "other.jsonl"), ("benign_alt", None), ("split_seed", 7), ("eval_split", "validation")):
        with pytest.raises(KeelError, match=rf"run.base_results_from: .*data.{key}: "):
            base_records_from(study / "sft", {**config, "data": {**data, key: value}}, fingerprint)
    bare = tmp_path / "bare"
    shutil.copytree(study / "sft", bare)
    (bare / EVAL_SETS_FILE).unlink()
    with pytest.raises(KeelError, match="no eval_sets.json there"):
        base_records_from(bare, config, fingerprint)


@pytest.mark.parametrize("other", ["eval.max_new_tokens=7", "budget.steps=3", "data.split_seed=3"])
def test_base_attacks_that_cannot_stand_in_are_refused_before_hardening(study, other, tmp_path, capsys):
    run = tmp_path / "run"
    with pytest.raises(SystemExit, match="2"):
        main(["harden", *STUDY_SMALL, f"run.dir={run}", f"run.base_results_from={study / 'sft'}", other])
    assert "run.base_results_from" in capsys.readouterr().err
    assert not (run / "checkpoint").exists() and not (run / "hardening.json").exists()


def test_bad_study_options_fail_in_one_line(tmp_path, capsys):
    def fails(*args: str) -> str:
        with pytest.raises(SystemExit, match="2"):
            main(list(args))
        return capsys.readouterr().err

    assert "study.baseline: 'nope' is not an arm (refusal_sft, stack)" in fails(
        "study", f"study.dir={tmp_path}", "study.baseline=nope")
    assert "study.arms: 'base' names the untouched model" in fails(
        "study", f"study.dir={tmp_path}", "~study.arms", "+study.arms={base:['preset=ci']}", "study.baseline=null")
    assert "effort.validation_attacks: ['nope'] not among this run's attacks (full_ft)" in fails(
        "harden", *TINY_OVERRIDES, f"run.dir={tmp_path / 'r'}", "effort.validation_attacks=[nope]")


@pytest.mark.parametrize("runs, message", [
    ("[nope]", "study.runs: nope is not a run of this study (runs: refusal_sft, stack)"),
    ("[stack,nope,also]", "study.runs: nope, also is not a run of this study"),
    ("stack", "study.runs: 'stack' must be a list of run names, e.g. [stack]"),
    ("[]", "study.runs: [] must be a list of run names"),
    ("[1]", "study.runs: [1] must be a list of run names"),
    ("[stack]", "study.runs: stack takes the base model's attacks from refusal_sft, which has not finished; "
                "run refusal_sft first, or with it (study.runs=[refusal_sft,stack])"),
])
def test_bad_study_runs_fail_in_one_line_before_any_run(runs, message, tmp_path, capsys):
    with pytest.raises(SystemExit, match="2"):
        main(["study", f"study.dir={tmp_path / 's'}", f"study.runs={runs}"])
    assert message in capsys.readouterr().err
    assert not (tmp_path / "s" / "refusal_sft").exists() and not (tmp_path / "s" / "stack").exists()


def test_study_runs_split_a_study_over_calls(study, tmp_path, capsys):
    """study.runs runs only the runs it names: a study split over two calls (two machines, two jobs) gives
    the table of one call, and no table is written while a run is missing (an older one is flagged)."""
    split = tmp_path / "split" / study.name
    shutil.copytree(study, split, ignore=shutil.ignore_patterns("stack*", "study.*", "checkpoint"))
    assert main(["study", *STUDY_ARGS, f"study.dir={split}", "study.runs=[sft]"]) == 0
    assert "1 of 2 runs finished; the table waits for stack" in capsys.readouterr().out
    assert not (split / "stack").exists() and not (split / "study.json").exists()
    (split / "study.json").write_text("{}")  # left by an earlier call
    assert main(["study", *STUDY_ARGS, f"study.dir={split}", "study.runs=[sft]"]) == 0
    assert "study.md is from an earlier call, not from these runs; it is rewritten once stack finished" in \
        capsys.readouterr().out
    assert (split / "study.json").read_text() == "{}"
    assert main(["study", *STUDY_ARGS, f"study.dir={split}", "study.runs=[stack]"]) == 0
    ours, theirs = (json.loads((d / "study.json").read_text()) for d in (split, study))
    assert ours["attacks"] == theirs["attacks"] and ours["utility"] == theirs["utility"]


@pytest.mark.parametrize("name", sorted(p.stem for p in (Path(CONF_DIR) / "study").glob("*.yaml")))
def test_every_arm_of_every_shipped_study_composes(name, tmp_path):
    """Each arm's overrides compose to a harden config with its attacks, held out from what it trains on."""
    from attacks.runner import prepare_attacks, validation_attacks
    from train.pipeline import build_named

    cfg = compose_config("study", [f"study={name}", f"study.dir={tmp_path}"])
    arms = check_study(cfg)
    grids = []
    runs = arm_runs(cfg, arms)
    first = runs[arms[0]][0][0]
    for arm in arms:
        run, seed = runs[arm][0]
        harden = compose_config("harden", arm_overrides(cfg, arm, run, seed, None if run == first else first))
        assert harden.run.dir == str(tmp_path / run)
        if seed is not None:
            assert harden.harden.seed == seed
        attacks = build_named(harden.attack, "attack")
        prepare_attacks(harden, attacks, build_named(harden.defense, "defense"))
        validation = validation_attacks(harden, attacks)
        grids.append(sorted((a.name, a.split, json.dumps(a.describe(), sort_keys=True)) for a in attacks))
        test = [a for a in attacks if a.name not in validation]
        assert test and all(a.split == "heldout" for a in attacks), arm
    assert all(g == grids[0] for g in grids), "every arm must face the same attack grid"


def test_hardening_seeds_name_seed_and_share_base(tmp_path):
    cfg = compose_config("study", [f"study.dir={tmp_path}", "study.harden_seeds=[3,4]"])
    arms = check_study(cfg)
    runs = arm_runs(cfg, arms)
    assert runs == {arm: [(f"{arm}_h3", 3), (f"{arm}_h4", 4)] for arm in arms}
    first = runs[arms[0]][0][0]
    for arm in arms:
        for run, seed in runs[arm]:
            overrides = arm_overrides(cfg, arm, run, seed, None if run == first else first)
            harden = compose_config("harden", overrides)
            assert harden.harden.seed == seed and harden.run.name == run and harden.run.dir == str(tmp_path / run)
            assert (harden.run.base_results_from is None) == (run == first)
    one = compose_config("study", [f"study.dir={tmp_path}", "study.harden_seeds=[5]"])
    assert arm_runs(one, ["a"]) == {"a": [("a", 5)]}


@pytest.mark.parametrize("seeds, message", [("[1,1]", "lists a seed twice"), ("[0,1,0]", "lists a seed twice"),
                                            ("[0.5,1]", "must be whole numbers"), ("[a,b]", "must be whole numbers"),
                                            ("[true,false]", "must be whole numbers")])
def test_bad_hardening_seeds_fail_in_one_line(seeds, message, tmp_path):
    cfg = compose_config("study", [f"study.dir={tmp_path}", f"study.harden_seeds={seeds}"])
    with pytest.raises(KeelError, match=rf"study.harden_seeds: .*{message}"):
        arm_runs(cfg, check_study(cfg))


SEEDED_SMALL = [o for o in STUDY_SMALL if not o.startswith(("budget.seeds", "attack=", "effort.validation"))]
SEEDED_ARGS = ["overrides=[" + ",".join(f"'{o}'" for o in [*SEEDED_SMALL, "harden.steps=2", "budget.seeds=[0]",
                                                          "attack=[full_ft]"]) + "]",
               "study.baseline=sft", "study.harden_seeds=[0,1]", "~study.arms",
               "+study.arms={sft:['defense=[refusal_sft]'],stack:['defense=[refusal_sft,deep_alignment]']}"]


def test_study_over_hardening_seeds_pools_every_hardened_model(tmp_path):
    """Two arms x two hardening seeds: four runs, the base attacked once, seeds that change the hardened
    weights, and cells pooled over both hardened models of an arm."""
    from safetensors.torch import load_file

    assert main(["study", *SEEDED_ARGS, f"study.dir={tmp_path}"]) == 0
    summary = json.loads((tmp_path / "study.json").read_text())
    assert summary["harden_seeds"] == 2
    assert summary["runs"] == {arm: [{"run": f"{arm}_h{s}", "harden_seed": s} for s in (0, 1)]
                               for arm in ("sft", "stack")}
    base = [r for r in read_jsonl(tmp_path / "stack_h1" / "results.jsonl") if r["target"] == "base"]
    assert base and all(r["extra"]["taken_from"] == str(tmp_path / "sft_h0") for r in base)
    w0, w1 = (load_file(tmp_path / f"sft_h{s}" / "checkpoint" / "model.safetensors") for s in (0, 1))
    assert any(not np.allclose(w0[k].numpy(), w1[k].numpy()) for k in w0)  # the seed changed the hardening
    cell = summary["attacks"][0]["metrics"]["harm_auc"]["stack"]
    per_run = [next(r["harm_auc"] for r in json.loads((tmp_path / f"stack_h{s}" / "report.json").read_text())["runs"]
                    if r["target"] == "hardened") for s in (0, 1)]
    assert cell["groups"] == [[v] for v in per_run] and cell["mean"] == pytest.approx(np.mean(per_run))
    assert cell["ci"] is not None and cell["ci"][0] <= cell["mean"] <= cell["ci"][1]
    assert summary["attacks"][0]["metrics"]["harm_auc"]["stack/sft"].startswith(("x", ">=x", "<=x", "?x", "n/a"))
    util = summary["utility"]["stack"]
    assert util["over_refusal_ci"] is not None and len(util["benign_nll_ci"]) == 2
    per_seed = [harmful_refusal_rows(json.loads((tmp_path / f"stack_h{s}" / "report.json").read_text()), "hardened")
                for s in (0, 1)]
    assert util["harmful_refusal"] == pytest.approx(np.mean([np.mean(rows) for rows in per_seed]))
    assert util["harmful_refusal_ci"][0] <= util["harmful_refusal"] <= util["harmful_refusal_ci"][1]
    assert util["mcq_accuracy_ci"][0] <= util["mcq_accuracy"] <= util["mcq_accuracy_ci"][1]
    assert set(summary["headlines"]) >= {"sft_h0", "sft_h1", "stack_h0", "stack_h1", "stack_h1 vs sft"}
    text = (tmp_path / "study.md").read_text()
    assert "two-level bootstrap CI: hardening seeds, then attack seeds" in text
    assert (tmp_path / "stack_h1_vs_sft" / "report.json").exists()


def test_study_answers_with_absolute_costs_when_the_base_is_broken_before_any_attack(study):
    """study.md opens with the answer: each arm's cost to break under each test attack and its ratio
    against the baseline arm, then utility; with a base past tau at step 0, costs are absolute."""
    from train.study_answer import answer

    summary = json.loads((study / "study.json").read_text())
    text = (study / "study.md").read_text()
    assert text.index("## The answer") < text.index("## In plain words")
    full_ft = summary["attacks"][0]["metrics"]
    steps = full_ft["steps_to_threshold"]
    line = next(x for x in answer(summary) if x.startswith("- **full_ft**"))
    assert f"stack needs {'>=' * bool(steps['stack']['censored'])}{steps['stack']['mean']:.3g} steps" in line
    versus = ("like sft not broken within the budget (no cost ratio), harm AUC along the attack "
              f"{full_ft['harm_auc']['stack/sft']} sft's" if steps["stack/sft"] == NEITHER_REACHED
              else f"{steps['stack/sft']} sft's steps")
    assert versus in line
    broken = json.loads(json.dumps(summary))
    for metric in ("steps_to_threshold", "examples_to_threshold", "flops_to_threshold"):
        broken["attacks"][0]["metrics"][metric]["base"].update(mean=0.0, censored=0)
    broken["attacks"][0]["metrics"]["asr_before"]["base"]["mean"] = 0.975
    line = next(x for x in answer(broken) if x.startswith("- **full_ft**"))
    assert "past ASR 0.5 before any attack (ASR 0.97 at step 0)" in line and "the base model's" not in line
    assert "stack needs" in line and versus in line
    utility = next(x for x in answer(summary) if x.startswith("- **Utility**"))
    assert "over-refusal on edgy-but-benign prompts base" in utility and "benign NLL" in utility


def test_a_forced_resume_with_more_seeds_attacks_the_base_once(tiny_study, tmp_path):
    """resume=force with another seed list: the first arm redoes its base attacks under the new options and
    the later arm takes those, instead of attacking the base again (its own copy of the old ones is stale)."""
    study = tmp_path / "s"
    shutil.copytree(tiny_study, study)
    args = [a.replace("'budget.seeds=[0,1]'", "'budget.seeds=[0,1,2]'") for a in STUDY_ARGS]
    assert main(["study", *args, f"study.dir={study}", "resume=force"]) == 0
    first = [r for r in read_jsonl(study / "sft" / "results.jsonl") if r["target"] == "base"]
    later = [r for r in read_jsonl(study / "stack" / "results.jsonl") if r["target"] == "base"]
    assert len({(r["attack"], r["seed"]) for r in first}) == 6
    newest = {(r["attack"], r["seed"]): r for r in later}  # results.jsonl is append-only: the last line counts
    assert len(newest) == 6 and all(r["extra"].get("taken_from") == str(study / "sft") for r in newest.values())
    assert all("taken_from" in r["extra"] for r in later)  # the stack run never attacked the base itself


@pytest.mark.parametrize("their_sha, taken", [("abc", True), (None, True), ("other", False)])
def test_later_runs_take_the_base_utility_probes_of_the_first(their_sha, taken, tmp_path, monkeypatch):
    """A run that takes its base attacks from another run takes that run's base utility probes (and their
    stored completions) too, unless they were measured on other weights; its own targets are probed."""
    import contextlib
    from types import SimpleNamespace

    from omegaconf import OmegaConf

    import attacks.runner as runner
    from attacks import completions as store
    from train.run_dir import atomic_write_json

    source, root = tmp_path / "first", tmp_path / "later"
    root.mkdir()
    atomic_write_json(source / "utility.json", {"base": {"over_refusal": 0.25}, "_weights": {"base": their_sha}})
    store.write_rows(store.utility_path(source, "base"), [{"prompt_id": "e1", "label": "refusal", "score": 0.9}])
    probed = []
    monkeypatch.setattr(runner, "utility_probes", lambda model, *a, **k: probed.append(model) or {"over_refusal": 0.5})
    cfg = OmegaConf.create({"utility": {"enabled": True}})
    evaluator = SimpleNamespace(recording=lambda *a: contextlib.nullcontext())
    out = runner.probe_utility(cfg, SimpleNamespace(root=root), {"base": "B", "hardened": "H"}, None, None, evaluator,
                               "base", weights={"base": "abc", "hardened": "def"}, shared_from=source)
    assert probed == (["H"] if taken else ["B", "H"])
    assert out["base"] == ({"over_refusal": 0.25} if taken else {"over_refusal": 0.5})
    assert store.utility_path(root, "base").is_file() == taken


def test_study_cells_count_each_attack_in_its_own_unit(study):
    """Prefix tokens, optimisation steps and weight-edit rungs are not training steps: the study's examples
    come from what each run recorded (0 for a prefilled answer), and its labels and answer name the unit."""
    from train.study import _values, render_study
    from train.study_answer import answer

    runs = [
        {"attack": "prefill", "trains": False, "cost_unit": "prefix tokens", "examples": 0,
         "steps_to_threshold": {"value": 5, "budget": 20, "censored": False}},
        {"attack": "soft_prompt", "trains": False, "cost_unit": "optimisation steps", "examples": 64,
         "steps_to_threshold": {"value": None, "budget": 20, "censored": True}},
        {"attack": "full_ft", "trains": True, "cost_unit": "steps", "examples": 64,
         "steps_to_threshold": {"value": 5, "budget": 20, "censored": False},
         "examples_to_threshold": {"value": 20, "budget": 80, "censored": False}},
        {"attack": "lora", "trains": True, "cost_unit": "steps", "examples": 64,  # a report without the field
         "steps_to_threshold": {"value": 3, "budget": 20, "censored": False}},
    ]
    assert _values(runs, "examples_to_threshold", {"prefill": 7, "lora": 8}) == ([0, 64, 20, 24], 1)
    assert _values(runs, "steps_to_threshold", {"prefill": 7}) == ([5, 20, 5, 3], 1)

    summary = json.loads((study / "study.json").read_text())
    assert summary["attacks"][0]["unit"] == "steps"
    summary["attacks"][0]["metrics"]["steps_to_threshold"]["stack/sft"] = "x2.00 (95% CI 1.50-2.50)"
    for unit, word in (("prefix tokens", "prefix tokens"), ("none", "rungs"), ("optimisation steps",
                                                                              "optimisation steps")):
        summary["attacks"][0]["unit"] = unit
        name = summary["attacks"][0]["attack"]
        line = next(x for x in answer(summary) if x.startswith(f"- **{name}**"))
        assert "stack needs" in line and f" {word} (" in line and f"sft's {word}" in line
        rows = [x for x in render_study(summary).splitlines() if x.startswith(f"| {name} (") and "to ASR>=" in x]
        assert rows and all(f"| {word} to ASR>=0.5 |" in x for x in rows)
