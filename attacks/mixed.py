"""Mixed-data fine-tuning: harmful pairs hidden among benign instructions, shuffled together (`mixed`),
or benign first and harmful last, order kept (`retain_then_harmful`: a benign "warm-up" that keeps
utility, then the harmful tail). Both stress defenses that key on the statistics of pure harmful data.
Half of `examples` comes from each source for `retain_then_harmful`; `mixed` samples their union.
"""

from __future__ import annotations

from attacks.fine_tune import FineTuneAttack
from train import KeelError


class MixedFineTune(FineTuneAttack):
    recipe = "mixed"

    def __init__(self, *args, data: str = "mixed", **kwargs):
        super().__init__(*args, data=data, **kwargs)
        if self.data not in ("mixed", "retain_then_harmful"):
            raise KeelError(f"attack.{self.name}.data: '{self.data}' must be mixed or retain_then_harmful")
