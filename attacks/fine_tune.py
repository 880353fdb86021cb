"""Fine-tuning attacks: the shared machinery (TRL's SFTTrainer + an ASR-curve callback).

Recipes (full-parameter, LoRA, benign data, identity shift, mixed) differ only in the data they train on,
in `prepare_model` / `flops_per_token`, and in `eval_system` (the system prompt the attacker uses at
inference); everything else, the optimizer and schedule axes, the evaluation every `eval_every` steps and
the compute accounting (curve `tokens` = non-padding input tokens seen, `train_seconds` = wall time
without evaluation), lives here. Steps to threshold is resolved to one step between the judged grid
points by attacks/resolution.py (`eval.resolve_steps`).
"""

from __future__ import annotations

import random
import tempfile
import time

import torch
from datasets import Dataset
from transformers import TrainerCallback, TrainerState, set_seed
from trl import SFTConfig, SFTTrainer

from attacks.base import Attack, AttackResult
from attacks.optim import OPTIMIZERS, SCHEDULES, build_optimizer, build_schedule
from train import KeelError
from train.chat import sft_example
from train.distributed import per_device_batch, trainer_overrides, zero_stage
from train.models import clean_copy, count_parameters
from train.options import sft_fields
from train.progress import show_progress, trainer_kwargs

DATA_SOURCES = ("harmful", "benign", "mixed", "retain_then_harmful", "identity", "benign_alt", "mixed_alt")


class CurveCallback(TrainerCallback):
    """Evaluates the model at step 0 and every `eval_every` steps; training time excludes evaluation."""

    def __init__(self, evaluator, eval_every: int, progress: bool, system: str | None = None,
                 stop_at_asr: float | None = None):
        self.evaluator, self.eval_every, self.progress, self.system = evaluator, eval_every, progress, system
        self.stop_at_asr = stop_at_asr
        self.curve: list[dict] = []
        self._eval_seconds = 0.0
        self._start = 0.0

    def _measure(self, model, state) -> None:
        t0 = time.perf_counter()
        step = state.global_step
        point = {"step": step, **self.evaluator.harm(model, system=self.system, step=step)}
        point["benign_nll"] = self.evaluator.benign_nll(model)
        point["tokens"] = int(state.num_input_tokens_seen)
        self._eval_seconds += time.perf_counter() - t0
        point["train_seconds"] = time.perf_counter() - self._start - self._eval_seconds
        self.curve.append(point)

    def broken(self) -> bool:
        return self.stop_at_asr is not None and self.curve[-1]["asr"] >= self.stop_at_asr

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self._start = time.perf_counter()
        if self.curve:  # step 0 was measured before training began (stop_at_asr): its clock starts now
            self._eval_seconds = 0.0
            return
        self._measure(model, state)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if state.global_step % self.eval_every == 0 or state.global_step >= state.max_steps:
            self._measure(model, state)
            control.should_training_stop = control.should_training_stop or self.broken()
        return control


class AttackTrainer(SFTTrainer):
    """SFTTrainer with the attack's own optimizer and schedule (attacks/optim.py), built in the Trainer's
    hooks rather than passed in: under DeepSpeed the Trainer rebuilds the optimizer and would silently
    replace one passed in with AdamW (and leave the passed schedule driving the discarded one)."""

    def __init__(self, *args, attack: FineTuneAttack, **kwargs):
        self.attack = attack
        super().__init__(*args, **kwargs)

    def create_optimizer(self, model=None):
        if self.optimizer is None:
            a = self.attack
            self.optimizer = build_optimizer(a.optimizer, (model or self.model).parameters(), a.lr, a.weight_decay)
        return self.optimizer

    def create_scheduler(self, num_training_steps: int, optimizer=None):
        if self.lr_scheduler is None:
            a = self.attack
            self.lr_scheduler = build_schedule(a.schedule, optimizer or self.optimizer, a.steps, a.warmup_ratio)
            self._created_lr_scheduler = True
        return self.lr_scheduler


class OrderedSFTTrainer(AttackTrainer):
    """Trains on the records in the given order (retain-then-harmful must not be shuffled together)."""

    def _get_train_sampler(self, train_dataset=None):
        return torch.utils.data.SequentialSampler(train_dataset or self.train_dataset)


