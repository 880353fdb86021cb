"""DeepSpeed on CPU (gloo): hardening and an attack under ZeRO-2 and ZeRO-3, and a 2-rank run.

    .venv/bin/python -m pytest tests/test_deepspeed.py -q

DeepSpeed needs a process group, so every DeepSpeed check runs in a child process (rank 0 of 1, or two
ranks with the environment torchrun gives them): the pytest process never initialises torch.distributed.
The children are forked from the session's forkserver, which has keel and DeepSpeed imported already
(tests/conftest.py), and they skip DeepSpeed's optional shared-memory CPU allreduce op: its first use
compiles C++ for 1-2 min, and without it DeepSpeed reduces through torch.distributed (gloo), as it does
wherever the op is unavailable; keel's code is the same either way. A child can also run alone:
`python -m tests.test_deepspeed stage 3 TINY_DIR OUT_DIR` (with RANK, WORLD_SIZE, MASTER_* set).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import compose_config, run_forked
from train import KeelError
from train.distributed import check_defenses, deepspeed_config, free_port

ROOT = Path(__file__).resolve().parent.parent
ZERO_OPTIONS = {"zero2": 2, "zero3": 3, "zero2_offload": 2, "zero3_offload": 3}
# Small enough for seconds per trainer; `hf` loads through from_pretrained, the path ZeRO-3 shards at load.
SMALL = ["preset=ci", "model=hf", "model.attn_implementation=eager", "harden.steps=2", "harden.save_steps=0",
         "budget.steps=2", "budget.eval_every=1", "eval.max_prompts=2", "eval.max_new_tokens=4",
         "utility.enabled=false", "attack.full_ft.optimizer=sgd", "attack.full_ft.schedule=cosine"]


@pytest.mark.parametrize("option", sorted(ZERO_OPTIONS))
def test_zero_config_is_one_hydra_node(option):
    ds = deepspeed_config(compose_config("harden", [f"deepspeed={option}"]))
    assert ds["zero_optimization"]["stage"] == ZERO_OPTIONS[option]
    for key in ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps"):
        assert ds[key] == "auto", key  # the HF integration fills them from harden.* / the attack
    # The Trainer builds optimizer and schedule: an attack's sampled optimizer must not be replaced.
    assert "optimizer" not in ds and "scheduler" not in ds
    if "offload" in option:
        assert ds["zero_optimization"]["offload_optimizer"]["device"] == "cpu"
    assert deepspeed_config(compose_config("harden", [])) is None


def test_inner_loop_defense_refused_under_zero3_before_loading(tmp_path, monkeypatch):
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.setenv(var, {"RANK": "0", "WORLD_SIZE": "1"}.get(var, "0"))  # restored after the test
    from train.pipeline import build_named, run_pipeline

    cfg = compose_config("harden", ["preset=ci", "model=tiny-random", "defense=[tar]", "deepspeed=zero3",
                                    f"run.dir={tmp_path}"])
    with pytest.raises(KeelError, match=r"defense 'tar' supports ZeRO stages 0, 1, 2, not 3; use e.g. deepspeed=zero2"):
        run_pipeline(cfg)
    assert json.loads((tmp_path / "status.json").read_text())["status"] == "failed"
    assert not (tmp_path / "checkpoint").exists()
    check_defenses(build_named(cfg.defense, "defense"), deepspeed_config(compose_config("harden", ["deepspeed=zero2"])))
    check_defenses(build_named(compose_config("harden", []).defense, "defense"), deepspeed_config(cfg))  # refusal_sft


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    """The tiny random model saved as an HF checkpoint (ZeRO-3 shards it inside from_pretrained)."""
    from train.tiny import build_tiny_model, build_tiny_tokenizer

    path = tmp_path_factory.mktemp("tiny-hf")
    tokenizer = build_tiny_tokenizer()
    build_tiny_model(tokenizer).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _rank_env(rank: int = 0, world_size: int = 1, port: int | None = None) -> dict:
    """What torchrun sets for each rank it starts."""
    return {"RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": str(world_size),
            "LOCAL_WORLD_SIZE": str(world_size), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port or free_port())}


def _forked(env: dict, error: str, kind: str, *args: str) -> None:
    """A child's body, in a process forked from the forkserver: this rank's environment, one torch
    thread, no shared-memory allreduce op (see the module docstring), then the child named `kind`.
    A failure's traceback goes to the file `error` (a forked child's stderr is the forkserver's)."""
    import traceback

    import deepspeed.ops
    import torch

    os.environ.update({"DS_ACCELERATOR": "cpu", "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled", **env})
    torch.set_num_threads(1)
    deepspeed.ops.__compatible_ops__ = {"deepspeed_shm_comm": False}  # also skips probing every op's compiler
    try:
        CHILDREN[kind](*args)
    except BaseException:
        Path(error).write_text(traceback.format_exc())
        raise


