"""Quantization round-trip: GGUF-quantize every 2-D weight and dequantize it back, then attack that model.

Most people run open weights quantized (llama.cpp GGUF files). Does hardening survive the rounding,
and does the dequantized model fall to fine-tuning as fast as the original? For each 2-D weight W
whose rows split into whole GGML blocks (32 values), through the `gguf` package's numpy quantizers:

    W_hat = dequantize(quantize(W, format))     format: q8_0 (8.5 bits/weight), q4_0 (4.5),
                                                        q4_1 (5), q5_0 (5.5), q5_1 (6)
    Q8_0: blocks of 32, x = d * q with d = max|x| / 127, q in int8
    Q4_0: blocks of 32, x = d * (q - 8) with d = (the value of largest |x|) / -8, q in 0..15

Other parameters (norms, biases) and names matching `skip` keep full precision (listed in `extra`).

`then: null`: the curve is step 0 = the model as given, step 1 = the dequantized model
(`extra.cost_unit = "none"`; cost: no examples, ~4 FLOPs per quantized weight). `then: full_ft` (the
default) or `lora`: after the round-trip, that training attack (this attack's training options: data,
steps, lr, optimizer...) runs on the dequantized model, and the curve is its curve (step 0 = the
dequantized model before training; `extra.cost_unit = "steps"`, FLOPs as for that recipe); the model
as given, before quantization, is recorded as `extra.unquantized`.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from attacks.base import AttackResult
from attacks.costs import cost_record, training_cost
from attacks.fine_tune import FineTuneAttack
from attacks.full_ft import FullFineTune
from attacks.lora import LoRAFineTune
from train import KeelError
from train.models import clean_copy

THEN = {"full_ft": FullFineTune, "lora": LoRAFineTune}
FORMATS = ("q8_0", "q4_0", "q4_1", "q5_0", "q5_1")
TRAINING_OPTIONS = ("data", "examples", "steps", "batch_size", "lr", "optimizer", "schedule", "warmup_ratio",
                    "weight_decay", "eval_every", "max_length", "trainer", "stop_at_asr")


@torch.no_grad()
def gguf_round_trip(model, fmt: str, skip: list[str] = ()) -> dict:
    """Quantize and dequantize every eligible 2-D weight of `model` in place; returns what was done."""
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType, quants

    qtype = GGMLQuantizationType[fmt.upper()]
    block, type_size = GGML_QUANT_SIZES[qtype]
    done, kept, error, weights = [], [], 0.0, 0
    for name, p in model.named_parameters():
        if p.dim() != 2 or p.shape[-1] % block or any(s in name for s in skip):
            kept.append(name)
            continue
        x = p.detach().float().cpu().numpy()
        x_hat = quants.dequantize(quants.quantize(x, qtype), qtype).astype(np.float32)
        error += float(np.linalg.norm(x_hat - x) / max(np.linalg.norm(x), 1e-12))
        p.copy_(torch.from_numpy(x_hat).to(p.device, p.dtype))
        done.append(name)
        weights += p.numel()
    return {"format": fmt, "bits_per_weight": 8.0 * type_size / block, "quantized": len(done),
            "kept_full_precision": kept, "quantized_weights": weights,
            "mean_relative_error": error / max(len(done), 1)}


class QuantizeRoundTrip(FineTuneAttack):
    recipe = "quantize"
    config_name = "quantize_q4"  # the conf/attack YAML a reproduce line names (attacks/reproduce.py)
    space_recipe = "quantize"
    space_axes = (*FineTuneAttack.space_axes, "quant_format")
    axis_options = {"quant_format": "format"}

    def __init__(self, *args, format: str = "q4_0", then: str | None = "full_ft", skip: list[str] | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        if format not in FORMATS:
            raise KeelError(f"attack.{self.name}.format: '{format}' is not one of {', '.join(FORMATS)}")
        if then is not None and then not in THEN:
            raise KeelError(f"attack.{self.name}.then: '{then}' is not one of {', '.join(THEN)} or null")
        self.format, self.then, self.skip = format, then, list(skip or [])

    @property
    def cost_unit(self) -> str:
        """Training steps when a training attack follows the round-trip; none for the round-trip alone."""
        return "steps" if self.then else "none"

    def space_point(self) -> dict:
        return super().space_point() | {"recipe": self.space_recipe, "quant_format": self.format}

    def training_prompts(self, data) -> list[str]:
        return super().training_prompts(data) if self.then else []

    def pool_size(self, data) -> int | None:
        return super().pool_size(data) if self.then else None  # no training: no examples ladder

    def then_attack(self) -> FineTuneAttack:
        """The training attack run on the dequantized model, with this attack's training options."""
        attack = THEN[self.then](name=self.name, seeds=self.seeds, **{k: getattr(self, k) for k in TRAINING_OPTIONS})
        attack.deepspeed = self.deepspeed
        return attack

    def run(self, model, tokenizer, data, evaluator, *, seed: int, target: str, progress: bool = True
            ) -> AttackResult:
        before = {"step": 0, **evaluator.harm(model), "benign_nll": evaluator.benign_nll(model), "tokens": 0,
                  "train_seconds": 0.0, "flops": 0.0}
        t0 = time.perf_counter()
        quantized = clean_copy(model)
        info = gguf_round_trip(quantized, self.format, self.skip)
        seconds, flops = time.perf_counter() - t0, 4.0 * info["quantized_weights"]
        extra = {"cost_unit": self.cost_unit, "quantization": info, "then": self.then}
        if self.then is None:
            after = {"step": 1, **evaluator.harm(quantized), "benign_nll": evaluator.benign_nll(quantized),
                     "tokens": 0, "train_seconds": seconds, "flops": flops}
            extra["cost"] = cost_record(self.cost_unit, examples=0, flops=flops, seconds=seconds)
            return AttackResult(attack=self.name, recipe=self.recipe, split=self.split, target=target, seed=seed,
                                config=self.describe(), curve=[before, after], flops_per_token=0.0, examples=0,
                                extra=extra)
        result = self.then_attack().run(quantized, tokenizer, data, evaluator, seed=seed, target=target,
                                        progress=progress)
        del quantized
        extra["unquantized"] = {k: v for k, v in before.items() if k != "samples"}
        extra["cost"] = training_cost(result) | {"quantization_flops": flops, "quantization_seconds": seconds}
        result.extra.update(extra)
        result.attack, result.recipe, result.split, result.config = self.name, self.recipe, self.split, self.describe()
        return result
