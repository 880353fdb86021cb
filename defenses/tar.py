"""TAR: tamper-resistant safeguards by adversarial meta-learning (Tamirisa et al. 2024, "Tamper-Resistant
Safeguards for Open-Weight LLMs"), on keel's engine (defenses/meta_learning.py).

Tamper-resistance loss at the attacked weights theta_k, on harmful prompts x with refusal y_r and
compliance y_c:
    L_TR = a * L_refusal + b * L_pref + c * L_negent
    L_refusal = -1/|y_r| sum_t log p(y_r,t | x, y_r,<t)                 keep refusing after the attack
    L_pref    = -log sigma(beta * (logp(y_r | x) - logp(y_c | x)))       DPO-style preference for refusal
                over compliance (reference-free; logp = mean token log-likelihood, so length does not matter)
    L_negent  = -1/N sum_t H(p(. | x, y_c,<t))                           negative entropy on compliant
                completions: the attacked model stays uncertain where the attacker wants it sure
With `boundary` > 0, L_TR also keeps the boundary after the attack, on B benign-but-edgy training prompts
x_e (helpful answer y_h; y_r the refusal of a harmful prompt worded like x_e, defenses/contrast.py):
    + boundary * -log sigma(beta * (lbar(y_h | x_e) - lbar(y_r | x_e)))
lbar over each answer's first `boundary_tokens` tokens: whether a model refuses is decided in an answer's
opening (Qi et al. 2024), and the edgy answers (~170 tokens) would otherwise double the width of the batch.
Without it, the meta-gradient of "refuse harmful prompts after the attack" is taken on harmful prompts
alone, and the outer step spreads refusal to every prompt that looks like one (docs/RESULTS.md).
Outer loss: lambda_TR * sum_k w_k L_TR(theta_k) + retain (LM loss on benign data + hidden-state drift
from the frozen base model). Unlike the paper's runs, the attacks are drawn from the train split of the
whole attack space (optimizers, schedules, LoRA, retain-then-harmful data, benign and mixed fine-tunes on
data.benign_alt), not constant-LR full FT only.

    keel harden preset=ci model=tiny-random 'defense=[refusal_sft,tar]'
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from defenses.base import HardenContext
from defenses.batches import IGNORE, Batch, PairPool, TokenizedRows, completion_logits, row_means
from defenses.contrast import contrast_rows
from defenses.meta_learning import MetaLearningDefense


def preference_loss(logp_refusal: torch.Tensor, logp_compliance: torch.Tensor, beta: float) -> torch.Tensor:
    """-mean log sigma(beta * (logp_refusal - logp_compliance)), per-prompt sequence log-probs [B]."""
    return -F.logsigmoid(beta * (logp_refusal - logp_compliance)).mean()


def negative_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """-1/N sum_t H(p_t), H(p) = -sum_v p_v log p_v, over the N positions predicting completion tokens."""
    rows, _ = completion_logits(logits, labels)
    return entropy_term(torch.log_softmax(rows, dim=-1))


def entropy_term(logp: torch.Tensor) -> torch.Tensor:
    """-mean_t H(p_t) from log-probabilities [N, V]."""
    return (logp.exp() * logp).sum(-1).mean()


class TamperResistance(MetaLearningDefense):
    name = "tar"

    def __init__(self, weight: float = 1.0, *, refusal: float = 1.0, preference: float = 1.0,
                 entropy: float = 0.5, beta: float = 1.0, boundary: float = 0.0, boundary_tokens: int | None = 32,
                 **engine):
        self.boundary = float(boundary)  # read by passes_per_step() in the engine's __init__
        super().__init__(weight, **engine)
        self.require(self.boundary >= 0, "boundary", f"must be >= 0, got {boundary}")
        self.require(boundary_tokens is None or int(boundary_tokens) >= 1, "boundary_tokens",
                     f"must be >= 1 or null, got {boundary_tokens}")
        self.boundary_tokens = None if boundary_tokens is None else int(boundary_tokens)
        self.require(min(refusal, preference, entropy) >= 0 and refusal + preference + entropy + boundary > 0,
                     "refusal", "the L_TR weights (refusal, preference, entropy, boundary) must be >= 0, not all 0")
        self.require(beta > 0, "beta", f"must be positive, got {beta}")
        self.mix = {"refusal": float(refusal), "preference": float(preference), "entropy": float(entropy)}
        self.beta = float(beta)

    def setup(self, ctx: HardenContext) -> None:
        super().setup(ctx)
        if not self.boundary:
            return
        edgy = list(getattr(ctx.data, "edgy_train", None) or [])
        self.require(bool(edgy), "boundary", "needs benign-but-edgy training rows with helpful answers: set "
                                             "data.edgy_train to a JSONL file, or boundary=0")
        rows = contrast_rows(edgy, ctx.data.harmful_train, self.seed + 7)
        tok = ctx.tokenizer
        seed = self.rank_seed() + 8  # each rank its own edgy rows, as the engine's harmful ones
        self.edgy_help = PairPool(TokenizedRows(tok, rows, "help"), tok.pad_token_id, seed, self.max_length)
        self.edgy_refuse = PairPool(TokenizedRows(tok, rows, "refuse"), tok.pad_token_id, max_length=self.max_length)
        self.record["boundary_rows"] = len(rows)

    def loss_prompts(self, data) -> list[str]:
        return [r["prompt"] for r in getattr(data, "edgy_train", None) or []] if self.boundary else []

    def rngs(self) -> dict:
        return {**super().rngs(), **({"tr_edgy": self.edgy_help.rng} if self.boundary else {})}

    def tr_pairs(self) -> list[tuple[list[int], list[int]]]:
        """The engine's harmful refusal + compliance rows, then with `boundary` as many edgy prompts with
        their helpful answers and, in the same order, with a refusal."""
        pairs = super().tr_pairs()
        if self.boundary:
            idx = self.edgy_help.indices(self.batch_size)
            k = self.boundary_tokens  # a causal model's first k answer logits do not depend on the rest
            pairs += [(p, c[:k]) for pool in (self.edgy_help, self.edgy_refuse) for p, c in map(pool.pair, idx)]
        return pairs

    def tamper_resistance_loss(self, forward, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        logits = forward(**batch.inputs()).logits
        n = logits.shape[0] // (4 if self.boundary else 2)
        # one log-softmax over every completion position serves every part
        rows, targets = completion_logits(logits, batch.labels)
        logp = torch.log_softmax(rows, dim=-1)
        token = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        row_of = (batch.labels[:, 1:] != IGNORE).nonzero()[:, 0]
        refusal_rows, compliance_rows = row_of < n, (row_of >= n) & (row_of < 2 * n)
        parts = {}
        if self.mix["refusal"]:
            parts["refusal"] = -token[refusal_rows].mean()
        mean = row_means(token, row_of, logits.shape[0]) if self.mix["preference"] or self.boundary else None
        if self.mix["preference"]:
            parts["preference"] = preference_loss(mean[:n], mean[n:2 * n], self.beta)
        if self.mix["entropy"]:
            parts["entropy"] = entropy_term(logp[compliance_rows])
        weights = dict(self.mix)
        if self.boundary:
            help_, refuse = mean[2 * n:].chunk(2)
            parts["boundary"], weights["boundary"] = preference_loss(help_, refuse, self.beta), self.boundary
        loss = sum(weights[k] * v for k, v in parts.items())
        return loss, {k: float(v.detach()) for k, v in parts.items()}

    def passes_per_step(self) -> float:
        """The engine's, and with `boundary` twice the rows in each L_TR pass."""
        return super().passes_per_step() + (2.0 * len(self.weights) if self.boundary else 0.0)
