"""The defense interface: a defense is a small object with a few hooks, stacked with others in one run.

A defense is one file here plus one YAML in conf/defense/ (`# @package defense.<name>`); `defense=[a,b]`
stacks them. Hooks (all optional), called by train.hardening.HardenTrainer:

  setup(ctx)                  once, before training: keep references (frozen base model, data, seed)
  training_examples(data)     SFT examples (prompt/completion, chat format) this defense adds
  loss_prompts(data)          user prompts its loss terms train on beyond those examples (data hygiene
                              checks both against the evaluation sets)
  meta_step(model, inputs)    before each micro-batch's forward: an inner loop (simulated attack); it
                              must leave weights and `param.grad` as it found them and returns metrics
  loss_terms(model, inputs)   extra differentiable terms {name: tensor}, each already weighted and a
                              per-micro-batch mean (the trainer rescales them for gradient accumulation)
  state_dict() / load_state_dict(state)
                              state that must survive a killed run (an attack sampler's RNG, running
                              statistics): saved with every hardening checkpoint (tensors and plain
                              Python containers only) and restored after `setup` when a run resumes

A meta-gradient found in `meta_step` reaches the optimizer through `loss_terms`: a surrogate term whose
gradient is that meta-gradient (defenses.meta_learning.meta_gradient_surrogate), so the trainer's one
backward (DDP, DeepSpeed ZeRO-2, gradient accumulation) handles it like any other loss.

`threat_model` is "open-weight" (holds when the attacker has the weights) or "provider" (needs the
defender to control later fine-tuning); provider defenses are never reported as open-weight ones.
"""

from __future__ import annotations

import random
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
            raise KeelError(f"defense.{self.name}.threat_model: '{self.threat_model}' is not open-weight or "
                            f"provider")
        self.weight = float(weight)
        # What this defense built or measured (data counts, dedup overlap, seeds); goes into the report.
        self.record: dict[str, Any] = {}

    def require(self, ok: bool, option: str, message: str) -> None:
        """Raise the one-line user error `defense.<name>.<option>: <message>` unless `ok`."""
        if not ok:
            raise KeelError(f"defense.{self.name}.{option}: {message}")

    def setup(self, ctx: HardenContext) -> None:
        self.ctx = ctx

    def training_examples(self, data) -> list[dict]:
        return []

    def loss_prompts(self, data) -> list[str]:
        return []

    def loss_terms(self, model, inputs: dict) -> dict[str, torch.Tensor]:
        return {}

    def meta_step(self, model, inputs: dict) -> dict[str, float]:
        return {}

    def rngs(self) -> dict[str, random.Random | torch.Generator]:
        """The random generators this defense draws from (batches, sampled attacks): the default
        `state_dict` saves them, so a resumed run draws what the uninterrupted one would have."""
        return {}

    def state_dict(self) -> dict:
        state = {}
        for name, rng in self.rngs().items():
            if isinstance(rng, torch.Generator):
                state[name] = rng.get_state()
            else:
                version, internal, gauss = rng.getstate()
                state[name] = [version, list(internal), gauss]
        return state

    def load_state_dict(self, state: dict) -> None:
        for name, rng in self.rngs().items():
            if name not in state:
                continue
            if isinstance(rng, torch.Generator):
                rng.set_state(state[name])
            else:
                version, internal, gauss = state[name]
                rng.setstate((version, tuple(internal), gauss))

    def passes_per_step(self) -> float:
        """Forward+backward passes this defense adds per outer step, beyond the trainer's SFT pass
        (a forward alone counts 1/3); the overhead benchmark divides measured time by it."""
        return 0.0

    def describe(self) -> dict:
        return {"name": self.name, "threat_model": self.threat_model, "weight": self.weight, **self.record}
