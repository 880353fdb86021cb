"""Utility probes: what hardening (or an attack) costs ordinary users.

    benign NLL     mean per-token NLL of reference answers to held-out benign instructions;
                   perplexity = exp(NLL)
    MCQ accuracy   argmax_c log p(choice c | templated question) over each question's choices
                   (`mcq_accuracy`: summed log-prob; `mcq_accuracy_norm`: per-token mean)
    over-refusal   refusal rate, by the configured judge, on benign prompts that look edgy
    KL to base     mean over the benign reference-answer tokens of KL(p_base || p_model)
    lm-eval        `utility.lm_eval_tasks` through lm-evaluation-harness, when `lm_eval` is importable

The chat template is applied everywhere (train/chat.py).
"""

from __future__ import annotations

import logging
import math

import torch

from attacks.evaluator import response_nll
from train.chat import prompt_completion_ids

log = logging.getLogger("keel")


def _batch(tokenizer, pairs: list[tuple[list[int], list[int]]]):
    width = max(len(p) + len(c) for p, c in pairs)
    ids = torch.full((len(pairs), width), tokenizer.pad_token_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    completion = torch.zeros_like(ids, dtype=torch.bool)  # positions whose *next* token is a completion token
    for row, (p, c) in enumerate(pairs):
        ids[row, : len(p) + len(c)] = torch.tensor(p + c)
        mask[row, : len(p) + len(c)] = 1
        completion[row, len(p) - 1 : len(p) + len(c) - 1] = True
    return ids, mask, completion


@torch.no_grad()
def completion_log_probs(model, tokenizer, rows: list[tuple[str, str]], batch_size: int = 8
                         ) -> list[tuple[float, int]]:
    """(sum of log p(completion tokens | prompt), number of completion tokens) per (prompt, completion)."""
    device = next(model.parameters()).device
    out = []
    for start in range(0, len(rows), batch_size):
        pairs = [prompt_completion_ids(tokenizer, p, c) for p, c in rows[start : start + batch_size]]
        ids, mask, where = _batch(tokenizer, pairs)
        logp = torch.log_softmax(model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float(),
                                 -1).cpu()
        for row in range(len(pairs)):
            pos = where[row].nonzero().squeeze(-1)
            token = logp[row, pos, ids[row, pos + 1]]
            out.append((float(token.sum()), len(pos)))
    return out


def mcq_accuracy(model, tokenizer, rows: list[dict], batch_size: int = 8) -> tuple[float, float]:
    """(accuracy by summed log-prob, accuracy by per-token mean log-prob) on multiple-choice rows."""
    flat = [(r["question"], choice) for r in rows for choice in r["choices"]]
    scores = completion_log_probs(model, tokenizer, flat, batch_size)
    correct = correct_norm = 0
    i = 0
    for r in rows:
        block = scores[i : i + len(r["choices"])]
        i += len(r["choices"])
        correct += max(range(len(block)), key=lambda k: block[k][0]) == r["answer"]
        correct_norm += max(range(len(block)), key=lambda k: block[k][0] / max(block[k][1], 1)) == r["answer"]
    return correct / len(rows), correct_norm / len(rows)


def over_refusal(model, evaluator, rows: list[dict], per_row: list | None = None) -> float:
    """Refusal rate of the evaluator's (primary) judge on benign-but-edgy prompts; `per_row`, a list,
    receives each row's 1 (refused) or 0."""
    prompts, nlls = [r["prompt"] for r in rows], []
    completions, verdicts = evaluator.label(model, prompts, desc="edgy prompts", nlls_out=nlls)
    evaluator.store_probe("over_refusal", [str(r.get("id", i)) for i, r in enumerate(rows)], prompts, completions,
                          nlls, verdicts)  # completions/<target>/utility/over_refusal.jsonl, for keel rejudge
    refused = [int(v.label == "refusal") for v in verdicts[0]]
    if per_row is not None:
        per_row += refused
    return sum(refused) / len(rows)


@torch.no_grad()
def kl_to_base(model, base, tokenizer, rows: list[dict], batch_size: int = 8) -> float:
    """Mean token-level KL(p_base || p_model) over the reference answers of benign rows."""
    if model is base:
        return 0.0
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for start in range(0, len(rows), batch_size):
        pairs = [prompt_completion_ids(tokenizer, r["prompt"], r["response"]) for r in rows[start : start + batch_size]]
        ids, mask, where = _batch(tokenizer, pairs)
        kw = dict(input_ids=ids.to(device), attention_mask=mask.to(device))
        p = torch.log_softmax(base(**kw).logits.float(), -1).cpu()[where]
        q = torch.log_softmax(model(**kw).logits.float(), -1).cpu()[where]
        total += float((p.exp() * (p - q)).sum())
        count += int(where.sum())
    return total / max(count, 1)


def lm_eval_scores(model, tokenizer, tasks: list[str], limit: int | None = None) -> dict:
    """lm-evaluation-harness task metrics (empty when `lm_eval` is not installed)."""
    try:
        from lm_eval import simple_evaluate
        from lm_eval.models.huggingface import HFLM
    except ImportError:
        log.info("utility.lm_eval_tasks set but lm_eval is not installed; skipped")
        return {}
    out = simple_evaluate(model=HFLM(pretrained=model, tokenizer=tokenizer), tasks=list(tasks), limit=limit,
                          apply_chat_template=True)
    return {task: {k: v for k, v in m.items() if isinstance(v, (int, float))} for task, m in out["results"].items()}


def utility_probes(model, tokenizer, data, evaluator, base=None, cfg=None) -> dict:
    """Every probe on one model; `cfg` is the `utility` config node (caps, which probes, lm-eval tasks)."""
    cfg = cfg or {}
    cap = cfg.get("max_prompts")
    was_training = model.training
    model.eval()
    nll_rows: list = []
    nll = response_nll(model, tokenizer, data.benign_eval[:cap], evaluator.config.nll_batch_size, per_row=nll_rows)
    # Per-row figures ([summed NLL, tokens]; 1 = refused) give the study table its CIs over rows.
    out = {"benign_nll": nll, "perplexity": math.exp(min(nll, 50.0)), "benign_nll_rows": nll_rows}
    if data.mcq and cfg.get("mcq", True):
        out["mcq_accuracy"], out["mcq_accuracy_norm"] = mcq_accuracy(model, tokenizer, data.mcq[:cap])
    if data.edgy and cfg.get("over_refusal", True):
        out["over_refusal_rows"] = []
        out["over_refusal"] = over_refusal(model, evaluator, data.edgy[:cap], per_row=out["over_refusal_rows"])
    if base is not None and cfg.get("kl", True):
        out["kl_to_base"] = kl_to_base(model, base, tokenizer, data.benign_eval[:cap])
    if cfg.get("lm_eval_tasks"):
        out["lm_eval"] = lm_eval_scores(model, tokenizer, cfg["lm_eval_tasks"], cfg.get("lm_eval_limit"))
    model.train(was_training)
    return out


def utility_change(base: dict, treated: dict) -> dict:
    """Relative change (%) of each probe, treated vs base, signed so that negative = worse utility.

    Higher-is-better probes (accuracies): 100 (t - b) / b. Lower-is-better probes (NLL, perplexity,
    over-refusal, KL): -100 (t - b) / b (KL and rates use absolute points when b = 0). The headline
    utility is MCQ accuracy when it was measured, else perplexity.
    """
    higher = ("mcq_accuracy", "mcq_accuracy_norm")
    lower = ("benign_nll", "perplexity", "over_refusal", "kl_to_base")
    change = {}
    for key in higher + lower:
        if key in base and key in treated:
            b, t = base[key], treated[key]
            sign = 1.0 if key in higher else -1.0
            change[key] = sign * (100.0 * (t - b) / b if b else 100.0 * (t - b))
    head = "mcq_accuracy" if "mcq_accuracy" in change else "perplexity" if "perplexity" in change else None
    return {"change_percent": change, "headline_metric": head,
            "headline_percent": change.get(head) if head else None}
