"""data.benign_alt, the second benign source of simulated attacks: it loads, stays disjoint from every
evaluation set (a copied evaluation prompt is refused naming the file), bad files fail with one line, and
TAR's inner loop draws `benign_alt` / `mixed_alt` batches from it while `benign` stays held out."""

from __future__ import annotations

import copy
import dataclasses
import json
import random
from collections import Counter

import pytest

from attacks.fine_tune import FineTuneAttack
from attacks.hygiene import deduplicate, find_overlaps, training_sets
from attacks.space import AttackSpace
from defenses.base import HardenContext
from defenses.batches import PairPool
from defenses.inner_loop import AttackData, TrainSpaceSampler
from defenses.tar import TamperResistance
from tests.conftest import TINY_OVERRIDES, compose_config
from train import KeelError
from train.data import DataError, load_data
from train.hardening import harden
from train.pipeline import build_named

pytestmark = pytest.mark.usefixtures("one_thread")


def load_with(*overrides: str):
    """The shipped data with `data.*` overrides, loaded as a run loads it."""
    return load_data(compose_config("harden", [*TINY_OVERRIDES, *overrides]).data)


def write_rows(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


# -- the data ------------------------------------------------------------------------------------------

def test_benign_alt_loads_and_is_disjoint_from_benign_and_every_evaluation_set(data):
    rows = data.benign_alt
    assert len(rows) >= 100 and all(r["id"].startswith("benalt-") for r in rows)
    assert "benign_alt" in data.sources and min(Counter(r["category"] for r in rows).values()) >= 10
    benign = {r["category"] for r in data.benign_train + data.benign_eval}
    assert len({r["category"] for r in rows} - benign) >= 8  # mostly other topics than data.benign
    evaluation = [r["prompt"] for r in data.benign_train + data.benign_eval + data.harmful_eval + data.edgy]
    evaluation += [r["question"] for r in data.mcq]
    assert find_overlaps(evaluation, {"benign_alt": [r["prompt"] for r in rows]}, n=3, jaccard=0.6) == []
    bundle = copy.copy(data)
    record = deduplicate(bundle, training_sets(bundle, [], []))  # the hygiene check passes
    assert record["train_sets"]["data:benign_alt"] == len(rows)


@pytest.mark.parametrize("eval_set", ["harmful_eval", "edgy"])
def test_a_copied_evaluation_prompt_is_refused_naming_the_file(data, tmp_path, eval_set):
    leaked = {"id": "benalt-leak", "prompt": getattr(data, eval_set)[0]["prompt"], "response": "An answer."}
    path = write_rows(tmp_path / "alt.jsonl", [*data.benign_alt[:20], leaked])
    bundle = load_with(f"data.benign_alt={path}")
    with pytest.raises(KeelError, match=rf"^data\.benign_alt \({path}\): prompt .* duplicates a {eval_set} ") as info:
        deduplicate(bundle, training_sets(bundle, [], []))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("rows", "expected"), [
    (None, r"alt\.jsonl: data file not found"),
    ([{"id": "a1", "response": "r"}], r"alt\.jsonl:1: field 'prompt' is missing"),
    ([{"id": "a1", "prompt": "p", "response": "r"}, {"id": "a2", "prompt": "p"}],
     r"alt\.jsonl:2: field 'response' is missing"),
    ([], r"alt\.jsonl: no records \(empty file\)"),
])
def test_bad_benign_alt_files_fail_with_one_line_naming_file_and_field(tmp_path, rows, expected):
    path = tmp_path / "alt.jsonl"
    if rows is not None:
        write_rows(path, rows)
    with pytest.raises(DataError, match=expected) as info:
        load_with(f"data.benign_alt={path}")
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_benign_alt_can_be_left_out():
    bundle = load_with("data.benign_alt=null")
    assert bundle.benign_alt == [] and "benign_alt" not in bundle.sources


def test_an_evaluation_attack_on_benign_alt_needs_the_file(data):
    attack = FineTuneAttack(name="alt", data="mixed_alt", examples=8)
    assert set(attack.training_prompts(data)) == {r["prompt"] for r in data.harmful_train + data.benign_alt}
    with pytest.raises(KeelError, match=r"^attack\.alt\.data: 'mixed_alt' needs data\.benign_alt"):
        attack.training_prompts(dataclasses.replace(data, benign_alt=[]))


# -- the inner loop ----------------------------------------------------------------------------------

def spied_pools(tokenizer, data) -> tuple[AttackData, list[str]]:
    """AttackData over three pools whose `pair` calls log the pool's name."""
    drawn: list[str] = []
    pools = {name: PairPool.from_rows(tokenizer, rows, completion, seed, 48) for seed, (name, rows, completion)
             in enumerate((("harmful", data.harmful_train, "compliance"), ("benign", data.benign_train, "response"),
                           ("benign_alt", data.benign_alt, "response")))}
    for name, pool in pools.items():
        pool.pair = (lambda original, tag: lambda i: drawn.append(tag) or original(i))(pool.pair, name)
    return AttackData(pools["harmful"], pools["benign"], 4, pools["benign_alt"]), drawn


