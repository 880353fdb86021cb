"""Model-merging attack: merge the target with benign fine-tunes of itself (task arithmetic or TIES).

Merging is how many open-weight models reach users, and it needs no harmful data: a few short benign
fine-tunes of the released model, merged back in, can wash out what hardening added. With theta the
target and theta_i (i = 1..m, `finetunes`) benign fine-tunes of it (`finetune: full` or `lora`, on the
benign train rows, seeds seed*1000+i), task vectors tau_i = theta_i - theta, and for each coefficient
lambda of the ladder (default 0.5, 1, 2):

    task_arithmetic  theta(lambda) = theta + lambda * sum_i tau_i         (Ilharco et al. 2023)
    ties             theta(lambda) = theta + lambda * tau_ties            (Yadav et al. 2023):
                       trim:  keep the top `density` fraction of |tau_i| per tensor, zero the rest
                       elect: gamma = sign(sum_i trimmed tau_i)
                       merge: tau_ties = mean of the trimmed tau_i entries whose sign is gamma

The curve (attacks/weight_edit.py): step 0 = theta, step i = theta(lambda_i) with `coefficient`.
Cost: the fine-tunes' (6N FLOPs per trained token for full, 4N + 6N_lora for LoRA; their examples,
tokens and seconds, counted in every rung's point) plus 2 FLOPs per parameter per rung.
"""

from __future__ import annotations

import torch

from attacks.benign_ft import BenignFineTune
from attacks.lora import LoRAFineTune
from attacks.queries import Unjudged
from attacks.weight_edit import WeightEditLadder, check_ladder
from train import KeelError

METHODS = ("task_arithmetic", "ties")
FINETUNES = ("full", "lora")


class _Keeps:
    """A fine-tuning attack that keeps the model it trained (`kept`) for the merge."""

    kept = None

    def prepare_model(self, model):
        self.kept = super().prepare_model(model)
        return self.kept


class _BenignFull(_Keeps, BenignFineTune):
    pass


class _BenignLoRA(_Keeps, LoRAFineTune):
    pass


def ties_merge(vectors: list[torch.Tensor], density: float) -> torch.Tensor:
    """TIES-merging of task vectors of one tensor: trim to the top `density` magnitudes, elect the sign,
    average the agreeing entries (Yadav et al. 2023)."""
    trimmed = []
    for tau in vectors:
        k = max(1, int(round(density * tau.numel())))
        cut = tau.abs().flatten().kthvalue(tau.numel() - k + 1).values if k < tau.numel() else -1.0
        trimmed.append(torch.where(tau.abs() >= cut, tau, torch.zeros_like(tau)))
    stack = torch.stack(trimmed)
    sign = torch.sign(stack.sum(0))
    agree = (torch.sign(stack) == sign) & (stack != 0)
    return (stack * agree).sum(0) / agree.sum(0).clamp_min(1)


