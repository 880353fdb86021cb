"""Hardening-delta attack: subtract (or extrapolate past) what hardening added, using the public base.

A hardened release theta_h is its public base theta_b plus a delta Delta = theta_h - theta_b. An
attacker holding both needs no data and no training to move back along it (task negation, Ilharco et
al. 2023, "Editing Models with Task Arithmetic"; re-evaluations broke circuit-breaker and
deep-refusal models with such edits). For each coefficient c of the ladder (default 0.25 ... 2):

    theta(c) = theta_h - c * Delta = lerp(theta_h, theta_b, c)     for every parameter

c < 1 removes part of the delta, c = 1 gives the base back exactly, c > 1 extrapolates past the base
(the direction hardening moved, reversed). The curve (attacks/weight_edit.py): step 0 = theta_h,
step i = theta(c_i) with `coefficient` = c_i; steps to threshold reads as the rung index, so the
report shows the coefficient reached. Cost: no examples; 3 FLOPs per parameter per rung (difference,
scale, add). On the base target itself Delta = 0: the record says so (`extra.no_attack`) and no
edit is evaluated.
"""

from __future__ import annotations

import torch

from attacks.weight_edit import WeightEditLadder, check_ladder, hardening_delta_pairs


class HardeningDelta(WeightEditLadder):
    recipe = "delta"
    needs_reference = True

    def __init__(self, name: str | None = None, split: str = "auto", seeds: list[int] | None = None, *,
                 coefficients: list[float] | None = None, stop_at_asr: float | None = None):
        super().__init__(name, split, seeds, stop_at_asr)
        self.coefficients = check_ladder([0.25, 0.5, 0.75, 1.0, 1.5, 2.0] if coefficients is None else coefficients,
                                         self.name, "coefficients")

    def rungs(self) -> list:
        return self.coefficients

    def prepare(self, model, tokenizer, data, evaluator, *, seed, reference, progress):
        pairs, nothing = hardening_delta_pairs(model, reference, self.name)
        if nothing:
            return None, {}, nothing
        with torch.no_grad():
            delta = sum(float((p.float() - r.float()).pow(2).sum()) for _, p, r in pairs) ** 0.5
            size = sum(float(p.float().pow(2).sum()) for _, p, _ in pairs) ** 0.5
        return (reference, {"delta_norm": delta, "delta_relative_norm": delta / max(size, 1e-12)}), {}, None

    def edit(self, edited, state, rung) -> float:
        ref = dict(state[0].named_parameters())
        n = 0
        with torch.no_grad():
            for name, p in edited.named_parameters():
                p.copy_(torch.lerp(p.float(), ref[name].float().to(p.device), float(rung)).to(p.dtype))
                n += p.numel()
        return 3.0 * n

    def describe_state(self, state) -> dict:
        return state[1]
