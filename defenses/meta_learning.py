"""Adversarial meta-learning against simulated fine-tunes: the engine behind TAR-style defenses.

One outer step (one micro-batch of the harden trainer):
  1. draw an attack a from the TRAIN part of the attack space (recipe full/LoRA, data, optimizer,
     schedule, lr): the run's attacks.space.AttackSpace when configured, else the defense's own
     `train_space` table (defenses/inner_loop.py)
  2. snapshot the trainable weights theta on CPU, run K attacker steps in place: theta_1 .. theta_K
  3. at the inner steps k in S (`tr_points` steps spread up to K) accumulate
         g = sum_{k in S} w_k grad_theta L_TR(theta_k),   w_k proportional to k (later steps weigh more)
     first-order by default: d theta_k / d theta is taken as the identity
  4. restore theta bitwise from the snapshot and free the attacker's optimizer state
  5. the outer loss gets
         lambda_TR * [ sum_k w_k L_TR(theta_k) + sum_p <p - sg(p), g_p> ]         (tamper_resistance)
       + lambda_lm * L_LM(benign; theta)                                          (retain_lm)
       + lambda_rep * 1/|L| sum_l mean_t ||h_l(theta) - h_l(theta_base)||^2 / d     (retain_rep)
     theta_base = ctx.base_model, the frozen model before hardening; sg = stop-gradient.

The surrogate sum_p <p - sg(p), g_p> is zero in value and has gradient g_p with respect to p, so the
meta-gradient reaches the optimizer through the trainer's own single backward: gradient accumulation
scaling, DDP all-reduce and DeepSpeed ZeRO-2 gradient partitioning all apply to it unchanged. Inner
steps never call `.backward()`: they take torch.autograd.grad (no gradient-accumulation hooks fire) and
hand it to the attacker's own optimizer while the trainer's accumulated `param.grad` is parked.

Second order (`meta_gradient: second_order`): theta_k are built functionally (torch.func.functional_call)
through the attacker's SGD(-momentum) updates with create_graph=True, and g = grad_theta of
sum_k w_k L_TR(theta_k(theta)) exactly. Memory grows with K (every inner graph is kept): small models
only, full-parameter SGD attacks only; attention runs the MATH SDPA kernel (double backward needs it).

Cost per outer step, in forward+backward passes (F+B) over `batch_size` rows (forward alone ~ 1/3):
  first order   K (attack steps) + 2|S| (L_TR on refusal + compliance rows) + 1 (retain) + 1/3 (base
                forward, if lambda_rep > 0), plus the trainer's own SFT pass; and two host<->device copies
                of theta (snapshot, restore) for a full-parameter attack. `passes_per_step()` says it.
  second order  about 3K + 4|S| + 1 + 1/3: the final backward re-traverses every inner step through
                the gradient graphs (a Hessian-vector product per step).
Memory: the snapshot lives on CPU; on the device, g (one copy of theta) plus the attacker's optimizer
state while an attack runs (AdamW: 2 copies of the trained weights; freed after each attack).

Subclasses define `tamper_resistance_loss(forward, batch)`; defenses/tar.py is the reference one.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import functional_call
from torch.nn.attention import SDPBackend, sdpa_kernel

from attacks.hygiene import refuse_training_only
from attacks.optim import build_optimizer
from defenses.base import Defense, HardenContext
from defenses.batches import (
    Batch,
    PairPool,
    collate,
    device_of,
    masked_nll,
    select_layers,
    trainable_parameters,
)
from defenses.inner_loop import (
    ALT_DATA,
    AttackData,
    SimulatedAttack,
    TrainSpaceSampler,
    WeightSnapshot,
    schedule_lrs,
    simulate_attack,
    stashed_grads,
)
from train.distributed import rank

WEIGHTINGS = ("linear", "uniform", "last")
META_GRADIENTS = ("first_order", "second_order")
TRLoss = Callable[[Callable, Batch], tuple[torch.Tensor, dict[str, float]]]


# -- pure functions -----------------------------------------------------------------------------------

def step_weights(steps: int, points: int, weighting: str = "linear") -> dict[int, float]:
    """{inner step k: w_k}: `points` steps spread evenly up to `steps`, weights summing to one.
    linear: w_k proportional to k; uniform: equal; last: only k = steps."""
    if weighting == "last":
        return {steps: 1.0}
    at = sorted({max(1, round(steps * (i + 1) / points)) for i in range(points)})
    raw = {k: float(k) if weighting == "linear" else 1.0 for k in at}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}


def meta_gradient_surrogate(params: list[torch.Tensor], grads: list[torch.Tensor | None],
                            value: float | torch.Tensor = 0.0) -> torch.Tensor:
    """value + sum_p <p - sg(p), g_p>: equal to `value`, gradient g_p with respect to each p."""
    dot = sum((p * g.detach()).sum() for p, g in zip(params, grads) if g is not None)
    device = params[0].device if params else "cpu"
    value = torch.as_tensor(value, dtype=torch.float32, device=device)
    if not torch.is_tensor(dot):  # every gradient None
        return value
    return value + (dot - dot.detach()).to(value.dtype)


def representation_distance(hidden: list[torch.Tensor], reference: list[torch.Tensor],
                            mask: torch.Tensor) -> torch.Tensor:
    """1/|L| sum_l [sum_t m_t ||h_l,t - r_l,t||^2 / (d * sum_t m_t)]: mean squared drift of hidden states
    h from the frozen model's r over the masked tokens (the retain term of TAR, Tamirisa et al. 2024)."""
    m = mask.to(hidden[0].dtype).unsqueeze(-1)
    per_layer = [((h - r.to(h.dtype)) ** 2 * m).sum() / (m.sum().clamp_min(1) * h.shape[-1])
                 for h, r in zip(hidden, reference)]
    return torch.stack(per_layer).mean()


