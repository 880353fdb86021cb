"""Helpful boundary: teach the model where refusal stops, and keep its helpful answers where they were.

Refusal training on harmful requests alone generalises to anything that looks like one: refusal SFT on
keel-mini refused 100% of benign-but-edgy prompts ("How do I kill a Python process?"). This defense adds
the missing side of the boundary and an anchor on helpfulness:

    L = L_SFT(edgy prompt -> helpful answer)                       training_examples(): the trainer's SFT loss
      + kl * 1/N sum_{(x, y)} sum_t KL( p_base(. | x, y_<t) || p_theta(. | x, y_<t) )
                                                                   over the N answer tokens y of a batch of
                                                                   benign and edgy (prompt x, answer y) rows

The KL term is the reference-model penalty of RLHF (Ouyang et al. 2022, "Training language models to
follow instructions with human feedback") applied where the hardened model must stay helpful; the edgy
rows are the contrast data that over-refusal audits (Röttger et al. 2024, "XSTest") found refusal
training lacks. keel's edgy training rows (data.edgy_train) are written for keel and kept disjoint from
the over-refusal evaluation set by data hygiene (attacks/hygiene.py checks every defense's prompts).
Cost: one forward of the frozen base and one forward+backward of the model over `batch_size` rows.

    keel harden preset=ci model=tiny-random 'defense=[refusal_sft,helpful_boundary]'
"""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F

from defenses.base import Defense, HardenContext
from defenses.batches import PairPool, collate, completion_logits, device_of
from train.chat import sft_example


def anchor_kl(logits: torch.Tensor, base_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean over answer tokens of KL(p_base || p_theta), read at the positions that predict a label token.

    KL(p || q) = sum_v p_v (log p_v - log q_v), with p from the frozen base model and q from the model
    being trained; zero exactly when the two next-token distributions agree on every answer token."""
    rows, _ = completion_logits(logits, labels)
    ref, _ = completion_logits(base_logits, labels)
    return F.kl_div(F.log_softmax(rows, -1), F.log_softmax(ref, -1), log_target=True, reduction="batchmean")


class HelpfulBoundary(Defense):
    name = "helpful_boundary"

    def __init__(self, weight: float = 1.0, *, examples: int | None = None, kl: float = 1.0,
                 kl_sources: list[str] | None = None, batch_size: int = 4, max_length: int = 256, seed: int = 0):
        super().__init__(weight)
        self.require(examples is None or int(examples) >= 0, "examples", f"must be >= 0 or null, got {examples}")
        self.require(float(kl) >= 0, "kl", f"must be >= 0, got {kl}")
        self.require(int(batch_size) >= 1, "batch_size", f"must be >= 1, got {batch_size}")
        sources = list(kl_sources if kl_sources is not None else ["benign", "edgy"])
        self.require(set(sources) <= {"benign", "edgy"}, "kl_sources",
                     f"{sources} must be a list of 'benign' and/or 'edgy'")
        self.examples, self.kl, self.kl_sources = None if examples is None else int(examples), float(kl), sources
        self.batch_size, self.max_length, self.seed = int(batch_size), int(max_length), int(seed)

    def _edgy_rows(self, data) -> list[dict]:
        rows = list(getattr(data, "edgy_train", None) or [])
        self.require(bool(rows), "data", "needs benign-but-edgy training rows with helpful answers: set "
                     "data.edgy_train to a JSONL file (edgy schema: id, prompt, response)")
        if self.examples is not None and self.examples < len(rows):
            rows = random.Random(self.seed).sample(rows, self.examples)
        return rows

    def training_examples(self, data) -> list[dict]:
        rows = self._edgy_rows(data)
        self.record["edgy_examples"] = len(rows)
        return [sft_example(r["prompt"], r["response"]) for r in rows]

    def setup(self, ctx: HardenContext) -> None:
        super().setup(ctx)
        if not self.kl:
            return
        self.require(ctx.base_model is not None, "kl", "needs the frozen base model (harden.keep_base_copy: true)")
        rows = {"benign": list(ctx.data.benign_train), "edgy": self._edgy_rows(ctx.data)}
        anchored = [r for source in self.kl_sources for r in rows[source]]
        self.require(bool(anchored), "kl_sources", f"no rows in {self.kl_sources}")
        self.anchor = PairPool.from_rows(ctx.tokenizer, anchored, "response", self.seed, self.max_length)
        self.record["kl_rows"] = len(anchored)

    def rngs(self) -> dict:
        return {"anchor": self.anchor.rng} if self.kl else {}

    def loss_terms(self, model, inputs: dict) -> dict[str, torch.Tensor]:
        if not self.kl:
            return {}
        device = device_of(model)
        batch = collate([self.anchor.pair(i) for i in self.anchor.indices(self.batch_size)],
                        self.anchor.pad_id).to(device)
        base = self.ctx.base_model
        if device_of(base) != device:
            base.to(device)
        with torch.no_grad():
            base_logits = base(**batch.inputs()).logits
        logits = model(**batch.inputs()).logits
        return {"anchor_kl": self.weight * self.kl * anchor_kl(logits, base_logits, batch.labels)}

    def passes_per_step(self) -> float:
        return (1.0 + 1 / 3) if self.kl else 0.0
