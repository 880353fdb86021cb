"""The meta-learning engine: simulated attacks are undone exactly, the meta-gradient reaches `param.grad`
through the surrogate, the exact second-order gradient matches finite differences, and the inner loop
samples only the TRAIN part of the attack space."""

from __future__ import annotations

import random

import pytest
import torch

from attacks.space import AttackSpace
from defenses.base import HardenContext
from defenses.batches import trainable_parameters
from defenses.inner_loop import TrainSpaceSampler
from defenses.meta_learning import first_order_meta_gradient, second_order_meta_gradient
from defenses.tar import TamperResistance
from tests.conftest import TINY_OVERRIDES, compose_config

ATTACKS = [
    {"recipe": "full", "optimizer": "adamw", "schedule": "warmup_cosine", "data": "harmful"},
    {"recipe": "full", "optimizer": "sgd", "schedule": "constant", "data": "retain_then_harmful"},
    {"recipe": "full", "optimizer": "adagrad", "schedule": "linear", "data": "mixed"},
    {"recipe": "lora", "optimizer": "adam", "schedule": "constant", "data": "benign"},
]


# One torch thread: on 2 shared cores a tiny forward+backward is otherwise dominated by thread contention.
pytestmark = pytest.mark.usefixtures("one_thread")


def tar(tokenizer, data, base=None, **kwargs) -> TamperResistance:
    options = dict(inner_steps=3, tr_points=2, batch_size=2, max_length=48, retain_lm=0.0, retain_rep=0.0,
                   train_space={"recipe": ["full"], "optimizer": ["sgd"], "lr": [0.05]})
    options.update(kwargs)
    defense = TamperResistance(**options)
    defense.setup(HardenContext(tokenizer=tokenizer, data=data, base_model=base, seed=0))
    return defense


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: f"{a['recipe']}-{a['optimizer']}-{a['data']}")
def test_inner_loop_restores_weights_and_grads_exactly(attack, tiny_model, tokenizer, data):
    model = tiny_model.train()
    defense = tar(tokenizer, data, train_space={**{k: [v] for k, v in attack.items()}, "lr": [0.05]})
    params = [p for p in model.parameters() if p.requires_grad]
    for p in params:  # gradient accumulation holds earlier micro-batches' gradients here
        p.grad = torch.full_like(p, 0.5)
    weights = [p.detach().clone() for p in params]
    metrics = defense.meta_step(model, {})
    assert metrics["attack_loss_first"] != metrics["attack_loss_last"], "the simulated attack did not train"
    assert all(torch.equal(w, p) for w, p in zip(weights, params)), "weights not restored bitwise"
    assert all(torch.equal(p.grad, torch.full_like(p, 0.5)) for p in params), "accumulated grads lost"
    assert not any(m._forward_hooks for m in model.modules()), "LoRA hooks left behind"
    assert all(b.device.type == "cpu" for b in defense.snapshot.buffers)


def test_meta_gradient_reaches_param_grad_through_the_surrogate(tiny_model, tokenizer, data):
    model = tiny_model.train()
    defense = tar(tokenizer, data)
    defense.meta_step(model, {})
    params, grads, value = defense._pending
    expected = [g.clone() for g in grads]
    terms = defense.loss_terms(model, {})
    assert set(terms) == {"tamper_resistance"}
    assert terms["tamper_resistance"].item() == pytest.approx(value)
    terms["tamper_resistance"].backward()
    assert all(torch.allclose(p.grad, g) for p, g in zip(params, expected))
    assert sum(float(g.norm()) for g in expected) > 0


@pytest.fixture
def float64_exact(monkeypatch):
    """Llama's RMSNorm and eager softmax compute in float32 even in a float64 model: that rounding is
    ~1e-7 of the loss, which finite differences divide by h. Keep float64 end to end (SDPA attention,
    dtype-preserving RMSNorm) so the comparison measures the gradient, not the rounding."""
    from transformers.models.llama import modeling_llama

    def rms_norm(self, hidden):
        variance = hidden.pow(2).mean(-1, keepdim=True)
        return self.weight * (hidden * torch.rsqrt(variance + self.variance_epsilon))

    monkeypatch.setattr(modeling_llama.LlamaRMSNorm, "forward", rms_norm)


