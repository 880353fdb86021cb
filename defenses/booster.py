"""Booster: attenuate the harmful perturbation (Huang et al. 2024, "Booster: Tackling Harmful Fine-tuning
for Large Language Models via Attenuating Harmful Perturbation").

    L = L_align(theta) + lambda * [ h(theta) - h(theta - alpha * grad h(theta) / ||grad h(theta)||) ]
h = LM loss on harmful (prompt -> compliance) pairs, L_align = LM loss on (harmful prompt -> refusal)
pairs (the stack's SFT data; `alignment_data` adds them). The regularizer is the drop of the harmful
loss after one normalized attacker step: minimising it makes a harmful step achieve little. Its
gradient, first-order as in the paper: lambda * [grad h(theta) - grad h(theta')], theta' the stepped
weights. Computed in `meta_step` (theta' in place from a CPU snapshot, restored bitwise) and handed to the
trainer's backward through the meta-gradient surrogate (defenses/meta_learning.py). Cost: two
forward+backward passes over `batch_size` harmful rows.

    keel harden preset=ci model=tiny-random 'defense=[booster]'
"""

from __future__ import annotations

import torch

from defenses.base import Defense, HardenContext
from defenses.batches import PairPool, device_of, masked_nll, trainable_parameters
from defenses.inner_loop import WeightSnapshot, stashed_grads
from defenses.meta_learning import meta_gradient_surrogate
from train.chat import sft_example


def harmful_loss_drop(loss_before: torch.Tensor, loss_after: torch.Tensor, lam: float) -> torch.Tensor:
    """lambda * (h(theta) - h(theta')): how much one normalized harmful step lowers the harmful loss."""
    return lam * (loss_before - loss_after)


def normalized_step(grads: list[torch.Tensor | None], step_size: float) -> list[torch.Tensor | None]:
    """alpha * g / ||g|| (one norm over every tensor): the attacker's normalized step direction."""
    norm = torch.sqrt(sum((g.float() ** 2).sum() for g in grads if g is not None)).clamp_min(1e-12)
    return [None if g is None else (step_size / norm).to(g.dtype) * g for g in grads]


class Booster(Defense):
    name = "booster"
    # the inner loop moves whole parameters in place: not under ZeRO-3 sharding (train/distributed.py)
    supported_zero_stages = (0, 1, 2)

    def __init__(self, weight: float = 5.0, *, step_size: float = 0.1, alignment_data: bool = True,
                 batch_size: int = 4, max_length: int = 256, seed: int = 0):
        super().__init__(weight)
        self.require(step_size > 0, "step_size", f"must be positive, got {step_size}")
        self.require(int(batch_size) >= 1, "batch_size", f"must be >= 1, got {batch_size}")
        self.step_size, self.alignment_data = float(step_size), bool(alignment_data)
        self.batch_size, self.max_length, self.seed = int(batch_size), int(max_length), int(seed)
        self.snapshot = WeightSnapshot()
        self._pending = None

    def setup(self, ctx: HardenContext) -> None:
        super().setup(ctx)
        self.require(bool(ctx.data.harmful_train), "data", "needs harmful training records")
        self.harmful = PairPool.from_rows(ctx.tokenizer, ctx.data.harmful_train, "compliance", self.seed,
                                          self.max_length)

    def rngs(self) -> dict:
        return {"harmful": self.harmful.rng}

    def training_examples(self, data) -> list[dict]:
        if not self.alignment_data:
            return []
        return [sft_example(r["prompt"], r["refusal"]) for r in data.harmful_train]

    def meta_step(self, model, inputs: dict) -> dict[str, float]:
        params = [p for _, p in trainable_parameters(model)]
        batch = self.harmful.sample(self.batch_size).to(device_of(model))
        with stashed_grads(params), torch.enable_grad():
            before = masked_nll(model(**batch.inputs()).logits, batch.labels)
            g_before = torch.autograd.grad(before, params, allow_unused=True)
            self.snapshot.save(params)
            try:
                with torch.no_grad():
                    for p, step in zip(params, normalized_step(list(g_before), self.step_size)):
                        if step is not None:
                            p.sub_(step)
                after = masked_nll(model(**batch.inputs()).logits, batch.labels)
                g_after = torch.autograd.grad(after, params, allow_unused=True)
            finally:
                self.snapshot.restore(params)
        grads = [None if a is None else self.weight * (a - (b if b is not None else 0))
                 for a, b in zip(g_before, g_after)]
        drop = harmful_loss_drop(before.detach(), after.detach(), self.weight)
        self._pending = (params, grads, drop)
        return {"harmful_loss": float(before.detach()), "harmful_loss_after_step": float(after.detach())}

    def loss_terms(self, model, inputs: dict) -> dict[str, torch.Tensor]:
        if self._pending is None:
            return {}
        params, grads, drop = self._pending
        self._pending = None
        return {"harm_drop": meta_gradient_surrogate(params, grads, drop)}

    def passes_per_step(self) -> float:
        return 2.0
