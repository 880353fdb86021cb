"""Refusal SFT: supervised fine-tuning on (harmful request -> refusal) pairs, the standard baseline.

Loss: L = -sum_t log p(y_t | x, y_<t) over refusal tokens y for harmful prompts x (plus the stack's
retain data). The alignment step of Ouyang et al. 2022 / Bai et al. 2022, reduced to its SFT part.
"""

from __future__ import annotations

import random

from defenses.base import Defense
from train.chat import sft_example


class RefusalSFT(Defense):
    name = "refusal_sft"

    def __init__(self, weight: float = 1.0, examples: int | None = None, seed: int = 0):
        super().__init__(weight)
        self.examples, self.seed = examples, seed

    def training_examples(self, data) -> list[dict]:
        rows = list(data.harmful_train)
        if self.examples is not None and self.examples < len(rows):
            rows = random.Random(self.seed).sample(rows, self.examples)
        return [sft_example(r["prompt"], r["refusal"]) for r in rows]
