"""The attack space: the seeded split, sampling from each part, building attacks, the checks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from attacks.space import AttackSpace
from tests.conftest import TINY_OVERRIDES, compose_config
from train import KeelError
from train.cli import CONF_DIR
from train.pipeline import build_named

ALL_ATTACKS = sorted(p.stem for p in (Path(CONF_DIR) / "attack").glob("*.yaml"))


@pytest.fixture(scope="module")
def cfg():
    return compose_config("harden", [*TINY_OVERRIDES, f"attack=[{','.join(ALL_ATTACKS)}]"])


@pytest.fixture(scope="module")
def space(cfg):
    return AttackSpace.from_config(cfg.attack_space)


def test_train_samples_stay_in_the_train_part(space):
    rng = random.Random(0)
    for _ in range(200):
        point = space.sample(rng, "train")
        assert space.split_of(point) == "train", point
        assert point["recipe"] == "full_ft" and point["schedule"] in ("constant", "warmup")
        assert point["optimizer"] in ("adamw", "adam") and point["data"] in ("harmful", "mixed")


def test_heldout_samples_never_lie_in_the_train_part(space):
    rng = random.Random(1)
    seen = {"recipe": set(), "schedule": set(), "optimizer": set(), "data": set()}
    for _ in range(300):
        point = space.sample(rng, "heldout")
        assert space.split_of(point) == "heldout" and space.why_heldout(point)
        for axis in seen:
            if axis in point:
                seen[axis].add(point[axis])
    # the default held-out part differs in schedule, optimizer, adapter type and data
    assert {"cosine", "warmup_anneal"} <= seen["schedule"] and {"sgd", "adagrad"} <= seen["optimizer"]
    assert "lora" in seen["recipe"] and {"benign", "retain_then_harmful"} <= seen["data"]


def test_sampling_is_seeded_and_points_build_attacks(space):
    a = [space.sample(random.Random(7), "heldout") for _ in range(3)]
    assert a == [space.sample(random.Random(7), "heldout") for _ in range(3)]
    lora = space.build({"recipe": "lora", "data": "harmful", "optimizer": "sgd", "schedule": "cosine", "lr": 1e-4,
                        "batch_size": 2, "steps": 5, "examples": 8, "lora_rank": 4, "seed": 3}, eval_every=5)
    assert (lora.recipe, lora.rank, lora.seeds, lora.split, lora.eval_every) == ("lora", 4, [3], "heldout", 5)
    assert lora.lr == pytest.approx(1e-4 * space.lr_scale)  # sampled lr is unscaled, like the YAMLs
    ablation = space.build({"recipe": "refusal_ablation", "examples": 8, "seed": 1}, eval_every=5)
    assert ablation.recipe == "refusal_ablation" and ablation.split == "heldout"


def test_shipped_attacks_get_their_part_and_no_heldout_attack_is_in_the_train_part(cfg, space):
    attacks = build_named(cfg.attack, "attack")
    space.assign_splits(attacks)
    split = {a.name: a.split for a in attacks}
    assert split["full_ft"] == "train"
    assert all(s == "heldout" for name, s in split.items() if name != "full_ft"), split
    for a in attacks:
        assert (space.split_of(a.space_point()) == "train") == (a.split == "train")


def test_declared_split_that_disagrees_is_an_error(space):
    from attacks.full_ft import FullFineTune

    with pytest.raises(KeelError, match=r"attack\.full_ft\.split: declared heldout, but it lies in the train part"):
        space.assign_splits([FullFineTune(name="full_ft", split="heldout")])
    with pytest.raises(KeelError, match=r"attack\.x\.split: declared train"):
        space.assign_splits([FullFineTune(name="x", split="train", schedule="cosine")])


def test_a_defense_table_reaching_into_the_heldout_part_is_reported_and_relabels(space):
    from attacks.lora import LoRAFineTune

    attack = LoRAFineTune(name="lora", schedule="constant")
    warnings = space.assign_splits([attack], {"tar": {"recipe": ["full", "lora"], "schedule": ["constant"]}})
    assert attack.split == "train" and any("defense.tar.attack_space.recipe" in w for w in warnings)


def test_bad_space_configs_name_the_axis():
    axes = {"recipe": {"values": ["full_ft"]}}
    recipes = {"full_ft": "attacks.full_ft.FullFineTune"}
    with pytest.raises(KeelError, match=r"attack_space.axes.recipe: every value is held out"):
        AttackSpace(recipes, {"recipe": {"values": ["full_ft"], "heldout": ["full_ft"]}})
    with pytest.raises(KeelError, match=r"attack_space.axes.optimizer.heldout: \['lion'\] not among"):
        AttackSpace(recipes, {**axes, "optimizer": {"values": ["adamw"], "heldout": ["lion"]}})
    with pytest.raises(KeelError, match=r"attack_space.recipes: no class named for recipe\(s\) \['lora'\]"):
        AttackSpace(recipes, {"recipe": {"values": ["full_ft", "lora"], "heldout": ["lora"]}})


def test_heldout_fraction_is_seeded_and_recorded():
    recipes = {"full_ft": "attacks.full_ft.FullFineTune"}
    axes = {"recipe": {"values": ["full_ft"]},
            "optimizer": {"values": ["adamw", "adam", "sgd", "adagrad"], "heldout_fraction": 0.5}}
    a, b = AttackSpace(recipes, axes, seed=3), AttackSpace(recipes, axes, seed=3)
    assert a.describe() == b.describe() and len(a.describe()["axes"]["optimizer"]["heldout"]) == 2
    record = OmegaConf.create(a.describe())
    assert record.seed == 3
