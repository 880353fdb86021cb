"""Batches the defenses draw for themselves, and the few tensor functions they all use.

A defense samples its own (prompt, completion) batches (harmful -> refusal, harmful -> compliance,
benign -> response) from a PairPool: tokenized once with the model's chat template, right-padded, labels
set on completion tokens only, drawn with a seeded generator so a run is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F

from train.chat import prompt_completion_ids

IGNORE = -100


@dataclass
class Batch:
    input_ids: torch.Tensor  # [B, T], right-padded
    attention_mask: torch.Tensor  # [B, T]
    labels: torch.Tensor  # [B, T], IGNORE outside the completion
    prompt_lengths: torch.Tensor  # [B]

    def to(self, device) -> Batch:
        return Batch(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    def inputs(self) -> dict:
        return {"input_ids": self.input_ids, "attention_mask": self.attention_mask, "use_cache": False}


def collate(pairs: list[tuple[list[int], list[int]]], pad_id: int) -> Batch:
    """Right-pad (prompt ids, completion ids) pairs into one Batch."""
    width = max(len(p) + len(c) for p, c in pairs)
    ids = torch.full((len(pairs), width), pad_id, dtype=torch.long)
    labels = torch.full((len(pairs), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(pairs), width), dtype=torch.long)
    for row, (p, c) in enumerate(pairs):
        ids[row, : len(p) + len(c)] = torch.tensor(p + c)
        labels[row, len(p) : len(p) + len(c)] = torch.tensor(c)
        mask[row, : len(p) + len(c)] = 1
    return Batch(ids, mask, labels, torch.tensor([len(p) for p, _ in pairs]))


def truncate(prompt: list[int], completion: list[int], max_length: int) -> tuple[list[int], list[int]]:
    """Keep the end of the prompt (the assistant header) and the start of the completion."""
    if len(prompt) + len(completion) <= max_length:
        return prompt, completion
    keep_prompt = min(len(prompt), max_length // 2)
    return prompt[len(prompt) - keep_prompt :], completion[: max_length - keep_prompt]


class TokenizedRows(Sequence):
    """(prompt ids, completion ids) of `rows`, chat template applied on first access and cached: setup
    costs nothing, and a run tokenizes only the rows it draws."""

    def __init__(self, tokenizer, rows: list[dict], completion: str, prompt: str = "prompt"):
        self.tokenizer, self.rows, self.completion, self.prompt = tokenizer, rows, completion, prompt
        self._cache: dict[int, tuple[list[int], list[int]]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> tuple[list[int], list[int]]:
        if i not in self._cache:
            r = self.rows[i]
            self._cache[i] = prompt_completion_ids(self.tokenizer, r[self.prompt], r[self.completion],
                                                   r.get("system"))
        return self._cache[i]


class PairPool:
    """Seeded sampler over tokenized (prompt, completion) pairs (a list, or TokenizedRows shared by pools)."""

    def __init__(self, pairs: Sequence[tuple[list[int], list[int]]], pad_id: int, seed: int = 0,
                 max_length: int = 256):
        self.pairs, self.pad_id, self.max_length = pairs, pad_id, max_length
        self.rng = random.Random(seed)

    @classmethod
    def from_rows(cls, tokenizer, rows: list[dict], completion: str, seed: int = 0, max_length: int = 256
                  ) -> PairPool:
        return cls(TokenizedRows(tokenizer, rows, completion), tokenizer.pad_token_id, seed, max_length)

    def __len__(self) -> int:
        return len(self.pairs)

    def pair(self, i: int) -> tuple[list[int], list[int]]:
        return truncate(*self.pairs[i], self.max_length)

    def indices(self, n: int) -> list[int]:
        if n <= len(self.pairs):
            return self.rng.sample(range(len(self.pairs)), n)
        return [self.rng.randrange(len(self.pairs)) for _ in range(n)]

    def sample(self, n: int, indices: list[int] | None = None) -> Batch:
        chosen = self.indices(n) if indices is None else indices
        return collate([self.pair(i) for i in chosen], self.pad_id)


# -- tensor functions -------------------------------------------------------------------------------

def upcast(x: torch.Tensor) -> torch.Tensor:
    """Half-precision logits to float32 for the softmax; float32/float64 stay as they are."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def completion_logits(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(logits [N, V], targets [N]) at the N positions that predict a completion token (shifted by one)."""
    shifted = labels[:, 1:]
    keep = shifted != IGNORE
    return upcast(logits[:, :-1][keep]), shifted[keep]


def opening_labels(labels: torch.Tensor, tokens: int | None) -> torch.Tensor:
    """`labels` with only the first `tokens` completion tokens of each row kept (the rest IGNORE);
    None keeps every completion token."""
    if tokens is None:
        return labels
    keep = labels != IGNORE
    return labels.masked_fill(~keep | (keep.cumsum(dim=1) > tokens), IGNORE)


def masked_nll(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of the completion tokens: -1/N sum_t log p(y_t | x, y_<t)."""
    rows, targets = completion_logits(logits, labels)
    return F.cross_entropy(rows, targets)


def sequence_logprob(logits: torch.Tensor, labels: torch.Tensor, average: bool = True) -> torch.Tensor:
    """[B] sum (or mean) over each row's completion tokens of log p(y_t | x, y_<t)."""
    rows, targets = completion_logits(logits, labels)  # only completion positions: no [B, T, V] softmax
    token = -F.cross_entropy(rows, targets, reduction="none")
    return row_means(token, (labels[:, 1:] != IGNORE).nonzero()[:, 0], labels.shape[0], average)


def row_means(token: torch.Tensor, row_of: torch.Tensor, rows: int, average: bool = True) -> torch.Tensor:
    """[rows] mean (or sum) of per-token values `token` [N] over each row; `row_of` [N] is each token's row."""
    total = torch.zeros(rows, dtype=token.dtype, device=token.device).index_add(0, row_of, token)
    if not average:
        return total
    return total / torch.bincount(row_of, minlength=rows).clamp_min(1).to(total.dtype)


def completion_mask(labels: torch.Tensor) -> torch.Tensor:
    """[B, T] float mask of the positions holding completion tokens (where hidden states are read)."""
    return (labels != IGNORE).float()


def device_of(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def trainable_parameters(model: torch.nn.Module) -> list[tuple[str, torch.nn.Parameter]]:
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def decoder_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The transformer blocks, in order (the longest ModuleList named `layers`, `h` or `blocks`)."""
    best: list[torch.nn.Module] = []
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.ModuleList) and name.rsplit(".", 1)[-1] in ("layers", "h", "blocks"):
            if len(module) > len(best):
                best = list(module)
    if not best:
        raise ValueError(f"{type(model).__name__}: no decoder layers found (ModuleList named layers/h/blocks)")
    return best


def select_layers(n_layers: int, layers: list[int] | str | None) -> list[int]:
    """`all`/None -> every layer; a list of indices (negative ones count from the end) -> those."""
    if layers in (None, "all"):
        return list(range(n_layers))
    return sorted({i % n_layers for i in layers})
