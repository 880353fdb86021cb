"""Deep safety alignment by data augmentation (Qi et al. 2024, "Safety Alignment Should Be Made More Than
Just a Few Tokens Deep").

Shallow alignment lives in the first few response tokens: prefill or fine-tune past them and the model
complies. The augmentation trains refusals that recover after the first k tokens of a compliant answer:
    L = -E_{(x, h, r)} E_{k ~ U{1..K}} 1/|r| sum_t log p(r_t | x, h_<=k, r_<t)
x a harmful prompt, h its compliant answer (its first k tokens are context, never trained on), r a
refusal. `max_prefix_tokens` = K. Cost: one forward+backward over `batch_size` rows.

    keel harden preset=ci model=tiny-random 'defense=[refusal_sft,deep_alignment]'
"""

from __future__ import annotations

import random

import torch

from defenses.base import Defense, HardenContext
from defenses.batches import TokenizedRows, collate, device_of, masked_nll, truncate


def recovery_example(prompt_ids: list[int], compliance_ids: list[int], refusal_ids: list[int], k: int
                     ) -> tuple[list[int], list[int]]:
    """(context, target): the prompt plus the first k compliant tokens as context, the refusal as target."""
    return prompt_ids + compliance_ids[:k], list(refusal_ids)


class DeepAlignment(Defense):
    name = "deep_alignment"

    def __init__(self, weight: float = 1.0, *, max_prefix_tokens: int = 24, batch_size: int = 4,
                 max_length: int = 256, seed: int = 0):
        super().__init__(weight)
        self.require(int(max_prefix_tokens) >= 1, "max_prefix_tokens", f"must be >= 1, got {max_prefix_tokens}")
        self.require(int(batch_size) >= 1, "batch_size", f"must be >= 1, got {batch_size}")
        self.max_prefix, self.batch_size = int(max_prefix_tokens), int(batch_size)
        self.max_length, self.seed = int(max_length), int(seed)
        self.rng = random.Random(seed)

    def setup(self, ctx: HardenContext) -> None:
        super().setup(ctx)
        self.require(bool(ctx.data.harmful_train), "data", "needs harmful training records")
        self.compliance = TokenizedRows(ctx.tokenizer, ctx.data.harmful_train, "compliance")
        self.refusal = TokenizedRows(ctx.tokenizer, ctx.data.harmful_train, "refusal")
        self.pad_id = ctx.tokenizer.pad_token_id
        self.record["examples"] = len(self.compliance)

    def rngs(self) -> dict:
        return {"rows": self.rng}

    def loss_terms(self, model, inputs: dict) -> dict[str, torch.Tensor]:
        pairs = []
        for i in self.rng.sample(range(len(self.compliance)), min(self.batch_size, len(self.compliance))):
            prompt, compliance = self.compliance[i]
            _, refusal = self.refusal[i]
            body = compliance[: max(1, len(compliance) - 2)]  # end-of-turn tokens are no prefix to recover from
            k = self.rng.randint(1, min(self.max_prefix, len(body)))
            pairs.append(truncate(*recovery_example(prompt, body, refusal, k), self.max_length))
        batch = collate(pairs, self.pad_id).to(device_of(model))
        return {"recovery": self.weight * masked_nll(model(**batch.inputs()).logits, batch.labels)}

    def passes_per_step(self) -> float:
        return 1.0