class BenignMerge(WeightEditLadder):
    recipe = "merge"
    config_name = "merge_ties"  # the conf/attack YAML a reproduce line names (attacks/reproduce.py)
    space_axes = ("merge_method", "lr", "batch_size", "steps", "examples")
    axis_options = {"merge_method": "method"}

    def __init__(self, name: str | None = None, split: str = "auto", seeds: list[int] | None = None, *,
                 method: str = "ties", coefficients: list[float] | None = None, finetunes: int = 2,
                 finetune: str = "full", density: float = 0.2, steps: int = 20, examples: int = 64,
                 batch_size: int = 4, lr: float = 5e-5, optimizer: str = "adamw", schedule: str = "constant",
                 rank: int = 8, max_length: int = 256, stop_at_asr: float | None = None):
        super().__init__(name, split, seeds, stop_at_asr)
        if method not in METHODS:
            raise KeelError(f"attack.{self.name}.method: '{method}' is not one of {', '.join(METHODS)}")
        if finetune not in FINETUNES:
            raise KeelError(f"attack.{self.name}.finetune: '{finetune}' is not one of {', '.join(FINETUNES)}")
        if isinstance(finetunes, bool) or int(finetunes) < 1:
            raise KeelError(f"attack.{self.name}.finetunes: must be a positive integer, got {finetunes}")
        if not 0.0 < float(density) <= 1.0:
            raise KeelError(f"attack.{self.name}.density: must be in (0, 1], got {density}")
        self.method, self.finetune, self.finetunes, self.density = method, finetune, int(finetunes), float(density)
        self.coefficients = check_ladder([0.5, 1.0, 2.0] if coefficients is None else coefficients, self.name,
                                         "coefficients")
        self.steps, self.examples, self.batch_size, self.lr = int(steps), int(examples), int(batch_size), float(lr)
        self.optimizer, self.schedule, self.rank, self.max_length = optimizer, schedule, int(rank), int(max_length)
        self.tuner(0)  # the fine-tune's options are checked now (one line naming the option), not at run time

    def space_point(self) -> dict:
        return {"recipe": self.recipe, "merge_method": self.method, "lr": self.lr, "batch_size": self.batch_size,
                "steps": self.steps, "examples": self.examples}

    def training_prompts(self, data) -> list[str]:
        return [r["prompt"] for r in data.benign_train]

    def pool_size(self, data) -> int:
        return len(data.benign_train)

    def rungs(self) -> list:
        return self.coefficients

    def tuner(self, seed: int):
        """The i-th benign fine-tune (full or LoRA) that keeps its trained model."""
        common = dict(name=self.name, seeds=[seed], data="benign", examples=self.examples, steps=self.steps,
                      batch_size=self.batch_size, lr=self.lr, optimizer=self.optimizer, schedule=self.schedule,
                      eval_every=self.steps, max_length=self.max_length)
        return _BenignLoRA(**common, rank=self.rank) if self.finetune == "lora" else _BenignFull(**common)

    def prepare(self, model, tokenizer, data, evaluator, *, seed, reference, progress):
        params = dict(model.named_parameters())
        vectors: dict[str, list[torch.Tensor]] = {name: [] for name in params}
        cost = {"flops": 0.0, "examples": 0, "tokens": 0, "finetunes": []}
        for i in range(self.finetunes):
            tuner = self.tuner(seed * 1000 + i)
            result = tuner.run(model, tokenizer, data, Unjudged(evaluator), seed=seed * 1000 + i, target="merge",
                               progress=progress)
            tuned = tuner.kept.merge_and_unload() if self.finetune == "lora" else tuner.kept
            with torch.no_grad():
                for name, p in tuned.named_parameters():
                    vectors[name].append((p.detach().float() - params[name].detach().float()).cpu())
            del tuned, tuner.kept
            last = result.curve[-1]
            figures = {"seed": seed * 1000 + i, "examples": result.examples, "steps": last["step"],
                       "tokens": last["tokens"], "flops": result.flops_per_token * last["tokens"],
                       "seconds": last["train_seconds"]}
            cost["finetunes"].append(figures)
            cost["flops"] += figures["flops"]
            cost["examples"] += figures["examples"]
            cost["tokens"] += figures["tokens"]
        with torch.no_grad():
            merged = {name: (ties_merge(v, self.density) if self.method == "ties" else torch.stack(v).sum(0))
                      for name, v in vectors.items()}
        return merged, cost, None

    def edit(self, edited, merged, rung) -> float:
        with torch.no_grad():
            for name, p in edited.named_parameters():
                p.add_(merged[name].to(p.device, p.dtype), alpha=float(rung))
        return 2.0 * sum(t.numel() for t in merged.values())

    def describe_state(self, merged) -> dict:
        return {"method": self.method, "merged_vector_norm": float(sum(float(t.pow(2).sum()) for t in merged.values())
                                                                  ** 0.5)}
