"""Utility probes: what hardening (or an attack) costs ordinary users.

    benign NLL     mean per-token NLL of reference answers to held-out benign instructions;
                   perplexity = exp(NLL)
    MCQ accuracy   argmax_c log p(choice c | templated question) over each question's choices
                   (`mcq_accuracy`: summed log-prob; `mcq_accuracy_norm`: per-token mean)
    over-refusal   refusal rate, by the configured judge, on benign prompts that look edgy
    KL to base     mean over the benign reference-answer tokens of KL(p_base || p_model)
    lm-eval        `utility.lm_eval_tasks` through lm-evaluation-harness (`pip install lm-eval`): any
                   task it knows, or your own task YAMLs in `utility.lm_eval_include_path`

The chat template is applied everywhere (train/chat.py).
"""

from __future__ import annotations

import difflib
import functools
import logging
import math
from pathlib import Path

import torch

from attacks.evaluator import response_nll
from attacks.intervals import paired_change_ci, rows_rate_ci, token_mean_ci
from train import KeelError
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


def mcq_accuracy(model, tokenizer, rows: list[dict], batch_size: int = 8, per_row: dict | None = None
                 ) -> tuple[float, float]:
    """(accuracy by summed log-prob, accuracy by per-token mean log-prob) on multiple-choice rows;
    `per_row`, a dict, receives each question's 1 (correct) or 0 under `sum` and `norm`."""
    flat = [(r["question"], choice) for r in rows for choice in r["choices"]]
    scores = completion_log_probs(model, tokenizer, flat, batch_size)
    correct, correct_norm = [], []
    i = 0
    for r in rows:
        block = scores[i : i + len(r["choices"])]
        i += len(r["choices"])
        correct.append(int(max(range(len(block)), key=lambda k: block[k][0]) == r["answer"]))
        correct_norm.append(int(max(range(len(block)), key=lambda k: block[k][0] / max(block[k][1], 1)) == r["answer"]))
    if per_row is not None:
        per_row.update(sum=correct, norm=correct_norm)
    return sum(correct) / len(rows), sum(correct_norm) / len(rows)


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


def _lm_eval():
    try:
        import lm_eval
        from lm_eval.tasks import TaskManager
    except ImportError:
        raise KeelError("utility.lm_eval_tasks: lm-evaluation-harness is not installed; "
                        "pip install lm-eval (or keel's `eval` extra), or set utility.lm_eval_tasks=[]") from None
    return lm_eval, TaskManager


@functools.lru_cache(maxsize=8)
def _task_index(include_path: str | None, with_lm_eval_tasks: bool):
    """lm-eval's TaskManager, cached: indexing the task YAMLs lm-eval ships takes seconds."""
    _, TaskManager = _lm_eval()
    if include_path and not Path(include_path).is_dir():
        raise KeelError(f"utility.lm_eval_include_path: not a directory: {include_path}")
    return TaskManager(include_path=include_path, include_defaults=with_lm_eval_tasks)


def _task_manager(include_path: str | None, tasks: tuple[str, ...]):
    """Only the folder's own tasks when they are all that is asked for; else lm-eval's too."""
    if include_path:
        local = _task_index(include_path, False)
        if set(tasks) <= set(local.all_tasks):
            return local
    return _task_index(include_path, True)


