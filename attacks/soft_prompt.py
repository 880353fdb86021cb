"""Embedding-space attack: a universal soft prompt optimised against the frozen model (white box).

n free vectors P = (p_1..p_n) in the input-embedding space are prepended to every templated prompt
and trained to make compliant answers likely (the universal adversarial prompt of Zou et al. 2023,
optimised in embedding space as in Schwinn et al. 2024, "Soft Prompt Threats"):

    L(P) = - (1 / |y_B|) * sum_{(x, y) in B} sum_t log p_theta(y_t | P (+) E(T(x)), y_<t)

with B a batch of harmful train pairs (x = request, y = its `compliance` text), T the chat template,
E the frozen embedding and (+) concatenation along the sequence; only P moves (Adam, `lr`). P starts
as the embeddings of `init_text`'s tokens, repeated to n. The weights never change.

Curve: every `eval_every` optimisation steps (step 0 = the initial P), greedy generation from
inputs_embeds = [P, E(T(x))] on the held-out harmful prompts, judged as usual
(`extra.cost_unit = "optimisation steps"`). Benign NLL is the unattacked model's (P is used only on
the attacker's own queries) and is measured once. Compute: 4N FLOPs per token processed (forward 2N,
backward to the inputs 2N; no weight gradients), tokens = non-padding positions incl. the n soft ones.
With `stop_at_asr`, optimisation stops at the first evaluation reaching it (`extra.stopped_at`).
"""

from __future__ import annotations

import random
import time

import torch
import torch.nn.functional as F

from attacks.base import Attack, AttackResult
from attacks.costs import cost_record
from attacks.queries import QueryView, require_completions
from attacks.weight_edit import check_stop_at_asr
from train import KeelError
from train.chat import prompt_completion_ids, prompt_ids
from train.models import count_parameters


@torch.no_grad()
def generate_from_embeds(model, tokenizer, soft: torch.Tensor, encoded: list[list[int]], *,
                         max_new_tokens: int = 32, batch_size: int = 16) -> list[str]:
    """Greedy continuations of [soft, E(ids)] for each templated id list (left-padded), caller's order."""
    embed = model.get_input_embeddings()
    device = embed.weight.device
    soft = soft.to(device, embed.weight.dtype)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    outputs = [""] * len(encoded)
    was_training = model.training
    model.eval()
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        width = len(soft) + max(len(encoded[i]) for i in batch)
        embeds = torch.zeros(len(batch), width, soft.shape[-1], device=device, dtype=soft.dtype)
        mask = torch.zeros(len(batch), width, dtype=torch.long, device=device)
        for row, i in enumerate(batch):
            seq = torch.cat([soft, embed(torch.tensor(encoded[i], device=device))])
            embeds[row, width - len(seq):] = seq
            mask[row, width - len(seq):] = 1
        out = model.generate(inputs_embeds=embeds, attention_mask=mask, max_new_tokens=max_new_tokens,
                             do_sample=False, use_cache=True, pad_token_id=tokenizer.pad_token_id,
                             eos_token_id=tokenizer.eos_token_id)
        for row, i in enumerate(batch):  # from inputs_embeds, generate returns the new tokens only
            outputs[i] = tokenizer.decode(out[row], skip_special_tokens=True).strip()
    model.train(was_training)
    return outputs


def soft_prompt_loss(model, soft: torch.Tensor, pairs: list[tuple[list[int], list[int]]]) -> tuple[torch.Tensor, int]:
    """L(P) of the module docstring on one batch of (prompt ids, completion ids), and the tokens read."""
    embed = model.get_input_embeddings()
    device = embed.weight.device
    n = len(soft)
    width = n + max(len(p) + len(c) for p, c in pairs)
    rows, labels = [], torch.full((len(pairs), width), -100, dtype=torch.long, device=device)
    mask = torch.zeros(len(pairs), width, dtype=torch.long, device=device)
    for row, (p, c) in enumerate(pairs):
        ids = torch.tensor(p + c, device=device)
        seq = torch.cat([soft, embed(ids).detach()])
        rows.append(F.pad(seq, (0, 0, 0, width - len(seq))))  # right padding, masked out
        labels[row, n + len(p) : n + len(p) + len(c)] = torch.tensor(c, device=device)
        mask[row, : len(seq)] = 1
    logits = model(inputs_embeds=torch.stack(rows), attention_mask=mask).logits.float()
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1), ignore_index=-100)
    return loss, int(mask.sum())


