"""Ranks, launchers and DeepSpeed: what depends on how many processes run one keel command.

    torchrun --nproc_per_node 8 -m train.cli harden deepspeed=zero2 run.name=exp1   (launch/README.md)

- Every rank runs the whole pipeline on one run directory, named by `run.name` (never by a clock, which
  differs per rank); only rank 0 writes files and W&B (`SharedRunDir`, `is_rank_zero`).
- The `deepspeed` config node (conf/deepspeed/<name>.yaml, null by default) is the one copy of the ZeRO
  config: `deepspeed_config(cfg)` makes it the plain dict that SFTConfig(deepspeed=...) takes, for
  hardening and for every attack. Under ZeRO-3 the SFTConfig must exist before the model is loaded, so
  `from_pretrained` loads straight into shards; `gathered_copy` turns a sharded model back into a plain one.
  Attacks train copies of models already in memory, which the engine shards when it starts.
- `harden.batch_size` and an attack's `batch_size` are global batches: each of N ranks takes 1/N of it,
  so a scorecard does not depend on how many GPUs measured it.
"""

from __future__ import annotations

import gc
import os
import socket
import subprocess
from pathlib import Path

import torch
from omegaconf import OmegaConf

from train import KeelError
from train.run_dir import RunDir

ZERO_STAGES = (0, 1, 2, 3)


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_rank_zero() -> bool:
    return rank() == 0


def barrier() -> None:
    """Wait for every rank (no-op in a single process or before the process group exists)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()


def init_rank_env(deepspeed: bool = False) -> None:
    """Set what the process group needs when no launcher did: one SLURM task per GPU (srun,
    hydra-submitit-launcher) gets the variables torchrun would set; a lone process under DeepSpeed gets
    rank 0 of 1 on a free local port. Also gives DeepSpeed's compiled ops a stable cache."""
    cache = Path(os.environ.get("KEEL_CACHE", Path.home() / ".cache" / "keel")).expanduser()
    os.environ.setdefault("TORCH_EXTENSIONS_DIR", str(cache / "torch_extensions"))
    if "RANK" in os.environ:  # torchrun, `deepspeed`, `accelerate launch`
        return
    if int(os.environ.get("SLURM_NTASKS", "1")) > 1 and "SLURM_PROCID" in os.environ:
        _env_from_slurm()
    elif deepspeed:
        os.environ.update({"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0",
                           "MASTER_ADDR": os.environ.get("MASTER_ADDR", "127.0.0.1"),
                           "MASTER_PORT": os.environ.get("MASTER_PORT", str(free_port()))})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env_from_slurm() -> None:
    nodes = os.environ.get("SLURM_JOB_NODELIST", "")
    try:
        head = subprocess.run(["scontrol", "show", "hostnames", nodes], capture_output=True, text=True,
                              check=True).stdout.split()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        head = os.environ.get("SLURMD_NODENAME", "127.0.0.1")
    os.environ.update({
        "RANK": os.environ["SLURM_PROCID"], "WORLD_SIZE": os.environ["SLURM_NTASKS"],
        "LOCAL_RANK": os.environ.get("SLURM_LOCALID", "0"),
        "MASTER_ADDR": os.environ.get("MASTER_ADDR", head),
        # One port per job, the same on every task of it: jobs sharing a node do not collide.
        "MASTER_PORT": os.environ.get("MASTER_PORT", str(20000 + int(os.environ.get("SLURM_JOB_ID", "0")) % 20000)),
    })


def per_device_batch(batch_size: int, option: str) -> int:
    """The per-rank share of a global batch; a batch that does not split evenly is a user error."""
    n = world_size()
    if int(batch_size) % n:
        raise KeelError(f"{option}: {batch_size} is the global batch and must divide evenly over "
                        f"{n} processes; use a multiple of {n}")
    return int(batch_size) // n


def trainer_overrides(deepspeed: dict | None = None) -> dict:
    """SFTConfig fields every keel trainer (hardening and each attack) takes, before the user's own:
    - without CUDA, accelerate runs several processes (DDP or DeepSpeed over gloo) only when told
      `use_cpu`; otherwise each rank would train alone on all the data;
    - DeepSpeed on a GPU trains in bf16 (bf16 weights and activations, fp32 master weights and optimizer
      state), hardening and attacks alike; `trainer: {bf16: false}` opts out."""
    if not torch.cuda.is_available():
        return {"use_cpu": True} if world_size() > 1 else {}
    return {"bf16": True} if deepspeed is not None and torch.cuda.is_bf16_supported() else {}


# -- DeepSpeed ----------------------------------------------------------------------------------------

