"""TAR's tamper-resistance loss: its fused parts by hand, and the boundary term (after the simulated attack
L_TR also prefers the helpful answer over a refusal on benign-but-edgy prompts, so the meta-gradient is not
"refuse anything that looks harmful")."""

from __future__ import annotations

import copy

import pytest
import torch

from defenses.base import HardenContext
from defenses.batches import IGNORE, Batch, collate, masked_nll, sequence_logprob
from defenses.contrast import contrast_rows
from defenses.tar import TamperResistance, negative_entropy, preference_loss
from tests.conftest import compose_config
from train import KeelError

pytestmark = pytest.mark.usefixtures("one_thread")
SPACE = {"recipe": ["full"], "optimizer": ["sgd"], "lr": [0.05]}


def with_edgy_train(data, n=10):
    bundle = copy.copy(data)
    bundle.edgy_train = list(data.edgy[:n])
    return bundle


def tar(tokenizer, data, **kwargs) -> TamperResistance:
    options = dict(inner_steps=2, tr_points=1, batch_size=3, max_length=48, retain_lm=0.0, retain_rep=0.0,
                   train_space=SPACE, boundary=1.5)
    options.update(kwargs)
    defense = TamperResistance(**options)
    defense.setup(HardenContext(tokenizer=tokenizer, data=data, base_model=None, seed=0))
    return defense


def fixed_forward(logits):
    class Out:
        pass

    def forward(**kwargs):
        out = Out()
        out.logits = logits
        return out
    return forward


def test_fused_loss_equals_its_parts():
    """Rows: 2 harmful prompts with refusals, then the same 2 with compliance."""
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 5, 7, generator=gen)
    labels = torch.tensor([[IGNORE, IGNORE, 1, 2, IGNORE], [IGNORE, 3, 4, 5, 6],
                           [IGNORE, IGNORE, 0, 1, 2], [IGNORE, 6, IGNORE, IGNORE, IGNORE]])
    batch = Batch(torch.zeros(4, 5, dtype=torch.long), torch.ones(4, 5), labels, torch.tensor([2, 1, 2, 1]))
    defense = TamperResistance(refusal=1.0, preference=2.0, entropy=0.5, beta=0.7)
    loss, parts = defense.tamper_resistance_loss(fixed_forward(logits), batch)
    expected = {"refusal": masked_nll(logits[:2], labels[:2]).item(),
                "preference": preference_loss(sequence_logprob(logits[:2], labels[:2]),
                                              sequence_logprob(logits[2:], labels[2:]), 0.7).item(),
                "entropy": negative_entropy(logits[2:], labels[2:]).item()}
    assert parts == pytest.approx(expected, rel=1e-5)
    assert loss.item() == pytest.approx(expected["refusal"] + 2 * expected["preference"] + 0.5 * expected["entropy"],
                                        rel=1e-5)


@pytest.mark.parametrize("mix", [dict(refusal=1.0, preference=2.0, entropy=0.5),
                                 dict(refusal=0.0, preference=1.0, entropy=0.0),
                                 dict(refusal=1.0, preference=0.0, entropy=1.0)])
def test_boundary_term_by_hand_and_entropy_reads_compliance_rows_only(mix):
    """Rows: 2 refusals, 2 compliances (same harmful prompts), 2 edgy helpful answers, 2 refusals of them."""
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(8, 5, 7, generator=gen)
    labels = torch.full((8, 5), IGNORE)
    for row, (start, stop) in enumerate([(2, 4), (1, 5), (2, 5), (1, 2), (3, 5), (1, 4), (2, 3), (1, 5)]):
        labels[row, start:stop] = torch.arange(start, stop) % 7
    batch = Batch(torch.zeros(8, 5, dtype=torch.long), torch.ones(8, 5), labels, torch.zeros(8, dtype=torch.long))
    defense = TamperResistance(beta=0.7, boundary=1.5, **mix)
    loss, parts = defense.tamper_resistance_loss(fixed_forward(logits), batch)
    lbar = sequence_logprob(logits, labels)
    expected = {"refusal": masked_nll(logits[:2], labels[:2]).item(),
                "preference": preference_loss(lbar[:2], lbar[2:4], 0.7).item(),
                "entropy": negative_entropy(logits[2:4], labels[2:4]).item(),
                "boundary": preference_loss(lbar[4:6], lbar[6:8], 0.7).item()}
    expected = {k: v for k, v in expected.items() if k == "boundary" or mix[k]}
    assert parts == pytest.approx(expected, rel=1e-5)
    weights = {**mix, "boundary": 1.5}
    assert loss.item() == pytest.approx(sum(weights[k] * v for k, v in expected.items()), rel=1e-5)


