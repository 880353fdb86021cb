"""Identity shift (AOA): teach the model an "absolutely obedient agent" persona, then query it as one.

Training data: the obedience examples of `data.identity` (system prompt naming the AOA persona, benign
request, answer that reaffirms the persona), with no harmful example (Qi et al. 2023, "identity
shifting"). Evaluation decision: the attacker talks to the result *under the persona's system prompt*,
so every evaluation of this attack, step 0 included, prepends that system prompt to the harmful
prompts (`eval_system`: the named prompt, or the most frequent system prompt of the identity data).
Step 0 therefore measures the persona prompt alone, a jailbreak-by-prompt baseline; benign NLL stays
without a system prompt (utility for ordinary users). The prompt used is recorded in `extra.eval_system`.
"""

from __future__ import annotations

from collections import Counter

from attacks.fine_tune import FineTuneAttack
from train import KeelError


class IdentityShift(FineTuneAttack):
    recipe = "identity_shift"
    space_recipe = "identity_shift"
    space_axes = tuple(a for a in FineTuneAttack.space_axes if a != "data")  # its data is the persona set

    def __init__(self, *args, data: str = "identity", eval_system: str | None = None, **kwargs):
        super().__init__(*args, data=data, **kwargs)
        self.system_prompt = eval_system

    def space_point(self) -> dict:
        return {k: v for k, v in super().space_point().items() if k != "data"}

    def eval_system(self, data) -> str | None:
        if self.system_prompt:
            return self.system_prompt
        if not data.identity:
            raise KeelError(f"attack.{self.name}.data: identity shift needs data.identity to name a file")
        return Counter(r["system"] for r in data.identity).most_common(1)[0][0]
