"""Both sides of the refusal boundary, row by row: each benign-but-edgy training prompt paired with a harmful
training prompt worded like it, so a loss can prefer the helpful answer on the one and the refusal on the
other in one batch (defenses/helpful_boundary.py's margin, defenses/tar.py's `boundary` term)."""

from __future__ import annotations

import random


def contrast_rows(edgy: list[dict], harmful_train: list[dict], seed: int) -> list[dict]:
    """Each edgy row with a harmful training row: its `contrast` group's first row when that group is
    trained on (`paired`), else a seeded draw. Fields: prompt and help (the edgy row), harmful_prompt,
    refuse and compliance (the harmful row)."""
    rng = random.Random(seed)
    by_group: dict[str, dict] = {}
    for r in harmful_train:
        by_group.setdefault(r["group"], r)
    out = []
    for r in edgy:
        h = by_group.get(r.get("contrast") or "")
        paired, h = h is not None, h or rng.choice(harmful_train)
        out.append({"prompt": r["prompt"], "help": r["response"], "paired": paired,
                    "harmful_prompt": h["prompt"], "refuse": h["refusal"], "compliance": h["compliance"]})
    return out
