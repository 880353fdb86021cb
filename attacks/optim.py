"""Attacker optimizers and learning-rate schedules, by name (the axes of the attack space)."""

from __future__ import annotations

import torch
from transformers import get_scheduler

from train import KeelError

OPTIMIZERS = ("adamw", "adam", "sgd", "adagrad", "rmsprop", "schedule_free_adamw")
SCHEDULES = ("constant", "warmup", "cosine", "linear", "warmup_cosine", "warmup_anneal")


def build_optimizer(name: str, params, lr: float, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    params = [p for p in params if p.requires_grad]
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    if name == "schedule_free_adamw":
        try:
            import schedulefree
        except ImportError:
            raise KeelError("attack.optimizer: 'schedule_free_adamw' needs `pip install schedulefree`") from None
        return schedulefree.AdamWScheduleFree(params, lr=lr, weight_decay=weight_decay)
    raise KeelError(f"attack.optimizer: '{name}' is not one of {', '.join(OPTIMIZERS)}")


def build_schedule(name: str, optimizer: torch.optim.Optimizer, steps: int, warmup_ratio: float = 0.1):
    """constant | warmup (linear warmup, then constant) | cosine | linear | warmup_cosine |
    warmup_anneal (linear warmup, then linear decay to zero)."""
    warmup = max(1, int(round(steps * warmup_ratio)))
    table = {
        "constant": ("constant", 0),
        "warmup": ("constant_with_warmup", warmup),
        "cosine": ("cosine", 0),
        "linear": ("linear", 0),
        "warmup_cosine": ("cosine", warmup),
        "warmup_anneal": ("linear", warmup),
    }
    if name not in table:
        raise KeelError(f"attack.schedule: '{name}' is not one of {', '.join(SCHEDULES)}")
    kind, n_warmup = table[name]
    return get_scheduler(kind, optimizer, num_warmup_steps=n_warmup, num_training_steps=steps)
