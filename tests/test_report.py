"""report.json / report.md / plots / W&B from hand-made results, and `keel evaluate` end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from attacks.report import build_report, write_report
from tests.conftest import TINY_OVERRIDES
from train.cli import main

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "report_schema.md"


def fake_results():
    """Two attacks x two targets x three seeds; the hardened model takes 3x the steps of the base."""
    out = []
    for target, delay in (("base", 1), ("hardened", 3)):
        for seed in (0, 1, 2):
            for attack, split in (("lora", "heldout"), ("full_ft", "train")):
                asrs = [0.0] * (delay + seed % 2) + [0.6, 0.9]
                curve = [{"step": 10 * i, "asr": a, "refusal": 1 - a, "incoherent": 0.0, "benign_nll": 1.0 + 0.1 * i,
                          "tokens": 1000 * i, "train_seconds": 2.0 * i, "asr_secondary": a,
                          "judge_confusion": [[3, 1, 0], [0, 4, 0], [0, 0, 0]]} for i, a in enumerate(asrs)]
                out.append({"attack": attack, "recipe": attack, "split": split, "target": target, "seed": seed,
                            "config": {"steps": 10 * (len(asrs) - 1)}, "curve": curve, "flops_per_token": 6.0,
                            "examples": 8, "extra": {}})
    return out


def test_report_files_headline_and_sections(tmp_path):
    utility = {"base": {"benign_nll": 2.0, "perplexity": 7.39, "mcq_accuracy": 0.5, "over_refusal": 0.1},
               "hardened": {"benign_nll": 2.1, "perplexity": 8.17, "mcq_accuracy": 0.45, "over_refusal": 0.2,
                            "kl_to_base": 0.3}}
    search = {t: [{"seed": 0, "n_trials": 4, "trials_to_threshold": {"value": v, "censored": v is None,
                                                                      "budget": 4.0, "display": ""},
                   "trials": [{"trial": 1, "params": {}, "objective": 5.0, "reached": False, "curve": []}]}]
              for t, v in (("base", 1.0), ("hardened", None))}
    meta = {"run": "t", "model": {"name": "tiny"}, "judge": {"name": "keyword", "version": "1"},
            "judge_secondary": {"name": "refusal_logodds", "version": "1"}, "defenses": [{"name": "refusal_sft"}],
            "hygiene": {"ngram": 3, "jaccard": 0.6, "drop": True,
                        "eval_sets": {"harmful_eval": {"rows": 10, "exact": 1, "near": 0}}}}
    write_report(tmp_path, fake_results(), tau=0.5, meta=meta, eps=0.5, utility=utility, search=search)
    for name in ("report.json", "report.md", "effort.png", "effort_ratios.png", "utility_harm.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    on_disk = json.loads((tmp_path / "report.json").read_text())
    assert on_disk["split"] == {"train": ["full_ft"], "heldout": ["lora"], "validation": []}
    head = on_disk["headline"]
    assert head["cost"]["scope"] == "heldout" and head["cost"]["bound"] == "exact"
    assert head["cost"]["ratio"] == pytest.approx((30 + 40 + 30) / (10 + 20 + 10))
    assert "x2.50 the base model's cost (95% CI over seeds 2.00-3.00)" in head["text"], head["text"]
    assert "Hardening's largest utility cost: the hardened model refuses 20% of benign-but-edgy prompts" in head["text"]
    lora = next(c for c in on_disk["comparison"] if c["attack"] == "lora")
    assert lora["ratios"]["flops_to_threshold"]["ratio"] == pytest.approx(2.5) and lora["steps_ratio"] == 2.5
    assert on_disk["effort"]["trials_to_threshold"]["bound"] == "lower"
    assert "curve" not in on_disk["search"]["base"][0]["trials"][0]
    assert on_disk["judge_agreement"]["percent"] == pytest.approx(87.5)
    md = (tmp_path / "report.md").read_text()
    assert md.splitlines()[2] == head["text"]
    assert "Held out (outside what a defense may simulate): lora." in md and "Cohen's kappa" in md
    assert "| MCQ accuracy | 50% | 45% | -5.0 points | worse |" in md and "| steps to threshold |" in md
    documented = set(re.findall(r"^\| `(\w+)` \|", SCHEMA.read_text(), re.M))
    assert set(on_disk) <= documented, set(on_disk) - documented


def test_report_warns_when_no_attack_was_held_out(tmp_path):
    results = [r for r in fake_results() if r["attack"] == "full_ft"]
    report = write_report(tmp_path, results, tau=0.5, meta={"run": "t"})
    assert report["headline"]["cost"]["scope"].startswith("all")
    assert "no held-out attack ran" in (tmp_path / "report.md").read_text()


def test_report_of_a_checkpoint_without_baseline(tmp_path):
    results = [dict(r, target="checkpoint") for r in fake_results() if r["target"] == "hardened"]
    meta = {"run": "t", "targets": {"base": "baseline", "treated": "checkpoint"}}
    report = write_report(tmp_path, results, tau=0.5, meta=meta, utility={"checkpoint": {"benign_nll": 2.0}})
    assert report["headline"]["cost"] is None and report["effort"]["worst_case_asr"] is None
    assert "Breaking the checkpoint took 33.3 fine-tuning steps" in report["headline"]["text"]
    assert "there is no baseline to compare with" in report["headline"]["text"]
    assert all("ratios" not in c for c in report["comparison"]) and (tmp_path / "effort_ratios.png").exists()


def test_wandb_offline_logs_tables_and_plots(tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    from train.tracking import Tracker

    monkeypatch.setenv("WANDB_MODE", "offline")
    report = write_report(tmp_path, fake_results(), tau=0.5, meta={"run": "t"})
    tracker = Tracker(OmegaConf.create({"mode": "offline", "project": "keel-test"}), "t", str(tmp_path), {"a": 1})
    tracker.log_curve(fake_results()[0])
    tracker.log_report(report, tmp_path)
    summary = dict(tracker.run.summary)
    tracker.finish()
    assert summary["headline"] == report["headline"]["text"] and summary["attacker_cost_ratio"] > 1
    assert list((tmp_path / "wandb").glob("offline-run-*/run-*.wandb"))


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, _tiny_pair):
    import copy

    import torch

    model, tokenizer = _tiny_pair
    root = tmp_path_factory.mktemp("ckpt")
    model.save_pretrained(root / "baseline")
    tokenizer.save_pretrained(root / "baseline")
    fork = copy.deepcopy(model)
    with torch.no_grad():
        fork.model.layers[1].mlp.down_proj.weight.mul_(0.5)
    fork.save_pretrained(root / "fork")
    tokenizer.save_pretrained(root / "fork")
    return root


def test_keel_evaluate_end_to_end(tmp_path, checkpoints, capsys):
    code = main(["evaluate", str(checkpoints / "fork"), f"baseline={checkpoints / 'baseline'}",
                 *[o for o in TINY_OVERRIDES if not o.startswith("model=")], f"run.dir={tmp_path}",
                 "attack=[refusal_ablation]", "budget.examples=8",
                 "eval.max_prompts=4", "eval.max_new_tokens=4", "attack.refusal_ablation.selection_examples=2"])
    assert code == 0 and f"{tmp_path}/report.md" in capsys.readouterr().out
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["command"] == "evaluate" and report["targets"] == {"base": "baseline", "treated": "checkpoint"}
    assert {(r["target"], r["attack"]) for r in report["runs"]} == {
        ("baseline", "refusal_ablation"), ("checkpoint", "refusal_ablation")}
    assert (tmp_path / "effort_ratios.png").exists() and "## Utility (before any attack)" in (tmp_path / "report.md").read_text()
    assert report["utility"]["checkpoint"]["kl_to_base"] > 0 and report["utility"]["baseline"]["kl_to_base"] == 0
    assert report["split"]["heldout"] == ["refusal_ablation"] and report["hygiene"]["eval_sets"]
    assert json.loads((tmp_path / "status.json").read_text())["status"] == "done"


def test_keel_evaluate_needs_a_path(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["evaluate", f"run.dir={tmp_path}"])
    assert info.value.code == 2 and "model.path" in capsys.readouterr().err


@pytest.fixture
def figures(monkeypatch):
    """The matplotlib figures the report's plots draw, kept for inspection."""
    import attacks.plots as plots

    kept, save = [], plots._save

    def keep(fig, path):
        kept.append(fig)
        return save(fig, path)

    monkeypatch.setattr(plots, "_save", keep)
    return kept


