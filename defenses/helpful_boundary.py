"""Helpful boundary: teach the model where refusal stops, and keep its helpful answers where they were.

Refusal training on harmful requests alone generalises to anything that looks like one: refusal SFT on
keel-mini refused 100% of benign-but-edgy prompts ("How do I kill a Python process?"). This defense adds
the missing side of the boundary and an anchor on helpfulness:

    L = L_SFT(edgy prompt -> helpful answer)                       training_examples(): the trainer's SFT loss
      + kl * 1/N sum_{(x, y)} sum_{t < k} KL( p_base(. | x, y_<t) || p_theta(. | x, y_<t) )
                                                                   over the N answer tokens y_t, t < k, of a
                                                                   batch of benign and edgy (x, y) rows
      + refusal_margin * -1/2B sum_{(x, h)} [ log sigma( beta * (lbar(y_help | x) - lbar(y_refuse | x)) )
                                              + log sigma( beta * (lbar(r_h | h) - lbar(c_h | h)) ) ]
                                                                   over B edgy prompts x (helpful answer
                                                                   y_help, a refusal y_refuse) each paired with
                                                                   a harmful training prompt h (refusal r_h,
                                                                   compliance c_h); lbar = mean token
                                                                   log-likelihood

The KL term is the reference-model penalty of RLHF (Ouyang et al. 2022, "Training language models to
follow instructions with human feedback") applied where the hardened model must stay helpful; the edgy
rows are the contrast data that over-refusal audits (Röttger et al. 2024, "XSTest") found refusal
training lacks. `kl_tokens` = k puts the anchor on the opening of each answer only (k = null: every
token): whether a model refuses is decided in an answer's first few tokens (Qi et al. 2024, "Safety
Alignment Should Be Made More Than Just a Few Tokens Deep"), and a mean over ~60 answer tokens gives that
decision ~1/60 of the term, while a short refusal row ("I can't help with that.") spends ~1/7 of its SFT
loss on it. The margin term is a contrastive boundary: the same kind of refusal is preferred over the
compliance on a harmful prompt and dispreferred to the helpful answer on an edgy one, in one batch, so the
surface both prompts share ("How do I kill ...") cancels and only what tells them apart is learned
(reference-free, length-normalised preferences as SimPO: Meng et al. 2024; DPO: Rafailov et al. 2023).
y_refuse is h's refusal, and h is the edgy row's `contrast` group (a harmful request worded like it) when
that group is in data.harmful's training split, else a seeded draw from that split. keel's edgy
training rows (data.edgy_train) are written for keel and kept disjoint from
the over-refusal evaluation set by data hygiene (attacks/hygiene.py checks every defense's prompts).
Cost: one forward of the frozen base and one forward+backward of the model over `batch_size` rows, and
with the margin one forward+backward over 2 x `batch_size` rows.

    keel harden preset=ci model=tiny-random 'defense=[refusal_sft,helpful_boundary]'
"""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F

from defenses.base import Defense, HardenContext
from defenses.batches import (
    PairPool,
    TokenizedRows,
    collate,
    completion_logits,
    device_of,
    opening_labels,
    sequence_logprob,
)
from defenses.contrast import contrast_rows
from defenses.tar import preference_loss
from train.chat import sft_example


def anchor_kl(logits: torch.Tensor, base_logits: torch.Tensor, labels: torch.Tensor,
              tokens: int | None = None) -> torch.Tensor:
    """Mean over answer tokens (the first `tokens` of each row; None = all) of KL(p_base || p_theta), read
    at the positions that predict a label token.

    KL(p || q) = sum_v p_v (log p_v - log q_v), with p from the frozen base model and q from the model
    being trained; zero exactly when the two next-token distributions agree on every answer token."""
    labels = opening_labels(labels, tokens)
    rows, _ = completion_logits(logits, labels)
    ref, _ = completion_logits(base_logits, labels)
    return F.kl_div(F.log_softmax(rows, -1), F.log_softmax(ref, -1), log_target=True, reduction="batchmean")


# The margin's four (prompt, completion) pools over contrast_rows, in the order margin_term reads them.
MARGIN_POOLS = {"help": ("prompt", "help"), "refuse": ("prompt", "refuse"),
                "harmful_refusal": ("harmful_prompt", "refuse"), "harmful_compliance": ("harmful_prompt", "compliance")}