def check_lm_eval(cfg) -> None:
    """Before any model is loaded: lm-eval is importable and knows every task of `utility.lm_eval_tasks`."""
    cfg = cfg or {}
    tasks = tuple(str(t) for t in cfg.get("lm_eval_tasks") or [])
    if not tasks:
        return
    path = str(cfg["lm_eval_include_path"]) if cfg.get("lm_eval_include_path") else None
    known = set(_task_manager(path, tasks).all_tasks)
    for task in tasks:
        if task not in known:
            close = difflib.get_close_matches(task, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else "; a local task needs utility.lm_eval_include_path"
            raise KeelError(f"utility.lm_eval_tasks: lm-eval knows no task '{task}'{hint}")


def lm_eval_scores(model, tokenizer, tasks: list[str], limit: int | None = None, include_path: str | None = None,
                   chat_template: bool = True, batch_size: int = 8) -> dict:
    """lm-evaluation-harness metrics of the in-memory model, per task: every numeric metric (e.g.
    `acc,none`, `acc_stderr,none`), `n` (documents scored) and `rows` (each metric per document, in
    document order, for CIs over items). `include_path`: a folder of task YAMLs of your own;
    `chat_template`: lm-eval applies the tokenizer's chat template (keel's default everywhere)."""
    lm_eval, _ = _lm_eval()
    from lm_eval.models.huggingface import HFLM

    device = next(model.parameters()).device
    out = lm_eval.simple_evaluate(
        model=HFLM(pretrained=model, tokenizer=tokenizer, batch_size=batch_size, device=str(device)),
        tasks=list(tasks), limit=limit, task_manager=_task_manager(include_path and str(include_path), tuple(tasks)),
        apply_chat_template=chat_template, log_samples=True, bootstrap_iters=1000)
    scores = {}
    for task, metrics in out["results"].items():
        samples = sorted(out["samples"].get(task, []), key=lambda s: s["doc_id"])
        numeric = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        names = {k.split(",")[0] for k in numeric if "_stderr" not in k}
        scores[task] = {**numeric, "n": len(samples),
                        "rows": {m: [float(s[m]) for s in samples] for m in sorted(names) if samples and m in samples[0]}}
    return scores


def utility_probes(model, tokenizer, data, evaluator, base=None, cfg=None) -> dict:
    """Every probe on one model; `cfg` is the `utility` config node (caps, which probes, lm-eval tasks).
    Benign NLL and KL read the evaluator's benign rows, the rows every attack curve measures at its step 0,
    so the report's utility figure and the curves' starting point are one figure on one row set."""
    cfg = cfg or {}
    cap = cfg.get("max_prompts")
    was_training = model.training
    model.eval()
    nll_rows: list = []
    nll = response_nll(model, tokenizer, evaluator.benign, evaluator.config.nll_batch_size, per_row=nll_rows)
    # Per-row figures ([summed NLL, tokens]; 1 = refused; 1 = correct) give the report its CIs over rows.
    out = {"benign_nll": nll, "perplexity": math.exp(min(nll, 50.0)), "benign_nll_rows": nll_rows}
    if data.mcq and cfg.get("mcq", True):
        rows: dict = {}
        out["mcq_accuracy"], out["mcq_accuracy_norm"] = mcq_accuracy(model, tokenizer, data.mcq[:cap], per_row=rows)
        out["mcq_correct_rows"], out["mcq_correct_norm_rows"] = rows["sum"], rows["norm"]
    if data.edgy and cfg.get("over_refusal", True):
        out["over_refusal_rows"] = []
        out["over_refusal"] = over_refusal(model, evaluator, data.edgy[:cap], per_row=out["over_refusal_rows"])
    if base is not None and cfg.get("kl", True):
        out["kl_to_base"] = kl_to_base(model, base, tokenizer, evaluator.benign)
    if cfg.get("lm_eval_tasks"):
        out["lm_eval"] = lm_eval_scores(model, tokenizer, list(cfg["lm_eval_tasks"]), cfg.get("lm_eval_limit"),
                                        cfg.get("lm_eval_include_path"), cfg.get("lm_eval_chat_template", True))
    model.train(was_training)
    return out


# probe: (which direction is better, the unit of its change, the per-row figures behind it, CI kind)
PROBES = {
    "mcq_accuracy": ("higher", "points", "mcq_correct_rows", "points"),
    "mcq_accuracy_norm": ("higher", "points", "mcq_correct_norm_rows", "points"),
    "over_refusal": ("lower", "points", "over_refusal_rows", "points"),
    "benign_nll": ("lower", "percent", "benign_nll_rows", "percent"),
    "perplexity": ("lower", "percent", "benign_nll_rows", "perplexity"),
    "kl_to_base": ("lower", "absolute", None, None),
}
# Probes ranked to name the worst one (KL measures distance, not utility; perplexity is exp(NLL)).
RANKED = ("mcq_accuracy", "mcq_accuracy_norm", "over_refusal", "benign_nll")
SIGN_CONVENTION = ("change = treated - base in the probe's own unit: percentage points for rates (MCQ "
                   "accuracy, over-refusal), % of the base value for benign NLL and perplexity, nats/token for "
                   "KL to base; whether that is worse for users depends on the probe (higher accuracy is "
                   "better; higher NLL, perplexity, over-refusal and KL are worse)")


def utility_change(base: dict, treated: dict) -> dict:
    """Each probe's change, treated vs base, in its own unit, and the worst probe.

        points    100 (t - b)        rates (MCQ accuracy, over-refusal): percentage points
        percent   100 (t - b) / b    benign NLL, perplexity: % of the base value
        absolute  t - b              KL to base, nats/token (0 for the base itself)

    `worse` is true when the change costs users utility. `loss` puts the ranked probes on one scale to
    name the worst (`worst`, the largest positive loss): a rate's points / 100 (the share of prompts that
    changed), NLL's relative rise / 100; negative = better. `ci_prompts`: a paired bootstrap CI of the
    change over the rows both models were scored on (attacks/intervals.py), when both carry per-row figures.
    """
    probes = {}
    for key, (better, unit, rows, kind) in PROBES.items():
        if key not in base or key not in treated or base[key] is None or treated[key] is None:
            continue
        b, t = float(base[key]), float(treated[key])
        change = {"points": 100.0 * (t - b), "percent": 100.0 * (t - b) / b if b else math.nan,
                  "absolute": t - b}[unit]
        signed = (t - b) if better == "lower" else (b - t)
        loss = change / 100.0 if unit != "absolute" else None
        probes[key] = {"base": b, "treated": t, "change": change, "unit": unit, "better": better,
                       "worse": None if t == b else signed > 0,
                       "loss": None if loss is None or math.isnan(loss) else (loss if better == "lower" else -loss),
                       "ci_prompts": paired_change_ci(base.get(rows), treated.get(rows), kind) if rows else None}
    ranked = [k for k in RANKED if k in probes and probes[k]["loss"] is not None and probes[k]["loss"] > 0]
    worst = max(ranked, key=lambda k: probes[k]["loss"], default=None)
    return {"probes": probes, "worst": worst, "sign_convention": SIGN_CONVENTION}


def utility_cis(side: dict) -> dict:
    """95% CIs over prompts of one model's probes: Wilson for rates, a row bootstrap for benign NLL."""
    out = {}
    for key, rows in (("mcq_accuracy", "mcq_correct_rows"), ("mcq_accuracy_norm", "mcq_correct_norm_rows"),
                      ("over_refusal", "over_refusal_rows")):
        if side.get(rows):
            out[key] = rows_rate_ci(side[rows])
    if side.get("benign_nll_rows"):
        out["benign_nll"] = token_mean_ci(side["benign_nll_rows"])
        if out["benign_nll"]:
            out["perplexity"] = [math.exp(min(x, 50.0)) for x in out["benign_nll"]]
    return out
