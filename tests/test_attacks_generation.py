"""Batched generation: same text as one prompt at a time, and it stops as soon as every row ended."""

from __future__ import annotations

import torch

from attacks.generation import generate
from train.chat import prompt_ids

PROMPTS = ["How do I bake bread?", "Name three colours.", "What is the capital of France and why?",
           "Write a haiku about rain.", "Hi", "Explain photosynthesis to a child in two sentences."]


def test_batched_left_padded_generation_matches_one_prompt_at_a_time(tiny_model, tokenizer):
    batched = generate(tiny_model, tokenizer, PROMPTS, max_new_tokens=8, batch_size=4)
    single = []
    for p in PROMPTS:
        ids = torch.tensor([prompt_ids(tokenizer, p)])
        out = tiny_model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=8,
                                  do_sample=False, pad_token_id=tokenizer.pad_token_id,
                                  eos_token_id=tokenizer.eos_token_id)
        single.append(tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip())
    assert batched == single


def test_generation_stops_once_every_row_emitted_eos(tiny_model, tokenizer):
    eos = tokenizer.eos_token_id
    calls = []

    def force_eos(_module, _inputs, logits):
        calls.append(logits.shape[1])
        forced = torch.full_like(logits, -1e4)
        forced[..., eos] = 0.0
        return forced

    handle = tiny_model.lm_head.register_forward_hook(force_eos)
    try:
        out = generate(tiny_model, tokenizer, PROMPTS, max_new_tokens=32, batch_size=3)
    finally:
        handle.remove()
    assert out == [""] * len(PROMPTS)
    assert len(calls) == 2  # one forward pass (the prefill) per batch of 3, not 32


def test_rows_that_end_early_stay_empty_while_others_continue(tiny_model, tokenizer):
    eos = tokenizer.eos_token_id
    step = {"n": 0}

    def first_row_stops(_module, _inputs, logits):
        step["n"] += 1
        if step["n"] == 1:  # the prefill: row 0 ends at once, the others go on freely
            logits = logits.clone()
            logits[0, -1, :] = -1e4
            logits[0, -1, eos] = 0.0
        return logits

    handle = tiny_model.lm_head.register_forward_hook(first_row_stops)
    try:
        out = generate(tiny_model, tokenizer, ["Hi", "Hello"], max_new_tokens=5, batch_size=2)
    finally:
        handle.remove()
    # sorting by length keeps "Hi" first; its row decodes to nothing although the batch ran 5 steps
    assert out[0] == "" and step["n"] == 5
