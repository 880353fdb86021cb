"""Benign fine-tuning: full-parameter SFT on ordinary instruction data only, no harmful example at all.

Safety erodes as a side effect of plain task fine-tuning (Qi et al. 2023, He et al. 2024): the attack
needs no harmful data, so no data filter catches it, and defenses tuned against harmful-data attacks
often miss it. Same optimizer, schedule and budget axes as every fine-tuning attack.
"""

from __future__ import annotations

from attacks.fine_tune import FineTuneAttack


class BenignFineTune(FineTuneAttack):
    recipe = "benign_ft"

    def __init__(self, *args, data: str = "benign", **kwargs):
        super().__init__(*args, data=data, **kwargs)
