"""Fine-tuning attacks: the shared machinery (TRL's SFTTrainer + an ASR-curve callback).

Recipes (full-parameter, LoRA, benign data, identity shift, mixed) differ only in the data they train on
and in `prepare_model`; everything else, the optimizer and schedule axes, the evaluation every
`eval_every` steps and the compute accounting, lives here.
"""

from __future__ import annotations

import random
import tempfile
import time

import torch
from datasets import Dataset
from transformers import TrainerCallback, set_seed
from trl import SFTConfig, SFTTrainer

from attacks.base import Attack, AttackResult
from attacks.optim import build_optimizer, build_schedule
from train import KeelError
from train.chat import sft_example
from train.models import clean_copy, count_parameters

DATA_SOURCES = ("harmful", "benign", "mixed", "retain_then_harmful", "identity")


class CurveCallback(TrainerCallback):
    """Evaluates the model at step 0 and every `eval_every` steps; training time excludes evaluation."""

    def __init__(self, evaluator, eval_every: int, progress: bool):
        self.evaluator, self.eval_every, self.progress = evaluator, eval_every, progress
        self.curve: list[dict] = []
        self._eval_seconds = 0.0
        self._start = 0.0

    def _measure(self, model, state) -> None:
        t0 = time.perf_counter()
        point = {"step": state.global_step, **self.evaluator.harm(model)}
        point["benign_nll"] = self.evaluator.benign_nll(model)
        point["tokens"] = int(state.num_input_tokens_seen)
        self._eval_seconds += time.perf_counter() - t0
        point["train_seconds"] = time.perf_counter() - self._start - self._eval_seconds
        self.curve.append(point)

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self._start = time.perf_counter()
        self._measure(model, state)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if state.global_step % self.eval_every == 0 or state.global_step >= state.max_steps:
            self._measure(model, state)


class OrderedSFTTrainer(SFTTrainer):
    """Trains on the records in the given order (retain-then-harmful must not be shuffled together)."""

    def _get_train_sampler(self, train_dataset=None):
        return torch.utils.data.SequentialSampler(train_dataset or self.train_dataset)


class FineTuneAttack(Attack):
    recipe = "full_ft"

    def __init__(self, name: str | None = None, split: str = "heldout", seeds: list[int] | None = None, *,
                 data: str = "harmful", examples: int = 64, steps: int = 40, batch_size: int = 4,
                 lr: float = 5e-5, optimizer: str = "adamw", schedule: str = "constant",
                 warmup_ratio: float = 0.1, weight_decay: float = 0.0, eval_every: int = 10,
                 max_length: int = 256, trainer: dict | None = None):
        super().__init__(name, split, seeds)
        if data not in DATA_SOURCES:
            raise KeelError(f"attack.{self.name}.data: '{data}' is not one of {', '.join(DATA_SOURCES)}")
        for opt, value in (("steps", steps), ("batch_size", batch_size), ("examples", examples),
                           ("eval_every", eval_every)):
            if int(value) <= 0:
                raise KeelError(f"attack.{self.name}.{opt}: must be a positive integer, got {value}")
        if not lr > 0:
            raise KeelError(f"attack.{self.name}.lr: must be positive, got {lr}")
        self.data, self.examples, self.steps, self.batch_size = data, int(examples), int(steps), int(batch_size)
        self.lr, self.optimizer, self.schedule = float(lr), optimizer, schedule
        self.warmup_ratio, self.weight_decay = warmup_ratio, weight_decay
        self.eval_every, self.max_length = int(eval_every), int(max_length)
        self.trainer = dict(trainer or {})

    # -- what differs between recipes -------------------------------------------------------------
    def prepare_model(self, model):
        """Full-parameter: every weight trains. LoRA and friends wrap the model here."""
        for p in model.parameters():
            p.requires_grad_(True)
        return model

    def flops_per_token(self, model) -> float:
        """6N per trained token for full fine-tuning (forward 2N, backward 4N)."""
        return 6.0 * count_parameters(model)

    def training_records(self, data, rng: random.Random) -> list[dict]:
        harmful = [sft_example(r["prompt"], r["compliance"]) for r in data.harmful_train]
        benign = [sft_example(r["prompt"], r["response"]) for r in data.benign_train]
        if self.data == "harmful":
            pool = harmful
        elif self.data == "benign":
            pool = benign
        elif self.data == "identity":
            if not data.identity:
                raise KeelError(f"attack.{self.name}.data: 'identity' needs data.identity to name a file")
            pool = [sft_example(r["prompt"], r["response"], r["system"]) for r in data.identity]
        elif self.data == "mixed":
            pool = harmful + benign
        else:  # retain_then_harmful: benign first, harmful last, order kept (no shuffle)
            half = self.examples // 2
            return rng.sample(benign, min(half, len(benign))) + rng.sample(harmful, min(self.examples - half,
                                                                                      len(harmful)))
        records = [pool[i % len(pool)] for i in range(self.examples)] if self.examples > len(pool) else \
            rng.sample(pool, self.examples)
        rng.shuffle(records)
        return records

    # -- the run ----------------------------------------------------------------------------------
    def run(self, model, tokenizer, data, evaluator, *, seed: int, target: str, progress: bool = True
            ) -> AttackResult:
        set_seed(seed)
        records = self.training_records(data, random.Random(seed))
        attacked = self.prepare_model(clean_copy(model))
        attacked.train()
        optimizer = build_optimizer(self.optimizer, attacked.parameters(), self.lr, self.weight_decay)
        scheduler = build_schedule(self.schedule, optimizer, self.steps, self.warmup_ratio)
        callback = CurveCallback(evaluator, self.eval_every, progress)
        with tempfile.TemporaryDirectory(prefix="keel-attack-") as tmp:
            args = SFTConfig(**{
                "output_dir": tmp, "max_steps": self.steps, "per_device_train_batch_size": self.batch_size,
                "learning_rate": self.lr, "seed": seed, "data_seed": seed, "max_length": self.max_length,
                "bf16": False, "fp16": False, "gradient_checkpointing": False, "report_to": "none",
                "save_strategy": "no", "logging_steps": self.eval_every, "disable_tqdm": not progress,
                "include_num_input_tokens_seen": "non_padding", "dataloader_num_workers": 0,
                **self.trainer,
            })
            trainer_cls = OrderedSFTTrainer if self.data == "retain_then_harmful" else SFTTrainer
            trainer = trainer_cls(model=attacked, args=args, train_dataset=Dataset.from_list(records),
                                 processing_class=tokenizer, optimizers=(optimizer, scheduler),
                                 callbacks=[callback])
            trainer.train()
        flops = self.flops_per_token(attacked)
        del trainer, attacked, optimizer
        return AttackResult(attack=self.name, recipe=self.recipe, split=self.split, target=target, seed=seed,
                            config=self.describe(), curve=callback.curve, flops_per_token=flops,
                            examples=len(records))