class HelpfulBoundary(Defense):
    name = "helpful_boundary"

    def __init__(self, weight: float = 1.0, *, examples: int | None = None, kl: float = 1.0,
                 kl_sources: list[str] | None = None, kl_tokens: int | None = None,
                 refusal_margin: float = 0.0, beta: float = 1.0, batch_size: int = 4, max_length: int = 256,
                 seed: int = 0):
        super().__init__(weight)
        self.require(examples is None or int(examples) >= 0, "examples", f"must be >= 0 or null, got {examples}")
        self.require(float(kl) >= 0, "kl", f"must be >= 0, got {kl}")
        self.require(kl_tokens is None or int(kl_tokens) >= 1, "kl_tokens",
                     f"must be >= 1 or null, got {kl_tokens}")
        self.require(float(refusal_margin) >= 0, "refusal_margin", f"must be >= 0, got {refusal_margin}")
        self.require(float(beta) > 0, "beta", f"must be positive, got {beta}")
        self.require(int(batch_size) >= 1, "batch_size", f"must be >= 1, got {batch_size}")
        sources = list(kl_sources if kl_sources is not None else ["benign", "edgy"])
        self.require(set(sources) <= {"benign", "edgy"}, "kl_sources",
                     f"{sources} must be a list of 'benign' and/or 'edgy'")
        self.examples, self.kl, self.kl_sources = None if examples is None else int(examples), float(kl), sources
        self.kl_tokens = None if kl_tokens is None else int(kl_tokens)
        self.refusal_margin, self.beta = float(refusal_margin), float(beta)
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
        if self.kl:
            self.require(ctx.base_model is not None, "kl",
                         "needs the frozen base model (harden.keep_base_copy: true)")
            rows = {"benign": list(ctx.data.benign_train), "edgy": self._edgy_rows(ctx.data)}
            anchored = [r for source in self.kl_sources for r in rows[source]]
            self.require(bool(anchored), "kl_sources", f"no rows in {self.kl_sources}")
            self.anchor = PairPool.from_rows(ctx.tokenizer, anchored, "response", self.seed, self.max_length)
            self.record["kl_rows"] = len(anchored)
        if self.refusal_margin:
            self.require(bool(ctx.data.harmful_train), "refusal_margin", "needs data.harmful's training split")
            rows = contrast_rows(self._edgy_rows(ctx.data), ctx.data.harmful_train, self.seed + 1)
            self.contrast = {name: PairPool(TokenizedRows(ctx.tokenizer, rows, completion, prompt),
                                            ctx.tokenizer.pad_token_id, max_length=self.max_length)
                             for name, (prompt, completion) in MARGIN_POOLS.items()}
            self.contrast_rng = random.Random(self.seed + 2)
            self.record["margin_rows"] = len(rows)
            self.record["margin_contrast_pairs"] = sum(r["paired"] for r in rows)

    def rngs(self) -> dict:
        return {**({"anchor": self.anchor.rng} if self.kl else {}),
                **({"margin": self.contrast_rng} if self.refusal_margin else {})}

    def loss_terms(self, model, inputs: dict) -> dict[str, torch.Tensor]:
        terms = {}
        if self.kl:
            terms["anchor_kl"] = self.weight * self.kl * self.anchor_term(model)
        if self.refusal_margin:
            terms["refusal_margin"] = self.weight * self.refusal_margin * self.margin_term(model)
        return terms

    def anchor_term(self, model) -> torch.Tensor:
        device = device_of(model)
        batch = collate([self.anchor.pair(i) for i in self.anchor.indices(self.batch_size)],
                        self.anchor.pad_id).to(device)
        base = self.ctx.base_model
        if device_of(base) != device:
            base.to(device)
        with torch.no_grad():
            base_logits = base(**batch.inputs()).logits
        logits = model(**batch.inputs()).logits
        return anchor_kl(logits, base_logits, batch.labels, self.kl_tokens)

    def margin_term(self, model) -> torch.Tensor:
        """Both sides of the boundary in one forward: help over refusal on edgy prompts, refusal over
        compliance on their harmful counterparts."""
        n = len(self.contrast["help"])
        chosen = self.contrast_rng.sample(range(n), min(self.batch_size, n))
        pools = [self.contrast[name] for name in MARGIN_POOLS]
        batch = collate([pool.pair(i) for pool in pools for i in chosen], pools[0].pad_id).to(device_of(model))
        logp = sequence_logprob(model(**batch.inputs()).logits, batch.labels)
        help_, refuse, refusal, compliance = logp.chunk(4)
        return 0.5 * (preference_loss(help_, refuse, self.beta) + preference_loss(refusal, compliance, self.beta))

    def passes_per_step(self) -> float:
        return ((1.0 + 1 / 3) if self.kl else 0.0) + (4.0 if self.refusal_margin else 0.0)
