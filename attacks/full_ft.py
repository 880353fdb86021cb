"""Full-parameter harmful fine-tuning: every weight trains on (harmful request, compliant answer) pairs.

The classic removal attack (Qi et al. 2023, "Fine-tuning Aligned Language Models Compromises Safety");
ten examples and a few epochs strip the refusals of most released chat models.
"""

from attacks.fine_tune import FineTuneAttack


class FullFineTune(FineTuneAttack):
    recipe = "full_ft"
