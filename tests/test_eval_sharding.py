"""Evaluation sharded across ranks (attacks/sharding.py): two CPU processes (gloo) under torchrun.

    .venv/bin/python -m pytest -q tests/test_eval_sharding.py

The children are this file run as a module (`python -m tests.test_eval_sharding OUT_DIR`), as in
tests/test_deepspeed.py: the pytest process never initialises torch.distributed. Each rank trains the same
attack (DDP), judges the curve with half of the prompts, and records what it generated; the parent
re-judges the weights of every judged step in one process and compares.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from attacks.sharding import across_ranks, labels_across_ranks, shard_indices
from tests.conftest import compose_config
from train.distributed import free_port

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = 16  # eval.max_prompts: 8 per rank
EDGY = 6  # utility.max_prompts: 3 per rank


def test_shard_indices_cover_every_item_once_and_pad_evenly():
    for n in range(0, 12):
        for world in (1, 2, 3, 5):
            parts = [shard_indices(n, r, world) for r in range(world)]
            assert sorted(i for p in parts for i in p) == list(range(n))
            assert max(map(len, parts)) - min(map(len, parts)) <= 1
            padded = [shard_indices(n, r, world, pad=True) for r in range(world)]
            if n:
                assert {len(p) for p in padded} == {-(-n // world)}  # same batches on every rank (ZeRO-3)
                assert all(p[: len(q)] == q for p, q in zip(padded, parts))


def test_one_process_runs_everything_in_order():
    assert across_ranks(lambda part: [x * 2 for x in part], [3, 1, 2]) == [6, 2, 4]
    completions, verdicts, nlls = labels_across_ranks(
        lambda part: ([p.upper() for p in part], [list(part), part[::-1]], [len(p) for p in part]), ["a", "bb"], 2)
    assert completions == ["A", "BB"] and verdicts == [["a", "bb"], ["bb", "a"]] and nlls == [1, 2]


def _tiny_setup():
    """The tiny model and an evaluator whose ASR moves smoothly under a short attack: refusal log-odds with
    a margin below every prompt's log-odds before it (ASR 0 at step 0), plus the keyword judge as the
    second judge, so every evaluation also generates."""
    from attacks.evaluator import EvalConfig, Evaluator
    from attacks.judges.keyword import KeywordJudge
    from attacks.judges.logodds import RefusalLogOddsJudge, refusal_log_odds
    from train.data import load_data
    from train.models import load_model_and_tokenizer

    cfg = compose_config("harden", ["preset=ci", "model=tiny-random"])
    model, tokenizer = load_model_and_tokenizer(cfg.model)
    data = load_data(cfg.data)
    prompts = [r["prompt"] for r in data.harmful_eval][:PROMPTS]
    margin = float(refusal_log_odds(model, tokenizer, prompts).min()) - 1e-3
    evaluator = Evaluator(tokenizer, data.harmful_eval, data.benign_eval, RefusalLogOddsJudge(margin=margin),
                          EvalConfig(max_new_tokens=4, batch_size=8, max_prompts=PROMPTS), secondary=KeywordJudge())
    return model, tokenizer, data, evaluator


def test_two_ranks_judge_half_the_prompts_each_and_agree_with_one_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled",
           "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                "--master_addr", "127.0.0.1", "--master_port", str(free_port())]
    proc = subprocess.run([*launcher, "-m", "tests.test_eval_sharding", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    rank0, rank1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert rank0["world_size"] == rank1["world_size"] == 2
    # Every rank holds the same figures (so they keep taking the same decisions) ...
    for key in ("curve", "resolution", "proxy", "over_refusal"):
        assert rank0[key] == rank1[key], key
    # ... from half of the prompts each: every harmful-prompt evaluation (grid and bisection), the proxy
    # and the over-refusal probe.
    for rank in (rank0, rank1):
        assert rank["generated"] == [PROMPTS // 2] * len(rank0["curve"]) + [EDGY // 2]
        assert rank["proxy_scored"] and set(rank["proxy_scored"]) == {PROMPTS // 2}
    assert rank0["prompts_seen"] != rank1["prompts_seen"]
    assert sorted(rank0["prompts_seen"] + rank1["prompts_seen"]) == sorted(rank0["all_prompts"])
    assert "bisect" in [p[3] for p in rank0["curve"]]  # the curve was resolved between grid points

    # One process judging the weights each judged step had gives the same ASR curve.
    from attacks.resolution import logodds_proxy
    from attacks.utility import over_refusal

    model, _tokenizer, data, evaluator = _tiny_setup()
    for step, asr, nll, _probe in rank0["curve"]:
        model.load_state_dict(torch.load(tmp_path / f"step{step}.pt", weights_only=True))
        assert evaluator.harm(model, step=step)["asr"] == asr, step
        assert evaluator.benign_nll(model) == pytest.approx(nll, abs=1e-5)
        if str(step) in rank0["proxy"]:
            assert logodds_proxy(model, evaluator) == rank0["proxy"][str(step)]
    model.load_state_dict(torch.load(tmp_path / "step0.pt", weights_only=True))  # the unattacked weights
    assert over_refusal(model, evaluator, data.edgy[:EDGY]) == rank0["over_refusal"]


# -- the child process ------------------------------------------------------------------------------------

def _rank_child(out: Path) -> None:
    """One of two torchrun ranks: a resolved FullFineTune (DDP) and the over-refusal probe, counting the
    prompts this rank generated for and scored."""
    torch.distributed.init_process_group("gloo")
    rank = torch.distributed.get_rank()
    import attacks.evaluator as evaluator_module
    import attacks.resolution as resolution_module
    from attacks.full_ft import FullFineTune
    from attacks.utility import over_refusal

    generated, seen, scored, asked = [], [], [], []
    generate, log_odds = evaluator_module.generate_with_nll, resolution_module.refusal_log_odds

    def counting_generate(model, tokenizer, prompts, **kwargs):
        generated.append(len(prompts))
        seen.extend(prompts)
        return generate(model, tokenizer, prompts, **kwargs)

    def counting_log_odds(model, tokenizer, prompts, *args, **kwargs):
        scored.append(len(prompts))
        return log_odds(model, tokenizer, prompts, *args, **kwargs)

    evaluator_module.generate_with_nll, resolution_module.refusal_log_odds = counting_generate, counting_log_odds
    model, tokenizer, data, evaluator = _tiny_setup()
    harm = evaluator.harm

    def recording_harm(m, progress=False, system=None, step=None):
        asked.extend(evaluator.harmful_prompts)
        if rank == 0:  # the weights this step was judged with, for the one-process check
            torch.save({k: v.detach().clone() for k, v in m.state_dict().items()}, out / f"step{step}.pt")
        return harm(m, progress, system, step)

    evaluator.harm = recording_harm
    attack = FullFineTune(steps=6, eval_every=3, examples=8, batch_size=4, lr=3e-4)
    result = attack.run(model, tokenizer, data, evaluator, seed=0, target="base", progress=False)
    refused = over_refusal(model, evaluator, data.edgy[:EDGY])
    proxy = result.extra.get("proxy") or {"steps": [], "asr": []}
    (out / f"rank{rank}.json").write_text(json.dumps({
        "world_size": torch.distributed.get_world_size(),
        "curve": [[p["step"], p["asr"], p["benign_nll"], p["probe"]] for p in result.curve],
        "resolution": result.extra["resolution"], "proxy": dict(zip(map(str, proxy["steps"]), proxy["asr"])),
        "over_refusal": refused, "generated": generated, "proxy_scored": scored,
        "prompts_seen": seen[: PROMPTS // 2], "all_prompts": asked[:PROMPTS]}))  # step 0's harmful prompts
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    _rank_child(Path(sys.argv[1]))
