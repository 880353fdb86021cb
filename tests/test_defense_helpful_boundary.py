"""The helpful-boundary defense: its KL anchor's value, its data, and its one-line errors."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from defenses.base import HardenContext
from defenses.batches import IGNORE
from defenses.helpful_boundary import HelpfulBoundary, anchor_kl
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
])
def test_bad_options_name_the_option(kwargs, option):
    with pytest.raises(KeelError, match=rf"^defense\.helpful_boundary\.{option}: "):
        HelpfulBoundary(**kwargs)


def test_missing_edgy_training_rows_is_one_line(data):
    bundle = copy.copy(data)
    bundle.edgy_train = []
    with pytest.raises(KeelError, match=r"^defense\.helpful_boundary\.data: .*data\.edgy_train"):
        HelpfulBoundary().training_examples(bundle)
