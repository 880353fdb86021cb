"""How an attacker queries the attacked model: views of the scorecard's Evaluator.

The Evaluator (attacks/evaluator.py) asks the held-out harmful prompts plainly. Some attacks query
otherwise, and their curves must measure what *they* ask:

  QueryView(evaluator, prompts=..., respond=...)
      the same judges, NLL rows and settings, but other harmful prompts (a backdoor trigger, a
      template, another language) and/or another way to obtain the completions (a prefilled response
      start, a soft prompt in embedding space). Every method called through the view (`harm`, `label`,
      ...) runs with them swapped in, for that call only.
  PairedEvaluator(primary, secondary, suffix)
      `harm` measures both and returns the primary point plus the secondary's rates as
      `asr_<suffix>`, `refusal_<suffix>`, `incoherent_<suffix>`, `n_<suffix>`: e.g. a jailbreak-tuned
      model with its trigger (primary: the attacker's best) and without it (`asr_plain`).
  Unjudged(evaluator)
      measures nothing (zero rates, NaN NLL): for fine-tunes run as an ingredient of another attack
      (attacks/merge.py), whose own curve is not a result.

Swapping, not copying: `keel harden` wraps `evaluator.harm` (a resume-test hook bound to the original
object), so a copy would still measure the original prompts.
"""

from __future__ import annotations

import math
import types
from contextlib import contextmanager

from train import KeelError

RATES = ("asr", "refusal", "incoherent", "n", "asr_secondary")


class QueryView:
    """The evaluator, asking `prompts` (capped at eval.max_prompts) and/or answering through `respond`
    (signature of Evaluator.respond: model, prompts, system, progress, desc -> completions)."""

    def __init__(self, evaluator, *, prompts: list[str] | None = None, ids: list[str] | None = None,
                 respond=None):
        self._evaluator = evaluator
        cap = evaluator.config.max_prompts
        self.harmful_prompts = list(prompts)[:cap] if prompts is not None else evaluator.harmful_prompts
        # the ids stored beside each completion and outcome: other prompts never take the evaluator's ids
        if prompts is None:
            self.prompt_ids = evaluator.prompt_ids
        elif ids is not None:
            self.prompt_ids = list(ids)[: len(self.harmful_prompts)]
        else:
            self.prompt_ids = [f"query-{i}" for i in range(len(self.harmful_prompts))]
        self._respond = respond

    def __getattr__(self, name):
        """The evaluator's attribute; its methods (harm, label, any other) run with the swap in place."""
        attr = getattr(self._evaluator, name)
        if not isinstance(attr, (types.MethodType, types.FunctionType)):  # data (the tokenizer, the config)
            return attr

        def swapped_call(*args, **kwargs):
            with self._swapped():
                return attr(*args, **kwargs)
        return swapped_call

    @contextmanager
    def _swapped(self):
        ev = self._evaluator
        swapped = {"harmful_prompts": self.harmful_prompts, "prompt_ids": self.prompt_ids}
        if self._respond is not None:
            swapped["respond"] = self._respond  # an instance attribute shadows the method for this call
        saved = {k: ev.__dict__[k] for k in swapped if k in ev.__dict__}
        ev.__dict__.update(swapped)
        try:
            yield ev
        finally:
            for key in swapped:
                if key in saved:
                    ev.__dict__[key] = saved[key]
                else:
                    ev.__dict__.pop(key, None)


class PairedEvaluator:
    """`harm` = the primary's point + the secondary's rates suffixed `_<suffix>`; the rest is the primary's.
    Each set's completions are stored apart: step<t>.jsonl (primary) and step<t>.<suffix>.jsonl."""

    def __init__(self, primary, secondary, suffix: str):
        self.primary, self.secondary, self.suffix = primary, secondary, suffix

    def __getattr__(self, name):
        return getattr(self.primary, name)

    def harm(self, model, *args, **kwargs) -> dict:
        point = self.primary.harm(model, *args, **kwargs)
        other = self.secondary.harm(model, *args, **kwargs, store_suffix=self.suffix)
        point.update({f"{key}_{self.suffix}": other[key] for key in RATES if key in other})
        return point


class Unjudged:
    """Measures nothing: zero rates, NaN benign NLL (the fine-tune it watches is an ingredient, not a result)."""

    def __init__(self, evaluator):
        self._evaluator = evaluator

    def __getattr__(self, name):
        return getattr(self._evaluator, name)

    def harm(self, model, *args, **kwargs) -> dict:
        return {"asr": 0.0, "refusal": 0.0, "incoherent": 0.0, "n": 0, "samples": []}

    def benign_nll(self, model) -> float:
        return math.nan


def require_completions(evaluator, attack: str, why: str) -> None:
    """Attacks that change the completion (prefill, soft prompt) need a primary judge that reads it."""
    judge = evaluator.judge
    if not getattr(judge, "needs_generation", True):
        raise KeelError(f"attack.{attack}: the judge '{judge.name}' reads no completion, so it cannot see {why}; "
                        f"use a judge that reads completions (e.g. judge=keyword)")
