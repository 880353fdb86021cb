"""RepNoise: push the representations of harmful text towards Gaussian noise (Rosati et al. 2024,
"Representation Noising: A Defence Mechanism Against Harmful Finetuning").

    L = retain * L_LM(benign)
      + alpha  * 1/|L| sum_l MMD^2_k(H_l, Z_l)        H_l: layer-l hidden states of the harmful
                                                      completion tokens, Z_l ~ N(0, I) of the same shape
      - beta   * log L_LM(harmful completion)         gradient ascent through a log: its gradient
                                                      shrinks as 1/L, so the ascent slows, not runs away
    MMD^2_k(X, Y) = mean k(X, X) + mean k(Y, Y) - 2 mean k(X, Y),  k(a, b) = sum_s exp(-|a - b|^2 / (2 s^2 d))
(biased estimator, bandwidths s scaled by the width d). Removing the information harmful text carries
in every layer is what makes it costly to fine-tune back. Cost: one forward+backward over the harmful
and benign rows together (2 x batch_size rows).

    keel harden preset=ci model=tiny-random 'defense=[refusal_sft,repnoise]'
"""

from __future__ import annotations

import torch

from defenses.base import Defense, HardenContext
from defenses.batches import PairPool, collate, device_of, masked_nll, select_layers, upcast


def gaussian_mmd2(x: torch.Tensor, y: torch.Tensor, bandwidths: tuple[float, ...] = (1.0, 2.0, 4.0)
                  ) -> torch.Tensor:
    """Biased MMD^2 between samples x [N, d] and y [M, d], Gaussian kernels summed over `bandwidths`."""
    d = x.shape[-1]

    def kernel(a, b):
        # squared distances by expansion: differentiable at a == b, unlike cdist
        sq = ((a * a).sum(-1)[:, None] + (b * b).sum(-1)[None, :] - 2 * a @ b.t()).clamp_min(0)
        return sum(torch.exp(-sq / (2 * s * s * d)) for s in bandwidths)

    return kernel(x, x).mean() + kernel(y, y).mean() - 2 * kernel(x, y).mean()


def repnoise_loss(hidden: list[torch.Tensor], noise: list[torch.Tensor], harmful_nll: torch.Tensor,
                  retain_nll: torch.Tensor, alpha: float, beta: float, retain: float,
                  bandwidths: tuple[float, ...] = (1.0, 2.0, 4.0)) -> dict[str, torch.Tensor]:
    """The three RepNoise terms (each weighted); their sum is the loss."""
    mmd = torch.stack([gaussian_mmd2(h, z, bandwidths) for h, z in zip(hidden, noise)]).mean()
    return {"noise_mmd": alpha * mmd, "harmful_ascent": -beta * torch.log(harmful_nll),
            "retain_lm": retain * retain_nll}


class RepNoise(Defense):
    name = "repnoise"

    def __init__(self, weight: float = 1.0, *, alpha: float = 1.0, beta: float = 0.1, retain: float = 1.0,
                 bandwidths: list[float] | None = None, layers: list[int] | str | None = "all",
                 max_tokens: int = 128, batch_size: int = 4, max_length: int = 256, seed: int = 0):
        super().__init__(weight)
        self.require(min(alpha, beta, retain) >= 0, "alpha", "alpha, beta and retain must be >= 0")
        self.require(int(batch_size) >= 1, "batch_size", f"must be >= 1, got {batch_size}")
        self.require(int(max_tokens) >= 2, "max_tokens", f"must be >= 2, got {max_tokens}")
        self.alpha, self.beta, self.retain = float(alpha), float(beta), float(retain)
        self.bandwidths = tuple(float(b) for b in (bandwidths or (1.0, 2.0, 4.0)))
        self.layers, self.max_tokens, self.batch_size = layers, int(max_tokens), int(batch_size)
        self.max_length, self.seed = int(max_length), int(seed)
        self.generator = torch.Generator().manual_seed(self.seed)

    def setup(self, ctx: HardenContext) -> None:
        super().setup(ctx)
        self.require(bool(ctx.data.harmful_train), "data", "needs harmful training records")
        self.harmful = PairPool.from_rows(ctx.tokenizer, ctx.data.harmful_train, "compliance", self.seed,
                                          self.max_length)
        self.benign = PairPool.from_rows(ctx.tokenizer, ctx.data.benign_train, "response", self.seed + 1,
                                         self.max_length)

    def rngs(self) -> dict:
        return {"harmful": self.harmful.rng, "benign": self.benign.rng, "noise": self.generator}

    def loss_terms(self, model, inputs: dict) -> dict[str, torch.Tensor]:
        n = self.batch_size
        pairs = [self.harmful.pair(i) for i in self.harmful.indices(n)]
        pairs += [self.benign.pair(i) for i in self.benign.indices(n)]
        batch = collate(pairs, self.harmful.pad_id).to(device_of(model))
        out = model(**batch.inputs(), output_hidden_states=self.alpha > 0)
        harmful_nll = masked_nll(out.logits[:n], batch.labels[:n])
        retain_nll = masked_nll(out.logits[n:], batch.labels[n:])
        hidden, noise = [], []
        if self.alpha > 0:
            mask = batch.labels[:n] != -100  # hidden states at harmful completion tokens
            states = out.hidden_states[1:]
            picked = torch.randperm(int(mask.sum()), generator=self.generator)[: self.max_tokens]
            for i in select_layers(len(states), self.layers):
                h = upcast(states[i][:n][mask][picked.to(mask.device)])
                hidden.append(h)
                noise.append(torch.randn(h.shape, generator=self.generator).to(h))
        terms = repnoise_loss(hidden, noise, harmful_nll, retain_nll, self.alpha, self.beta, self.retain,
                              self.bandwidths) if hidden else \
            {"harmful_ascent": -self.beta * torch.log(harmful_nll), "retain_lm": self.retain * retain_nll}
        return {k: self.weight * v for k, v in terms.items() if (k != "retain_lm" or self.retain)}

    def passes_per_step(self) -> float:
        return 2.0
