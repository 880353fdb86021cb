"""The attack space and its seeded, recorded split into a TRAIN part and a HELD-OUT part.

An attack is a point: recipe, data, optimizer, schedule, lr, batch_size, steps, examples, lora_rank,
seed (each recipe uses its own subset, `Attack.space_axes`). Axes are either

  categorical  `values` (+ `heldout`, an explicit list, or `heldout_fraction`, drawn with `seed`)
  numeric      `low`/`high` (+ `log`, `integer`): sampled, never split

An axis that names held-out values is a *split axis*; the others (batch size, steps...) are only
sampled and never decide the part.

    TRAIN part    = points whose every split-axis coordinate is a train value (values - heldout)
    HELD-OUT part = every other point, including split-axis values the space does not list at all

The train part is exactly what `sample(rng, "train")` can return: what a defense may simulate (the TAR
inner loop). The evaluation grid reports each attack's part; an attack declared `heldout` that lies in
the train part is an error (`assign_splits`). A defense that samples from its own table instead
(axis -> values) is checked too (`defense_overlap`): an evaluation attack that table could produce
counts as TRAIN, whatever the space says, and the report lists the values the table takes from the
held-out part. `lr` is sampled unscaled (like the attack YAMLs before `mul`); `build` multiplies it by
`lr_scale` (= budget.lr_scale). Usage from a defense:

    space = AttackSpace.from_config(cfg.attack_space)
    params = space.sample(random.Random(step), split="train")   # {"recipe": "full_ft", "lr": ..., ...}
    attack = space.build(params, eval_every=10)                  # an Attack, ready to `run`
"""

from __future__ import annotations

import importlib
import inspect
import math
import random
from typing import Any

from omegaconf import DictConfig, OmegaConf

from attacks.base import Attack
from train import KeelError

SPLITS = ("train", "heldout")
# Other names defenses use for the same values (defenses/inner_loop.py calls full fine-tuning "full").
ALIASES = {"full": "full_ft", "qlora": "lora"}


def _plain(node) -> Any:
    return OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node


