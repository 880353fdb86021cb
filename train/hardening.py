"""Run a defense stack: one SFTTrainer subclass trains on the union of the defenses' data, adds their
loss terms, and runs their inner loops, logging every term separately through the trainer's `log()`.
"""

from __future__ import annotations

import random
from collections import defaultdict

import torch
from datasets import Dataset
from transformers import set_seed
from trl import SFTConfig, SFTTrainer

from defenses.base import Defense, HardenContext
from train import KeelError
from train.chat import sft_example
from train.models import clean_copy, unwrap_forward

CPU_SAFE_DEFAULTS = {
    # TRL defaults to bf16 and gradient checkpointing: bf16 matmuls are ~100x slower on CPU.
    "bf16": False, "fp16": False, "gradient_checkpointing": False,
    "report_to": "none", "save_strategy": "no", "dataloader_num_workers": 0, "max_length": 256,
}


class HardenTrainer(SFTTrainer):
    """SFTTrainer + defense hooks. The LM loss on the stack's SFT data is `super().compute_loss`."""

    def __init__(self, *args, defenses: list[Defense], **kwargs):
        super().__init__(*args, **kwargs)
        self.defenses = defenses
        self._terms: dict[str, list[float]] = defaultdict(list)

    def training_step(self, model, inputs, num_items_in_batch=None):
        for defense in self.defenses:
            for key, value in defense.meta_step(model, inputs).items():
                self._terms[f"{defense.name}/{key}"].append(float(value))
        return super().training_step(model, inputs, num_items_in_batch)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        result = super().compute_loss(model, inputs, return_outputs=return_outputs,
                                      num_items_in_batch=num_items_in_batch)
        loss, outputs = result if return_outputs else (result, None)
        if model.training:
            self._terms["sft/loss"].append(float(loss.detach()))
            for defense in self.defenses:
                for key, term in defense.loss_terms(model, inputs).items():
                    if not torch.isfinite(term):
                        raise FloatingPointError(f"defense.{defense.name}: loss term '{key}' is {term.item()}")
                    self._terms[f"{defense.name}/{key}"].append(float(term.detach()))
                    loss = loss + term
        return (loss, outputs) if return_outputs else loss

    def log(self, logs: dict, *args, **kwargs):
        if self._terms and "loss" in logs:
            logs.update({k: sum(v) / len(v) for k, v in self._terms.items()})
            self._terms.clear()
        super().log(logs, *args, **kwargs)


def build_training_set(defenses: list[Defense], data, retain_examples: int, seed: int) -> list[dict]:
    """The union of the defenses' SFT examples plus `retain_examples` benign ones (utility anchor)."""
    records = [example for d in defenses for example in d.training_examples(data)]
    rng = random.Random(seed)
    benign = [sft_example(r["prompt"], r["response"]) for r in data.benign_train]
    records += rng.sample(benign, min(retain_examples, len(benign)))
    if not records:
        raise KeelError("harden: the defense stack produced no training examples; add a defense or "
                        "set harden.retain_examples > 0")
    rng.shuffle(records)
    return records


def harden(model, tokenizer, data, defenses: list[Defense], cfg, output_dir: str, callbacks=()):
    """Train `model` in place with the defense stack; `cfg` is the `harden` config node."""
    if cfg.steps <= 0:
        raise KeelError(f"harden.steps: must be a positive integer, got {cfg.steps}")
    set_seed(cfg.seed)
    base = clean_copy(model).eval().requires_grad_(False) if cfg.get("keep_base_copy", True) else None
    ctx = HardenContext(tokenizer=tokenizer, data=data, base_model=base, seed=cfg.seed)
    for defense in defenses:
        defense.setup(ctx)
    records = build_training_set(defenses, data, cfg.retain_examples, cfg.seed)
    args = SFTConfig(**{
        **CPU_SAFE_DEFAULTS,
        "output_dir": output_dir, "max_steps": cfg.steps, "per_device_train_batch_size": cfg.batch_size,
        "learning_rate": cfg.lr, "lr_scheduler_type": cfg.get("schedule", "cosine"),
        "warmup_steps": cfg.get("warmup_steps", 0), "seed": cfg.seed, "data_seed": cfg.seed,
        "logging_steps": cfg.get("logging_steps", 10),
        **dict(cfg.get("trainer") or {}),
    })
    model.train()
    trainer = HardenTrainer(model=model, args=args, train_dataset=Dataset.from_list(records),
                            processing_class=tokenizer, defenses=defenses, callbacks=list(callbacks))
    output = trainer.train()
    unwrap_forward(model).eval()
    return {"train_loss": output.training_loss, "steps": trainer.state.global_step,
            "examples": len(records), "log_history": trainer.state.log_history}