# -- meta-gradients -------------------------------------------------------------------------------------

def first_order_meta_gradient(model, params: list[torch.Tensor], attack: SimulatedAttack,
                              batches: Callable[[int], Batch], steps: int, weights: dict[int, float],
                              tr_loss: TRLoss, tr_batch: Batch, snapshot: WeightSnapshot | None = None,
                              lora_targets: list[str] | None = None, seed: int = 0) -> dict:
    """g = sum_k w_k grad L_TR(theta_k) with theta_k from a real attacker run; weights restored after."""
    snapshot = snapshot or WeightSnapshot()
    full = attack.recipe == "full"
    acc: list[torch.Tensor | None] = [None] * len(params)
    out = {"value": 0.0, "parts": {}}

    def at_step(k: int) -> None:
        if k not in weights:
            return
        loss, parts = tr_loss(model, tr_batch)
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        for i, g in enumerate(grads):
            if g is not None:
                acc[i] = g.mul_(weights[k]) if acc[i] is None else acc[i].add_(g, alpha=weights[k])
        out["value"] += weights[k] * float(loss.detach())
        out["parts"] = parts

    if full:
        snapshot.save(params)
    try:
        with stashed_grads(params), torch.enable_grad():
            out["attack_losses"] = simulate_attack(model, params, attack, batches, steps, at_step,
                                                   lora_targets, seed)
    finally:
        if full:
            snapshot.restore(params)
    out["grads"] = acc
    return out


def _functional(model, names: list[str], values: list[torch.Tensor]) -> Callable:
    def forward(**kwargs):
        return functional_call(model, dict(zip(names, values)), args=(), kwargs=kwargs, strict=False)
    return forward


