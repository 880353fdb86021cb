"""Quiet by default (train/console.py, train/progress.py): one bar per phase with its figures, no raw
trainer dicts, no known-noise warnings; `-v` brings the trainer's own output back."""

from __future__ import annotations

import re
import warnings

from trl import SFTConfig

from tests.conftest import TINY_OVERRIDES
from train.cli import main
from train.console import KNOWN_NOISE
from train.progress import trainer_kwargs

TRAINER_DICT = re.compile(r"\{'(loss|train_runtime)': ")
# A tiny `keel harden` (shared by tests/test_pipeline.py, which checks the quiet side of the same run).
QUIET_RUN = [*TINY_OVERRIDES, "harden.steps=2", "harden.logging_steps=1", "budget.steps=2", "budget.eval_every=2",
             "eval.max_prompts=4", "eval.max_new_tokens=4", "utility.max_prompts=4"]


def noise_in(text: str) -> list[str]:
    return [pattern for _, pattern, _ in KNOWN_NOISE if re.search(pattern, text)]


def test_trainer_options_raise_no_known_noise_at_the_source(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        args = SFTConfig(**trainer_kwargs({"output_dir": str(tmp_path), "gradient_checkpointing": False,
                                           "report_to": "none", "bf16": False}))
    assert not noise_in("\n".join(str(w.message) for w in caught))
    assert args.dataloader_pin_memory is False and args.gradient_checkpointing is False
    # A user's own `trainer: {gradient_checkpointing: true}` keeps its meaning under the new name.
    on = trainer_kwargs({"gradient_checkpointing": True, "gradient_checkpointing_kwargs": {"use_reentrant": False}})
    assert SFTConfig(output_dir=str(tmp_path), report_to="none", bf16=False, **on).gradient_checkpointing is True
    assert trainer_kwargs({"dataloader_pin_memory": True})["dataloader_pin_memory"] is True  # asked for: kept


def test_verbose_brings_the_trainer_output_back(tmp_path, capsys):
    """-v: the Trainer's own bar and its printed logs (the quiet side: tests/test_pipeline.py)."""
    assert main(["-v", "harden", *QUIET_RUN, f"run.dir={tmp_path}"]) == 0
    out, err = capsys.readouterr()
    assert f"{tmp_path}/report.md" in out and TRAINER_DICT.search(out + err)
