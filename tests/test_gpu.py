"""What only a GPU can check: bf16 hardening vs fp32, ZeRO-2 on one GPU vs plain PyTorch, memory released
between attacks, batched generation under CUDA kernels. Opt-in, and run by the GPU readiness kit:

    .venv/bin/python -m pytest -m gpu tests/test_gpu.py -q          # needs a CUDA device
    bash tests/benchmarks/gpu_check.sh run                            # the whole device check (launch/README.md)

Without CUDA they are skipped (the default `pytest` run deselects them: pyproject addopts).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.conftest import compose_config

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (pytest -m gpu)")]
# A tiny Llama still wide enough that bf16 rounding shows (hidden 256, 4 layers, sdpa kernels).
SHAPE = dict(hidden_size=256, intermediate_size=512, num_hidden_layers=4, num_attention_heads=4,
             num_key_value_heads=2)


@pytest.fixture(scope="module")
def cuda_pair():
    from train.tiny import build_tiny_model, build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()
    model = build_tiny_model(tokenizer, **SHAPE)
    model.set_attn_implementation("sdpa")  # the CUDA kernels users run (the tiny default is eager)
    return model.cuda().eval(), tokenizer


def _harden_once(model, tokenizer, data, tmp_path: Path, bf16: bool) -> tuple[dict, float]:
    """One SGD step of refusal SFT through keel's HardenTrainer, no gradient clipping; (weight change per
    tensor, train loss)."""
    from train.hardening import harden
    from train.pipeline import build_named

    cfg = compose_config("harden", ["preset=ci", "defense=[refusal_sft]", "harden.steps=1", "harden.lr=0.05",
                                    "harden.save_steps=0", "harden.schedule=constant", "+harden.trainer.optim=sgd",
                                    "+harden.trainer.max_grad_norm=0",
                                    f"+harden.trainer.bf16={str(bf16).lower()}"])
    before = {k: v.detach().float().clone() for k, v in model.state_dict().items()}
    stats = harden(model, tokenizer, data, build_named(cfg.defense, "defense"), cfg.harden,
                   str(tmp_path / ("bf16" if bf16 else "fp32")))
    delta = {k: v.detach().float() - before[k] for k, v in model.state_dict().items()}
    return delta, stats["train_loss"]


def test_bf16_hardening_step_matches_fp32(cuda_pair, data, tmp_path):
    """bf16 autocast (fp32 weights, bf16 matmuls) moves the weights as fp32 does: same loss to 1%, the
    same update direction (cosine > 0.99) and size (5%). SGD, so the update is the gradient itself."""
    model, tokenizer = cuda_pair
    fp32_delta, fp32_loss = _harden_once(copy.deepcopy(model), tokenizer, data, tmp_path, bf16=False)
    bf16_delta, bf16_loss = _harden_once(copy.deepcopy(model), tokenizer, data, tmp_path, bf16=True)
    assert abs(bf16_loss - fp32_loss) <= 0.01 * abs(fp32_loss)
    a = torch.cat([fp32_delta[k].flatten() for k in sorted(fp32_delta)])
    b = torch.cat([bf16_delta[k].flatten() for k in sorted(fp32_delta)])
    assert a.norm() > 0
    assert torch.nn.functional.cosine_similarity(a, b, dim=0) > 0.99
    assert abs(b.norm() / a.norm() - 1) < 0.05


def test_zero2_on_one_gpu_matches_plain_pytorch(tmp_path):
    """ZeRO-2 (rank 0 of 1, NCCL) hardens with TAR and attacks exactly as plain PyTorch does, in fp32 (the
    CPU test, tests/test_deepspeed.py, does the same over gloo)."""
    from train.distributed import free_port
    from train.tiny import build_tiny_model, build_tiny_tokenizer

    tiny = tmp_path / "tiny"
    tokenizer = build_tiny_tokenizer()
    build_tiny_model(tokenizer).save_pretrained(tiny)
    tokenizer.save_pretrained(tiny)
    env = {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1",
           "MASTER_PORT": str(free_port()), "DS_ACCELERATOR": "cuda"}
    fp32 = ["+harden.trainer.bf16=false", "+attack.full_ft.trainer.bf16=false"]
    done = subprocess.run([sys.executable, "-m", "tests.test_deepspeed", "stage", "2", str(tiny), str(tmp_path), *fp32],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["zero_stage"] == 2 and out["device"] == "cuda"
    assert out["weights_moved"] > 1e-3 and out["weights_diff"] < 1e-4
    assert out["attack_nll_diff"] < 1e-4


def test_memory_is_released_between_attacks(cuda_pair, data, evaluator):
    """After each attack of the grid, the device holds what it held before: the attacked copy, its
    optimizer state and the trainer are gone (a leak would keep at least one copy of the weights)."""
    from attacks.grid import run_grid
    from train.pipeline import build_named

    model, tokenizer = cuda_pair

    def grid(seeds: str, store=None) -> None:
        cfg = compose_config("harden", ["preset=ci", "attack=[full_ft]", "budget.steps=2", "budget.eval_every=2",
                                        f"budget.seeds={seeds}", "eval.max_prompts=4"])
        run_grid(build_named(cfg.attack, "attack"), {"base": model}, tokenizer, data, evaluator, done={},
                 store=store, progress=False)

    grid("[0]")  # warm-up: CUDA context, cuBLAS workspaces and kernels are allocated once per process
    torch.cuda.synchronize()
    baseline = torch.cuda.memory_allocated()
    after: list[int] = []
    grid("[1,2,3]", store=lambda record: after.append(torch.cuda.memory_allocated()))
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    assert len(after) == 3
    assert all(a - baseline < 0.05 * weights + 2**20 for a in after), (baseline, after, weights)


def test_batched_generation_matches_one_prompt_at_a_time_on_cuda(cuda_pair, data):
    """Left-padded batches under CUDA's sdpa kernels give the per-prompt `generate` loop's greedy text."""
    from attacks.generation import generate
    from tests.benchmarks.bench_generation import per_prompt_loop

    model, tokenizer = cuda_pair
    prompts = [r["prompt"] for r in data.harmful_eval[:12]]
    batched = generate(model, tokenizer, prompts, max_new_tokens=16, batch_size=6)
    assert batched == per_prompt_loop(model, tokenizer, prompts, 16)