class AttackSpace:
    def __init__(self, recipes: dict[str, str], axes: dict[str, dict], seed: int = 0, lr_scale: float = 1.0):
        self.seed, self.recipes, self.lr_scale = int(seed), dict(recipes), float(lr_scale)
        if "recipe" not in axes:
            raise KeelError("attack_space.axes.recipe: the space needs a recipe axis")
        rng = random.Random(self.seed)
        self.categorical: dict[str, tuple[list, list]] = {}  # name -> (train values, heldout values)
        self.numeric: dict[str, dict] = {}
        for name, spec in axes.items():
            if "values" in spec:
                values = list(spec["values"])
                held = list(spec.get("heldout") or [])
                if spec.get("heldout_fraction"):
                    held = rng.sample(values, max(1, round(len(values) * float(spec["heldout_fraction"]))))
                if not set(held) <= set(values):
                    raise KeelError(f"attack_space.axes.{name}.heldout: {sorted(set(held) - set(values), key=str)} "
                                    f"not among its values")
                train = [v for v in values if v not in held]
                if not train:
                    raise KeelError(f"attack_space.axes.{name}: every value is held out; the train part is empty")
                self.categorical[name] = (train, held)
            elif "low" in spec and "high" in spec:
                if not float(spec["low"]) <= float(spec["high"]):
                    raise KeelError(f"attack_space.axes.{name}: low must be <= high")
                self.numeric[name] = dict(spec)
            else:
                raise KeelError(f"attack_space.axes.{name}: give `values` or `low`/`high`")
        unknown = [r for r in self.categorical["recipe"][0] + self.categorical["recipe"][1] if r not in self.recipes]
        if unknown:
            raise KeelError(f"attack_space.recipes: no class named for recipe(s) {unknown}")

    @classmethod
    def from_config(cls, node) -> AttackSpace:
        cfg = _plain(node)
        if not cfg:
            raise KeelError("attack_space: no attack space configured (conf/attack_space/default.yaml)")
        return cls(cfg["recipes"], cfg["axes"], cfg.get("seed", 0), cfg.get("lr_scale", 1.0))

    # -- the split ----------------------------------------------------------------------------------
    def why_heldout(self, point: dict) -> list[str]:
        """The coordinates that put `point` in the held-out part (empty: it lies in the train part)."""
        reasons = []
        for name, value in point.items():
            if name in self.categorical and self.categorical[name][1] and value not in self.categorical[name][0]:
                known = value in self.categorical[name][1]
                reasons.append(f"{name}={value} ({'held out' if known else 'not in the space'})")
        return reasons

    def split_of(self, point: dict) -> str:
        return "heldout" if self.why_heldout(point) else "train"

    def assign_splits(self, attacks: list[Attack], defense_tables: dict[str, dict] | None = None) -> list[str]:
        """Set each attack's split from the space (and the defenses' own tables); a declared split that
        disagrees is an error. Returns warnings about defense tables reaching into the held-out part."""
        tables = defense_tables or {}
        warnings = [w for name, t in tables.items() for w in self.defense_overlap(name, t)]
        for attack in attacks:
            point = attack.space_point()
            actual = self.split_of(point)
            if actual == "heldout" and any(_table_covers(t, point) for t in tables.values()):
                actual = "train"  # a defense sampled it from its own table: not held out from that defense
            if attack.split not in ("auto", actual):
                detail = ", ".join(f"{k}={v}" for k, v in point.items() if k in self.categorical)
                raise KeelError(f"attack.{attack.name}.split: declared {attack.split}, but it lies in the {actual} "
                                f"part of the attack space ({detail}); change the attack or attack_space.axes")
            attack.split = actual
        return warnings

    def defense_overlap(self, name: str, table: dict) -> list[str]:
        """Values a defense's own sampling table (axis -> values) takes from the held-out part."""
        out = []
        for axis, values in table.items():
            if axis in self.categorical and self.categorical[axis][1] and isinstance(values, (list, tuple)):
                held = [v for v in values if ALIASES.get(v, v) not in self.categorical[axis][0]]
                if held:
                    out.append(f"defense.{name}.attack_space.{axis}: trains on {held}, held out by the attack space")
        return out

    # -- sampling and building ----------------------------------------------------------------------
    def recipe_class(self, recipe: str) -> type[Attack]:
        if recipe not in self.recipes:
            raise KeelError(f"attack_space.recipes: unknown recipe '{recipe}' (one of {sorted(self.recipes)})")
        module, _, attr = self.recipes[recipe].rpartition(".")
        return getattr(importlib.import_module(module), attr)

    def _draw(self, rng: random.Random, name: str, split: str):
        if name in self.numeric:
            spec = self.numeric[name]
            lo, hi = float(spec["low"]), float(spec["high"])
            x = math.exp(rng.uniform(math.log(lo), math.log(hi))) if spec.get("log") else rng.uniform(lo, hi)
            return int(round(x)) if spec.get("integer") else x
        train, held = self.categorical[name]
        return rng.choice(train if split == "train" else train + held)

    def sample(self, rng: random.Random, split: str = "train", max_tries: int = 1000) -> dict:
        """A random point of the train part, or of the held-out part (rejection sampling)."""
        if split not in SPLITS:
            raise KeelError(f"attack_space.sample: split '{split}' must be train or heldout")
        for _ in range(max_tries):
            point = {"recipe": self._draw(rng, "recipe", split)}
            for axis in self.recipe_class(point["recipe"]).space_axes:
                if axis in self.categorical or axis in self.numeric:
                    point[axis] = self._draw(rng, axis, split)
            if "seed" in self.numeric or "seed" in self.categorical:
                point["seed"] = self._draw(rng, "seed", "train")
            if self.split_of(point) == split:
                return point
        raise KeelError(f"attack_space: found no {split} point in {max_tries} draws; is that part empty?")

    def build(self, params: dict, name: str | None = None, **overrides) -> Attack:
        """An Attack from a sampled dict (`lora_rank` -> rank, `seed` -> seeds=[seed]) plus fixed options."""
        cls = self.recipe_class(params["recipe"])
        renames = {"lora_rank": "rank", **cls.axis_options}  # axis -> constructor option
        kwargs = {renames.get(k, k): v for k, v in params.items() if k in cls.space_axes}
        if "lr" in params and "lr" in cls.space_axes:
            kwargs["lr"] = float(params["lr"]) * self.lr_scale
        if "seed" in params:
            kwargs["seeds"] = [int(params["seed"])]
        kwargs.update({k: v for k, v in overrides.items() if _accepts(cls, k)})
        attack = cls(name=name or params["recipe"], **kwargs)
        attack.split = self.split_of(attack.space_point())
        return attack

    def describe(self) -> dict:
        axes = {n: {"train": t, "heldout": h} for n, (t, h) in self.categorical.items()}
        axes.update({n: dict(spec) for n, spec in self.numeric.items()})
        return {"seed": self.seed, "axes": axes, "recipes": dict(self.recipes), "lr_scale": self.lr_scale}


def _table_covers(table: dict, point: dict) -> bool:
    """Could a defense sampling from `table` (axis -> values) have drawn this point's categorical values?"""
    shared = [a for a in ("recipe", "data", "optimizer", "schedule") if a in point and a in table]
    return bool(shared) and all(point[a] in {ALIASES.get(v, v) for v in table[a]} for a in shared)


def _accepts(cls: type, key: str) -> bool:
    """Does `cls(...)` take keyword `key` (following **kwargs up the class hierarchy)?"""
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters
        if key in params:
            return True
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            return False
    return False
