"""HardenTrainer: gradient accumulation gives the large-batch gradient (defense terms and meta-gradients
included), every loss term is logged under its own name, and a defense stack trains end to end."""

from __future__ import annotations

import copy

import pytest
import torch
from datasets import Dataset
from trl import SFTConfig

from defenses.base import Defense, HardenContext
from defenses.batches import PairPool, masked_nll
from defenses.meta_learning import meta_gradient_surrogate
from tests.conftest import TINY_OVERRIDES, compose_config
from train.chat import sft_example
from train.hardening import CPU_SAFE_DEFAULTS, HardenTrainer, harden
from train.pipeline import build_named
from train.progress import trainer_kwargs

# One torch thread: on 2 shared cores a tiny forward+backward is otherwise dominated by thread contention.
pytestmark = pytest.mark.usefixtures("one_thread")


class FixedTerms(Defense):
    """A deterministic defense: an LM term on a fixed batch and a fixed meta-gradient via the surrogate."""

    name = "fixed"

    def setup(self, ctx: HardenContext) -> None:
        super().setup(ctx)
        self.batch = PairPool.from_rows(ctx.tokenizer, ctx.data.harmful_train[:2], "refusal").sample(2, [0, 1])

    def meta_step(self, model, inputs):
        params = [p for p in model.parameters() if p.requires_grad]
        self._pending = (params, [torch.full_like(p, 1e-3) for p in params])
        return {"probe": 1.0}

    def loss_terms(self, model, inputs):
        params, grads = self._pending
        lm = masked_nll(model(**self.batch.inputs()).logits, self.batch.labels)
        return {"lm": 0.5 * lm, "meta": meta_gradient_surrogate(params, grads, 0.25)}


def one_optimizer_step(model, tokenizer, data, batch_size: int, accumulation: int, tmp_path):
    defense = FixedTerms()
    defense.setup(HardenContext(tokenizer=tokenizer, data=data))
    records = [sft_example(r["prompt"], r["response"]) for r in data.benign_train[:4]]
    args = SFTConfig(**trainer_kwargs({
        **CPU_SAFE_DEFAULTS, "output_dir": str(tmp_path), "max_steps": 1, "seed": 0, "data_seed": 0,
        "per_device_train_batch_size": batch_size, "gradient_accumulation_steps": accumulation,
        "learning_rate": 0.1, "optim": "sgd", "lr_scheduler_type": "constant", "max_grad_norm": 0.0,
        "logging_steps": 1, "disable_tqdm": True}))
    trainer = HardenTrainer(model=model, args=args, train_dataset=Dataset.from_list(records),
                            processing_class=tokenizer, defenses=[defense])
    trainer.train()
    return [p.detach().clone() for p in model.parameters()], trainer.state.log_history


def test_gradient_accumulation_matches_one_large_batch(tiny_model, tokenizer, data, tmp_path):
    start = copy.deepcopy(tiny_model)
    initial = [p.detach().clone() for p in start.parameters()]
    large, large_log = one_optimizer_step(tiny_model, tokenizer, data, 4, 1, tmp_path / "a")
    accumulated, accumulated_log = one_optimizer_step(start, tokenizer, data, 2, 2, tmp_path / "b")
    assert max(float((a - b).abs().max()) for a, b in zip(large, initial)) > 1e-3, "the step did not move"
    for a, b in zip(large, accumulated):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
    # logged per-micro-batch means agree too: each term under its own name
    for key in ("sft/loss", "fixed/lm", "fixed/meta", "fixed/probe"):
        assert large_log[0][key] == pytest.approx(accumulated_log[0][key], rel=1e-4), key
    assert large_log[0]["fixed/meta"] == pytest.approx(0.25)


def test_defense_stack_trains_end_to_end(tiny_model, tokenizer, data, tmp_path):
    stack = "[multilingual_refusal,paraphrase_invariance,tar]"
    cfg = compose_config("harden", [*TINY_OVERRIDES, f"defense={stack}", "harden.steps=3", "harden.batch_size=4",
                                    "harden.logging_steps=1", "harden.retain_examples=4",
                                    "defense.tar.batch_size=2", "defense.tar.inner_steps=2",
                                    "defense.tar.max_length=64", "defense.multilingual_refusal.max_examples=24"])
    defenses = build_named(cfg.defense, "defense")
    before = [p.detach().clone() for p in tiny_model.parameters()]
    stats = harden(tiny_model, tokenizer, data, defenses, cfg.harden, str(tmp_path / "trainer"))
    assert stats["steps"] == 3 and stats["examples"] == 24 + 4
    logged = {k for row in stats["log_history"] for k in row}
    for key in ("sft/loss", "paraphrase_invariance/consistency", "tar/tamper_resistance", "tar/retain_lm",
                "tar/retain_rep", "tar/tr_refusal", "tar/attack_loss_last"):
        assert key in logged, key
    assert all(torch.isfinite(p).all() for p in tiny_model.parameters())
    assert any(not torch.equal(a, p) for a, p in zip(before, tiny_model.parameters()))
    described = {d.name: d.describe() for d in defenses}
    assert described["multilingual_refusal"]["examples"] == 24
    assert described["tar"]["passes_per_step"] > 0
