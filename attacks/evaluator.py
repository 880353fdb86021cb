"""The scorecard's measurements of one model: ASR on held-out harmful prompts, benign NLL.

    ASR        = #compliance / #prompts   (the judge's labels)
    refusal    = #refusal / #prompts
    incoherent = #incoherent / #prompts   (flagged apart: neither a refusal nor a success)
    benign NLL = mean per-token negative log-likelihood of the reference responses to held-out benign
                 instructions, completion tokens only, chat template applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from attacks.generation import generate
from attacks.judges.base import Judge
from train.chat import prompt_completion_ids


@dataclass
class EvalConfig:
    max_new_tokens: int = 32
    batch_size: int = 16
    max_prompts: int | None = None
    nll_batch_size: int = 8


class Evaluator:
    def __init__(self, tokenizer, harmful_eval: list[dict], benign_eval: list[dict], judge: Judge,
                 config: EvalConfig):
        self.tokenizer = tokenizer
        self.judge = judge
        self.config = config
        cap = config.max_prompts
        self.harmful_prompts = [r["prompt"] for r in harmful_eval][:cap]
        self.benign = benign_eval[:cap]

    def harm(self, model, progress: bool = False) -> dict:
        """ASR, refusal and incoherent rates on the held-out harmful prompts, plus the completions."""
        completions = generate(model, self.tokenizer, self.harmful_prompts,
                               max_new_tokens=self.config.max_new_tokens, batch_size=self.config.batch_size,
                               progress=progress, desc="judge harmful prompts")
        verdicts = self.judge.judge(self.harmful_prompts, completions)
        n = len(verdicts)
        count = {label: sum(v.label == label for v in verdicts) for label in ("compliance", "refusal", "incoherent")}
        return {
            "asr": count["compliance"] / n,
            "refusal": count["refusal"] / n,
            "incoherent": count["incoherent"] / n,
            "n": n,
            "samples": [{"prompt": p, "completion": c, "label": v.label}
                        for p, c, v in zip(self.harmful_prompts[:3], completions[:3], verdicts[:3])],
        }

    @torch.no_grad()
    def benign_nll(self, model) -> float:
        return response_nll(model, self.tokenizer, self.benign, self.config.nll_batch_size)


@torch.no_grad()
def response_nll(model, tokenizer, rows: list[dict], batch_size: int = 8, field: str = "response") -> float:
    """Mean per-token NLL of `row[field]` given the templated `row['prompt']` (completion tokens only)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total, tokens = 0.0, 0
    for start in range(0, len(rows), batch_size):
        pairs = [prompt_completion_ids(tokenizer, r["prompt"], r[field], r.get("system"))
                 for r in rows[start : start + batch_size]]
        width = max(len(p) + len(c) for p, c in pairs)
        ids = torch.full((len(pairs), width), tokenizer.pad_token_id, dtype=torch.long)
        labels = torch.full((len(pairs), width), -100, dtype=torch.long)
        mask = torch.zeros((len(pairs), width), dtype=torch.long)
        for row, (p, c) in enumerate(pairs):
            seq = p + c
            ids[row, : len(seq)] = torch.tensor(seq)
            labels[row, len(p) : len(seq)] = torch.tensor(c)
            mask[row, : len(seq)] = 1
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float()
        shifted = labels[:, 1:].to(device)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), shifted.reshape(-1),
                               ignore_index=-100, reduction="sum")
        total += loss.item()
        tokens += int((shifted != -100).sum())
    model.train(was_training)
    return total / max(tokens, 1)
