"""Simulated fine-tuning attacks, run in place on the defended model's weights and undone exactly.

The machinery every inner-loop defense shares (meta_learning, booster):
  SimulatedAttack     one point of the attack space the inner loop can simulate
  TrainSpaceSampler   draws attacks from the TRAIN split only (the held-out split is the scorecard's)
  WeightSnapshot      CPU copy of the trainable weights, buffers allocated once; restore is bitwise exact
  stashed_grads       parks the trainer's accumulated `param.grad` while an inner loop runs
  LoraAdapters        LoRA as forward hooks (W x + s B A x), so the base weights stay untouched
  simulate_attack     K optimizer steps with the attacker's optimizer and schedule (attacks/optim.py)

Inner steps take gradients with `torch.autograd.grad`, never `.backward()`: no `param.grad`
accumulation hooks fire (DDP, DeepSpeed ZeRO-2 partitioning), so only the outer backward is seen by the
distributed engine.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import torch

from attacks.optim import SCHEDULES, build_optimizer, build_schedule
from defenses.batches import Batch, PairPool, collate, masked_nll
from train import KeelError

RECIPES = ("full", "lora")
DATA = ("harmful", "benign", "mixed", "retain_then_harmful", "benign_alt", "mixed_alt")
# Data values drawn from data.benign_alt (a second benign source): simulated benign and mixed fine-tunes
# that leave `data.benign`, the held-out benign test attack's data, to the evaluation.
ALT_DATA = ("benign_alt", "mixed_alt")
OPTIMIZERS = ("adamw", "adam", "sgd", "adagrad", "rmsprop", "schedule_free_adamw")
# Names an attack space may use for the same recipe (attacks/ calls full fine-tuning "full_ft").
RECIPE_ALIASES = {"full": "full", "full_ft": "full", "lora": "lora", "qlora": "lora"}


@dataclass(frozen=True)
class SimulatedAttack:
    recipe: str = "full"
    data: str = "harmful"
    optimizer: str = "adamw"
    schedule: str = "constant"
    lr: float = 1e-5
    lora_rank: int = 8

    def describe(self) -> dict:
        return asdict(self)


# The TRAIN split used when a defense names none; the held-out split (other schedules, optimizers,
# benign data...) belongs to the evaluation grid (docs/design.md "The attack space").
DEFAULT_TRAIN_SPACE = {
    "recipe": ["full", "lora"],
    "data": ["harmful", "retain_then_harmful"],
    "optimizer": ["adamw", "sgd"],
    "schedule": ["constant", "warmup_cosine"],
    "lr": [1e-5, 3e-5, 1e-4],
    "lora_rank": [8],
}


class TrainSpaceSampler:
    """Draws SimulatedAttacks from the TRAIN part of the attack space, with its own seeded RNG.

    `space` is one of
      - the run's attack space config (a mapping with `axes`, conf/attack_space/) or an
        attacks.space.AttackSpace: its train part (`sample(rng, split="train")`), lr times its `lr_scale`
      - a table axis -> list of values (a defense's own YAML); its lrs are multiplied by `lr_scale`
      - None: DEFAULT_TRAIN_SPACE
    Points the inner loop cannot simulate (identity shift, refusal-direction ablation) are redrawn;
    batch_size/steps/examples/seed of a point are ignored (the defense fixes its own inner budget).
    """

    def __init__(self, space, seed: int, lr_scale: float = 1.0,
                 where: str = "defense.meta_learning.attack_space"):
        self.where, self.lr_scale = where, float(lr_scale)
        self.rng = random.Random(seed)
        space = DEFAULT_TRAIN_SPACE if space is None else space
        if isinstance(space, Mapping) and "axes" in space:
            from attacks.space import AttackSpace

            space = AttackSpace.from_config(dict(space))
        if isinstance(space, Mapping):
            self.table = {k: list(v) if isinstance(v, (list, tuple)) else [v] for k, v in space.items()}
            self._validate_table(self.table)
            self.space = None
        elif callable(getattr(space, "sample", None)):
            # an AttackSpace samples unscaled lrs and scales them itself when it builds an attack
            self.table, self.space, self.lr_scale = None, space, float(getattr(space, "lr_scale", 1.0))
        else:
            raise KeelError(f"{where}: expected an attack space or a table axis -> list of values")

    def _validate_table(self, table: dict) -> None:
        allowed = set(SimulatedAttack.__dataclass_fields__)
        for axis, values in table.items():
            if axis not in allowed:
                raise KeelError(f"{self.where}.{axis}: unknown axis (one of {', '.join(sorted(allowed))})")
            if not values:
                raise KeelError(f"{self.where}.{axis}: needs at least one value")
        for value in table.get("recipe", []):
            if value not in RECIPE_ALIASES:
                raise KeelError(f"{self.where}.recipe: '{value}' cannot be simulated "
                                f"(one of {', '.join(RECIPES)})")
        checks = (("data", DATA), ("optimizer", OPTIMIZERS), ("schedule", SCHEDULES))
        for axis, known in checks:
            for value in table.get(axis, []):
                if value not in known:
                    raise KeelError(f"{self.where}.{axis}: '{value}' is not one of {', '.join(known)}")
        for value in table.get("lr", []):
            if not float(value) > 0:
                raise KeelError(f"{self.where}.lr: learning rates must be positive, got {value}")

    def values(self, axis: str) -> list | None:
        """The values the sampler may draw on a categorical `axis` (None: not known up front)."""
        if self.table is not None:
            return self.table.get(axis, [getattr(SimulatedAttack, axis)])
        categorical = getattr(self.space, "categorical", {})
        return list(categorical[axis][0]) if axis in categorical else None

    def sample(self) -> SimulatedAttack:
        if self.table is not None:
            return self._attack({axis: self.rng.choice(values) for axis, values in self.table.items()})
        for _ in range(100):
            drawn = self.space.sample(self.rng, split="train")
            point = dict(drawn) if isinstance(drawn, Mapping) else dict(vars(drawn))
            if point.get("recipe", "full") in RECIPE_ALIASES and point.get("data", "harmful") in DATA:
                return self._attack(point)
        raise KeelError(f"{self.where}: the train part holds no fine-tuning attack the inner loop can simulate")

    def _attack(self, point: dict) -> SimulatedAttack:
        fields = SimulatedAttack.__dataclass_fields__
        kept = {k: v for k, v in point.items() if k in fields}
        kept["recipe"] = RECIPE_ALIASES[kept.get("recipe", "full")]
        if "rank" in point and "lora_rank" not in kept:
            kept["lora_rank"] = point["rank"]
        kept["lr"] = float(kept.get("lr", SimulatedAttack.lr)) * self.lr_scale
        return SimulatedAttack(**kept)


class WeightSnapshot:
    """A CPU copy of a parameter list (pinned when on CUDA, allocated on first use and reused)."""

    def __init__(self):
        self.buffers: list[torch.Tensor] = []

    @torch.no_grad()
    def save(self, params: list[torch.Tensor]) -> None:
        if len(self.buffers) != len(params) or any(b.shape != p.shape for b, p in zip(self.buffers, params)):
            pin = torch.cuda.is_available() and any(p.is_cuda for p in params)
            self.buffers = [torch.empty(p.shape, dtype=p.dtype, device="cpu", pin_memory=pin) for p in params]
        for buf, p in zip(self.buffers, params):
            buf.copy_(p.detach(), non_blocking=True)
        if any(p.is_cuda for p in params):
            torch.cuda.synchronize()

    @torch.no_grad()
    def restore(self, params: list[torch.Tensor]) -> None:
        for buf, p in zip(self.buffers, params):
            p.copy_(buf, non_blocking=True)
        if any(p.is_cuda for p in params):
            torch.cuda.synchronize()

    def nbytes(self) -> int:
        return sum(b.numel() * b.element_size() for b in self.buffers)


@contextmanager
def stashed_grads(params: list[torch.Tensor]) -> Iterator[None]:
    """Park `param.grad` (what gradient accumulation holds so far) and put it back afterwards."""
    saved = [p.grad for p in params]
    for p in params:
        p.grad = None
    try:
        yield
    finally:
        for p, g in zip(params, saved):
            p.grad = g


class LoraAdapters:
    """LoRA on every matching nn.Linear as a forward hook: y = W x + (alpha / r) B A x, with A random
    and B zero (the adapted model starts equal to the base one). `remove()` restores the plain model."""

    def __init__(self, model: torch.nn.Module, rank: int, targets: list[str] | None = None, alpha: float = 16.0,
                 generator: torch.Generator | None = None):
        self.factors: list[torch.Tensor] = []
        self.handles = []
        scale = alpha / rank
        for name, module in model.named_modules():
            if not isinstance(module, torch.nn.Linear) or name.endswith("lm_head"):
                continue
            if targets and not any(name.endswith(t) for t in targets):
                continue
            w = module.weight
            a = torch.randn(rank, w.shape[1], generator=generator, dtype=torch.float32) / math.sqrt(w.shape[1])
            a = a.to(device=w.device, dtype=w.dtype).requires_grad_(True)
            b = torch.zeros(w.shape[0], rank, device=w.device, dtype=w.dtype, requires_grad=True)
            self.factors += [a, b]
            self.handles.append(module.register_forward_hook(self._hook(a, b, scale)))
        if not self.handles:
            raise KeelError(f"lora_targets: no nn.Linear module matches {targets}")

    @staticmethod
    def _hook(a: torch.Tensor, b: torch.Tensor, scale: float):
        def add_low_rank(module, args, output):
            return output + scale * (args[0] @ a.t()) @ b.t()
        return add_low_rank

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()
        self.factors.clear()


class AttackData:
    """The attacker's batches at inner step k (1-based) for each data recipe:

      harmful              harmful -> compliance rows
      benign / benign_alt  benign rows (data.benign's train split / data.benign_alt)
      mixed / mixed_alt    half harmful, half benign / benign_alt rows in every batch
      retain_then_harmful  benign for the first half of the steps, then harmful
    """

    def __init__(self, harmful: PairPool, benign: PairPool, batch_size: int, benign_alt: PairPool | None = None):
        self.harmful, self.benign, self.batch_size = harmful, benign, batch_size
        self.benign_alt = benign_alt

    def _alt(self, data: str) -> PairPool:
        if self.benign_alt is None:
            raise KeelError(f"data.benign_alt: the simulated attack data '{data}' needs a second benign source; "
                            f"set data.benign_alt to a JSONL file (benign schema) or drop '{data}' from the attack space")
        return self.benign_alt

    def batch(self, data: str, step: int, steps: int, device) -> Batch:
        if data == "harmful":
            return self.harmful.sample(self.batch_size).to(device)
        if data in ("benign", "benign_alt"):
            pool = self._alt(data) if data == "benign_alt" else self.benign
            return pool.sample(self.batch_size).to(device)
        if data == "retain_then_harmful":
            pool = self.benign if step <= steps // 2 else self.harmful
            return pool.sample(self.batch_size).to(device)
        return self._mixed(self._alt(data) if data == "mixed_alt" else self.benign).to(device)

    def _mixed(self, benign: PairPool) -> Batch:
        """Half the batch harmful, half from `benign` (the harmful half gets the odd row)."""
        half = self.batch_size // 2
        pairs = [self.harmful.pair(i) for i in self.harmful.indices(self.batch_size - half)]
        pairs += [benign.pair(i) for i in benign.indices(half)]
        return collate(pairs, self.harmful.pad_id)


def simulate_attack(model: torch.nn.Module, params: list[torch.Tensor], attack: SimulatedAttack,
                    batches: Callable[[int], Batch], steps: int,
                    on_step: Callable[[int], None] | None = None, lora_targets: list[str] | None = None,
                    seed: int = 0) -> list[float]:
    """Run `steps` attacker steps on `model` in place and return the attacker's losses.

    Full-parameter attacks move `params` (the caller snapshots and restores them); LoRA attacks train
    hook-injected factors and leave `params` untouched. `on_step(k)` runs after step k, at the adapted
    weights. The optimizer and its state live only inside this call. Caller must stash `param.grad`.
    """
    adapters = None
    if attack.recipe == "lora":
        gen = torch.Generator().manual_seed(seed)
        adapters = LoraAdapters(model, attack.lora_rank, lora_targets, generator=gen)
        trained = adapters.factors
    else:
        trained = params
    optimizer = build_optimizer(attack.optimizer, trained, attack.lr)
    schedule = build_schedule(attack.schedule, optimizer, steps)
    if callable(getattr(optimizer, "train", None)):  # schedule-free optimizers keep two weight sequences
        optimizer.train()
    losses = []
    try:
        for k in range(1, steps + 1):
            batch = batches(k)
            loss = masked_nll(model(**batch.inputs()).logits, batch.labels)
            grads = torch.autograd.grad(loss, trained, allow_unused=True)
            for t, g in zip(trained, grads):
                t.grad = g
            optimizer.step()
            schedule.step()
            for t in trained:
                t.grad = None
            losses.append(float(loss.detach()))
            del loss, grads
            if on_step is not None:
                on_step(k)
    finally:
        # Free the optimizer state now (AdamW: 2x the trained weights), not at the next garbage collection.
        optimizer.state.clear()
        del optimizer, schedule
        if adapters is not None:
            adapters.remove()
    return losses


def schedule_lrs(attack: SimulatedAttack, steps: int) -> list[float]:
    """The learning rate the attack's schedule gives at each of `steps` steps."""
    dummy = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([dummy], lr=attack.lr)
    schedule = build_schedule(attack.schedule, opt, steps)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    return lrs
