"""LoRA harmful fine-tuning: low-rank adapters on chosen projections, everything else frozen (peft).

    W' = W + (alpha / r) * B A,   A in R^{r x d_in}, B in R^{d_out x r}, B initialised to zero

Cheap enough for any attacker with a consumer GPU, and a classic hole in defenses trained only against
full-parameter fine-tunes (TAR; docs/design.md). Compute per trained token (counted, not 6N):

    FLOPs/token = 2N (forward) + 2N (backward through activations) + 6 N_lora (adapter weights)

with N the frozen base parameters and N_lora the adapter parameters.
"""

from __future__ import annotations

from attacks.fine_tune import FineTuneAttack
from train import KeelError
from train.models import count_parameters


class LoRAFineTune(FineTuneAttack):
    recipe = "lora"
    space_recipe = "lora"
    space_axes = (*FineTuneAttack.space_axes, "lora_rank")

    def __init__(self, *args, rank: int = 8, alpha: float | None = None,
                 target_modules: list[str] | None = None, dropout: float = 0.0, use_dora: bool = False,
                 **kwargs):
        super().__init__(*args, **kwargs)
        if int(rank) <= 0:
            raise KeelError(f"attack.{self.name}.rank: must be a positive integer, got {rank}")
        self.rank = int(rank)
        # alpha = 2r is the common choice; the update scale alpha/r then stays 2 whatever the rank.
        self.alpha = float(alpha) if alpha is not None else 2.0 * self.rank
        self.target_modules = list(target_modules or ["q_proj", "k_proj", "v_proj", "o_proj"])
        self.dropout, self.use_dora = float(dropout), bool(use_dora)

    def _check_targets(self, model) -> None:
        names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
        missing = [t for t in self.target_modules if t not in names]
        if missing or not self.target_modules:
            linear = sorted({n.rsplit(".", 1)[-1] for n, m in model.named_modules()
                             if type(m).__name__ == "Linear"} - {"lm_head"})
            raise KeelError(f"attack.{self.name}.target_modules: {missing or '[]'} not found in the model; "
                            f"its linear layers are {linear}")

    def prepare_model(self, model):
        from peft import LoraConfig, get_peft_model

        self._check_targets(model)
        config = LoraConfig(r=self.rank, lora_alpha=self.alpha, target_modules=self.target_modules,
                            lora_dropout=self.dropout, use_dora=self.use_dora, bias="none",
                            task_type="CAUSAL_LM")
        return get_peft_model(model, config)

    def flops_per_token(self, model) -> float:
        trainable = count_parameters(model, trainable_only=True)
        frozen = count_parameters(model) - trainable
        return 4.0 * frozen + 6.0 * trainable

    def space_point(self) -> dict:
        return super().space_point() | {"lora_rank": self.rank}
