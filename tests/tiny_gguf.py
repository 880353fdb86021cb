"""A tiny random Llama written as a GGUF file, Q4_1-quantized like the embedded SmolLM2, for the GGUF
loading path (train/models.py) in a second instead of dequantizing 135M parameters.

The writer follows llama.cpp's convert_hf_to_gguf.py for Llama: tensors renamed by gguf's own name map,
the q/k projection rows permuted to GGUF's rotary layout (transformers permutes them back on load),
and the byte-level BPE tokenizer as `gpt2` tokens, types and merges, with its chat template.
"""

from __future__ import annotations

import json
from pathlib import Path

import gguf
import numpy as np


def _permute(weights: np.ndarray, n_head: int) -> np.ndarray:
    """HF q/k rows -> GGUF's (llama.cpp's `permute`)."""
    return weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:]).swapaxes(1, 2) \
        .reshape(weights.shape)


def write_tiny_gguf(model, tokenizer, path: Path, qtype=gguf.GGMLQuantizationType.Q4_1) -> Path:
    cfg = model.config
    writer = gguf.GGUFWriter(str(path), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA])
    writer.add_name("tiny-random")
    writer.add_context_length(cfg.max_position_embeddings)
    writer.add_embedding_length(cfg.hidden_size)
    writer.add_block_count(cfg.num_hidden_layers)
    writer.add_feed_forward_length(cfg.intermediate_size)
    writer.add_head_count(cfg.num_attention_heads)
    writer.add_head_count_kv(cfg.num_key_value_heads)
    writer.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    writer.add_rope_dimension_count(cfg.hidden_size // cfg.num_attention_heads)
    writer.add_rope_freq_base(float((getattr(cfg, "rope_parameters", None) or {}).get("rope_theta", 10000.0)))
    writer.add_vocab_size(cfg.vocab_size)

    spec = json.loads(tokenizer.backend_tokenizer.to_str())
    vocab = sorted(spec["model"]["vocab"].items(), key=lambda kv: kv[1])
    special = {t["id"] for t in spec["added_tokens"] if t.get("special")}
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([token for token, _ in vocab])
    writer.add_token_types([gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL for _, i in vocab])
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]])
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_unk_token_id(tokenizer.unk_token_id)
    writer.add_chat_template(tokenizer.chat_template)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, cfg.num_hidden_layers)
    for hf_name, tensor in model.state_dict().items():
        name = names.get_name(hf_name, try_suffixes=(".weight",))
        if name is None:  # lm_head.weight: tied to the embedding
            continue
        data = tensor.detach().float().numpy()
        if hf_name.endswith("q_proj.weight"):
            data = _permute(data, cfg.num_attention_heads)
        elif hf_name.endswith("k_proj.weight"):
            data = _permute(data, cfg.num_key_value_heads)
        if data.ndim == 2:  # matrices quantized, norms kept in float32 (as llama.cpp does)
            writer.add_tensor(name, gguf.quantize(data, qtype), raw_dtype=qtype)
        else:
            writer.add_tensor(name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
