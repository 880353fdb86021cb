"""Prompts per second of keel's evaluator (batched, left-padded, KV-cached, early stop) vs a per-prompt
`model.generate` loop, on the same prompts, model and greedy settings. Not collected by pytest.

    .venv/bin/python tests/benchmarks/bench_generation.py --model tiny
    .venv/bin/python tests/benchmarks/bench_generation.py --model smollm2-135m --prompts 48 --max-new-tokens 32
    python tests/benchmarks/bench_generation.py --model-path DIR --device cuda --dtype bfloat16 --json out.json

Both paths apply the chat template and judge the completions with the keyword judge, so the figure is
the evaluator's end-to-end throughput. Target: >= 5x on a CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from attacks.evaluator import EvalConfig, Evaluator  # noqa: E402
from attacks.judges.keyword import KeywordJudge  # noqa: E402
from train.chat import prompt_ids  # noqa: E402
from train.cli import CONF_DIR  # noqa: E402
from train.data import load_data  # noqa: E402
from train.models import load_model_and_tokenizer  # noqa: E402

MODELS = {"tiny": "tiny-random", "smollm2-135m": "smollm2-135m"}


def per_prompt_loop(model, tokenizer, prompts: list[str], max_new_tokens: int) -> list[str]:
    """The naive baseline: one `generate` call per prompt (KV cache on, as HF does by default)."""
    out = []
    device = next(model.parameters()).device
    with torch.no_grad():
        for p in prompts:
            ids = torch.tensor([prompt_ids(tokenizer, p)], device=device)
            seq = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                                 do_sample=False, pad_token_id=tokenizer.pad_token_id,
                                 eos_token_id=tokenizer.eos_token_id)
            out.append(tokenizer.decode(seq[0, ids.shape[1]:], skip_special_tokens=True).strip())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="tiny")
    parser.add_argument("--prompts", type=int, default=48)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--model-path", default=None, help="an HF model folder instead of --model")
    parser.add_argument("--device", default="cpu", help="cpu | cuda")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    model_cfg = OmegaConf.load(Path(CONF_DIR) / "model" / f"{MODELS[args.model]}.yaml")
    if args.model_path:
        model_cfg = OmegaConf.merge(OmegaConf.load(Path(CONF_DIR) / "model" / "hf.yaml"),
                                    {"path": args.model_path, "name": args.model_path})
    model_cfg.dtype = args.dtype
    model, tokenizer = load_model_and_tokenizer(model_cfg)
    model.to(args.device)
    data = load_data(OmegaConf.load(Path(CONF_DIR) / "data" / "keel-mini.yaml"))
    rows = (data.harmful_eval + data.harmful_train)[: args.prompts]
    prompts = [r["prompt"] for r in rows]
    judge = KeywordJudge()
    evaluator = Evaluator(tokenizer, rows, data.benign_eval, judge,
                          EvalConfig(max_new_tokens=args.max_new_tokens, batch_size=args.batch_size))

    def timed(fn) -> float:
        if args.device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if args.device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    evaluator.harm(model)  # warm-up (allocations, tokenizer caches, CUDA kernels)
    keel_s = timed(lambda: evaluator.harm(model))
    loop_s = timed(lambda: judge.judge(prompts, per_prompt_loop(model, tokenizer, prompts, args.max_new_tokens)))

    name = args.model_path or args.model
    print(f"model={name} device={args.device} dtype={args.dtype} prompts={len(prompts)} "
          f"max_new_tokens={args.max_new_tokens} batch_size={args.batch_size} threads={torch.get_num_threads()}")
    print(f"keel evaluator   : {len(prompts) / keel_s:8.2f} prompts/s ({keel_s:.2f} s)")
    print(f"per-prompt loop  : {len(prompts) / loop_s:8.2f} prompts/s ({loop_s:.2f} s)")
    print(f"speed-up         : {loop_s / keel_s:8.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "model": name, "device": args.device, "dtype": args.dtype, "prompts": len(prompts),
            "max_new_tokens": args.max_new_tokens, "batch_size": args.batch_size,
            "evaluator_prompts_per_s": len(prompts) / keel_s, "loop_prompts_per_s": len(prompts) / loop_s,
            "speedup": loop_s / keel_s}, indent=1))


if __name__ == "__main__":
    main()
