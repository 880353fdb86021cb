"""Evaluation sharded across ranks: under a launcher, each of W ranks evaluates 1/W of the prompts.

    torchrun --nproc_per_node 8 -m train.cli harden ...      every rank generates and judges n/8 prompts

Rank r takes the items at positions r, r + W, r + 2W, ... (strided, so the short and long prompts of a
sorted file spread evenly); each rank's per-item results are gathered (`all_gather_object`) and put back
in the caller's order, so every rank holds the same figures and keeps taking the same decisions
(`stop_at_asr`, bisection: attacks/resolution.py). Without a process group, or with one rank, the
function simply runs on all items.

ZeRO-3 shards the weights, so every forward pass is a collective that all ranks must enter together:
there (`pad=True`), each rank's share is padded to the same length with copies of one of its items (their
results are dropped), so every rank runs the same number of batches; generation keeps the ranks in step
by itself (transformers' `synced_gpus`, on under ZeRO-3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import TypeVar

import torch

T = TypeVar("T")
R = TypeVar("R")

_ENABLED = [True]


@contextmanager
def unsharded():
    """Every rank evaluates every item while the context is open (the behaviour before sharding; tests)."""
    _ENABLED.append(False)
    try:
        yield
    finally:
        _ENABLED.pop()


def eval_world() -> tuple[int, int]:
    """(rank, world size) of the process group evaluation is sharded over; (0, 1) when it is not."""
    if not _ENABLED[-1] or not torch.distributed.is_available() or not torch.distributed.is_initialized():
        return 0, 1
    return torch.distributed.get_rank(), torch.distributed.get_world_size()


def shard_indices(n: int, rank: int, world: int, pad: bool = False) -> list[int]:
    """Positions of the items rank `rank` of `world` evaluates; with `pad`, every rank gets ceil(n / world)
    positions (a rank past the end repeats one; its repeats are evaluated and dropped)."""
    mine = list(range(rank, n, world))
    if pad and n:
        size = -(-n // world)
        mine += [mine[0] if mine else 0] * (size - len(mine))
    return mine


def across_ranks(fn: Callable[[list[T]], Sequence[R]], items: Sequence[T], pad: bool = False) -> list[R]:
    """`fn(part)` returns one result per item of `part`; run it on this rank's share of `items` and return
    every item's result, in order, on every rank."""
    rank, world = eval_world()
    if world == 1:
        return list(fn(list(items)))
    mine = shard_indices(len(items), rank, world, pad)
    results = list(fn([items[i] for i in mine]))
    if len(results) != len(mine):
        raise RuntimeError(f"across_ranks: {len(results)} results for {len(mine)} items")
    real = len(range(rank, len(items), world))  # the padded tail repeats items: dropped
    gathered: list = [None] * world
    torch.distributed.all_gather_object(gathered, (mine[:real], results[:real]))
    out: list = [None] * len(items)
    for positions, values in gathered:
        for i, value in zip(positions, values):
            out[i] = value
    return out


def labels_across_ranks(label: Callable[[list[str]], tuple[list[str], list[list], list]], prompts: list[str],
                        n_judges: int, pad: bool = False) -> tuple[list[str], list[list], list]:
    """`Evaluator.label` over the ranks: `label(part)` gives (completions, one verdict list per judge, each
    completion's NLL); every rank gets all three for every prompt."""
    def rows(part: list[str]) -> list[tuple]:
        completions, verdicts, nlls = label(part)
        return list(zip(completions, zip(*verdicts), nlls)) if part else []

    gathered = across_ranks(rows, prompts, pad)
    completions = [c for c, _, _ in gathered]
    verdicts = [[v[j] for _, v, _ in gathered] for j in range(n_judges)]
    return completions, verdicts, [n for _, _, n in gathered]
