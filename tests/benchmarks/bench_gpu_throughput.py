"""GPU throughput of hardening vs plain SFT: tokens/s, MFU and peak memory, on a random Llama in bf16.

    python tests/benchmarks/bench_gpu_throughput.py                  # ~0.5B Llama, batch 8 x 512 tokens
    python tests/benchmarks/bench_gpu_throughput.py --size 1b --batch-size 4 --seq-len 1024
    python tests/benchmarks/bench_gpu_throughput.py --cpu            # tiny fp32 variant, checks the script
    python tests/benchmarks/bench_gpu_throughput.py --size 1b --json out.json   # figures also as JSON

One model, one batch shape (synthetic rows of exactly `--seq-len` tokens, so every pass costs the same):
    refusal SFT   forward + backward + AdamW step on `--batch-size` rows (what refusal_sft's hardening
                  step computes, and a plain SFT step)
    TAR           one hardening outer step of TAR (defenses/tar.py: K=4 simulated full-parameter AdamW attacks,
                  2 tamper-resistance points, retain loss), exactly what HardenTrainer runs per micro-batch
Printed per step: time, tokens/s (the batch's tokens / step time), MFU (model FLOPs / time / peak bf16
FLOPs; FLOPs per token = 6N + 12 L d T, Chinchilla/PaLM accounting, times the step's passes), peak
memory, and  ratio = outer step / ((1 + passes_per_step) x SFT step): hardening's cost per pass it
inherently needs (1.0 = no overhead beyond those passes). Without CUDA and without --cpu it says so and
exits 0. Named bench_*, so pytest does not collect it.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch  # noqa: E402

SHAPES = {  # Llama-shaped; vocab 32000, untied embeddings
    "0.5b": dict(hidden_size=1536, intermediate_size=4096, num_hidden_layers=16, num_attention_heads=12,
                 num_key_value_heads=4),
    "1b": dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=16, num_attention_heads=16,
               num_key_value_heads=8),
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2),
}
# Dense bf16 tensor-core peaks (TFLOP/s, SXM parts); anything else: pass --peak-tflops.
PEAK_TFLOPS = {"H100": 989.0, "H200": 989.0, "H800": 989.0, "A100": 312.0, "A800": 312.0, "L40S": 362.0,
               "A10": 125.0, "L4": 121.0}
TAR_SPACE = {"recipe": ["full"], "optimizer": ["adamw"], "schedule": ["constant"], "lr": [1e-5],
             "data": ["harmful"]}


def build_model(size: str, dtype: torch.dtype, device: str):
    from transformers import LlamaConfig, LlamaForCausalLM

    from train.tiny import build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()  # its ids fit any vocab; throughput does not depend on the text
    vocab = 32000 if size != "tiny" else len(tokenizer)
    config = LlamaConfig(vocab_size=vocab, max_position_embeddings=4096, tie_word_embeddings=False,
                         pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id,
                         attn_implementation="sdpa" if device == "cuda" else "eager", **SHAPES[size])
    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(config).to(dtype)
    return model.train(), tokenizer


def synthetic_rows(tokenizer, seq_len: int, rows: int = 32):
    """A DataBundle whose templated prompt + completion is exactly `seq_len` tokens in every row."""
    from train.chat import prompt_completion_ids
    from train.data import DataBundle

    def length(n_prompt: int, n_completion: int) -> tuple[str, str, int]:
        prompt, completion = "Tell me about" + " the" * n_prompt, "Sure" + " the" * n_completion
        head, tail = prompt_completion_ids(tokenizer, prompt, completion)
        return prompt, completion, len(head) + len(tail)

    *_, overhead = length(seq_len // 4, 0)
    prompt, completion, total = length(seq_len // 4, seq_len - overhead)
    if total != seq_len:
        raise SystemExit(f"synthetic rows are {total} tokens, wanted {seq_len}; try another --seq-len")
    harmful = [{"id": f"h{i}", "group": f"g{i}", "category": "bench", "language": "en", "prompt": prompt,
                "refusal": completion, "compliance": completion} for i in range(rows)]
    benign = [{"id": f"b{i}", "group": f"b{i}", "prompt": prompt, "response": completion} for i in range(rows)]
    return DataBundle(harmful_train=harmful, harmful_eval=[{"prompt": "unused"}], benign_train=benign,
                      benign_eval=benign[:2])


def timed(step, repeats: int, device: str) -> tuple[float, int]:
    """(median seconds per step, peak bytes allocated during the timed steps) after 2 warm-up steps."""
    for _ in range(2):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated() if device == "cuda" else 0
    return statistics.median(times), peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SHAPES), default="0.5b")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--inner-steps", type=int, default=4, help="TAR's simulated attack steps K")
    ap.add_argument("--peak-tflops", type=float, default=None, help="bf16 peak of the device (default: table)")
    ap.add_argument("--cpu", action="store_true", help="tiny fp32 model on the CPU: checks the script, no MFU")
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = ap.parse_args()

    if args.cpu:
        device, dtype = "cpu", torch.float32
        args.size, args.batch_size, args.seq_len, args.repeats = "tiny", 2, 64, min(args.repeats, 3)
    elif torch.cuda.is_available():
        device, dtype = "cuda", torch.bfloat16
    else:
        print("bench_gpu_throughput: no CUDA device; nothing measured (run with --cpu for a tiny CPU check)")
        return 0

    from defenses.base import HardenContext
    from defenses.batches import PairPool, masked_nll
    from defenses.tar import TamperResistance

    model, tokenizer = build_model(args.size, dtype, device)
    base = copy.deepcopy(model).eval().requires_grad_(False)
    data = synthetic_rows(tokenizer, args.seq_len)
    tar = TamperResistance(inner_steps=args.inner_steps, tr_points=2, batch_size=args.batch_size,
                           train_space=TAR_SPACE, max_length=args.seq_len)
    tar.setup(HardenContext(tokenizer=tokenizer, data=data, base_model=base, seed=0))
    batch = PairPool.from_rows(tokenizer, data.benign_train, "response", seed=0,
                               max_length=args.seq_len).sample(args.batch_size).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)

    def sft_step():
        masked_nll(model(**batch.inputs()).logits, batch.labels).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def outer_step():
        tar.meta_step(model, {})
        loss = masked_nll(model(**batch.inputs()).logits, batch.labels)
        for term in tar.loss_terms(model, {}).values():
            loss = loss + term
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    cfg = model.config
    n_params = sum(p.numel() for p in model.parameters())
    tokens = args.batch_size * args.seq_len
    flops_per_token = 6 * n_params + 12 * cfg.num_hidden_layers * cfg.hidden_size * args.seq_len
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    peak = args.peak_tflops or next((v for k, v in PEAK_TFLOPS.items() if k in name), None)
    passes = 1 + tar.passes_per_step()
    print(f"device={name}  model={args.size} ({n_params / 1e6:,.0f}M params, {dtype})  "
          f"batch={args.batch_size}x{args.seq_len} tokens  median of {args.repeats}")

    t_sft, mem_sft = timed(sft_step, args.repeats, device)
    t_out, mem_out = timed(outer_step, args.repeats, device)
    print(f"{'step':<12} {'passes':>7} {'seconds':>9} {'tokens/s':>10} {'MFU':>6} {'peak GiB':>9}")
    figures = {"device": name, "model": args.size, "params": n_params, "dtype": str(dtype).removeprefix("torch."),
               "batch_size": args.batch_size, "seq_len": args.seq_len, "repeats": args.repeats,
               "peak_tflops": peak, "steps": {}}
    for label, n, t, mem in (("refusal_sft", 1.0, t_sft, mem_sft), ("tar", passes, t_out, mem_out)):
        mfu = n * flops_per_token * tokens / t / (peak * 1e12) if peak and device == "cuda" else None
        figures["steps"][label] = {"passes": n, "seconds": t, "tokens_per_s": tokens / t, "mfu": mfu,
                                   "peak_gib": mem / 2**30}
        print(f"{label:<12} {n:>7.2f} {t:>9.3f} {tokens / t:>10.0f} {f'{mfu:.1%}' if mfu else 'n/a':>6} "
              f"{mem / 2**30:>9.2f}")
    figures["tar_vs_sft_per_pass"] = t_out / (passes * t_sft)
    print(f"\nTAR / refusal SFT per inherent pass: {figures['tar_vs_sft_per_pass']:.2f}  "
          f"(outer step {t_out / t_sft:.1f}x an SFT step for {passes:.2f} passes)")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
