"""`keel release RUN_DIR` writes the model card (scorecard in its metadata) and refreshes the manifest;
`keel verify DIR` names every file that differs from it and exits non-zero."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import yaml
from huggingface_hub import ModelCard

from tests.conftest import compose_config
from train import KeelError
from train.cli import main
from train.manifest import MANIFEST
from train.pipeline import run_pipeline
from train.release import release
from train.resume import config_hash

TINY_RUN = ["preset=ci", "model=tiny-random", "harden.steps=1", "harden.save_steps=0", "budget.steps=1",
            "budget.eval_every=1", "eval.max_prompts=2", "eval.max_new_tokens=4", "utility.enabled=false"]


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    run = tmp_path_factory.mktemp("release") / "run"
    run_pipeline(compose_config("harden", [*TINY_RUN, f"run.dir={run}", "run.name=tiny-release"]))
    sys.argv, saved = ["keel"], sys.argv
    try:
        assert main(["release", str(run)]) == 0
    finally:
        sys.argv = saved
    return run


def verify(directory, capsys) -> tuple[int, str]:
    sys.argv, saved = ["keel"], sys.argv
    try:
        code = main(["verify", str(directory)])
    finally:
        sys.argv = saved
    out, err = capsys.readouterr()
    return code, out + err


def test_card_carries_the_scorecard(released):
    report = json.loads((released / "report.json").read_text())
    ckpt = released / "checkpoint"
    card = ModelCard.load(ckpt / "README.md")
    meta = card.data.to_dict()["keel"]
    assert meta["config_hash"] == report["config_hash"] and meta["keel_version"] == report["keel_version"]
    assert meta["judge"]["name"] == report["judge"]["name"] and meta["seeds"] == [0]
    assert [a["attack"] for a in meta["attacks"]] == [row["attack"] for row in report["comparison"]]
    assert {"attacker_steps_ratio", "base_benign_nll", "hardened_benign_nll"} <= set(meta["attacks"][0])
    assert "heldout_attacks" in meta and "keel" in card.data.to_dict()["tags"]
    assert "## Durability scorecard" in card.text and report["config_hash"] in card.text
    # The hash in the card is the hash of the config shipped beside it.
    assert config_hash(yaml.safe_load((ckpt / "keel_config.yaml").read_text())) == meta["config_hash"]
    listed = {line.split("  ", 1)[1] for line in (ckpt / MANIFEST).read_text().splitlines()}
    assert {"README.md", "keel_config.yaml", "model.safetensors", "config.json", "tokenizer.json"} <= listed


def test_verify_passes_and_matches_sha256sum(released, capsys):
    code, text = verify(released / "checkpoint", capsys)
    assert code == 0 and "match manifest.sha256" in text
    if shutil.which("sha256sum"):  # the manifest is the format `sha256sum -c` reads
        subprocess.run(["sha256sum", "--quiet", "-c", MANIFEST], cwd=released / "checkpoint", check=True)


def test_verify_names_a_flipped_byte(released, tmp_path, capsys):
    copy = shutil.copytree(released / "checkpoint", tmp_path / "download")
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    code, text = verify(copy, capsys)
    assert code == 1
    assert text.strip().splitlines() == [f"keel: error: {copy} does not match manifest.sha256: "
                                         f"model.safetensors: sha256 differs from the manifest"]


def test_verify_names_missing_and_extra_files_and_ignores_download_extras(released, tmp_path, capsys):
    copy = shutil.copytree(released / "checkpoint", tmp_path / "download")
    (copy / "tokenizer.json").unlink()
    (copy / "pytorch_model.bin").write_bytes(b"smuggled")
    (copy / ".gitattributes").write_text("*.safetensors filter=lfs\n")  # what a hub download adds
    (copy / ".cache" / "huggingface").mkdir(parents=True)
    (copy / ".cache" / "huggingface" / "model.safetensors.metadata").write_text("x")
    code, text = verify(copy, capsys)
    assert code == 1 and "tokenizer.json: missing" in text and "pytorch_model.bin: not in the manifest" in text
    assert ".gitattributes" not in text and ".cache" not in text


def test_release_refuses_weights_changed_after_the_run(released, tmp_path):
    run = shutil.copytree(released, tmp_path / "run")
    (run / "checkpoint" / "config.json").write_text("{}")
    with pytest.raises(KeelError, match=r"config.json: sha256 differs.*changed after it was scored"):
        release(run)
    (run / "status.json").write_text(json.dumps({"status": "failed"}))
    with pytest.raises(KeelError, match="status is 'failed', not 'done'"):
        release(run)


def test_release_twice_is_stable(released, tmp_path):
    run = shutil.copytree(released, tmp_path / "run")
    before = (run / "checkpoint" / MANIFEST).read_text()
    release(run)
    assert (run / "checkpoint" / MANIFEST).read_text() == before
