"""The helpful-boundary defense: its KL anchor's value, its data, and its one-line errors."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from defenses.base import HardenContext
from defenses.batches import IGNORE, collate, opening_labels, sequence_logprob
from defenses.contrast import contrast_rows
from defenses.helpful_boundary import HelpfulBoundary, anchor_kl
from tests.conftest import compose_config
from train import KeelError

pytestmark = pytest.mark.usefixtures("one_thread")


def test_anchor_kl_matches_a_hand_computed_value():
    # One answer token (label at position 1, read from the logits at position 0); vocabulary of 2.
    labels = torch.tensor([[IGNORE, 1]])
    model = torch.tensor([[[0.0, 0.0], [5.0, 5.0]]])  # q = (1/2, 1/2)
    base = torch.tensor([[[math.log(3.0), 0.0], [0.0, 0.0]]])  # p = (3/4, 1/4)
    expected = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    assert anchor_kl(model, base, labels).item() == pytest.approx(expected, rel=1e-6)
    assert anchor_kl(base, base, labels).item() == pytest.approx(0.0, abs=1e-7)


def test_only_answer_positions_count():
    labels = torch.tensor([[IGNORE, IGNORE, 1]])
    base = torch.zeros(1, 3, 2)
    moved = base.clone()
    moved[0, 0] = torch.tensor([4.0, -4.0])  # predicts a prompt token: not an answer position
    assert anchor_kl(moved, base, labels).item() == pytest.approx(0.0, abs=1e-7)
    moved[0, 1] = torch.tensor([4.0, -4.0])  # predicts the answer token
    assert anchor_kl(moved, base, labels).item() > 0.5


@pytest.mark.parametrize("tokens, kept", [
    (None, [[0, 0, 1, 1, 1, 0], [0, 1, 1, 1, 1, 1]]),
    (1, [[0, 0, 1, 0, 0, 0], [0, 1, 0, 0, 0, 0]]),
    (3, [[0, 0, 1, 1, 1, 0], [0, 1, 1, 1, 0, 0]]),
    (50, [[0, 0, 1, 1, 1, 0], [0, 1, 1, 1, 1, 1]]),
])
def test_opening_labels_keep_the_first_answer_tokens_of_each_row(tokens, kept):
    # row 0: 2 prompt tokens, a 3-token answer, then padding; row 1: 1 prompt token, a 5-token answer
    labels = torch.tensor([[IGNORE, IGNORE, 7, 8, 9, IGNORE], [IGNORE, 3, 4, 5, 6, 2]])
    out = opening_labels(labels, tokens)
    assert ((out != IGNORE).int().tolist()) == kept
    assert torch.equal(out[out != IGNORE], labels[out != IGNORE])  # kept tokens are unchanged


def test_kl_tokens_anchor_the_opening_only():
    labels = torch.tensor([[IGNORE, 1, 1, 1]])  # three answer tokens, read from logits at positions 0-2
    base = torch.zeros(1, 4, 2)
    late = base.clone()
    late[0, 2] = torch.tensor([4.0, -4.0])  # the model moved on the third answer token only
    assert anchor_kl(late, base, labels, tokens=2).item() == pytest.approx(0.0, abs=1e-7)
    whole = anchor_kl(late, base, labels)
    assert whole.item() > 0.5
    early = base.clone()
    early[0, 0] = torch.tensor([4.0, -4.0])  # ...or on the first (where refusing is decided)
    # the same move weighs 3/2 as much in a mean over two opening tokens as in a mean over all three
    assert anchor_kl(early, base, labels, tokens=2).item() == pytest.approx(1.5 * whole.item(), rel=1e-5)


def _with_edgy_train(data, n=12):
    bundle = copy.copy(data)
    bundle.edgy_train = list(data.edgy[:n])
    return bundle


def test_teaches_edgy_answers_and_anchors_on_the_base(_tiny_pair, tokenizer, data):
    model = copy.deepcopy(_tiny_pair[0]).train()
    base = copy.deepcopy(_tiny_pair[0]).eval().requires_grad_(False)
    bundle = _with_edgy_train(data)
    defense = HelpfulBoundary(examples=5, batch_size=2)
    examples = defense.training_examples(bundle)
    assert len(examples) == 5 and all(e["completion"][0]["role"] == "assistant" for e in examples)
    defense.setup(HardenContext(tokenizer=tokenizer, data=bundle, base_model=base, seed=0))
    same = defense.loss_terms(model, {})["anchor_kl"]
    assert same.item() == pytest.approx(0.0, abs=1e-6)  # the model is still the base
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.02 * torch.randn_like(p))
    moved = defense.loss_terms(model, {})["anchor_kl"]
    assert moved.item() > 0
    grads = torch.autograd.grad(moved, [p for p in model.parameters() if p.requires_grad], allow_unused=True)
    assert sum(float(g.norm()) for g in grads if g is not None) > 0
    assert defense.describe()["edgy_examples"] == 5


@pytest.mark.parametrize(("kwargs", "option"), [
    ({"kl": -1.0}, "kl"), ({"batch_size": 0}, "batch_size"), ({"examples": -2}, "examples"),
    ({"kl_sources": ["harmful"]}, "kl_sources"), ({"kl_sources": ["benign", "nope"]}, "kl_sources"),
    ({"kl_tokens": 0}, "kl_tokens"), ({"kl_tokens": -3}, "kl_tokens"),
    ({"refusal_margin": -0.5}, "refusal_margin"), ({"beta": 0.0}, "beta"), ({"beta": -1.0}, "beta"),
])
def test_bad_options_name_the_option(kwargs, option):
    with pytest.raises(KeelError, match=rf"^defense\.helpful_boundary\.{option}: "):
        HelpfulBoundary(**kwargs)


def test_missing_edgy_training_rows_is_one_line(data):
    bundle = copy.copy(data)
    bundle.edgy_train = []
    with pytest.raises(KeelError, match=r"^defense\.helpful_boundary\.data: .*data\.edgy_train"):
        HelpfulBoundary().training_examples(bundle)


@pytest.mark.parametrize("kl", [0.0, 1.0])
def test_refusal_margin_is_a_two_sided_boundary(_tiny_pair, tokenizer, data, kl):
    model = copy.deepcopy(_tiny_pair[0]).train()
    base = copy.deepcopy(_tiny_pair[0]).eval().requires_grad_(False) if kl else None
    bundle = _with_edgy_train(data)
    defense = HelpfulBoundary(kl=kl, refusal_margin=2.0, beta=0.5, batch_size=3)
    defense.setup(HardenContext(tokenizer=tokenizer, data=bundle, base_model=base, seed=0))
    assert defense.record["margin_rows"] == 12
    state = defense.contrast_rng.getstate()
    terms = defense.loss_terms(model, {})
    assert set(terms) == ({"anchor_kl", "refusal_margin"} if kl else {"refusal_margin"})
    # the same value by hand: both sides' -mean log sigma(beta * (lbar(preferred) - lbar(other))), averaged
    defense.contrast_rng.setstate(state)
    chosen = defense.contrast_rng.sample(range(12), 3)
    with torch.no_grad():
        lbar = {k: sequence_logprob(model(**b.inputs()).logits, b.labels) for k, b in
                ((k, collate([pool.pair(i) for i in chosen], pool.pad_id)) for k, pool in defense.contrast.items())}
    side = [-torch.nn.functional.logsigmoid(0.5 * (lbar[a] - lbar[b])).mean()
            for a, b in (("help", "refuse"), ("harmful_refusal", "harmful_compliance"))]
    assert terms["refusal_margin"].item() == pytest.approx(2.0 * 0.5 * (side[0] + side[1]).item(), rel=1e-4)
    grads = torch.autograd.grad(terms["refusal_margin"], [p for p in model.parameters() if p.requires_grad],
                                allow_unused=True)
    assert sum(float(g.norm()) for g in grads if g is not None) > 0
    assert set(defense.rngs()) == ({"anchor", "margin"} if kl else {"margin"})


def test_contrast_rows_pair_an_edgy_prompt_with_its_harmful_counterpart_when_trained_on():
    harmful = [{"group": g, "prompt": f"harmful {g} {i}", "refusal": f"no {g}", "compliance": f"yes {g}"}
               for g in ("drugs-003", "weapons-001") for i in range(2)]
    edgy = [{"prompt": "weed my beds?", "response": "hoe", "contrast": "drugs-003"},
            {"prompt": "kill a process?", "response": "kill PID", "contrast": "cyber-009"},  # group not trained on
            {"prompt": "fake smile?", "response": "think of a joke", "contrast": None}]
    rows = contrast_rows(edgy, harmful, seed=0)
    assert [r["paired"] for r in rows] == [True, False, False]
    assert rows[0]["harmful_prompt"] == "harmful drugs-003 0" and rows[0]["refuse"] == "no drugs-003"
    for r in rows:  # every side comes from one harmful training row
        group = r["harmful_prompt"].split()[1]
        assert r["refuse"] == f"no {group}" and r["compliance"] == f"yes {group}"
    assert contrast_rows(edgy, harmful, seed=0) == rows  # seeded


def test_durability_v3_refusal_boundary_is_the_validation_lead():
    """Arm (b)'s recipe as chosen on validation rows: 96 steps, 230 refusal rows, the margin at weight 1,
    and the 157 helpful edgy rows with the default KL anchor."""
    cfg = compose_config("harden", ["preset=durability_v3", "hardening=refusal_boundary"])
    assert set(cfg.defense) == {"refusal_sft", "helpful_boundary"} and cfg.harden.steps == 96
    assert cfg.defense.refusal_sft.examples == 230 and cfg.defense.helpful_boundary.refusal_margin == 1.0
    default = compose_config("harden", ["preset=durability_v3", "defense=[refusal_sft,helpful_boundary]"])
    for key in ("examples", "kl", "kl_sources", "kl_tokens", "beta", "batch_size"):
        assert cfg.defense.helpful_boundary[key] == default.defense.helpful_boundary[key], key
