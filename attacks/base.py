"""The attack interface and the record every attack run produces."""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any

from train import KeelError


@dataclass
class AttackResult:
    """One attack run on one target model with one seed: the curve and what it cost."""

    attack: str
    recipe: str
    split: str  # "train" or "heldout": which part of the attack space this attack lies in (attacks/space.py)
    target: str  # "base" or "hardened" (or a checkpoint name under `keel evaluate`)
    seed: int
    config: dict
    curve: list[dict]  # [{"step", "asr", "refusal", "incoherent", "benign_nll", "tokens", "train_seconds"}]
    flops_per_token: float
    examples: int
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


class Attack(ABC):
    """A point of the attack space. Subclasses implement `run`; they never modify the model passed in."""

    recipe: str = "attack"
    space_axes: tuple[str, ...] = ()  # attack-space axes besides `recipe` and `seed` (attacks/space.py)
    # Attack-space axis -> constructor option, where the two names differ (AttackSpace.build).
    axis_options: dict[str, str] = {}
    # What the curve's `step` counts, recorded as `extra.cost_unit`: "steps" (training steps),
    # "prefix tokens", "optimisation steps" or "none" (a ladder of edits, no attacker steps).
    cost_unit: str = "steps"
    # True for attacks that need the public base model (e.g. subtracting the hardening delta): the grid
    # and the search then call `run(..., reference=<the base target's model>)` (attacks/grid.py).
    needs_reference: bool = False

    def __init__(self, name: str | None = None, split: str = "auto", seeds: list[int] | None = None):
        # "auto": the attack space decides (attacks/space.py); a declared split is checked against it.
        if split not in ("train", "heldout", "auto"):
            raise KeelError(f"attack.{name}.split: '{split}' must be 'auto', 'train' or 'heldout'")
        self.name = name or self.recipe
        self.split = split
        self.seeds = list(seeds) if seeds is not None else [0]
        if not self.seeds:
            raise KeelError(f"attack.{self.name}.seeds: empty; give at least one seed (e.g. budget.seeds=[0])")
        if not all(isinstance(s, int) and not isinstance(s, bool) for s in self.seeds) \
                or len(set(self.seeds)) != len(self.seeds):
            raise KeelError(f"attack.{self.name}.seeds: must be distinct integers, got {self.seeds}")

    @abstractmethod
    def run(self, model, tokenizer, data, evaluator, *, seed: int, target: str, progress: bool = True
            ) -> AttackResult:
        """Attack a copy of `model` and return the measured curve."""

    def space_point(self) -> dict[str, Any]:
        """This attack's coordinates on the attack-space axes (attacks/space.py)."""
        return {"recipe": self.recipe}

    def pool_size(self, data) -> int | None:
        """How many distinct training examples its data source holds (caps the examples ladder)."""
        return None

    def training_prompts(self, data) -> list[str]:
        """Every prompt this attack may train on or read (data hygiene checks eval prompts against them)."""
        return []

    def describe(self) -> dict[str, Any]:
        public = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        return copy.deepcopy(public)
