"""Refusal-direction ablation (Arditi et al. 2024): a weight edit, no training.

1. Direction per candidate layer l (residual stream at the input of layer l, last prompt token):
       r_l = mean_{x harmful} h_l(x) - mean_{x harmless} h_l(x),     r_hat_l = r_l / ||r_l||
2. Layer choice: ablate r_hat_l everywhere (forward hooks on every residual-stream write) and score
       refusal(l) = mean over harmful selection prompts of the refusal log-odds (judges/logodds.py)
       KL(l)      = mean over harmless prompts of KL(p_base || p_ablated), next token after the prompt
   pick argmin refusal(l) among layers with KL(l) <= kl_bound (the smallest KL if none meets it) and
   l <= max_layer_fraction * L (late layers sit too close to the unembedding).
3. Edit: orthogonalize every matrix that writes to the residual stream against r_hat,
       W_E <- W_E - (W_E r_hat) r_hat^T   (embedding rows)
       W   <- W - r_hat (r_hat^T W)        (each attention o_proj and MLP down_proj)
   A tied LM head is untied first, so the unembedding is left as it was.

Prompts come from the *training* splits (harmful_train, benign_train), never the evaluation prompts.
Its curve: step 0 = the model before the edit, step 1 = after. Compute: 2N FLOPs per forward token
over every prompt token read while finding and choosing the direction.
"""

from __future__ import annotations

import random
import time
from contextlib import contextmanager

import torch
from tqdm.auto import tqdm

from attacks.base import Attack, AttackResult
from attacks.judges.logodds import refusal_log_odds
from train import KeelError
from train.chat import prompt_ids
from train.models import clean_copy, count_parameters, forward_hooks