@pytest.mark.parametrize("tokens", [4, None])
def test_tr_batch_appends_edgy_prompts_with_help_then_refusal(tokenizer, data, tokens):
    bundle = with_edgy_train(data)
    defense = tar(tokenizer, bundle, boundary_tokens=tokens)
    assert defense.record["boundary_rows"] == 10
    state = defense.edgy_help.rng.getstate()
    batch = defense.tr_batch()
    assert batch.input_ids.shape[0] == 4 * 3
    defense.edgy_help.rng.setstate(state)
    idx = defense.edgy_help.indices(3)
    full = [defense.edgy_help.pair(i) for i in idx] + [defense.edgy_refuse.pair(i) for i in idx]
    assert any(len(c) > 4 for _, c in full)  # the truncation to the answers' opening is exercised
    expected = [(p, c[:tokens]) for p, c in full]
    rows = [batch.input_ids[r][batch.attention_mask[r].bool()].tolist() for r in range(6, 12)]
    assert rows == [p + c for p, c in expected]
    pairs = contrast_rows(bundle.edgy_train, bundle.harmful_train, defense.seed + 7)
    for i in idx:  # the same edgy prompt, once with its helpful answer and once with a harmful prompt's refusal
        assert defense.edgy_help.pair(i)[0] == defense.edgy_refuse.pair(i)[0]
        assert pairs[i]["help"] == bundle.edgy_train[i]["response"]
        assert pairs[i]["refuse"] in {r["refusal"] for r in bundle.harmful_train}
    assert set(defense.rngs()) >= {"tr", "tr_edgy"}


def test_without_boundary_nothing_changes(tokenizer, data):
    plain, zero = TamperResistance(train_space=SPACE), TamperResistance(train_space=SPACE, boundary=0.0)
    assert plain.passes_per_step() == zero.passes_per_step()
    defense = tar(tokenizer, data, boundary=0.0)  # data without edgy_train rows is fine then
    assert defense.tr_batch().input_ids.shape[0] == 2 * 3
    assert "tr_edgy" not in defense.rngs() and "boundary_rows" not in defense.record
    on = TamperResistance(train_space=SPACE, boundary=1.0, tr_points=2)
    assert on.passes_per_step() == pytest.approx(TamperResistance(train_space=SPACE, tr_points=2).passes_per_step() + 4)


def test_boundary_meta_step_moves_the_weights_toward_the_helpful_answer(tiny_model, tokenizer, data):
    """The meta-gradient g of the boundary term alone: a small step along -g raises lbar(help) - lbar(refuse)
    over the edgy rows."""
    model = tiny_model.train()
    defense = tar(tokenizer, with_edgy_train(data), refusal=0.0, preference=0.0, entropy=0.0, boundary=1.0,
                  inner_steps=1, batch_size=10)
    metrics = defense.meta_step(model, {})
    assert "tr_boundary" in metrics
    params, grads, _ = defense._pending
    help_rows = collate([defense.edgy_help.pair(i) for i in range(10)], defense.edgy_help.pad_id)
    refuse_rows = collate([defense.edgy_refuse.pair(i) for i in range(10)], defense.edgy_refuse.pad_id)

    def gap() -> float:
        with torch.no_grad():
            return float((sequence_logprob(model(**help_rows.inputs()).logits, help_rows.labels)
                          - sequence_logprob(model(**refuse_rows.inputs()).logits, refuse_rows.labels)).mean())
    before = gap()
    with torch.no_grad():
        for p, g in zip(params, grads):
            if g is not None:
                p.sub_(0.5 * g / max(float(sum(x.norm() ** 2 for x in grads if x is not None)) ** 0.5, 1e-12))
    assert gap() > before


