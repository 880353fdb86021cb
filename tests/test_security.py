"""Security defaults: safetensors only and no remote code unless opted in; no secret in a saved config, a
report or a log; harmful data never echoed into logs or error lines beyond a file, line, field or id."""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

import train.models
from train import KeelError
from train.cli import main
from train.models import load_model_and_tokenizer
from train.tiny import build_tiny_model, build_tiny_tokenizer

REPO = Path(__file__).resolve().parent.parent
HARMFUL_PROMPTS = [json.loads(line)["prompt"] for line in (REPO / "data/keel-mini/harmful.jsonl").read_text().splitlines()]
SMALL = ["preset=ci", "model=tiny-random", "harden.steps=2", "harden.save_steps=1", "budget.steps=1",
         "budget.eval_every=1", "eval.max_prompts=3", "eval.max_new_tokens=4", "utility.max_prompts=3"]


class RunsCode:
    """Unpickling this creates `marker`: proof that a pickle was executed."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def tiny_checkpoint(path: Path) -> Path:
    tok = build_tiny_tokenizer()
    build_tiny_model(tok, hidden_size=16, intermediate_size=32, num_attention_heads=2,
                     num_key_value_heads=1).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def hf(path, **extra):
    return OmegaConf.create({"source": "hf", "path": str(path), **extra})


def test_pickled_weights_are_never_unpickled_without_opt_in(tmp_path):
    ckpt = tiny_checkpoint(tmp_path / "model")
    marker = tmp_path / "PICKLE_RAN"
    (ckpt / "pytorch_model.bin").write_bytes(pickle.dumps(RunsCode(marker)))
    load_model_and_tokenizer(hf(ckpt))  # both formats present: the safetensors file is the one read
    (ckpt / "model.safetensors").unlink()
    with pytest.raises(KeelError, match="holds no .safetensors weights; .*model.allow_pickle=true"):
        load_model_and_tokenizer(hf(ckpt))
    assert not marker.exists()


def test_remote_code_is_never_run_without_opt_in(tmp_path):
    ckpt = tiny_checkpoint(tmp_path / "model")
    marker = tmp_path / "REMOTE_CODE_RAN"
    (ckpt / "custom.py").write_text(f"open({str(marker)!r}, 'w')\nfrom transformers import LlamaConfig, "
                                    "LlamaForCausalLM\nclass C(LlamaConfig):\n    model_type = 'custom_arch'\n"
                                    "class M(LlamaForCausalLM):\n    config_class = C\n")
    config = json.loads((ckpt / "config.json").read_text())
    config["auto_map"] = {"AutoConfig": "custom.C", "AutoModelForCausalLM": "custom.M"}
    (ckpt / "config.json").write_text(json.dumps(config))
    load_model_and_tokenizer(hf(ckpt))  # a known architecture loads with the library's own code
    (ckpt / "config.json").write_text(json.dumps({**config, "model_type": "custom_arch"}))
    with pytest.raises(KeelError, match="ships its own model code.*model.trust_remote_code=true"):
        load_model_and_tokenizer(hf(ckpt))
    assert not marker.exists()


@pytest.mark.parametrize(("opt_in", "safetensors", "trust"), [({}, True, False),
                                                             ({"allow_pickle": True, "trust_remote_code": True},
                                                              None, True)])
def test_hub_ids_get_the_same_defaults(monkeypatch, opt_in, safetensors, trust):
    seen = {}
    tok = build_tiny_tokenizer()

    def model_from(name, **kwargs):
        seen["model"] = kwargs
        return build_tiny_model(tok, hidden_size=16, intermediate_size=32, num_attention_heads=2,
                                num_key_value_heads=1)

    def tokenizer_from(name, **kwargs):
        seen["tokenizer"] = kwargs
        return tok

    monkeypatch.setattr(train.models.AutoModelForCausalLM, "from_pretrained", model_from)
    monkeypatch.setattr(train.models.AutoTokenizer, "from_pretrained", tokenizer_from)
    load_model_and_tokenizer(hf("some-org/some-model", **opt_in))
    assert seen["model"]["use_safetensors"] is safetensors
    assert seen["model"]["trust_remote_code"] is trust and seen["tokenizer"]["trust_remote_code"] is trust


SECRETS = {"WANDB_API_KEY": "wandb-secret-4f1c9a7e", "OPENAI_API_KEY": "sk-openai-secret-8b2d6e0f",
           "HF_TOKEN": "hf_secret_3c7a1d9b"}


def test_no_secret_and_no_harmful_prompt_in_saved_files_or_logs(tmp_path, monkeypatch, capfd):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["keel"])
    run = tmp_path / "run"
    code = main(["harden", *SMALL, f"run.dir={run}", "wandb.mode=offline",
                 "+wandb.api_key=cli-secret-5e8f2a4c",  # a secret given on the command line
                 "+model.hub_token=cli-secret-9d3b7f1e",
                 "+wandb.notes=${oc.env:OPENAI_API_KEY}"])  # a secret pulled into the config from the env
    out, err = capfd.readouterr()
    assert code == 0, err[-2000:]
    secrets = [*SECRETS.values(), "cli-secret-5e8f2a4c", "cli-secret-9d3b7f1e"]
    files = [p for p in run.rglob("*") if p.is_file()]
    assert any(p.name == "config.yaml" for p in files) and any("wandb" in p.parts for p in files)
    texts = {str(p): p.read_bytes().decode("utf-8", "replace") for p in files} | {"stdout": out, "stderr": err}
    for where, text in texts.items():
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{where} holds {leaked}"
    config = (run / "config.yaml").read_text()
    assert "api_key: '***'" in config and "notes: '***'" in config and "hub_token: '***'" in config

    logs = [out, err, *(p.read_text() for p in (run / "hydra").glob("*.log"))]
    echoed = [p for p in HARMFUL_PROMPTS if any(p in log for log in logs)]
    assert not echoed, f"harmful prompts in the logs: {echoed[:2]}"


PROMPT = "SYNTHETIC HARMFUL REQUEST 7f3e: explain the forbidden procedure in detail"


def bad_harmful_file(tmp: Path, kind: str) -> Path:
    good = [json.loads(line) for line in (REPO / "data/keel-mini/harmful.jsonl").read_text().splitlines()[:8]]
    row = {**good[0], "id": "secret-row", "group": "secret-row", "prompt": PROMPT}
    lines = [json.dumps(r) for r in good]
    if kind == "missing_field":
        lines.insert(2, json.dumps({k: v for k, v in row.items() if k != "refusal"}))
    elif kind == "wrong_type":
        lines.insert(2, json.dumps({**row, "compliance": 3}))
    elif kind == "malformed":
        lines.insert(2, json.dumps(row)[:-9])
    elif kind == "overlap":  # the same prompt pinned to both splits
        lines += [json.dumps({**row, "split": "train"}), json.dumps({**row, "id": "secret-copy",
                                                                      "group": "secret-copy", "split": "eval"})]
        lines = [json.dumps({**json.loads(line), "split": "train"}) if "split" not in line else line
                 for line in lines]
    path = tmp / "harmful.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("kind", ["missing_field", "wrong_type", "malformed", "overlap"])
def test_data_errors_name_the_record_not_its_text(kind, tmp_path, monkeypatch, capfd):
    monkeypatch.setattr(sys, "argv", ["keel"])
    run = tmp_path / "run"
    try:
        code = main(["harden", *SMALL, f"run.dir={run}", f"data.harmful={bad_harmful_file(tmp_path, kind)}"])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capfd.readouterr()
    assert code == 2 and "keel: error: " in err
    assert ("secret-row" in err or "secret-copy" in err or "harmful.jsonl:3" in err), err
    saved = [p.read_text() for p in run.rglob("*") if p.is_file()]
    assert not any(PROMPT[:24] in text for text in [out, err, *saved]), "the prompt text was echoed"


def test_secret_keys_are_masked_and_counts_of_tokens_are_not():
    from train.run_dir import redact

    config = {"wandb": {"api_key": "k" * 12}, "model": {"hub_token": "t" * 12, "pad_token_id": 2},
              "judge": {"client_secret": "s" * 12, "apikey": "a" * 12}, "eval": {"max_new_tokens": 24}}
    masked = redact(config, env={})
    assert masked["wandb"]["api_key"] == masked["model"]["hub_token"] == "***"
    assert masked["judge"] == {"client_secret": "***", "apikey": "***"}
    # Numbers a run must record to be compared and resumed stay readable.
    assert masked["eval"]["max_new_tokens"] == 24 and masked["model"]["pad_token_id"] == 2
    assert redact({"+wandb.api_key": "k" * 12, "eval.max_new_tokens": 8}, env={}) == {
        "+wandb.api_key": "***", "eval.max_new_tokens": 8}  # dotted command-line overrides too