def test_effort_plot_marks_judged_points_only_with_a_labelled_threshold(tmp_path, figures):
    from matplotlib.container import ErrorbarContainer

    from attacks.plots import plot_effort
    from tests.report_fakes import result

    run = result("hardened", [0, 4, 12])
    run["curve"].insert(1, {**run["curve"][1], "step": 5, "probe": "bisect", "asr": 0.3, "outcomes": "H" * 6 + "R" * 14})
    run["curve"].append({**run["curve"][-1], "step": 30, "carried": True})  # stopped once broken: not measured
    report = write_report(tmp_path, [result("base", [0, 12, 18]), run], tau=0.5, meta={"run": "t"})
    ax = figures[0].axes[0]
    markers = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert sorted(x for line in markers for x in line.get_xdata()) == [0, 0, 5, 10, 10, 20, 20]
    assert [line.get_markerfacecolor() for line in markers if 5 in line.get_xdata()] == ["white"]
    assert 30 not in [x for line in ax.get_lines() for x in line.get_xdata()]
    assert any("threshold" in t.get_text() for t in ax.texts)
    assert any(isinstance(c, ErrorbarContainer) for c in ax.containers) and "95% CI over prompts" in ax.get_title()
    two_seeds = [dict(r, seed=s) for r in report["curves"] for s in (0, 1)]
    plot_effort(two_seeds, 0.5, tmp_path / "two.png")
    assert not figures[-1].axes[0].containers and "CI" not in figures[-1].axes[0].get_title()


