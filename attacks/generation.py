"""Batched greedy generation: chat-templated, left-padded, KV-cached, stopping once every sequence ended.

Prompts are sorted by length before batching so a batch carries little padding; results come back in
the caller's order. Early stop: `generate` ends a batch as soon as every row has emitted EOS (HF's
stopping criteria), so a batch of refusals costs a few steps, not `max_new_tokens`
(tests/test_attacks_generation.py counts the forward passes).

Benchmark against a per-prompt loop: `python tests/benchmarks/bench_generation.py --model tiny`.
"""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

from train.chat import prompt_ids


@torch.no_grad()
def generate_from_ids(model, tokenizer, encoded: list[list[int]], *, max_new_tokens: int = 32,
                      batch_size: int = 16, progress: bool = False, desc: str = "generate",
                      keep: list[int] | None = None) -> list[str]:
    """Greedy continuations of already-templated token id lists, in the caller's order. `keep[i]`: the
    number of trailing input tokens of prompt i decoded with its continuation (a prefilled response
    start, attacks/prefill.py), so the text reads as the model's whole answer."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    outputs: list[str] = [""] * len(encoded)
    pad = tokenizer.pad_token_id
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    for batch in tqdm(batches, desc=desc, disable=not progress, leave=False):
        width = max(len(encoded[i]) for i in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, i in enumerate(batch):
            ids[row, width - len(encoded[i]):] = torch.tensor(encoded[i])
            mask[row, width - len(encoded[i]):] = 1
        out = model.generate(
            input_ids=ids.to(device), attention_mask=mask.to(device), max_new_tokens=max_new_tokens,
            do_sample=False, use_cache=True, pad_token_id=pad, eos_token_id=tokenizer.eos_token_id,
        )
        for row, i in enumerate(batch):
            start = width - (keep[i] if keep else 0)
            outputs[i] = tokenizer.decode(out[row, start:], skip_special_tokens=True).strip()
    model.train(was_training)
    return outputs


def generate(model, tokenizer, prompts: list[str], *, max_new_tokens: int = 32, batch_size: int = 16,
             system: str | None = None, progress: bool = False, desc: str = "generate") -> list[str]:
    """Greedy replies to user `prompts` (optionally under a `system` prompt), chat template applied."""
    encoded = [prompt_ids(tokenizer, p, system) for p in prompts]
    return generate_from_ids(model, tokenizer, encoded, max_new_tokens=max_new_tokens, batch_size=batch_size,
                             progress=progress, desc=desc)
