"""Batched greedy generation: chat-templated, left-padded, KV-cached, stopping once every sequence ended.

Prompts are sorted by length before batching so a batch carries little padding; results come back in
the caller's order. Early stop: `generate` ends a batch as soon as every row has emitted EOS (HF's
stopping criteria), so a batch of refusals costs a few steps, not `max_new_tokens`
(tests/test_attacks_generation.py counts the forward passes).

`generate_scored` also returns the model's own mean per-token NLL of each completion, read while it is
generated (no extra forward pass): greedy decoding picks the argmax token, so its negative log-probability
at step k is

    nll_k = logsumexp(z_k) - max(z_k)          z_k = the (processed) logits generate decides on
    NLL   = mean_k nll_k over the completion's tokens before EOS    (None for an empty completion)

The judges use it to flag incoherent output (attacks/judges/coherence.py).

Benchmark against a per-prompt loop: `python tests/benchmarks/bench_generation.py --model tiny`.
"""

from __future__ import annotations

import torch
from tqdm.auto import tqdm
from transformers import LogitsProcessor, LogitsProcessorList

from train.chat import prompt_ids


class GreedyTokenNLL(LogitsProcessor):
    """Records nll_k = logsumexp(z_k) - max(z_k) of every greedy step (the NLL of the token it picks);
    returns the scores unchanged."""

    def __init__(self):
        self.steps: list[torch.Tensor] = []

    def __call__(self, input_ids, scores):
        z = scores.float()
        self.steps.append((torch.logsumexp(z, dim=-1) - z.max(dim=-1).values).cpu())
        return scores


def _eos_ids(model, tokenizer) -> set[int]:
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = {tokenizer.eos_token_id} | set(eos if isinstance(eos, (list, tuple)) else [eos])
    return {i for i in ids if i is not None}


def _mean_nll(tokens: list[int], nlls: torch.Tensor | None, stop: set[int]) -> float | None:
    """Mean greedy-token NLL over the tokens before the first end token (None when there are none)."""
    n = next((k for k, t in enumerate(tokens) if t in stop), len(tokens))
    if nlls is None or n == 0:
        return None
    return float(nlls[:n].mean())


@torch.no_grad()
def generate_scored(model, tokenizer, encoded: list[list[int]], *, max_new_tokens: int = 32,
                    batch_size: int = 16, progress: bool = False, desc: str = "generate",
                    keep: list[int] | None = None) -> tuple[list[str], list[float | None]]:
    """Greedy continuations of already-templated token id lists and their mean greedy-token NLL, in the
    caller's order. `keep[i]`: the number of trailing input tokens of prompt i decoded with its
    continuation (a prefilled response start, attacks/prefill.py), so the text reads as the model's whole
    answer; the NLL covers the generated tokens only."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    outputs: list[str] = [""] * len(encoded)
    nlls: list[float | None] = [None] * len(encoded)
    pad = tokenizer.pad_token_id
    stop = _eos_ids(model, tokenizer) | ({pad} if pad is not None else set())
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
        recorder = GreedyTokenNLL()
        out = model.generate(
            input_ids=ids.to(device), attention_mask=mask.to(device), max_new_tokens=max_new_tokens,
            do_sample=False, use_cache=True, pad_token_id=pad, eos_token_id=tokenizer.eos_token_id,
            logits_processor=LogitsProcessorList([recorder]),
        )
        steps = torch.stack(recorder.steps, dim=1) if recorder.steps else None  # [batch, generated]
        for row, i in enumerate(batch):
            new = out[row, width:].tolist()
            start = width - (keep[i] if keep else 0)
            outputs[i] = tokenizer.decode(out[row, start:], skip_special_tokens=True).strip()
            nlls[i] = _mean_nll(new, None if steps is None else steps[row], stop)
    model.train(was_training)
    return outputs, nlls


def generate_from_ids(model, tokenizer, encoded: list[list[int]], *, max_new_tokens: int = 32,
                      batch_size: int = 16, progress: bool = False, desc: str = "generate",
                      keep: list[int] | None = None) -> list[str]:
    """Greedy continuations of already-templated token id lists, in the caller's order (`keep`: as in
    generate_scored)."""
    return generate_scored(model, tokenizer, encoded, max_new_tokens=max_new_tokens, batch_size=batch_size,
                           progress=progress, desc=desc, keep=keep)[0]


def generate(model, tokenizer, prompts: list[str], *, max_new_tokens: int = 32, batch_size: int = 16,
             system: str | None = None, progress: bool = False, desc: str = "generate") -> list[str]:
    """Greedy replies to user `prompts` (optionally under a `system` prompt), chat template applied."""
    return generate_with_nll(model, tokenizer, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size,
                             system=system, progress=progress, desc=desc)[0]


def generate_with_nll(model, tokenizer, prompts: list[str], *, max_new_tokens: int = 32, batch_size: int = 16,
                      system: str | None = None, progress: bool = False, desc: str = "generate"
                      ) -> tuple[list[str], list[float | None]]:
    """Greedy replies to user `prompts` and each reply's mean greedy-token NLL (module docstring)."""
    encoded = [prompt_ids(tokenizer, p, system) for p in prompts]
    return generate_scored(model, tokenizer, encoded, max_new_tokens=max_new_tokens, batch_size=batch_size,
                           progress=progress, desc=desc)