class SoftPrompt(Attack):
    recipe = "soft_prompt"
    cost_unit = "optimisation steps"
    space_axes = ("soft_tokens", "steps", "batch_size", "examples")
    axis_options = {"soft_tokens": "n_tokens"}

    def __init__(self, name: str | None = None, split: str = "auto", seeds: list[int] | None = None, *,
                 n_tokens: int = 20, steps: int = 100, lr: float = 1e-2, batch_size: int = 4, examples: int = 64,
                 eval_every: int = 10, init_text: str = "!", max_length: int = 256,
                 stop_at_asr: float | None = None):
        super().__init__(name, split, seeds)
        self.stop_at_asr = check_stop_at_asr(stop_at_asr, self.name)
        for opt, value in (("n_tokens", n_tokens), ("steps", steps), ("batch_size", batch_size),
                           ("examples", examples), ("eval_every", eval_every), ("max_length", max_length)):
            if isinstance(value, bool) or int(value) <= 0:
                raise KeelError(f"attack.{self.name}.{opt}: must be a positive integer, got {value}")
        if not float(lr) > 0:
            raise KeelError(f"attack.{self.name}.lr: must be positive, got {lr}")
        if not str(init_text).strip():
            raise KeelError(f"attack.{self.name}.init_text: empty; the soft prompt starts from its tokens")
        self.n_tokens, self.steps, self.lr = int(n_tokens), int(steps), float(lr)
        self.batch_size, self.examples, self.eval_every = int(batch_size), int(examples), int(eval_every)
        self.init_text, self.max_length = str(init_text), int(max_length)

    def space_point(self) -> dict:
        return {"recipe": self.recipe, "soft_tokens": self.n_tokens, "steps": self.steps,
                "batch_size": self.batch_size, "examples": self.examples}

    def training_prompts(self, data) -> list[str]:
        return [r["prompt"] for r in data.harmful_train]

    def pool_size(self, data) -> int:
        return len(data.harmful_train)

    def initial_prompt(self, model, tokenizer) -> torch.Tensor:
        ids = tokenizer(self.init_text, add_special_tokens=False)["input_ids"]
        ids = [ids[i % len(ids)] for i in range(self.n_tokens)]
        embed = model.get_input_embeddings()
        return embed.weight[torch.tensor(ids, device=embed.weight.device)].detach().float().clone()

    def _pairs(self, tokenizer, data, rng: random.Random) -> list[tuple[list[int], list[int]]]:
        rows = list(data.harmful_train)
        rows = rng.sample(rows, self.examples) if self.examples <= len(rows) else \
            [rows[i % len(rows)] for i in range(self.examples)]
        pairs = [prompt_completion_ids(tokenizer, r["prompt"], r["compliance"]) for r in rows]
        return [(p, c[: max(1, self.max_length - len(p) - self.n_tokens)]) for p, c in pairs]

    def run(self, model, tokenizer, data, evaluator, *, seed: int, target: str, progress: bool = True
            ) -> AttackResult:
        require_completions(evaluator, self.name, "a soft prompt")
        rng = random.Random(seed)
        torch.manual_seed(seed)
        pairs = self._pairs(tokenizer, data, rng)
        soft = torch.nn.Parameter(self.initial_prompt(model, tokenizer))
        optimizer = torch.optim.Adam([soft], lr=self.lr)
        nll = evaluator.benign_nll(model)  # the weights never change
        was_training = model.training
        model.eval()  # no dropout: the frozen model as released

        def respond(m, prompts, system=None, progress=False, desc="generate"):
            encoded = [prompt_ids(tokenizer, p, system) for p in prompts]
            cfg = evaluator.config
            return generate_from_embeds(m, tokenizer, soft.detach().clone(), encoded, max_new_tokens=cfg.max_new_tokens,
                                        batch_size=cfg.batch_size)

        view = QueryView(evaluator, respond=respond)
        curve, tokens, seconds, losses = [], 0, 0.0, []
        for step in range(self.steps + 1):
            if step % self.eval_every == 0 or step == self.steps:
                point = {"step": step, **view.harm(model), "benign_nll": nll, "tokens": tokens,
                         "train_seconds": seconds}
                curve.append(point | ({"loss": losses[-1]} if losses else {}))
                stop = self.stop_at_asr is not None and point["asr"] >= self.stop_at_asr
                if stop or step == self.steps:  # stop: broken, the attacker keeps this prompt
                    break
            t0 = time.perf_counter()
            batch = [pairs[i] for i in rng.sample(range(len(pairs)), min(self.batch_size, len(pairs)))]
            with torch.enable_grad():
                loss, read = soft_prompt_loss(model, soft.to(model.get_input_embeddings().weight.dtype), batch)
                (grad,) = torch.autograd.grad(loss, [soft])  # gradients reach P only, never the weights
            soft.grad = grad
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            tokens, seconds = tokens + read, seconds + time.perf_counter() - t0
            losses.append(float(loss.detach()))
        model.train(was_training)
        flops_per_token = 4.0 * count_parameters(model)
        extra = {"stopped_at": curve[-1]["step"]} if curve[-1]["step"] < self.steps else {}
        extra |= {"cost_unit": self.cost_unit, "loss_first": losses[0] if losses else None,
                 "loss_last": losses[-1] if losses else None, "soft_prompt_norm": float(soft.detach().norm(dim=-1).mean()),
                 "cost": cost_record(self.cost_unit, examples=self.examples, flops=flops_per_token * tokens,
                                     seconds=seconds, steps=self.steps, tokens=tokens)}
        return AttackResult(attack=self.name, recipe=self.recipe, split=self.split, target=target, seed=seed,
                            config=self.describe(), curve=curve, flops_per_token=flops_per_token,
                            examples=self.examples, extra=extra)
