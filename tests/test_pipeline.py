"""The whole line on a tiny model: harden -> attack base and hardened -> report files."""

from __future__ import annotations

import json

import torch
from safetensors.torch import load_file

from tests.conftest import TINY_OVERRIDES, compose_config
from train.cli import main
from train.pipeline import run_pipeline


def test_pipeline_end_to_end(tmp_path):
    # 45 hardening steps of 8 see most of keel-mini's 423 harmful training rows once; the tiny model needs
    # about that to refuse held-out prompts (the ci preset's 30 steps leave it at 7 of 16).
    cfg = compose_config("harden", [*TINY_OVERRIDES, f"run.dir={tmp_path}", "run.name=e2e", "harden.steps=45"])
    report = run_pipeline(cfg)

    for name in ("report.json", "report.md", "effort.png", "config.yaml", "results.jsonl",
                 "checkpoint/model.safetensors", "checkpoint/manifest.sha256"):
        assert (tmp_path / name).exists(), name
    assert json.loads((tmp_path / "status.json").read_text())["status"] == "done"

    on_disk = json.loads((tmp_path / "report.json").read_text())
    runs = {r["target"]: r for r in on_disk["runs"]}
    assert set(runs) == {"base", "hardened"}
    for r in runs.values():
        assert set(r) >= {"asr_before", "steps_to_threshold", "harm_auc", "benign_nll_before", "benign_nll_after"}
        assert r["steps_to_threshold"]["display"].lstrip(">").replace(".", "").isdigit()
    # Refusal SFT taught the tiny model to refuse before the attack.
    assert runs["hardened"]["refusal_before"] > 0.5
    # The attack moved the measured curve of the hardened model (it is not a constant).
    curve = next(c["curve"] for c in report["curves"] if c["target"] == "hardened")
    assert len({(p["asr"], p["refusal"], round(p["benign_nll"], 6)) for p in curve}) > 1
    assert curve[0]["step"] == 0 and curve[-1]["step"] == cfg.attack.full_ft.steps
    md = (tmp_path / "report.md").read_text()
    assert "| steps to threshold |" in md and "The threshold is ASR >= 0.5." in md
    assert md.splitlines()[2] == report["headline"]["text"] and "the hardened model" in md.lower()


def test_hardening_changed_the_saved_weights(tmp_path):
    cfg = compose_config("harden", [*TINY_OVERRIDES, f"run.dir={tmp_path}", "harden.steps=3", "budget.steps=2",
                                    "budget.eval_every=1", "eval.max_prompts=4"])
    from train.models import load_model_and_tokenizer

    run_pipeline(cfg)
    base, _ = load_model_and_tokenizer(cfg.model)
    saved = load_file(str(tmp_path / "checkpoint" / "model.safetensors"))
    diffs = [float((saved[n] - p).abs().max()) for n, p in base.state_dict().items() if n in saved]
    assert max(diffs) > 0


def test_cli_runs_and_prints_report_path(tmp_path, capsys):
    code = main(["harden", *TINY_OVERRIDES, f"run.dir={tmp_path}", "harden.steps=2", "budget.steps=2",
                 "budget.eval_every=2", "eval.max_prompts=4"])
    assert code == 0
    assert f"{tmp_path}/report.md" in capsys.readouterr().out
    results = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert {r["target"] for r in results} == {"base", "hardened"}
    assert torch.isfinite(torch.tensor([p["benign_nll"] for r in results for p in r["curve"]])).all()


def test_cli_usage_and_unknown_command(capsys):
    assert main(["--help"]) == 0
    assert "harden" in capsys.readouterr().out
    assert main(["frobnicate"]) == 2
