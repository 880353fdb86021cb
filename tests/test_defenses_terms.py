"""Every defense, built from its YAML: loss terms finite, of the expected sign, each with a nonzero
gradient; user errors name the option."""

from __future__ import annotations

import copy
import io
import math
from pathlib import Path

import pytest
import torch

from defenses.base import HardenContext
from tests.conftest import TINY_OVERRIDES, compose_config
from train import KeelError
from train.cli import CONF_DIR
from train.pipeline import build_named

DEFENSES = sorted(p.stem for p in (Path(CONF_DIR) / "defense").glob("*.yaml"))
# term -> sign it must have (+1: >= 0, -1: <= 0, 0: any). Unlisted terms must be >= 0.
SIGNS = {"harmful_ascent": -1, "tamper_resistance": 0}
# meta_step metrics with a known sign
METRIC_SIGNS = {"tr_refusal": 1, "tr_preference": 1, "tr_entropy": -1}
# small batches keep the file fast; the hidden-state term of paraphrase invariance is off by default
OVERRIDES = {name: [f"defense.{name}.batch_size=2"] for name in ("tar", "repnoise", "booster", "vaccine",
                                                                  "deep_alignment")}
OVERRIDES["paraphrase_invariance"] = ["defense.paraphrase_invariance.hidden_weight=0.1"]


# One torch thread: on 2 shared cores a tiny forward+backward is otherwise dominated by thread contention.
pytestmark = pytest.mark.usefixtures("one_thread")


def build(name: str, *overrides: str):
    """Instantiate as the pipeline does (constructor errors surface as their KeelError)."""
    cfg = compose_config("harden", [*TINY_OVERRIDES, f"defense=[{name}]", *overrides])
    return build_named(cfg.defense, "defense")[0]


@pytest.fixture(scope="module")
def drifted(_tiny_pair):
    """(model, base): the model moved a little away from the frozen base (the retain drift is then > 0)."""
    model, base = copy.deepcopy(_tiny_pair[0]), copy.deepcopy(_tiny_pair[0]).eval().requires_grad_(False)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01 * torch.randn(p.shape, generator=gen))
    return model.train(), base


@pytest.mark.parametrize("name", DEFENSES)
def test_loss_terms_are_finite_signed_and_have_gradients(name, drifted, tokenizer, data):
    model, base = drifted
    defense = build(name, *OVERRIDES.get(name, []))
    defense.setup(HardenContext(tokenizer=tokenizer, data=data, base_model=base, seed=0))
    examples = defense.training_examples(data)
    assert all({"prompt", "completion"} <= set(e) for e in examples)
    params = [p for p in model.parameters() if p.requires_grad]
    before = [p.detach().clone() for p in params]
    metrics = defense.meta_step(model, {})
    terms = defense.loss_terms(model, {})
    assert all(torch.equal(a, p) for a, p in zip(before, params)), "meta_step must leave the weights as found"
    assert terms or examples, f"{name} contributes neither data nor loss terms"
    for key, value in metrics.items():
        assert math.isfinite(value), (key, value)
        assert METRIC_SIGNS.get(key, 0) * value >= 0, (key, value)
    for key, term in terms.items():
        assert term.dim() == 0 and torch.isfinite(term), (key, term)
        assert SIGNS.get(key, 1) * term.item() >= 0, (key, term.item())
        grads = torch.autograd.grad(term, params, retain_graph=True, allow_unused=True)
        norm = sum(float(g.norm()) for g in grads if g is not None)
        assert norm > 0, f"{name}/{key}: zero gradient"
    assert defense.passes_per_step() >= 0
    assert defense.describe()["threat_model"] == "open-weight"




@pytest.mark.parametrize(("override", "message"), [
    ("defense.tar.inner_steps=0", "defense.tar.inner_steps: must be >= 1"),
    ("defense.tar.tr_points=9", "defense.tar.tr_points: must be in [1, inner_steps=4]"),
    ("defense.tar.meta_gradient=zeroth", "defense.tar.meta_gradient:"),
    ("defense.tar.attack_space=null defense.tar.train_space.optimizer=[lbfgs]",
     "defense.tar.train_space.optimizer: 'lbfgs'"),
    ("defense.tar.meta_gradient=second_order", "defense.tar.meta_gradient: second_order"),
])
def test_tar_config_errors_name_the_option(override, message):
    with pytest.raises(KeelError) as err:
        build("tar", *override.split())
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_other_config_errors_name_the_option():
    with pytest.raises(KeelError, match=r"^defense\.paraphrase_invariance\.sources: 'tea'"):
        build("paraphrase_invariance", "defense.paraphrase_invariance.sources=[tea]")
    with pytest.raises(KeelError, match=r"^defense\.vaccine\.rho: must be positive"):
        build("vaccine", "defense.vaccine.rho=0")
    with pytest.raises(KeelError, match=r"^defense\.multilingual_refusal\.languages: 'xx'"):
        build("multilingual_refusal", "defense.multilingual_refusal.languages=[xx]")


def test_defenses_stack_under_their_own_names():
    cfg = compose_config("harden", [*TINY_OVERRIDES, "defense=[multilingual_refusal,paraphrase_invariance,tar]"])
    assert list(cfg.defense) == ["multilingual_refusal", "paraphrase_invariance", "tar"]
    assert cfg.defense.tar.lr_scale == cfg.budget.lr_scale


@pytest.mark.parametrize("name", [d for d in DEFENSES if d not in ("refusal_sft", "multilingual_refusal")])
def test_state_dict_resumes_the_same_draws(name, drifted, tokenizer, data):
    """A resumed run (fresh object, setup, load_state_dict) draws the batches and attacks the
    uninterrupted one would have: the next step's terms are identical."""
    model, base = drifted
    ctx = HardenContext(tokenizer=tokenizer, data=data, base_model=base, seed=0)
    running, resumed = build(name, *OVERRIDES.get(name, [])), build(name, *OVERRIDES.get(name, []))
    running.setup(ctx)
    resumed.setup(ctx)
    running.meta_step(model, {})
    running.loss_terms(model, {})
    buffer = io.BytesIO()
    torch.save(running.state_dict(), buffer)  # the checkpoint format: weights_only on load
    buffer.seek(0)
    resumed.load_state_dict(torch.load(buffer, weights_only=True))

    def next_step(defense):
        metrics = defense.meta_step(model, {})
        return metrics, {k: v.item() for k, v in defense.loss_terms(model, {}).items()}

    assert next_step(running) == next_step(resumed)