def deepspeed_config(cfg) -> dict | None:
    """The `deepspeed` node as the plain dict SFTConfig(deepspeed=...) takes; None when DeepSpeed is off."""
    node = cfg.get("deepspeed") if cfg is not None else None
    if node is None:
        return None
    ds = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else dict(node)
    stage = ds.get("zero_optimization", {}).get("stage", 0)
    if stage not in ZERO_STAGES:
        raise KeelError(f"deepspeed.zero_optimization.stage: {stage!r} is not one of {ZERO_STAGES}")
    return ds


def zero_stage(ds: dict | None) -> int | None:
    return None if ds is None else int(ds.get("zero_optimization", {}).get("stage", 0))


def supported_zero_stages(defense) -> tuple[int, ...]:
    """What a defense declares (`supported_zero_stages`); one with an inner loop (`meta_step`) that declares
    nothing is assumed to need whole parameters on every rank, i.e. not ZeRO-3."""
    declared = getattr(defense, "supported_zero_stages", None)
    if declared is not None:
        return tuple(declared)
    from defenses.base import Defense

    has_inner_loop = type(defense).meta_step is not Defense.meta_step
    return (0, 1, 2) if has_inner_loop else ZERO_STAGES


def check_defenses(defenses: list, ds: dict | None) -> None:
    """Refuse at start-up a defense stack that cannot run under the selected ZeRO stage."""
    stage = zero_stage(ds)
    if stage is None:
        return
    for defense in defenses:
        stages = supported_zero_stages(defense)
        if stage not in stages:
            raise KeelError(f"deepspeed: defense '{defense.name}' supports ZeRO stages "
                            f"{', '.join(map(str, stages))}, not {stage}; use e.g. deepspeed=zero2")


def hardening_args_first(harden_cfg, output_dir: str, ds: dict | None):
    """Under DeepSpeed, the hardening SFTConfig built before any model is loaded: while it lives,
    `from_pretrained` loads ZeRO-3 models straight into shards (zero.Init). None without DeepSpeed."""
    if ds is None:
        return None
    import deepspeed

    from train.hardening import training_args

    args = training_args(harden_cfg, output_dir, ds)
    # accelerate opens a CPU process group with plain torch; bind DeepSpeed to it, so zero.Init sizes
    # the shards by the real world size (a no-op where DeepSpeed opened it).
    deepspeed.init_distributed()
    return args


def is_partitioned(model: torch.nn.Module) -> bool:
    """True for a ZeRO-3 model (loaded under zero.Init, or trained by a ZeRO-3 engine)."""
    return any(hasattr(p, "ds_id") for p in model.parameters())


def gathered_copy(model: torch.nn.Module) -> torch.nn.Module:
    """A plain CPU copy of a model a DeepSpeed engine trained: ZeRO-3 shards gathered (collective: every
    rank must call it), and none of the engine's hooks, which would keep its optimizer state alive.

    Gathers one parameter at a time, so the device holds one whole tensor at a time, not the model."""
    import deepspeed

    state = {}
    for name, param in model.named_parameters():
        with deepspeed.zero.GatheredParameters([param], modifier_rank=None, enabled=hasattr(param, "ds_id")):
            state[name] = param.detach().to("cpu", copy=True)
    with torch.device("meta"):
        plain = type(model)(model.config)
    plain.load_state_dict(state, strict=False, assign=True)
    for name, buffer in model.named_buffers():  # not partitioned by ZeRO; non-persistent ones (rotary) too
        owner, _, leaf = name.rpartition(".")
        plain.get_submodule(owner)._buffers[leaf] = buffer.detach().to("cpu", copy=True)
    plain.tie_weights()
    missing = [n for n, p in plain.named_parameters() if p.is_meta]
    if missing:
        raise RuntimeError(f"gathered_copy: no value for {missing[:3]}")
    plain.generation_config = model.generation_config
    return plain.eval()


def use_deepspeed(attacks: list, ds: dict | None) -> None:
    """Give every attack that trains through the HF Trainer (it has a `deepspeed` field) the run's config."""
    if ds is None:
        return
    for attack in attacks:
        if hasattr(attack, "deepspeed"):
            attack.deepspeed = ds


def free_memory() -> None:
    """Collect dropped engines (their hooks form reference cycles) and return their device memory."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


class SharedRunDir(RunDir):
    """The run directory every rank shares: status and results are written by rank 0 only."""

    def set_status(self, status: str, **details) -> None:
        if is_rank_zero():
            super().set_status(status, **details)

    def add_result(self, record: dict) -> None:
        if is_rank_zero():
            super().add_result(record)
