"""Tiny random models and a tokenizer trained locally, for tests and smoke runs (no downloads).

The tokenizer is a byte-level BPE trained in well under a second on keel's shipped data, with the
same ChatML chat template as SmolLM2, so every code path (chat template, padding, EOS) is the real one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "keel-mini"


def _corpus() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.extend(v for v in json.loads(line).values() if isinstance(v, str))
    # A fixed fallback keeps the tokenizer usable when the data folder is absent (installed wheel).
    texts.append("The quick brown fox jumps over the lazy dog. I can't help with that. Sure, here is how.")
    return texts


def build_tiny_tokenizer(vocab_size: int = 512, cache_dir: str | Path | None = None) -> PreTrainedTokenizerFast:
    """Train (or load from cache) a byte-level BPE tokenizer with a ChatML template."""
    corpus = _corpus()
    key = hashlib.sha256(json.dumps([vocab_size, corpus]).encode()).hexdigest()[:16]
    cache = Path(cache_dir or Path.home() / ".cache" / "keel" / "tiny-tokenizer") / key
    if (cache / "tokenizer.json").exists():
        return PreTrainedTokenizerFast.from_pretrained(cache)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
    )
    fast.chat_template = CHATML_TEMPLATE
    tmp = cache.with_name(cache.name + ".tmp")
    fast.save_pretrained(tmp)
    if not cache.exists():  # another process may have won the race; either copy is identical
        tmp.replace(cache)
    return PreTrainedTokenizerFast.from_pretrained(cache)


def build_tiny_model(tokenizer, seed: int = 0, **config) -> LlamaForCausalLM:
    """A randomly initialised Llama of the given shape (defaults: 2 layers, width 64), fp32, eager attention."""
    shape = dict(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,
    )
    shape.update(config)
    cfg = LlamaConfig(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        attn_implementation="eager",
        **shape,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    return model
