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
from train.distributed import per_device_batch, trainer_overrides
from train.models import clean_copy, unwrap_forward
from train.progress import show_progress, trainer_kwargs
from train.resume import HardenCheckpoints, logged_train_loss

CPU_SAFE_DEFAULTS = {
    # TRL defaults to bf16 and gradient checkpointing: bf16 matmuls are ~100x slower on CPU.
    "bf16": False, "fp16": False, "gradient_checkpointing": False,
    "report_to": "none", "save_strategy": "no", "dataloader_num_workers": 0, "max_length": 256,
}


class HardenTrainer(SFTTrainer):
    """SFTTrainer + defense hooks. The LM loss on the stack's SFT data is `super().compute_loss`.

    Gradient accumulation: with `num_items_in_batch` the SFT loss of a micro-batch is already a share of
    the whole accumulated batch (token sum / tokens of all micro-batches) and the Trainer no longer
    divides by the accumulation steps; defense terms are per-micro-batch means, so they are divided by
    the number of micro-batches here. One optimizer step then sees the same gradient as one large batch.
    Logged values are per-micro-batch means (the SFT loss is scaled back), averaged over the logging
    window: `sft/loss`, `<defense>/<term>` and the metrics each `meta_step` returns.
    """

    def __init__(self, *args, defenses: list[Defense], **kwargs):
        super().__init__(*args, **kwargs)
        self.defenses = defenses
        self._terms: dict[str, list[float]] = defaultdict(list)

    def _run_epoch(self, *args, **kwargs):
        # Resumed from the checkpoint of the last step (a kill while the finished model was being saved):
        # HF's loop would run one step past max_steps before it checks; a finished hardening is done.
        if self.state.global_step >= self.state.max_steps > 0:
            self.control.should_training_stop = True
            return None
        return super()._run_epoch(*args, **kwargs)

    def training_step(self, model, inputs, num_items_in_batch=None):
        # Inner loops run the bare module: a DeepSpeed engine's (or DDP's) forward arms gradient-reduction
        # hooks that an inner torch.autograd.grad would fire; only the outer backward may reduce.
        inner = self.accelerator.unwrap_model(model)
        for defense in self.defenses:
            for key, value in defense.meta_step(inner, inputs).items():
                self._terms[f"{defense.name}/{key}"].append(float(value))
        return super().training_step(model, inputs, num_items_in_batch)

    def _micro_batch_share(self, num_items_in_batch) -> float:
        """1 / accumulation steps when the Trainer leaves accumulation scaling to the loss, else 1
        (the same rule as Trainer.training_step)."""
        scaled = self.loss_is_scaled_for_ga
        if scaled is None:
            scaled = (self.model_accepts_loss_kwargs and num_items_in_batch is not None) \
                or self.compute_loss_func is not None
        return 1.0 / self.current_gradient_accumulation_steps if scaled else 1.0

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        result = super().compute_loss(model, inputs, return_outputs=return_outputs,
                                      num_items_in_batch=num_items_in_batch)
        loss, outputs = result if return_outputs else (result, None)
        if model.training:
            share = self._micro_batch_share(num_items_in_batch)
            self._terms["sft/loss"].append(float(loss.detach()) / share)
            for defense in self.defenses:
                for key, term in defense.loss_terms(model, inputs).items():
                    if not torch.isfinite(term):
                        raise FloatingPointError(f"defense.{defense.name}: loss term '{key}' is {term.item()}")
                    self._terms[f"{defense.name}/{key}"].append(float(term.detach()))
                    loss = loss + share * term
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


def training_args(cfg, output_dir: str, deepspeed: dict | None = None) -> SFTConfig:
    """The SFTConfig of a hardening run (`cfg` = the `harden` node). With a ZeRO-3 `deepspeed` dict, build
    it before loading the model, so `from_pretrained` loads straight into shards (train/distributed.py)."""
    return SFTConfig(**trainer_kwargs({
        **CPU_SAFE_DEFAULTS,
        "output_dir": output_dir, "max_steps": cfg.steps,
        "per_device_train_batch_size": per_device_batch(cfg.batch_size, "harden.batch_size"),
        "learning_rate": cfg.lr, "lr_scheduler_type": cfg.get("schedule", "cosine"),
        "warmup_steps": cfg.get("warmup_steps", 0), "seed": cfg.seed, "data_seed": cfg.seed,
        "logging_steps": cfg.get("logging_steps", 10),
        **HardenCheckpoints(output_dir, [], cfg.get("save_steps")).trainer_args(), "deepspeed": deepspeed,
        **trainer_overrides(deepspeed),
        **dict(cfg.get("trainer") or {}),
    }))


def harden(model, tokenizer, data, defenses: list[Defense], cfg, output_dir: str, callbacks=(), resume=False,
           args: SFTConfig | None = None, base_model=None):
    """Train `model` in place with the defense stack; `cfg` is the `harden` config node. With `resume`,
    continue from the last complete checkpoint in `output_dir` (train/resume.py). `args`: a prebuilt
    `training_args` (DeepSpeed); `base_model`: the frozen copy for defenses when `model` is ZeRO-3 sharded."""
    if cfg.steps <= 0:
        raise KeelError(f"harden.steps: must be a positive integer, got {cfg.steps}")
    set_seed(cfg.seed)
    base = None
    if cfg.get("keep_base_copy", True):
        base = (clean_copy(model) if base_model is None else base_model).eval().requires_grad_(False)
    ctx = HardenContext(tokenizer=tokenizer, data=data, base_model=base, seed=cfg.seed)
    for defense in defenses:
        defense.setup(ctx)
    records = build_training_set(defenses, data, cfg.retain_examples, cfg.seed)
    checkpoints = HardenCheckpoints(output_dir, defenses, cfg.get("save_steps"))
    args = args or training_args(cfg, output_dir)
    model.train()
    trainer = HardenTrainer(model=model, args=args, train_dataset=Dataset.from_list(records),
                            processing_class=tokenizer, defenses=defenses, callbacks=[checkpoints, *callbacks])
    show_progress(trainer, "harden")
    trainer.train(resume_from_checkpoint=checkpoints.restore() if resume else None)
    unwrap_forward(model).eval()
    return {"train_loss": logged_train_loss(trainer.state.log_history), "steps": trainer.state.global_step,
            "examples": len(records), "log_history": trainer.state.log_history}