@pytest.mark.parametrize("seeds", [1, 5])
def test_ratio_plot_reads_with_one_seed_or_five(tmp_path, figures, seeds):
    from attacks.plots import plot_ratios
    from tests.report_fakes import result

    results = [result(t, ks[:1] + [0] * ((s + k) % 3) + ks[1:], seed=s) for s in range(seeds)
               for t, ks, k in (("base", [0, 12], 0), ("hardened", [0, 0, 12], 1))]
    results += [result(t, ks, attack="full_ft", split="train") for t, ks in (("base", [12, 18]), ("hardened", [0, 12]))]
    report = build_report(results, tau=0.5, meta={"run": "t"})
    plot_ratios(report, tmp_path / "ratios.png")
    ax = figures[-1].axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "x1" in labels and len(labels) >= 3
    texts = [t.get_text() for t in ax.texts]
    assert "no ratio: base past the threshold before any attack" in texts  # full_ft: the base broke at step 0
    assert any(t.startswith("x") for t in texts)  # every ratio drawn carries its value
    whiskers = any(getattr(c, "has_xerr", False) for c in ax.containers)
    if seeds == 1:
        assert "one seed: no CI" in ax.get_title() and "95% CI" not in ax.get_title() and not whiskers
    else:
        assert "95% CI over seeds" in ax.get_title() and whiskers


@pytest.mark.parametrize("n", [6, 11, 21, 40])
def test_effort_plot_draws_wilson_bars_at_zero_and_one(n, tmp_path):
    """Wilson intervals at ASR 0 and 1 end a float error past the rate (1 - 1.0000000000000002): the bars
    are clamped, not refused by matplotlib."""
    from attacks.intervals import wilson
    from attacks.plots import plot_effort

    curve = [{"step": s, "asr": k / n, "n": n, "asr_ci": wilson(k, n)} for s, k in ((0, 0), (2, n // 2), (4, n))]
    records = [{"target": "hardened", "attack": "full_ft", "seed": 0, "curve": curve}]
    path = plot_effort(records, 0.5, tmp_path / "effort.png")
    assert path.stat().st_size > 5_000
