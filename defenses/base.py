"""The defense interface: a defense is a small object with a few hooks, stacked with others in one run.

Hooks (all optional):
  setup(ctx)                  once, before training: keep references (frozen base model, data, seed)
  training_examples(data)     SFT examples (prompt/completion, chat format) this defense adds
  loss_terms(model, inputs)   extra differentiable terms {name: tensor}, each already weighted
  meta_step(model, inputs)    an inner loop (simulated attack) run before the outer backward; it may
                              accumulate gradients into `param.grad` and returns metrics to log

`threat_model` is "open-weight" (holds when the attacker has the weights) or "provider" (needs the
defender to control later fine-tuning); provider defenses are never reported as open-weight ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from train import KeelError


@dataclass
class HardenContext:
    """What a defense may look at during setup."""

    tokenizer: Any
    data: Any  # train.data.DataBundle
    base_model: torch.nn.Module | None = None  # frozen copy of the model before hardening
    seed: int = 0
    extra: dict = field(default_factory=dict)


class Defense:
    name: str = "defense"
    threat_model: str = "open-weight"

    def __init__(self, weight: float = 1.0):
        if self.threat_model not in ("open-weight", "provider"):
            raise KeelError(f"defense.{self.name}.threat_model: '{self.threat_model}' is not open-weight or provider")
        self.weight = float(weight)

    def setup(self, ctx: HardenContext) -> None:
        self.ctx = ctx

    def training_examples(self, data) -> list[dict]:
        return []

    def loss_terms(self, model, inputs: dict) -> dict[str, torch.Tensor]:
        return {}

    def meta_step(self, model, inputs: dict) -> dict[str, float]:
        return {}

    def describe(self) -> dict:
        return {"name": self.name, "threat_model": self.threat_model, "weight": self.weight}
