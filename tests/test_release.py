"""`keel release RUN_DIR` writes the model card (scorecard in its metadata) and refreshes the manifest;
`keel verify DIR` names every file that differs from it and exits non-zero."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from huggingface_hub import ModelCard

from tests.conftest import compose_config
from tests.report_fakes import META, result, utility_side
from train import KeelError
from train.card import license_of, model_card
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
    assert "attacker_steps_ratio_display" in meta["attacks"][0]
    assert {"steps_to_threshold", "asr_before", "harm_auc"} <= set(meta["attacks"][0]["hardened"])
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


def _front_matter(card_text: str) -> str:
    return re.match(r"---\n(.*?)\n---\n", card_text, re.S).group(1)


def test_card_follows_the_hub_conventions(released):
    from huggingface_hub.repocard_data import model_index_to_eval_results

    report = json.loads((released / "report.json").read_text())
    card = ModelCard.load(released / "checkpoint" / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "apache-2.0" and data["pipeline_tag"] == "text-generation"
    assert data["library_name"] == "transformers" and "base_model" not in data  # random weights: no base model
    name, results = model_index_to_eval_results(data["model-index"])  # the Hub's own parser
    assert name == "tiny-release" and results == card.data.eval_results and results
    side = report["headline"]["sides"]["hardened"]
    steps = next(r for r in results if r.metric_type == "attack_steps_to_threshold")
    assert steps.metric_value == round(side["steps"], 4) and steps.task_type == "text-generation"
    assert steps.dataset_type == "keel-mini" and "ASR >= 0.5" in steps.metric_name
    assert report["headline"]["text"] in card.text  # the same plain-words paragraph as the report
    assert "None" not in str(card) and "null" not in _front_matter(str(card)) and not re.search(r"\bnan\b", str(card))


def test_card_of_the_embedded_model_names_its_base_and_the_ggufs_license(tmp_path):
    import gguf
    from huggingface_hub.repocard_data import model_index_to_eval_results

    from attacks.report import build_report

    path = tmp_path / "m.gguf"
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_license("apache-2.0")
    writer.write_header_to_file(), writer.write_kv_data_to_file(), writer.write_tensors_to_file()
    writer.close()
    model = {"name": "SmolLM2-135M-Instruct", "source": "gguf", "path": str(path),
             "base_model": "HuggingFaceTB/SmolLM2-135M-Instruct"}
    results = [result("base", [0, 12, 18]), result("hardened", [0, 0, 0, 12])]
    utility = {"base": utility_side(2.0, 12, 0, kl=0.0), "hardened": utility_side(2.1, 11, 12, kl=0.16)}
    report = build_report(results, tau=0.5, meta=META | {"run": "demo"}, utility=utility)
    assert license_of(model) == "apache-2.0"  # read from the GGUF's general.license
    text = str(model_card(report, model, license_of(model)))
    (tmp_path / "README.md").write_text(text)
    card = ModelCard.load(tmp_path / "README.md")
    data = card.data.to_dict()
    assert data["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct" and data["license"] == "apache-2.0"
    _, parsed = model_index_to_eval_results(data["model-index"])
    values = {r.metric_type: r.metric_value for r in parsed}
    assert values["attack_steps_to_threshold"] == 30 and values["attacker_cost_ratio"] == 3.0
    assert values["over_refusal"] == 0.5 and values["asr_before_attack"] == 0.0
    assert values["attack_flops_to_threshold"] == report["headline"]["sides"]["hardened"]["flops"]
    assert "| lora | heldout | 10 steps -> 30 steps | x3.00 (prompts" in card.text and "18 TFLOPs" in card.text
    assert "| over-refusal on benign-but-edgy prompts | 0% | 50% | +50.0 points" in card.text
    assert "None" not in text and "null" not in _front_matter(text)


def test_license_comes_from_the_model_else_release_license_else_a_one_line_error(tmp_path):
    local = tmp_path / "model"
    local.mkdir()
    (local / "README.md").write_text("---\nlicense: mit\n---\n# a model\n")
    assert license_of({"source": "hf", "path": str(local)}) == "mit"  # its own card
    assert license_of({"source": "hf", "path": str(local), "license": "gpl-3.0"}) == "gpl-3.0"
    assert license_of({"source": "hf", "path": str(tmp_path / "none")}, "apache-2.0") == "apache-2.0"
    with pytest.raises(KeelError, match=r"^release\.license: the license of .* is unknown; pass keel release "
                                        r"RUN_DIR --license ID"):
        license_of({"source": "hf", "path": str(tmp_path / "none"), "name": "x"})


def test_release_takes_a_license_when_the_models_is_unknown(released, tmp_path):
    run = shutil.copytree(released, tmp_path / "run")
    config = yaml.safe_load((run / "config.yaml").read_text())
    del config["model"]["license"]
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(KeelError, match="release.license"):
        release(run)
    release(run, license="mit")
    assert ModelCard.load(run / "checkpoint" / "README.md").data.license == "mit"