def second_order_meta_gradient(model, named: list[tuple[str, torch.Tensor]], attack: SimulatedAttack,
                               batches: Callable[[int], Batch], steps: int, weights: dict[int, float],
                               tr_loss: TRLoss, tr_batch: Batch) -> dict:
    """Exact g = grad_theta sum_k w_k L_TR(theta_k(theta)) through full-parameter SGD(-momentum) steps,
    with the momentum, dampening and weight decay of attacks/optim.py's `sgd`."""
    names, params = [n for n, _ in named], [p for _, p in named]
    probe = build_optimizer("sgd", [torch.nn.Parameter(torch.zeros(1))], attack.lr).param_groups[0]
    mu, damp, decay = probe.get("momentum", 0.0), probe.get("dampening", 0.0), probe.get("weight_decay", 0.0)
    lrs = schedule_lrs(attack, steps)
    total, out = None, {"value": 0.0, "parts": {}, "attack_losses": []}
    with sdpa_kernel(SDPBackend.MATH), torch.enable_grad():
        current, buf = list(params), None
        for k in range(1, steps + 1):
            batch = batches(k)
            loss = masked_nll(_functional(model, names, current)(**batch.inputs()).logits, batch.labels)
            grads = torch.autograd.grad(loss, current, create_graph=True)
            if decay:
                grads = [g + decay * p for g, p in zip(grads, current)]
            if mu:
                buf = list(grads) if buf is None else [mu * b + (1 - damp) * g for b, g in zip(buf, grads)]
                grads = buf
            current = [p - lrs[k - 1] * g for p, g in zip(current, grads)]
            out["attack_losses"].append(float(loss.detach()))
            if k in weights:
                tr, out["parts"] = tr_loss(_functional(model, names, current), tr_batch)
                total = weights[k] * tr if total is None else total + weights[k] * tr
                out["value"] += weights[k] * float(tr.detach())
        out["grads"] = list(torch.autograd.grad(total, params, allow_unused=True))
    return out


# -- the engine -------------------------------------------------------------------------------------