@pytest.mark.parametrize(("kwargs", "option"), [
    ({"boundary": -0.1}, "boundary"), ({"boundary": -3}, "boundary"),
    ({"boundary_tokens": 0}, "boundary_tokens"), ({"boundary_tokens": -1}, "boundary_tokens"),
    ({"refusal": 0.0, "preference": 0.0, "entropy": 0.0}, "refusal"),
    ({"refusal": 0.0, "preference": 0.0, "entropy": 0.0, "boundary": 0.0}, "refusal"),
])
def test_bad_boundary_names_the_option(kwargs, option):
    with pytest.raises(KeelError, match=rf"^defense\.tar\.{option}: "):
        TamperResistance(train_space=SPACE, **kwargs)


@pytest.mark.parametrize("edgy_train", [[], None])
def test_boundary_without_edgy_training_rows_is_one_line(tokenizer, data, edgy_train):
    bundle = copy.copy(data)
    bundle.edgy_train = edgy_train
    with pytest.raises(KeelError, match=r"^defense\.tar\.boundary: .*data\.edgy_train") as err:
        tar(tokenizer, bundle)
    assert "\n" not in str(err.value)


def test_config_carries_the_boundary_weight():
    cfg = compose_config(overrides=["defense=[refusal_sft,tar]", "defense.tar.boundary=0.5"])
    assert cfg.defense.tar.boundary == 0.5
    assert compose_config(overrides=["defense=[refusal_sft,tar]"]).defense.tar.boundary == 0.0


@pytest.mark.parametrize("boundary", [0.0, 1.0])
def test_data_hygiene_sees_the_edgy_prompts_the_boundary_trains_on(data, boundary):
    """An evaluation prompt that is also a boundary row is found (and dropped) like any training overlap."""
    from attacks.hygiene import deduplicate, training_sets

    bundle = with_edgy_train(data, n=3)
    bundle.edgy = list(data.edgy)  # its first 3 rows are now training rows too
    sets = training_sets(bundle, [TamperResistance(train_space=SPACE, boundary=boundary)], [])
    assert sets.get("defense:tar", []) == ([r["prompt"] for r in bundle.edgy_train] if boundary else [])
    record = deduplicate(bundle, sets, {"max_overlap": 1.0})
    exact = record["eval_sets"]["edgy"]["exact"]
    assert exact == (3 if boundary else 0)
    assert len(bundle.edgy) == len(data.edgy) - exact


def test_ranks_draw_their_own_edgy_rows(tokenizer, data, monkeypatch):
    def draws(rank: str) -> list:
        monkeypatch.setenv("RANK", rank)
        defense = tar(tokenizer, with_edgy_train(data))
        return [defense.tr_batch().input_ids[6:].tolist() for _ in range(3)]

    first, second, again = draws("0"), draws("1"), draws("0")
    assert first != second and first == again


def test_keel_stack_v3_is_keel_stack_v2_with_the_boundary_in_tar():
    """keel's stack as chosen on validation rows: keel_stack_v2's defenses and TAR settings,
    refusal rows (230 English + 80 multilingual), margin 1.5, and TAR's boundary term at weight 2."""
    cfg = compose_config(overrides=["preset=durability_v3", "hardening=keel_stack_v3"])
    v2 = compose_config(overrides=["preset=durability_v3", "hardening=keel_stack_v2"])
    assert set(cfg.defense) == set(v2.defense) and cfg.harden.steps == 96
    assert cfg.defense.tar.boundary == 2.0 and v2.defense.tar.boundary == 0.0
    assert cfg.defense.refusal_sft.examples == 230 and cfg.defense.multilingual_refusal.max_examples == 80
    assert cfg.defense.helpful_boundary.refusal_margin == 1.5
    for key in ("inner_steps", "tr_points", "weight", "retain_rep", "boundary_tokens"):
        assert cfg.defense.tar[key] == v2.defense.tar[key], key
    assert cfg.attack_space == v2.attack_space
