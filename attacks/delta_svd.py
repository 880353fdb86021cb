"""Hardening-delta SVD attack: remove the top-k singular directions of the delta, matrix by matrix.

Safety fine-tuning tends to be low-rank: a few directions of each weight update carry most of it
(Wei et al. 2024, "Assessing the Brittleness of Safety Alignment via Pruning and Low-Rank
Modifications"). With the public base theta_b and the hardened theta_h, for every 2-D weight W
(embeddings included unless `include_embeddings: false`):

    Delta_W = W_h - W_b = U S V^T             (thin SVD, singular values descending)
    W(k)    = W_h - U_k S_k V_k^T             (the rank-k part of the delta removed)

for each k of the ladder (default 1, 2, 4, 8, 16). Other parameters (norms, biases) keep theta_h; so
does any matrix whose delta is zero. k >= rank(Delta_W) removes that matrix's whole delta. The curve
(attacks/weight_edit.py): step 0 = theta_h, step i = theta(k_i) with `rank` = k_i; `extra` records
the share of the delta's energy sum_i<k s_i^2 / sum s_i^2 removed at each k (mean over matrices).
Cost: no examples; the SVDs, once, at 6 m n^2 + 20 n^3 FLOPs per m x n matrix (m >= n; R-SVD count,
Golub & Van Loan), then 2 m n k + m n per matrix and rung. On the base target itself the delta is
zero: the record says so (`extra.no_attack`) and no edit is evaluated.
"""

from __future__ import annotations

import torch

from attacks.weight_edit import WeightEditLadder, check_ladder, hardening_delta_pairs


class DeltaSVD(WeightEditLadder):
    recipe = "delta_svd"
    rung_name = "rank"
    needs_reference = True

    def __init__(self, name: str | None = None, split: str = "auto", seeds: list[int] | None = None, *,
                 ranks: list[int] | None = None, include_embeddings: bool = True,
                 stop_at_asr: float | None = None):
        super().__init__(name, split, seeds, stop_at_asr)
        self.ranks = check_ladder([1, 2, 4, 8, 16] if ranks is None else ranks, self.name, "ranks", positive_int=True)
        self.include_embeddings = bool(include_embeddings)

    def rungs(self) -> list:
        return self.ranks

    def prepare(self, model, tokenizer, data, evaluator, *, seed, reference, progress):
        pairs, nothing = hardening_delta_pairs(model, reference, self.name)
        if nothing:
            return None, {}, nothing
        embed = model.get_input_embeddings().weight
        top, flops = {}, 0.0
        k_max = max(self.ranks)
        with torch.no_grad():
            for name, p, r in pairs:
                if p.dim() != 2 or (p is embed and not self.include_embeddings):
                    continue
                delta = p.float() - r.float().to(p.device)
                if not delta.any():
                    continue
                u, s, vh = torch.linalg.svd(delta, full_matrices=False)
                m, n = max(delta.shape), min(delta.shape)
                flops += 6.0 * m * n * n + 20.0 * n ** 3
                energy = s.pow(2).cumsum(0) / s.pow(2).sum()
                top[name] = (u[:, :k_max].clone(), s[:k_max].clone(), vh[:k_max].clone(), energy)
        return top, {"flops": flops, "matrices": len(top)}, None

    def edit(self, edited, top, rung) -> float:
        params = dict(edited.named_parameters())
        flops = 0.0
        with torch.no_grad():
            for name, (u, s, vh, _) in top.items():
                w = params[name]
                k = min(int(rung), len(s))
                w.copy_((w.float() - (u[:, :k] * s[:k]) @ vh[:k]).to(w.dtype))
                flops += 2.0 * w.shape[0] * w.shape[1] * k + w.numel()
        return flops

    def describe_state(self, top) -> dict:
        removed = {str(k): float(sum(float(e[min(k, len(e)) - 1]) for *_, e in top.values()) / max(len(top), 1))
                   for k in self.ranks}
        return {"matrices_edited": sorted(top), "delta_energy_removed": removed}