def _children(kind: str, envs: list[dict], tmp_path: Path, *args: str) -> None:
    """The `kind` child once per rank environment, all at once; each must exit 0."""
    errors = [tmp_path / f"{kind}-rank{env['RANK']}.error" for env in envs]
    codes = run_forked(*[(_forked, env, str(error), kind, *args) for env, error in zip(envs, errors)])
    failed = "\n".join(e.read_text()[-3000:] for e in errors if e.exists())
    assert codes == [0] * len(envs), f"{kind} children exited with {codes}\n{failed}"


# ZeRO-2 hardens with TAR (its inner loop must run under the engine), ZeRO-3 with refusal SFT.
TAR = ["defense=[tar]", "defense.tar.inner_steps=2", "defense.tar.tr_points=1", "defense.tar.batch_size=2"]
STAGES = {2: TAR, 3: ["defense=[refusal_sft]"]}


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_harden_and_attack_under_zero_match_plain_pytorch(stage, tiny_dir, tmp_path):
    _children("stage", [_rank_env()], tmp_path, str(stage), str(tiny_dir), str(tmp_path))
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["zero_stage"] == stage
    assert out["weights_moved"] > 1e-3  # hardening changed the weights...
    assert out["weights_diff"] < 1e-4  # ...exactly as plain PyTorch did
    assert out["attack_nll_diff"] < 1e-4  # the attack ran the attacker's own optimizer (SGD, cosine)
    if stage == 3:
        assert out["sharded_at_load"] and out["gathered_diff"] == 0.0
    for name in ("report.json", "report.md", "checkpoint/model.safetensors", "results.jsonl"):
        assert (tmp_path / "run" / name).exists(), name


def test_evaluate_and_search_under_zero2_match_plain_pytorch(tiny_dir, tmp_path):
    """`keel evaluate` (grid + adaptive search) under ZeRO-2 gives the curves plain PyTorch gives."""
    _children("evaluate", [_rank_env()], tmp_path, str(tiny_dir), str(tmp_path))
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["distributed"] == {"world_size": 1, "zero_stage": 2}
    assert out["engines"] >= 2  # the grid attack and the search trial both trained through DeepSpeed
    assert out["grid_nll_diff"] < 1e-4 and out["search_nll_diff"] < 1e-4
    assert out["grid_nll_moved"] > 1e-4  # the attack did train


def _two_ranks(tiny_dir, tmp_path, overrides: list[str]) -> None:
    port = free_port()
    _children("ranks", [_rank_env(rank, 2, port) for rank in (0, 1)], tmp_path, str(tiny_dir), str(tmp_path),
              *overrides)
    rank0, rank1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert rank0["world_size"] == rank1["world_size"] == 2
    assert rank0["curves"] == rank1["curves"]  # same ASR and benign NLL at every step, on both ranks
    assert abs(rank0["train_loss"] - rank1["train_loss"]) < 1e-6
    assert rank1["writes"] == [] and rank0["writes"]
    run = tmp_path / "run"
    assert len((run / "results.jsonl").read_text().splitlines()) == 2  # base + hardened, once
    assert json.loads((run / "status.json").read_text())["status"] == "done"


def test_two_ranks_agree_and_only_rank_zero_writes(tiny_dir, tmp_path):
    _two_ranks(tiny_dir, tmp_path, ["deepspeed=zero3"])
    assert json.loads((tmp_path / "run" / "report.json").read_text())["distributed"] == {"world_size": 2,
                                                                                       "zero_stage": 3}


@pytest.mark.slow
def test_meta_learning_defense_on_two_ranks_under_zero2(tiny_dir, tmp_path):
    """TAR's inner loop under a 2-rank ZeRO-2 engine (~2 min): pytest -m slow tests/test_deepspeed.py"""
    _two_ranks(tiny_dir, tmp_path, ["deepspeed=zero2", *TAR])


# -- the child processes ------------------------------------------------------------------------------

