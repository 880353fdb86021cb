"""Data-free weight edits evaluated on a ladder of strengths: the run loop shared by delta, delta_svd and
merge (attacks/delta.py, attacks/delta_svd.py, attacks/merge.py).

A recipe says what it prepares once (`prepare`: e.g. the SVD of the hardening delta, or the benign
fine-tunes a merge needs) and how one rung edits a fresh copy of the target (`edit`). The curve:

    step 0      the target as given (no edit)
    step i      the target edited at rung i of the ladder (the rung's value in the point, e.g.
                `coefficient` or `rank`); rungs are alternatives, not cumulative edits

With `stop_at_asr`, the ladder stops at the first point whose ASR reaches it (`extra.stopped_at_rung`,
the step it stopped at; at step 0 nothing is prepared at all): a rational attacker keeps the first edit
that works. Its harm AUC then covers the points measured.

`extra.cost_unit` is "none" (steps are rung indices, not attacker steps). Each point's `flops`,
`tokens` and `train_seconds` are what that rung cost the attacker: the preparation (shared by every
rung) plus the rung's own edit. `extra.cost` sums the whole run. When `prepare` finds nothing to edit
(the delta of the base model against itself), the record says so in `extra.no_attack` and its curve
is step 0 alone: no attack ran.
"""

from __future__ import annotations

import time
from abc import abstractmethod

import torch

from attacks.base import Attack, AttackResult
from attacks.costs import cost_record
from train import KeelError
from train.models import clean_copy


def paired_parameters(model, reference, attack: str) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(name, treated parameter, reference parameter) for every parameter; both models must match."""
    ref = dict(reference.named_parameters())
    pairs = []
    for name, p in model.named_parameters():
        r = ref.get(name)
        if r is None or r.shape != p.shape:
            got = "missing" if r is None else f"shape {tuple(r.shape)}"
            raise KeelError(f"attack.{attack}: the base model's parameter '{name}' is {got}, the treated model's "
                            f"{tuple(p.shape)}; the hardening delta needs the same architecture")
        pairs.append((name, p, r))
    return pairs


def hardening_delta_pairs(model, reference, attack: str) -> tuple[list, str | None]:
    """`paired_parameters`, and why there is nothing to edit when the treated model is the base itself."""
    pairs = paired_parameters(model, reference, attack)
    if all(torch.equal(p, r) for _, p, r in pairs):
        return pairs, ("the hardening delta is zero: this target is the public base itself, so there is nothing "
                       "to remove (no edit was evaluated)")
    return pairs, None


def check_stop_at_asr(value, attack: str) -> float | None:
    """`stop_at_asr`: null or a rate in [0, 1]."""
    if value is not None and (isinstance(value, bool) or not 0.0 <= float(value) <= 1.0):
        raise KeelError(f"attack.{attack}.stop_at_asr: must be in [0, 1] or null, got {value}")
    return None if value is None else float(value)


def check_ladder(values, attack: str, option: str, positive_int: bool = False) -> list:
    """A non-empty, strictly increasing list of positive numbers (integers when `positive_int`)."""
    values = list(values)
    kind = int if positive_int else (int, float)
    bad = not values or any(isinstance(v, bool) or not isinstance(v, kind) or not v > 0 for v in values)
    if bad or values != sorted(set(values)):
        need = "positive integers" if positive_int else "positive numbers"
        raise KeelError(f"attack.{attack}.{option}: must be a non-empty, increasing list of {need}, got {values}")
    return values


class WeightEditLadder(Attack):
    cost_unit = "none"
    rung_name = "coefficient"  # the key each ladder point's value is recorded under

    def __init__(self, name: str | None = None, split: str = "auto", seeds: list[int] | None = None,
                 stop_at_asr: float | None = None):
        super().__init__(name, split, seeds)
        self.stop_at_asr = check_stop_at_asr(stop_at_asr, self.name)

    def broken(self, point: dict) -> bool:
        return self.stop_at_asr is not None and point["asr"] >= self.stop_at_asr

    @abstractmethod
    def rungs(self) -> list:
        """The ladder, weakest edit first."""

    @abstractmethod
    def prepare(self, model, tokenizer, data, evaluator, *, seed: int, reference, progress: bool
                ) -> tuple[object, dict, str | None]:
        """(state shared by every rung, its cost {flops, seconds, examples, tokens, ...}, or a reason why
        there is nothing to edit)."""

    @abstractmethod
    def edit(self, edited, state, rung) -> float:
        """Edit `edited` (a fresh copy of the target) in place at `rung`; returns the FLOPs it took."""

    def describe_state(self, state) -> dict:
        """What the record keeps about the prepared state (e.g. singular-value energy)."""
        return {}

    def run(self, model, tokenizer, data, evaluator, *, seed: int, target: str, progress: bool = True,
            reference=None) -> AttackResult:
        def point(m, step: int, **more) -> dict:
            return {"step": step, **evaluator.harm(m), "benign_nll": evaluator.benign_nll(m), **more}

        curve = [point(model, 0, tokens=0, train_seconds=0.0, flops=0.0)]
        extra = {"cost_unit": self.cost_unit, "rung": self.rung_name}
        if self.broken(curve[0]):  # past the threshold as given: the attacker needs no edit
            extra.update(stopped_at_rung=0, cost=cost_record(self.cost_unit, examples=0, flops=0.0, seconds=0.0))
            return AttackResult(attack=self.name, recipe=self.recipe, split=self.split, target=target, seed=seed,
                                config=self.describe(), curve=curve, flops_per_token=0.0, examples=0, extra=extra)
        t0 = time.perf_counter()
        state, prep, reason = self.prepare(model, tokenizer, data, evaluator, seed=seed, reference=reference,
                                           progress=progress)
        prep = {"flops": 0.0, "examples": 0, "tokens": 0, **prep, "seconds": time.perf_counter() - t0}
        total_flops, total_seconds = prep["flops"], prep["seconds"]
        if reason is None:
            for i, rung in enumerate(self.rungs(), 1):
                t1 = time.perf_counter()
                edited = clean_copy(model).eval()
                flops = self.edit(edited, state, rung)
                seconds = time.perf_counter() - t1
                curve.append(point(edited, i, **{self.rung_name: rung}, tokens=prep["tokens"],
                                   train_seconds=prep["seconds"] + seconds, flops=prep["flops"] + flops))
                total_flops, total_seconds = total_flops + flops, total_seconds + seconds
                del edited
                if self.broken(curve[-1]):
                    extra["stopped_at_rung"] = i
                    break
            extra.update(self.describe_state(state))
        else:
            extra["no_attack"] = reason
        del state
        more = {k: v for k, v in prep.items() if k not in ("flops", "examples", "seconds")}
        extra["cost"] = cost_record(self.cost_unit, examples=prep["examples"], flops=total_flops,
                                    seconds=total_seconds, rungs=len(curve) - 1, **more)
        return AttackResult(attack=self.name, recipe=self.recipe, split=self.split, target=target, seed=seed,
                            config=self.describe(), curve=curve, flops_per_token=0.0, examples=prep["examples"],
                            extra=extra)