def test_second_order_meta_gradient_matches_finite_differences(tiny_model, tokenizer, data, float64_exact):
    model = tiny_model.double().train()
    model.set_attn_implementation("sdpa")  # double backward runs on its MATH kernel (the engine selects it)
    defense = tar(tokenizer, data, inner_steps=2, meta_gradient="second_order")
    attack = defense.sampler.sample()
    fixed = {k: defense.attack_data.batch("harmful", k, 2, "cpu") for k in (1, 2)}
    tr_batch = defense.tr_batch()
    named = trainable_parameters(model)
    params = [p for _, p in named]

    def objective() -> dict:
        return first_order_meta_gradient(model, params, attack, fixed.__getitem__, 2, defense.weights,
                                         defense.tamper_resistance_loss, tr_batch)

    exact = second_order_meta_gradient(model, named, attack, fixed.__getitem__, 2, defense.weights,
                                       defense.tamper_resistance_loss, tr_batch)
    first = objective()
    assert exact["value"] == pytest.approx(first["value"], rel=1e-12), "functional SGD != torch SGD"

    gen = torch.Generator().manual_seed(0)
    direction = [torch.randn(p.shape, generator=gen, dtype=p.dtype) for p in params]
    norm = torch.sqrt(sum((d ** 2).sum() for d in direction))
    direction = [d / norm for d in direction]

    def shifted(eps: float) -> float:
        with torch.no_grad():
            for p, d in zip(params, direction):
                p.add_(eps * d)
        value = objective()["value"]
        with torch.no_grad():
            for p, d in zip(params, direction):
                p.sub_(eps * d)
        return value

    h = 1e-5
    finite_difference = (shifted(h) - shifted(-h)) / (2 * h)
    analytic = sum(float((g * d).sum()) for g, d in zip(exact["grads"], direction) if g is not None)
    first_order = sum(float((g * d).sum()) for g, d in zip(first["grads"], direction) if g is not None)
    assert analytic == pytest.approx(finite_difference, rel=1e-5, abs=1e-9)
    assert abs(first_order - analytic) > 1e-4 * abs(analytic), "first order should differ (else the test is blind)"


def test_inner_loop_samples_only_the_train_part_of_the_attack_space():
    cfg = compose_config("harden", TINY_OVERRIDES)
    space = AttackSpace.from_config(cfg.attack_space)
    sampler = TrainSpaceSampler(space, seed=0)
    train = {axis: set(space.categorical[axis][0]) for axis in ("data", "optimizer", "schedule")}
    for _ in range(50):
        attack = sampler.sample()
        assert attack.recipe == "full"  # the default space holds LoRA out
        for axis, allowed in train.items():
            assert getattr(attack, axis) in allowed, (axis, getattr(attack, axis))
        assert 1e-5 * space.lr_scale <= attack.lr <= 1e-4 * space.lr_scale * (1 + 1e-9)
    # the same space straight from the config node, as Hydra hands it to the defense
    assert TrainSpaceSampler(dict(cfg.attack_space), seed=0).sample() == TrainSpaceSampler(space, seed=0).sample()
    rng = random.Random(0)
    assert space.split_of(space.sample(rng, split="train")) == "train"


def test_ranks_draw_their_own_batches_but_the_same_attacks(tokenizer, data, monkeypatch):
    """Under DDP every rank simulates the same attack on its own data (else the ranks repeat one batch)."""
    space = {"recipe": ["full"], "optimizer": ["sgd", "adamw"], "lr": [0.01, 0.05, 0.1]}

    def draws(rank: str) -> tuple[list, list]:
        monkeypatch.setenv("RANK", rank)
        defense = tar(tokenizer, data, train_space=space)
        batches = [defense.tr_batch().input_ids.tolist() for _ in range(4)]
        return batches, [defense.sampler.sample() for _ in range(4)]

    (batches0, attacks0), (batches1, attacks1), (again0, _) = draws("0"), draws("1"), draws("0")
    assert attacks0 == attacks1
    assert batches0 != batches1
    assert batches0 == again0  # seeded: a rank draws the same batches on every run
