"""Chat templating: keel always applies the model's own chat template, in training and evaluation."""

from __future__ import annotations


def messages(prompt: str, system: str | None = None) -> list[dict]:
    head = [{"role": "system", "content": system}] if system else []
    return head + [{"role": "user", "content": prompt}]


def sft_example(prompt: str, completion: str, system: str | None = None) -> dict:
    """A conversational prompt-completion record, the format TRL's SFTTrainer trains on completion only."""
    return {"prompt": messages(prompt, system), "completion": [{"role": "assistant", "content": completion}]}


def prompt_ids(tokenizer, prompt: str, system: str | None = None) -> list[int]:
    """Token ids of the templated prompt, ending with the assistant turn's opening."""
    return list(tokenizer.apply_chat_template(messages(prompt, system), add_generation_prompt=True,
                                              tokenize=True, return_dict=True)["input_ids"])


def prompt_completion_ids(tokenizer, prompt: str, completion: str, system: str | None = None
                          ) -> tuple[list[int], list[int]]:
    """(prompt ids, completion ids) such that their concatenation is the templated conversation."""
    head = prompt_ids(tokenizer, prompt, system)
    full = tokenizer.apply_chat_template(
        messages(prompt, system) + [{"role": "assistant", "content": completion}],
        tokenize=True, return_dict=True)["input_ids"]
    full = list(full)
    if full[: len(head)] != head:  # templates that rewrite earlier turns: fall back to a plain split
        return head, tokenizer(completion, add_special_tokens=False)["input_ids"]
    return head, full[len(head):]