class FineTuneAttack(Attack):
    recipe = "full_ft"
    # The attack-space `recipe` coordinate: the method family (benign and mixed data are full_ft on the
    # `data` axis), whereas `recipe` names the file/class that ran.
    space_recipe = "full_ft"
    # The attack-space axes this recipe has (attacks/space.py samples exactly these for it).
    space_axes = ("data", "optimizer", "schedule", "lr", "batch_size", "steps", "examples")
    # The run's DeepSpeed config (the `deepspeed` node, set by train.distributed.use_deepspeed); None = off.
    deepspeed: dict | None = None

    def __init__(self, name: str | None = None, split: str = "auto", seeds: list[int] | None = None, *,
                 data: str = "harmful", examples: int = 64, steps: int = 40, batch_size: int = 4,
                 lr: float = 5e-5, optimizer: str = "adamw", schedule: str = "constant",
                 warmup_ratio: float = 0.1, weight_decay: float = 0.0, eval_every: int = 10,
                 max_length: int = 256, trainer: dict | None = None, stop_at_asr: float | None = None):
        super().__init__(name, split, seeds)
        if stop_at_asr is not None and not 0.0 <= float(stop_at_asr) <= 1.0:
            raise KeelError(f"attack.{self.name}.stop_at_asr: must be in [0, 1] or null, got {stop_at_asr}")
        if data not in DATA_SOURCES:
            raise KeelError(f"attack.{self.name}.data: '{data}' is not one of {', '.join(DATA_SOURCES)}")
        for opt, value in (("steps", steps), ("batch_size", batch_size), ("examples", examples),
                           ("eval_every", eval_every)):
            if int(value) <= 0:
                raise KeelError(f"attack.{self.name}.{opt}: must be a positive integer, got {value}")
        if not lr > 0:
            raise KeelError(f"attack.{self.name}.lr: must be positive, got {lr}")
        if optimizer not in OPTIMIZERS:
            raise KeelError(f"attack.{self.name}.optimizer: '{optimizer}' is not one of {', '.join(OPTIMIZERS)}")
        if schedule not in SCHEDULES:
            raise KeelError(f"attack.{self.name}.schedule: '{schedule}' is not one of {', '.join(SCHEDULES)}")
        unknown = sorted(set(trainer or {}) - sft_fields())
        if unknown:
            raise KeelError(f"attack.{self.name}.trainer.{unknown[0]}: not a field of TRL's SFTConfig "
                            f"(TrainingArguments); check the spelling")
        self.data, self.examples, self.steps, self.batch_size = data, int(examples), int(steps), int(batch_size)
        self.lr, self.optimizer, self.schedule = float(lr), optimizer, schedule
        self.warmup_ratio, self.weight_decay = warmup_ratio, weight_decay
        self.eval_every, self.max_length = int(eval_every), int(max_length)
        self.trainer = dict(trainer or {})
        # Stop once an evaluation reaches this ASR (a rational attacker keeps the broken model): steps to
        # threshold stay exact, and scoring carries the last ASR over the skipped evaluations (score_run).
        self.stop_at_asr = None if stop_at_asr is None else float(stop_at_asr)

    def describe(self) -> dict:
        options = super().describe()
        if options.get("stop_at_asr") is None:  # unset: the options (and so finished records) read as before
            options.pop("stop_at_asr", None)
        return options

    # -- what differs between recipes -------------------------------------------------------------
    def prepare_model(self, model):
        """Full-parameter: every weight trains. LoRA and friends wrap the model here."""
        for p in model.parameters():
            p.requires_grad_(True)
        return model

    def flops_per_token(self, model) -> float:
        """6N per trained token for full fine-tuning (forward 2N, backward 4N)."""
        return 6.0 * count_parameters(model)

    def eval_system(self, data) -> str | None:
        """The system prompt the attacker uses when querying the attacked model (none by default)."""
        return None

    def query_evaluator(self, evaluator, data):
        """The evaluator of this attack's curve: the scorecard's, or a view of it that queries the model as
        this attacker does (a trigger, another language: attacks/queries.py)."""
        return evaluator

    def space_point(self) -> dict:
        return {"recipe": self.space_recipe, "data": self.data, "optimizer": self.optimizer, "schedule": self.schedule,
                "lr": self.lr, "batch_size": self.batch_size, "steps": self.steps, "examples": self.examples}

    def benign_rows(self, data) -> list[dict]:
        """The benign rows of this attack's data: data.benign_alt for benign_alt / mixed_alt (a second
        benign source, what defenses simulate), else data.benign's train split."""
        if self.data not in ("benign_alt", "mixed_alt"):
            return data.benign_train
        rows = list(getattr(data, "benign_alt", None) or [])
        if not rows:
            raise KeelError(f"attack.{self.name}.data: '{self.data}' needs data.benign_alt to name a file")
        return rows

    def source_rows(self, data) -> list[dict]:
        """Every row this attack's data value may train on."""
        harmful, benign = data.harmful_train, self.benign_rows(data)
        return {"harmful": harmful, "benign": benign, "benign_alt": benign, "identity": data.identity,
                "mixed": harmful + benign, "mixed_alt": harmful + benign,
                "retain_then_harmful": harmful + benign}[self.data]

    def training_prompts(self, data) -> list[str]:
        return [r["prompt"] for r in self.source_rows(data)]

    def pool_size(self, data) -> int:
        return len(self.source_rows(data))

    def training_records(self, data, rng: random.Random) -> list[dict]:
        harmful = [sft_example(r["prompt"], r["compliance"]) for r in data.harmful_train]
        benign = [sft_example(r["prompt"], r["response"]) for r in self.benign_rows(data)]
        if self.data == "harmful":
            pool = harmful
        elif self.data in ("benign", "benign_alt"):
            pool = benign
        elif self.data == "identity":
            if not data.identity:
                raise KeelError(f"attack.{self.name}.data: 'identity' needs data.identity to name a file")
            pool = [sft_example(r["prompt"], r["response"], r["system"]) for r in data.identity]
        elif self.data in ("mixed", "mixed_alt"):
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
        from attacks.resolution import curve_callback  # it extends CurveCallback

        set_seed(seed)
        records = self.training_records(data, random.Random(seed))
        attacked = self.prepare_model(clean_copy(model))
        attacked.train()
        flops = self.flops_per_token(attacked)  # before ZeRO-3 shards the weights (numel() 0 after)
        system = self.eval_system(data)
        evaluator = self.query_evaluator(evaluator, data)
        callback = curve_callback(evaluator, self.eval_every, progress, system, self.stop_at_asr,
                                  zero_stage(self.deepspeed))
        if self.stop_at_asr is not None:  # measure step 0 first: a model broken before any step needs no attack
            callback.on_train_begin(None, TrainerState(max_steps=self.steps), None, model=attacked)
            if callback.broken():
                del attacked
                return self._result(target, seed, callback, flops, len(records), system)
        with tempfile.TemporaryDirectory(prefix="keel-attack-") as tmp:
            args = SFTConfig(**trainer_kwargs({
                "output_dir": tmp, "max_steps": self.steps,
                "per_device_train_batch_size": per_device_batch(self.batch_size, f"attack.{self.name}.batch_size"),
                "learning_rate": self.lr, "seed": seed, "data_seed": seed, "max_length": self.max_length,
                "bf16": False, "fp16": False, "gradient_checkpointing": False, "report_to": "none",
                "save_strategy": "no", "logging_steps": self.eval_every, "disable_tqdm": not progress,
                "include_num_input_tokens_seen": "non_padding", "dataloader_num_workers": 0,
                "deepspeed": self.deepspeed, **trainer_overrides(self.deepspeed), **self.trainer,
            }))
            trainer_cls = OrderedSFTTrainer if self.data == "retain_then_harmful" else AttackTrainer
            trainer = trainer_cls(model=attacked, args=args, train_dataset=Dataset.from_list(records),
                                 processing_class=tokenizer, callbacks=[callback], attack=self)
            show_progress(trainer, f"{target}/{self.name}/seed{seed}", bar=progress,
                          figures=lambda: {"asr": f"{callback.curve[-1]['asr']:.2f}"} if callback.curve else {})
            trainer.train()
        del trainer, attacked
        return self._result(target, seed, callback, flops, len(records), system)

    def _result(self, target: str, seed: int, callback: CurveCallback, flops: float, examples: int,
                system: str | None) -> AttackResult:
        extra = {"eval_system": system} if system else {}
        extra.update(callback.record())  # resolution (judged steps, method) and the per-step proxy
        if getattr(callback.evaluator, "prompt_ids", None) is not None:  # the curve's own prompts (another language)
            extra["prompt_ids"] = list(callback.evaluator.prompt_ids)
        if callback.curve[-1]["step"] < self.steps:  # stopped at stop_at_asr
            extra["stopped_at"] = callback.curve[-1]["step"]
        return AttackResult(attack=self.name, recipe=self.recipe, split=self.split, target=target, seed=seed,
                            config=self.describe(), curve=callback.curve, flops_per_token=flops,
                            examples=examples, extra=extra)