@pytest.mark.parametrize(("value", "expected"), [("benign_alt", {"benign_alt": 4}),
                                                 ("mixed_alt", {"harmful": 2, "benign_alt": 2})])
def test_alt_batches_come_from_the_benign_alt_pool(tokenizer, data, value, expected):
    attack_data, drawn = spied_pools(tokenizer, data)
    for step in (1, 2, 3, 4):
        drawn.clear()
        batch = attack_data.batch(value, step, 4, "cpu")
        assert batch.input_ids.shape[0] == 4 and Counter(drawn) == expected


def test_keel_stack_v2_lets_the_inner_loop_draw_alt_data_but_never_benign():
    default = AttackSpace.from_config(compose_config("harden", TINY_OVERRIDES).attack_space)
    assert not {"benign_alt", "mixed_alt"} & set(default.categorical["data"][0])  # opt-in: defaults unchanged
    cfg = compose_config("harden", [*TINY_OVERRIDES, "hardening=keel_stack_v2"])
    space = AttackSpace.from_config(cfg.attack_space)
    assert {"benign", "retain_then_harmful"} <= set(space.categorical["data"][1])
    sampler = TrainSpaceSampler(space, seed=0)  # what TAR's inner loop draws from
    drawn = Counter(sampler.sample().data for _ in range(200))
    assert {"benign_alt", "mixed_alt"} <= set(drawn) and "benign" not in drawn and "retain_then_harmful" not in drawn
    rng = random.Random(0)
    assert all(space.sample(rng, "train")["data"] != "benign" for _ in range(200))


def test_tiny_tar_hardening_on_benign_alt_trains_on_benign_alt_only(tiny_model, tokenizer, data, tmp_path,
                                                                    monkeypatch):
    drawn: list[str] = []
    batch = AttackData.batch
    monkeypatch.setattr(AttackData, "batch", lambda self, value, *a: drawn.append(value) or batch(self, value, *a))
    cfg = compose_config("harden", [*TINY_OVERRIDES, "defense=[tar]", "harden.steps=2", "harden.batch_size=2",
                                    "harden.retain_examples=4", "defense.tar.attack_space=null",
                                    "defense.tar.train_space.data=[benign_alt]", "defense.tar.train_space.recipe=[full]",
                                    "defense.tar.batch_size=2", "defense.tar.inner_steps=2", "defense.tar.tr_points=1",
                                    "defense.tar.max_length=48", "defense.tar.retain_rep=0"])
    defenses = build_named(cfg.defense, "defense")
    stats = harden(tiny_model, tokenizer, data, defenses, cfg.harden, str(tmp_path / "trainer"))
    assert stats["steps"] == 2 and drawn and set(drawn) == {"benign_alt"}
    assert defenses[0].record["benign_alt_rows"] == len(data.benign_alt)


@pytest.mark.parametrize("space", [{"recipe": ["full"], "data": ["harmful", "mixed_alt"], "lr": [0.05]}, None])
def test_tar_without_benign_alt_fails_naming_the_option(tokenizer, data, space):
    """A declared (own table) or sampled (keel_stack_v2's attack space) alt attack needs data.benign_alt."""
    attack_space = None if space else dict(compose_config("harden", [*TINY_OVERRIDES, "hardening=keel_stack_v2"])
                                           .attack_space)
    defense = TamperResistance(inner_steps=2, tr_points=1, batch_size=2, max_length=48, retain_rep=0.0,
                               train_space=space, attack_space=attack_space)
    bundle = dataclasses.replace(data, benign_alt=[])
    with pytest.raises(KeelError, match=r"^defense\.tar\.data: .*data\.benign_alt") as info:
        defense.setup(HardenContext(tokenizer=tokenizer, data=bundle, seed=0))
    assert "\n" not in str(info.value)


def test_tar_on_the_default_space_needs_no_benign_alt(tokenizer, data):
    """The default attack space never simulates alt data, so TAR runs without data.benign_alt."""
    defense = TamperResistance(inner_steps=2, tr_points=1, batch_size=2, max_length=48, retain_rep=0.0,
                               attack_space=dict(compose_config("harden", TINY_OVERRIDES).attack_space))
    defense.setup(HardenContext(tokenizer=tokenizer, data=dataclasses.replace(data, benign_alt=[]), seed=0))


def test_keel_stack_v2_simulates_harmful_and_alt_data_only():
    cfg = compose_config("harden", [*TINY_OVERRIDES, "hardening=keel_stack_v2"])
    assert list(cfg.defense) == ["refusal_sft", "multilingual_refusal", "paraphrase_invariance", "tar",
                                 "helpful_boundary"]
    space = AttackSpace.from_config(cfg.attack_space)
    assert set(space.categorical["data"][0]) == {"harmful", "mixed_alt", "benign_alt"}
    assert {"benign", "mixed", "retain_then_harmful"} == set(space.categorical["data"][1])
