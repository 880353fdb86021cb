"""Hardening overhead: the time of one outer step of each defense over the passes it inherently needs.

    python tests/benchmarks/bench_defense_overhead.py --model tiny
    python tests/benchmarks/bench_defense_overhead.py --model small --repeats 3

On one model and one batch shape (synthetic rows, every sequence `--seq-len` tokens, so every pass costs
the same), it times
    plain SFT step   forward + backward + AdamW step on `--batch-size` rows
    outer step       what HardenTrainer does per micro-batch: meta_step, the SFT loss plus the defense's
                     loss terms, one backward, one AdamW step
and prints  ratio = outer step / ((1 + defense.passes_per_step()) x plain SFT step)  (best of `--repeats`,
the two timed alternately),  i.e. the cost
beyond the forward/backward passes the method needs by definition (a forward alone counts 1/3). The
meta-learning engine (tar) must stay within 1.15x. Defenses whose rows are shorter than `--seq-len`
(paraphrase groups, deep-alignment prefixes) show ratios below 1. Named bench_*, so pytest does not
collect it (pyproject: default test_*.py discovery).
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch  # noqa: E402

from defenses.base import HardenContext  # noqa: E402
from defenses.batches import PairPool, masked_nll  # noqa: E402
from train.data import DataBundle  # noqa: E402
from train.tiny import build_tiny_model, build_tiny_tokenizer  # noqa: E402

SHAPES = {
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2),
    "small": dict(hidden_size=256, intermediate_size=768, num_hidden_layers=6, num_attention_heads=8,
                  num_key_value_heads=4),
}
# The engine's own overhead (snapshot, restore, accumulation, surrogate) is judged on a full-parameter
# attack: a LoRA attack adds adapter matmuls (~4 small kernels per adapted linear, forward) that the pass
# count does not include, a real cost on dispatch-bound tiny widths, ~2r/d of the FLOPs on real ones.
ENGINE_ROW = "tar (K=4, full AdamW)"
FULL_ADAMW = {"recipe": ["full"], "optimizer": ["adamw"], "schedule": ["constant"], "lr": [1e-4], "data": ["harmful"]}


def synthetic_data(tokenizer, seq_len: int, rows: int = 32) -> DataBundle:
    """Rows whose templated prompt + completion is exactly `seq_len` tokens (no truncation anywhere), so
    every pass of every defense costs the same."""
    from train.chat import prompt_completion_ids

    def lengths(n_prompt: int, n_completion: int) -> tuple[str, str, int]:
        prompt, completion = "Tell me about" + " the" * n_prompt, "Sure" + " the" * n_completion  # 1 token each
        head, tail = prompt_completion_ids(tokenizer, prompt, completion)
        return prompt, completion, len(head) + len(tail)

    n_prompt = seq_len // 4
    *_, overhead = lengths(n_prompt, 0)
    prompt, completion, total = lengths(n_prompt, seq_len - overhead)
    assert total == seq_len, f"synthetic rows are {total} tokens, wanted {seq_len}"
    harmful = [{"id": f"h{i}", "group": f"g{i}", "category": "test", "language": "en", "prompt": prompt,
                "refusal": completion, "compliance": completion} for i in range(rows)]
    benign = [{"id": f"b{i}", "group": f"b{i}", "prompt": prompt, "response": completion} for i in range(rows)]
    return DataBundle(harmful_train=harmful, harmful_eval=[{"prompt": "unrelated evaluation prompt"}],
                      benign_train=benign, benign_eval=benign[:2])


def defenses(batch: int, max_length: int) -> dict:
    from defenses.booster import Booster
    from defenses.deep_alignment import DeepAlignment
    from defenses.paraphrase_invariance import ParaphraseInvariance
    from defenses.repnoise import RepNoise
    from defenses.tar import TamperResistance
    from defenses.vaccine import Vaccine

    return {
        "tar (K=4, full AdamW)": lambda: TamperResistance(inner_steps=4, tr_points=2, batch_size=batch,
                                                          train_space=FULL_ADAMW, max_length=max_length),
        "tar (K=4, LoRA Adam)": lambda: TamperResistance(
            inner_steps=4, tr_points=2, batch_size=batch, max_length=max_length,
            train_space={**FULL_ADAMW, "recipe": ["lora"], "optimizer": ["adam"]}),
        "tar (K=2, second order)": lambda: TamperResistance(
            inner_steps=2, tr_points=1, batch_size=batch, meta_gradient="second_order", max_length=max_length,
            train_space={**FULL_ADAMW, "optimizer": ["sgd"]}),
        "repnoise": lambda: RepNoise(batch_size=batch, max_length=max_length),
        "booster": lambda: Booster(batch_size=batch, alignment_data=False, max_length=max_length),
        "vaccine": lambda: Vaccine(batch_size=batch, max_length=max_length),
        "deep_alignment": lambda: DeepAlignment(batch_size=batch, max_length=max_length),
        "paraphrase_invariance": lambda: ParaphraseInvariance(sources=["templates"], groups_per_step=max(1, batch // 4),
                                                              group_size=4),
    }


def timed_pair(reference, candidate, passes: float, repeats: int, clock=time.process_time) -> tuple[float, float]:
    """(seconds per reference step, seconds per candidate step): best of `repeats`, the two run
    alternately so that load from other processes hits both alike. The reference is timed over
    round(passes) consecutive steps, so both spans last about as long (a short span more often slips
    between the neighbours' bursts, which would bias the ratio). The default clock is this process's CPU
    time: on a shared CPU machine wall time mostly measures the neighbours."""
    n = max(1, round(passes))
    for _ in range(3):  # warm-up: allocator, lazily tokenized rows, optimizer state
        reference(), candidate()
    ref, cand = [], []
    for _ in range(repeats):
        t0 = clock()
        for _ in range(n):
            reference()
        ref.append((clock() - t0) / n)
        t0 = clock()
        candidate()
        cand.append(clock() - t0)
    return min(ref), min(cand)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=sorted(SHAPES), default="tiny")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1 avoids oversubscription)")
    ap.add_argument("--only", default=None, help="substring: time only defenses whose name contains it")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="cpu: process CPU time (robust on a shared CPU box); wall: elapsed time (use on GPU)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    tokenizer = build_tiny_tokenizer()
    model = build_tiny_model(tokenizer, **SHAPES[args.model]).train()
    base = copy.deepcopy(model).eval().requires_grad_(False)
    data = synthetic_data(tokenizer, args.seq_len)
    ctx = HardenContext(tokenizer=tokenizer, data=data, base_model=base, seed=0)
    sft = PairPool.from_rows(tokenizer, data.benign_train, "response", seed=0, max_length=args.seq_len)
    batch = sft.sample(args.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    params = sum(p.numel() for p in model.parameters())
    print(f"model={args.model} ({params / 1e6:.2f}M params)  batch={args.batch_size}x{batch.input_ids.shape[1]} "
          f"tokens  threads={args.threads}  best of {args.repeats}  clock={args.clock}")

    def plain_step():
        loss = masked_nll(model(**batch.inputs()).logits, batch.labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def outer_step(defense):
        def step():
            defense.meta_step(model, {})
            loss = masked_nll(model(**batch.inputs()).logits, batch.labels)
            for term in defense.loss_terms(model, {}).values():
                loss = loss + term
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        return step

    print(f"{'defense':<28} {'passes':>7} {'SFT step':>9} {'outer step':>11} {'ratio':>6}")
    engine_ok = None
    for name, make in defenses(args.batch_size, args.seq_len).items():
        if args.only and args.only not in name:
            continue
        defense = make()
        defense.setup(ctx)
        passes = 1 + defense.passes_per_step()
        t_sft, t = timed_pair(plain_step, outer_step(defense), passes, args.repeats, clock)
        ratio = t / (passes * t_sft)
        if name == ENGINE_ROW:
            engine_ok = ratio <= 1.15
        print(f"{name:<28} {passes:>7.2f} {t_sft * 1e3:>7.1f}ms {t * 1e3:>9.1f}ms {ratio:>6.2f}")
    if engine_ok is not None:
        print(f"\nmeta-learning engine ({ENGINE_ROW}) within 1.15x of its inherent passes: "
              f"{'yes' if engine_ok else 'NO'}")


if __name__ == "__main__":
    main()
