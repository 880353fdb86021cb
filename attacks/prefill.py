"""Prefilling attack: the response starts with k tokens of a compliant answer, the model continues it.

The shallow-alignment probe of Qi et al. 2024 ("Safety Alignment Should Be Made More Than Just a Few
Tokens Deep"): a model whose refusal lives in its first few answer tokens complies once those tokens
are written for it. No weights change; anyone who runs the weights locally can prefill.

For each k of the ladder (default 0, 5, 10, 20) and each held-out harmful prompt x with its row's
`compliance` text c:

    prefix_k(x) = the first k tokens of c under the evaluated model's tokenizer (all of c if shorter)
    input       = template(x) + prefix_k(x)          (the assistant turn opened, then prefilled)
    judged text = prefix_k(x) + greedy continuation  (`judge_text: prefix+continuation`, the default),
                  or the continuation alone          (`judge_text: continuation`)

The curve's `step` is k (`extra.cost_unit = "prefix tokens"`), so steps to threshold reads as the
prefix tokens needed to reach tau. With the default the judge sees the whole answer the user would
read, the attacker's words included: a model that stops right after a long prefix is counted on that
prefix; `continuation` judges only what the model wrote. Benign NLL is the unattacked model's (the
prefix touches only the harmful queries) and is measured once. Cost: no training, no FLOPs, no
training examples (the prefixes come from the evaluated rows' own compliance texts). With
`stop_at_asr`, the ladder stops at the first k whose ASR reaches it (`extra.stopped_at_rung` = k).
"""

from __future__ import annotations

from attacks.base import Attack, AttackResult
from attacks.costs import cost_record
from attacks.generation import generate_from_ids
from attacks.queries import QueryView, require_completions
from attacks.weight_edit import check_stop_at_asr
from train import KeelError
from train.chat import prompt_ids

JUDGE_TEXTS = ("prefix+continuation", "continuation")


class Prefill(Attack):
    recipe = "prefill"
    cost_unit = "prefix tokens"

    def __init__(self, name: str | None = None, split: str = "auto", seeds: list[int] | None = None, *,
                 ladder: list[int] | None = None, judge_text: str = "prefix+continuation",
                 stop_at_asr: float | None = None):
        super().__init__(name, split, seeds)
        self.stop_at_asr = check_stop_at_asr(stop_at_asr, self.name)
        ladder = [0, 5, 10, 20] if ladder is None else list(ladder)
        if not ladder or any(isinstance(k, bool) or not isinstance(k, int) or k < 0 for k in ladder):
            raise KeelError(f"attack.{self.name}.ladder: must be a non-empty list of prefix lengths >= 0 (tokens), "
                            f"got {ladder}")
        if ladder != sorted(set(ladder)):
            raise KeelError(f"attack.{self.name}.ladder: must be increasing without repeats, got {ladder}")
        if judge_text not in JUDGE_TEXTS:
            raise KeelError(f"attack.{self.name}.judge_text: '{judge_text}' is not one of {', '.join(JUDGE_TEXTS)}")
        self.ladder, self.judge_text = ladder, judge_text

    def prefixes(self, tokenizer, data, k: int) -> dict[str, list[int]]:
        """Held-out prompt -> the first k tokens of its row's compliance text."""
        return {r["prompt"]: tokenizer(r["compliance"], add_special_tokens=False)["input_ids"][:k]
                for r in data.harmful_eval}

    def responder(self, tokenizer, prefixes: dict[str, list[int]], config):
        """An Evaluator.respond that opens every answer with its prompt's prefix."""
        def respond(model, prompts, system=None, progress=False, desc="generate"):
            missing = [p for p in prompts if p not in prefixes]
            if missing:
                raise KeelError(f"attack.{self.name}: no harmful eval row (and so no compliance text to prefill) "
                                f"for the prompt {missing[0][:60]!r}")
            heads = [prefixes[p] for p in prompts]
            encoded = [prompt_ids(tokenizer, p, system) + h for p, h in zip(prompts, heads)]
            keep = [len(h) for h in heads] if self.judge_text == "prefix+continuation" else None
            return generate_from_ids(model, tokenizer, encoded, max_new_tokens=config.max_new_tokens,
                                     batch_size=config.batch_size, progress=progress, desc=desc, keep=keep)
        return respond

    def run(self, model, tokenizer, data, evaluator, *, seed: int, target: str, progress: bool = True
            ) -> AttackResult:
        require_completions(evaluator, self.name, "a prefilled answer")
        nll = evaluator.benign_nll(model)  # the weights never change: one measurement holds for every k
        curve, used = [], {}
        for k in self.ladder:
            prefixes = self.prefixes(tokenizer, data, k)
            view = QueryView(evaluator, respond=self.responder(tokenizer, prefixes, evaluator.config))
            point = {"step": k, **view.harm(model, progress=progress)}
            used[k] = sum(len(prefixes[p]) for p in view.harmful_prompts) / max(len(view.harmful_prompts), 1)
            curve.append(point | {"benign_nll": nll, "tokens": 0, "train_seconds": 0.0, "flops": 0.0})
            if self.stop_at_asr is not None and point["asr"] >= self.stop_at_asr:
                break  # longer prefixes cannot make it cheaper
        extra = {"cost_unit": self.cost_unit, "judge_text": self.judge_text,
                 "prefix_tokens_mean": {str(k): v for k, v in used.items()},
                 "cost": cost_record(self.cost_unit, examples=0, flops=0.0, seconds=0.0)}
        if curve[-1]["step"] != self.ladder[-1]:
            extra["stopped_at_rung"] = curve[-1]["step"]
        return AttackResult(attack=self.name, recipe=self.recipe, split=self.split, target=target, seed=seed,
                            config=self.describe(), curve=curve, flops_per_token=0.0, examples=0, extra=extra)
