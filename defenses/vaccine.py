"""Vaccine: perturbation-aware alignment (Huang et al. 2024, "Vaccine: Perturbation-aware Alignment for
Large Language Models against Harmful Fine-tuning").

    min_theta max_{||eps|| <= rho} L_align(theta; e_l + eps_l for every layer l)
    eps_l = rho * grad_{e_l} L_align / ||(grad_{e_1} L_align, ..., grad_{e_L} L_align)||
e_l = output (hidden embedding) of decoder layer l, L_align = LM loss on harmful prompt -> refusal pairs.
Pass 1 takes the gradient of L_align with respect to every layer's output (no weight gradients); pass 2
recomputes L_align with the worst-case perturbation added by forward hooks, and that loss is the term:
the alignment survives the embedding drift a later harmful fine-tune causes. Cost: two forward+backward
passes over `batch_size` refusal rows (the first without weight gradients).

    keel harden preset=ci model=tiny-random 'defense=[vaccine]'
"""

from __future__ import annotations

import torch

from defenses.base import Defense, HardenContext
from defenses.batches import PairPool, decoder_layers, device_of, masked_nll, select_layers
from train.models import forward_hooks


def vaccine_perturbation(grads: list[torch.Tensor], rho: float) -> list[torch.Tensor]:
    """rho * g_l / ||g||, one norm over all layers: the worst-case hidden perturbation of radius rho."""
    norm = torch.sqrt(sum((g.float() ** 2).sum() for g in grads)).clamp_min(1e-12)
    return [(rho / norm).to(g.dtype) * g for g in grads]


def _replace_output(output, new_hidden):
    return (new_hidden, *output[1:]) if isinstance(output, tuple) else new_hidden


class Vaccine(Defense):
    name = "vaccine"

    def __init__(self, weight: float = 1.0, *, rho: float = 2.0, layers: list[int] | str | None = "all",
                 batch_size: int = 4, max_length: int = 256, seed: int = 0):
        super().__init__(weight)
        self.require(rho > 0, "rho", f"must be positive, got {rho}")
        self.require(int(batch_size) >= 1, "batch_size", f"must be >= 1, got {batch_size}")
        self.rho, self.layers, self.batch_size = float(rho), layers, int(batch_size)
        self.max_length, self.seed = int(max_length), int(seed)

    def setup(self, ctx: HardenContext) -> None:
        super().setup(ctx)
        self.require(bool(ctx.data.harmful_train), "data", "needs harmful training records")
        self.refusals = PairPool.from_rows(ctx.tokenizer, ctx.data.harmful_train, "refusal", self.seed,
                                           self.max_length)

    def rngs(self) -> dict:
        return {"refusals": self.refusals.rng}

    def loss_terms(self, model, inputs: dict) -> dict[str, torch.Tensor]:
        batch = self.refusals.sample(self.batch_size).to(device_of(model))
        blocks = decoder_layers(model)
        blocks = [blocks[i] for i in select_layers(len(blocks), self.layers)]
        captured: list[torch.Tensor] = []

        def capture(module, args, output):
            captured.append(output[0] if isinstance(output, tuple) else output)

        with forward_hooks(blocks, capture):
            clean = masked_nll(model(**batch.inputs()).logits, batch.labels)
        grads = torch.autograd.grad(clean, captured)
        perturbations = iter(vaccine_perturbation([g.detach() for g in grads], self.rho))

        def perturb(module, args, output):
            hidden = output[0] if isinstance(output, tuple) else output
            return _replace_output(output, hidden + next(perturbations))

        with forward_hooks(blocks, perturb):
            perturbed = masked_nll(model(**batch.inputs()).logits, batch.labels)
        return {"perturbed_alignment": self.weight * perturbed}

    def passes_per_step(self) -> float:
        return 2.0
