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
Outer loss: lambda_TR * sum_k w_k L_TR(theta_k) + retain (LM loss on benign data + hidden-state drift
from the frozen base model). Unlike the paper's runs, the attacks are drawn from the train split of the
whole attack space (optimizers, schedules, LoRA, retain-then-harmful data, benign and mixed fine-tunes on
data.benign_alt), not constant-LR full FT only.

    keel harden preset=ci model=tiny-random 'defense=[refusal_sft,tar]'
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from defenses.batches import IGNORE, Batch, completion_logits
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
                 entropy: float = 0.5, beta: float = 1.0, **engine):
        super().__init__(weight, **engine)
        self.require(min(refusal, preference, entropy) >= 0 and refusal + preference + entropy > 0,
                     "refusal", "the L_TR weights (refusal, preference, entropy) must be >= 0, not all 0")
        self.require(beta > 0, "beta", f"must be positive, got {beta}")
        self.mix = {"refusal": float(refusal), "preference": float(preference), "entropy": float(entropy)}
        self.beta = float(beta)

    def tamper_resistance_loss(self, forward, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        logits = forward(**batch.inputs()).logits
        n = logits.shape[0] // 2
        # one log-softmax over every completion position serves all three parts
        rows, targets = completion_logits(logits, batch.labels)
        logp = torch.log_softmax(rows, dim=-1)
        token = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        row_of = (batch.labels[:, 1:] != IGNORE).nonzero()[:, 0]
        refusal_rows = row_of < n
        parts = {}
        if self.mix["refusal"]:
            parts["refusal"] = -token[refusal_rows].mean()
        if self.mix["preference"]:
            total = torch.zeros(logits.shape[0], dtype=token.dtype, device=token.device)
            total = total.index_add(0, row_of, token)
            mean = total / torch.bincount(row_of, minlength=logits.shape[0]).clamp_min(1).to(total.dtype)
            parts["preference"] = preference_loss(mean[:n], mean[n:], self.beta)
        if self.mix["entropy"]:
            parts["entropy"] = entropy_term(logp[~refusal_rows])
        loss = sum(self.mix[k] * v for k, v in parts.items())
        return loss, {k: float(v.detach()) for k, v in parts.items()}