def _stage_child(stage: int, tiny: str, out: Path, overrides: list[str]) -> None:
    """Rank 0 of 1: plain PyTorch hardening + attack, then the pipeline under ZeRO-<stage>; the differences.
    `overrides`: extra Hydra overrides (tests/test_gpu.py runs this child on a GPU in fp32)."""
    from safetensors.torch import load_file

    from attacks.runner import make_evaluator
    from train.data import load_data
    from train.distributed import gathered_copy, is_partitioned
    from train.hardening import harden, training_args
    from train.models import clean_copy, load_model_and_tokenizer
    from train.pipeline import build_named, run_pipeline

    cfg = compose_config("harden", [*SMALL, f"model.path={tiny}", f"run.dir={out / 'run'}", f"deepspeed=zero{stage}",
                                    *STAGES[stage], *overrides])
    model, tokenizer = load_model_and_tokenizer(cfg.model)
    data = load_data(cfg.data)
    plain = clean_copy(model)
    harden(plain, tokenizer, data, build_named(cfg.defense, "defense"), cfg.harden, str(out / "plain"))
    attack = build_named(cfg.attack, "attack")[0]
    plain_curve = attack.run(plain, tokenizer, data, make_evaluator(cfg, tokenizer, data), seed=0,
                             target="hardened", progress=False).curve
    result = {}
    if stage == 3:  # the trainer config first, then the load: from_pretrained shards (zero.Init)
        args = training_args(cfg.harden, str(out / "z3"), deepspeed_config(cfg))
        sharded, _ = load_model_and_tokenizer(cfg.model)
        result["sharded_at_load"] = is_partitioned(sharded)
        whole = gathered_copy(sharded).state_dict()
        result["gathered_diff"] = max(float((whole[k] - v).abs().max()) for k, v in model.state_dict().items())
        del args, sharded
    report = run_pipeline(cfg)
    saved = load_file(str(out / "run" / "checkpoint" / "model.safetensors"))
    ref, base = ({k: v.cpu() for k, v in m.state_dict().items()} for m in (plain, model))
    ds_curve = next(c["curve"] for c in report["curves"] if c["target"] == "hardened")
    result.update(
        zero_stage=report["distributed"]["zero_stage"], device=next(plain.parameters()).device.type,
        weights_diff=max(float((saved[k] - ref[k]).abs().max()) for k in saved),
        weights_moved=max(float((saved[k] - base[k]).abs().max()) for k in saved),
        attack_nll_diff=max(abs(a["benign_nll"] - b["benign_nll"]) for a, b in zip(ds_curve, plain_curve)),
    )
    (out / "out.json").write_text(json.dumps(result))


def _evaluate_child(tiny: str, out: Path) -> None:
    """Rank 0 of 1: `keel evaluate` with the grid and a one-trial search, plain and under ZeRO-2."""
    import deepspeed

    from attacks.evaluate import run_evaluate

    engines = []
    original = deepspeed.initialize
    deepspeed.initialize = lambda *a, **k: (engines.append(1), original(*a, **k))[1]
    common = [*SMALL, f"model.path={tiny}", "search.enabled=true", "search.n_trials=1",
              "search.exclude_recipes=[refusal_ablation,identity_shift]"]
    plain = run_evaluate(compose_config("evaluate", [*common, f"run.dir={out / 'plain'}"]))
    zero = run_evaluate(compose_config("evaluate", [*common, f"run.dir={out / 'zero'}", "deepspeed=zero2"]))

    def nll(curve: list[dict]) -> list[float]:
        return [p["benign_nll"] for p in curve]

    def diff(a: list[float], b: list[float]) -> float:
        return max(abs(x - y) for x, y in zip(a, b, strict=True))

    grid = [nll(r["curve"]) for r in (plain["curves"][0], zero["curves"][0])]
    trials = [nll(json.loads((out / run / "search.json").read_text())["checkpoint"][0]["trials"][0]["curve"])
              for run in ("plain", "zero")]
    (out / "out.json").write_text(json.dumps({
        "distributed": zero["distributed"], "engines": len(engines), "grid_nll_diff": diff(*grid),
        "grid_nll_moved": abs(grid[0][-1] - grid[0][0]), "search_nll_diff": diff(*trials)}))


def _ranks_child(tiny: str, out: Path, overrides: list[str]) -> None:
    """One of two torchrun ranks: the pipeline under DeepSpeed; records what this rank wrote into the run dir."""
    import train.run_dir as run_dir

    rank = int(os.environ["RANK"])
    writes: list[str] = []
    for name in ("atomic_write_bytes", "append_jsonl"):  # every run-dir write goes through these two
        original = getattr(run_dir, name)
        setattr(run_dir, name, lambda path, data, _f=original: (writes.append(str(path)), _f(path, data))[1])
    from train.pipeline import run_pipeline

    cfg = compose_config("harden", [*SMALL, f"model.path={tiny}", f"run.dir={out / 'run'}", *overrides])
    report = run_pipeline(cfg)
    curves = sorted([[c["target"], [[p["step"], p["asr"], round(p["benign_nll"], 6)] for p in c["curve"]]]
                     for c in report["curves"]])
    (out / f"rank{rank}.json").write_text(json.dumps({
        "world_size": report["distributed"]["world_size"], "curves": curves,
        "train_loss": report["hardening"]["train_loss"], "writes": writes}))


CHILDREN = {"stage": lambda stage, tiny, out, *overrides: _stage_child(int(stage), tiny, Path(out), list(overrides)),
            "evaluate": lambda tiny, out: _evaluate_child(tiny, Path(out)),
            "ranks": lambda tiny, out, *overrides: _ranks_child(tiny, Path(out), list(overrides))}

if __name__ == "__main__":
    CHILDREN[sys.argv[1]](*sys.argv[2:])