def _batches(tokenizer, prompts: list[str], batch_size: int):
    for i in range(0, len(prompts), batch_size):
        seqs = [prompt_ids(tokenizer, p) for p in prompts[i : i + batch_size]]
        width = max(map(len, seqs))
        ids = torch.full((len(seqs), width), tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, s in enumerate(seqs):
            ids[row, : len(s)] = torch.tensor(s)
            mask[row, : len(s)] = 1
        yield ids, mask


@torch.no_grad()
def last_token_states(model, tokenizer, prompts: list[str], batch_size: int = 16) -> tuple[torch.Tensor, int]:
    """Mean residual stream at the last prompt token, per layer input: ([L+1, d], tokens read)."""
    device = next(model.parameters()).device
    total, tokens = None, 0
    for ids, mask in _batches(tokenizer, prompts, batch_size):
        out = model(input_ids=ids.to(device), attention_mask=mask.to(device), output_hidden_states=True)
        last = mask.sum(1) - 1
        states = torch.stack([h[torch.arange(len(ids)), last.to(device)].float().cpu() for h in out.hidden_states])
        total = states.sum(1) if total is None else total + states.sum(1)
        tokens += int(mask.sum())
    return total / len(prompts), tokens


@torch.no_grad()
def next_token_logprobs(model, tokenizer, prompts: list[str], batch_size: int = 16) -> torch.Tensor:
    device = next(model.parameters()).device
    rows = []
    for ids, mask in _batches(tokenizer, prompts, batch_size):
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float().cpu()
        rows.append(torch.log_softmax(logits[torch.arange(len(ids)), mask.sum(1) - 1], dim=-1))
    return torch.cat(rows)


def residual_writers(model, write_modules: list[str]) -> list[torch.nn.Module]:
    """The embedding and every module whose name ends with one of `write_modules` (o_proj, down_proj)."""
    found = [m for n, m in model.named_modules() if n.rsplit(".", 1)[-1] in write_modules]
    if not found:
        raise KeelError(f"attack.refusal_ablation.write_modules: none of {write_modules} found in the model")
    return [model.get_input_embeddings(), *found]


@contextmanager
def ablated(model, direction: torch.Tensor, write_modules: list[str]):
    """Project `direction` out of every residual-stream write while the context is open (forward hooks)."""
    def hook(_module, _inputs, output):
        r = direction.to(output.device, output.dtype)
        return output - (output @ r).unsqueeze(-1) * r

    with forward_hooks(residual_writers(model, write_modules), hook):
        yield model


@torch.no_grad()
def orthogonalize(model, direction: torch.Tensor, write_modules: list[str]) -> list[str]:
    """Edit the weights in place (see the module docstring); returns the names of the edited parameters."""
    embed = model.get_input_embeddings()
    head = model.get_output_embeddings()
    if head is not None and head.weight is embed.weight:  # untie: the unembedding must stay as it was
        head.weight = torch.nn.Parameter(embed.weight.detach().clone())
        model.config.tie_word_embeddings = False
        if hasattr(model.config, "get_text_config"):
            model.config.get_text_config().tie_word_embeddings = False
    r = direction.float()
    edited = []
    for module in residual_writers(model, write_modules):
        w = module.weight
        if module is embed:  # [vocab, d]: rows live in the residual stream
            new = w.float() - torch.outer(w.float() @ r, r)
        else:  # [d, d_in]: columns write to the residual stream
            new = w.float() - torch.outer(r, r @ w.float())
        w.copy_(new.to(w.dtype))
        edited.append(next(n for n, p in model.named_parameters() if p is w))
    return edited


class RefusalAblation(Attack):
    recipe = "refusal_ablation"
    cost_unit = "none"  # a weight edit: step 1 is the edit, not a training step
    space_axes = ("examples",)

    def __init__(self, name: str | None = None, split: str = "auto", seeds: list[int] | None = None, *,
                 examples: int = 64, selection_examples: int = 16, kl_bound: float = 0.1,
                 max_layer_fraction: float = 0.8, write_modules: list[str] | None = None, batch_size: int = 16):
        super().__init__(name, split, seeds)
        if int(examples) < 2 or int(selection_examples) < 1:
            raise KeelError(f"attack.{self.name}.examples: need >= 2 direction and >= 1 selection prompts")
        self.examples, self.selection_examples = int(examples), int(selection_examples)
        self.kl_bound, self.max_layer_fraction = float(kl_bound), float(max_layer_fraction)
        self.write_modules = list(write_modules or ["o_proj", "down_proj"])
        self.batch_size = int(batch_size)

    def space_point(self) -> dict:
        return {"recipe": self.recipe, "examples": self.examples}

    def training_prompts(self, data) -> list[str]:
        return [r["prompt"] for r in data.harmful_train + data.benign_train]

    def pool_size(self, data) -> int:
        return min(len(data.harmful_train), len(data.benign_train))

    def _prompts(self, rows: list[dict], rng: random.Random) -> tuple[list[str], list[str]]:
        prompts = [r["prompt"] for r in rows]
        rng.shuffle(prompts)
        n_sel = min(self.selection_examples, max(1, len(prompts) // 4))
        return prompts[n_sel : n_sel + self.examples], prompts[:n_sel]

    def choose_direction(self, model, tokenizer, data, rng: random.Random, progress: bool = False
                         ) -> tuple[torch.Tensor, dict, int]:
        harm_dir, harm_sel = self._prompts(data.harmful_train, rng)
        safe_dir, safe_sel = self._prompts(data.benign_train, rng)
        mean_h, n1 = last_token_states(model, tokenizer, harm_dir, self.batch_size)
        mean_s, n2 = last_token_states(model, tokenizer, safe_dir, self.batch_size)
        base_logp = next_token_logprobs(model, tokenizer, safe_sel, self.batch_size)
        n_layers = mean_h.shape[0] - 1
        candidates = [layer for layer in range(n_layers) if layer <= self.max_layer_fraction * n_layers] or [0]
        scores = []
        for layer in tqdm(candidates, desc=f"{self.name}: scoring layers", unit="layer", disable=not progress):
            diff = mean_h[layer] - mean_s[layer]
            if diff.norm() <= 1e-6 * mean_h[layer].norm().clamp_min(1e-12):
                continue  # e.g. the embedding of the same last template token: no direction to find
            direction = diff / diff.norm()
            with ablated(model, direction, self.write_modules):
                refusal = float(refusal_log_odds(model, tokenizer, harm_sel, batch_size=self.batch_size).mean())
                logp = next_token_logprobs(model, tokenizer, safe_sel, self.batch_size)
            kl = float((base_logp.exp() * (base_logp - logp)).sum(-1).mean())
            scores.append({"layer": layer, "refusal_score": refusal, "kl": kl, "direction": direction})
        if not scores:
            raise KeelError(f"attack.{self.name}: harmful and harmless prompts give the same activations at "
                            f"every candidate layer; no refusal direction to ablate")
        within = [s for s in scores if s["kl"] <= self.kl_bound]
        best = min(within, key=lambda s: s["refusal_score"]) if within else min(scores, key=lambda s: s["kl"])
        # Tokens read: direction prompts once, selection prompts once per candidate (+ the KL reference).
        sel_tokens = sum(len(prompt_ids(tokenizer, p)) for p in harm_sel + safe_sel)
        tokens = n1 + n2 + sel_tokens * (len(candidates) + 1)
        table = [{k: v for k, v in s.items() if k != "direction"} for s in scores]
        return best["direction"], {"layer": best["layer"], "kl_bound_met": bool(within), "candidates": table}, \
            tokens

    def run(self, model, tokenizer, data, evaluator, *, seed: int, target: str, progress: bool = True
            ) -> AttackResult:
        def point(m, step, tokens, seconds):
            return {"step": step, **evaluator.harm(m, step=step), "benign_nll": evaluator.benign_nll(m), "tokens": tokens,
                    "train_seconds": seconds}

        curve = [point(model, 0, 0, 0.0)]
        t0 = time.perf_counter()
        attacked = clean_copy(model).eval()
        direction, choice, tokens = self.choose_direction(attacked, tokenizer, data, random.Random(seed),
                                                        progress)
        edited = orthogonalize(attacked, direction, self.write_modules)
        seconds = time.perf_counter() - t0
        curve.append(point(attacked, 1, tokens, seconds))
        flops = 2.0 * count_parameters(model)
        del attacked
        return AttackResult(attack=self.name, recipe=self.recipe, split=self.split, target=target, seed=seed,
                            config=self.describe(), curve=curve, flops_per_token=flops,
                            examples=self.examples, extra={**choice, "edited": edited, "cost_unit": "none"})