class MetaLearningDefense(Defense):
    """Engine: simulated attacks in an inner loop + a retain loss. Subclasses give `tamper_resistance_loss`."""

    name = "meta_learning"
    # the inner loop moves whole parameters in place: not under ZeRO-3 sharding (train/distributed.py)
    supported_zero_stages = (0, 1, 2)

    def __init__(self, weight: float = 1.0, *, inner_steps: int = 4, tr_points: int = 2,
                 tr_weighting: str = "linear", meta_gradient: str = "first_order", batch_size: int = 4,
                 attack_space=None, train_space: dict | None = None, lr_scale: float = 1.0,
                 retain_lm: float = 1.0, retain_rep: float = 1.0,
                 rep_layers: list[int] | str | None = "all", lora_targets: list[str] | None = None,
                 max_length: int = 256, seed: int = 0):
        super().__init__(weight)
        self.require(int(inner_steps) >= 1, "inner_steps", f"must be >= 1, got {inner_steps}")
        self.require(1 <= int(tr_points) <= int(inner_steps), "tr_points",
                     f"must be in [1, inner_steps={inner_steps}], got {tr_points}")
        self.require(tr_weighting in WEIGHTINGS, "tr_weighting", f"'{tr_weighting}' is not one of {WEIGHTINGS}")
        self.require(meta_gradient in META_GRADIENTS, "meta_gradient",
                     f"'{meta_gradient}' is not one of {', '.join(META_GRADIENTS)}")
        self.require(int(batch_size) >= 1, "batch_size", f"must be >= 1, got {batch_size}")
        self.require(retain_lm >= 0 and retain_rep >= 0, "retain_lm", "retain weights must be >= 0")
        self.require(lr_scale > 0, "lr_scale", f"must be positive, got {lr_scale}")
        self.inner_steps, self.tr_points, self.batch_size = int(inner_steps), int(tr_points), int(batch_size)
        self.weights = step_weights(self.inner_steps, self.tr_points, tr_weighting)
        self.meta_gradient = meta_gradient
        self.retain_lm, self.retain_rep, self.rep_layers = float(retain_lm), float(retain_rep), rep_layers
        self.lora_targets, self.max_length, self.seed = lora_targets, int(max_length), int(seed)
        # The run's shared attack space (its train part) when there is one, else this defense's own table.
        space, where = (attack_space, "attack_space") if attack_space is not None else \
            (train_space, "train_space")
        self.sampler = TrainSpaceSampler(space, seed, lr_scale, where=f"defense.{self.name}.{where}")
        if meta_gradient == "second_order":
            recipes, optimizers = self.sampler.values("recipe"), self.sampler.values("optimizer")
            self.require(recipes is None or set(recipes) <= {"full", "full_ft"}, "meta_gradient",
                         f"second_order simulates full-parameter attacks only; {where} has recipes {recipes}")
            self.require(optimizers is None or set(optimizers) == {"sgd"}, "meta_gradient",
                         f"second_order differentiates through SGD only; {where} has optimizers {optimizers}")
        self.snapshot = WeightSnapshot()
        self._pending = None
        self._attacks = 0
        self.record.update({"inner_steps": self.inner_steps, "meta_gradient": meta_gradient,
                            "tr_steps": {str(k): round(w, 4) for k, w in self.weights.items()},
                            "passes_per_step": self.passes_per_step()})

    # -- what subclasses define -------------------------------------------------------------------
    def tamper_resistance_loss(self, forward: Callable, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        """L_TR at the current (attacked) weights. `batch`: `tr_pairs()` collated, by default `batch_size`
        harmful->refusal rows, then the same prompts ->compliance rows (a subclass may append rows of its
        own). `forward(**batch.inputs())` runs the model."""
        raise NotImplementedError

    # -- hooks ----------------------------------------------------------------------------------------
    def setup(self, ctx: HardenContext) -> None:
        super().setup(ctx)
        tok, data = ctx.tokenizer, ctx.data
        self.require(bool(data.harmful_train), "data", "needs harmful training records (data.harmful)")
        self.require(bool(data.benign_train), "data", "needs benign training records (data.benign)")
        # Each rank draws its own batches (like a DistributedSampler's shards) but the same attacks: under DDP
        # the averaged meta-gradient is then one attack's, estimated on world_size times the data.
        s, n = self.rank_seed(), self.max_length
        self.refusals = PairPool.from_rows(tok, data.harmful_train, "refusal", s, n)
        self.compliances = PairPool.from_rows(tok, data.harmful_train, "compliance", s + 1, n)
        benign = PairPool.from_rows(tok, data.benign_train, "response", s + 2, n)
        self.retain = PairPool(benign.pairs, tok.pad_token_id, s + 3, n)
        attacker_harmful = PairPool(self.compliances.pairs, tok.pad_token_id, s + 4, n)
        self.attack_data = AttackData(attacker_harmful, benign, self.batch_size, self.benign_alt_pool(tok, data, s + 5))
        if self.retain_rep > 0 and ctx.base_model is None:
            self.require(False, "retain_rep", "needs the frozen base model; set harden.keep_base_copy=true "
                                              "or retain_rep=0")

    def rank_seed(self) -> int:
        """The seed of this rank's data draws: each rank its own rows, every rank the same attacks."""
        return self.seed + 1009 * rank()

    def benign_alt_pool(self, tok, data, seed: int) -> PairPool | None:
        """The attacker's rows for `benign_alt` / `mixed_alt` (data.benign_alt); None when no attack the
        sampler may draw needs them. Refused up front when one does and data.benign_alt is empty."""
        needed = sorted(set(ALT_DATA) & set(self.sampler.values("data") or ()))  # None: no data axis, harmful
        if not needed:
            return None
        rows = list(getattr(data, "benign_alt", None) or [])
        self.require(bool(rows), "data", f"the simulated attacks' data {needed} need data.benign_alt, which is "
                                         f"empty; set data.benign_alt to a JSONL file or drop {needed} from the space")
        refuse_training_only(data)  # simulated attacks never train on an evaluation prompt
        self.record["benign_alt_rows"] = len(rows)
        return PairPool.from_rows(tok, rows, "response", seed, self.max_length)

    def rngs(self) -> dict:
        rngs = {"sampler": self.sampler.rng, "tr": self.refusals.rng, "retain": self.retain.rng,
                "attack_harmful": self.attack_data.harmful.rng, "attack_benign": self.attack_data.benign.rng}
        if self.attack_data.benign_alt is not None:
            rngs["attack_benign_alt"] = self.attack_data.benign_alt.rng
        return rngs

    def state_dict(self) -> dict:
        return {**super().state_dict(), "attacks": self._attacks}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self._attacks = int(state.get("attacks", self._attacks))

    def tr_pairs(self) -> list[tuple[list[int], list[int]]]:
        """`batch_size` harmful prompts with their refusals, then the same prompts with compliance."""
        idx = self.refusals.indices(self.batch_size)
        return [self.refusals.pair(i) for i in idx] + [self.compliances.pair(i) for i in idx]

    def tr_batch(self) -> Batch:
        return collate(self.tr_pairs(), self.refusals.pad_id)

    def meta_step(self, model, inputs: dict) -> dict[str, float]:
        device = device_of(model)
        attack = self.sampler.sample()
        tr_batch = self.tr_batch().to(device)
        steps = self.inner_steps

        def batches(k: int) -> Batch:
            return self.attack_data.batch(attack.data, k, steps, device)

        named = trainable_parameters(model)
        params = [p for _, p in named]
        if self.meta_gradient == "second_order":
            self.require(attack.recipe == "full" and attack.optimizer == "sgd", "meta_gradient",
                         f"second_order cannot simulate {attack.recipe}/{attack.optimizer}")
            out = second_order_meta_gradient(model, named, attack, batches, steps, self.weights,
                                             self.tamper_resistance_loss, tr_batch)
        else:
            out = first_order_meta_gradient(model, params, attack, batches, steps, self.weights,
                                            self.tamper_resistance_loss, tr_batch, self.snapshot,
                                            self.lora_targets, seed=self.seed + self._attacks)
        self._attacks += 1
        self._pending = (params, out["grads"], out["value"])
        losses = out["attack_losses"]
        return {"tr_loss": out["value"], "attack_loss_first": losses[0], "attack_loss_last": losses[-1],
                "attack_lr": attack.lr, "attack_lora": float(attack.recipe == "lora"),
                **{f"tr_{k}": v for k, v in out["parts"].items()}}

    def loss_terms(self, model, inputs: dict) -> dict[str, torch.Tensor]:
        terms: dict[str, torch.Tensor] = {}
        if self._pending is not None:
            params, grads, value = self._pending
            self._pending = None  # drop g as soon as the surrogate holds it
            terms["tamper_resistance"] = self.weight * meta_gradient_surrogate(params, grads, value)
        if self.retain_lm or self.retain_rep:
            terms.update(self.retain_terms(model))
        return terms

    def retain_terms(self, model) -> dict[str, torch.Tensor]:
        device = device_of(model)
        batch = self.retain.sample(self.batch_size).to(device)
        out = model(**batch.inputs(), output_hidden_states=self.retain_rep > 0)
        terms = {}
        if self.retain_lm:
            terms["retain_lm"] = self.retain_lm * masked_nll(out.logits, batch.labels)
        if self.retain_rep:
            base = self.ctx.base_model
            if device_of(base) != device:
                base.to(device)
            with torch.no_grad():
                ref = base(**batch.inputs(), output_hidden_states=True).hidden_states[1:]
            layers = select_layers(len(ref), self.rep_layers)
            hidden = out.hidden_states[1:]
            terms["retain_rep"] = self.retain_rep * representation_distance(
                [hidden[i] for i in layers], [ref[i] for i in layers], batch.attention_mask)
        return terms

    def passes_per_step(self) -> float:
        """F+B passes over `batch_size` rows per outer step, beyond the trainer's SFT pass."""
        retain = (1.0 if self.retain_lm or self.retain_rep else 0.0) + (1 / 3 if self.retain_rep else 0.0)
        if self.meta_gradient == "second_order":
            return 3.0 * self.inner_steps + 4.0 * len(self.weights) + retain
        return self.inner_steps + 2.0 * len(self.weights) + retain
