"""The whole line on a tiny model: harden -> attack base and hardened -> report files."""

from __future__ import annotations

import json
import re

import torch
from safetensors.torch import load_file

from tests.conftest import TINY_OVERRIDES, compose_config
from tests.test_console import QUIET_RUN, TRAINER_DICT, noise_in
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


def test_cli_runs_quietly_changes_the_weights_and_prints_the_report_path(tmp_path, capsys):
    """`keel harden` on a tiny model: results for both targets, hardened weights that differ from the
    base, and a quiet terminal: one bar per phase with its figures, no trainer dicts, no known noise."""
    from train.models import load_model_and_tokenizer

    assert main(["harden", *QUIET_RUN, f"run.dir={tmp_path}"]) == 0
    out, err = capsys.readouterr()
    assert f"{tmp_path}/report.md" in out
    results = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert {r["target"] for r in results} == {"base", "hardened"}
    assert torch.isfinite(torch.tensor([p["benign_nll"] for r in results for p in r["curve"]])).all()
    base, _ = load_model_and_tokenizer(compose_config("harden", QUIET_RUN).model)
    saved = load_file(str(tmp_path / "checkpoint" / "model.safetensors"))
    assert max(float((saved[n] - p).abs().max()) for n, p in base.state_dict().items() if n in saved) > 0

    assert not TRAINER_DICT.search(out + err), (out + err)[-2000:]
    assert not noise_in(out + err)
    bars = err.replace("\r", "\n")
    assert re.search(r"harden: 100%.*2/2.*loss=\d", bars)  # one bar for hardening, with its loss
    for target in ("base", "hardened"):  # one per attack run, with the ASR of each evaluation
        assert re.search(rf"{target}/full_ft/seed0: 100%.*2/2.*asr=\d\.\d\d", bars)
    assert "utility probes: 100%" in bars
    assert "Tokenizing" not in bars and "Writing model shards" not in bars


def test_cli_usage_and_unknown_command(capsys):
    assert main(["--help"]) == 0
    assert "harden" in capsys.readouterr().out
    assert main(["frobnicate"]) == 2
