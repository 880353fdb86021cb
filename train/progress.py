"""Progress bars, one per phase (train/console.py says what a keel command shows), and the trainer
options that stop two warnings at their source.

    show_progress(trainer, "harden")                         the Trainer's bar -> one PhaseBar with the loss
    show_progress(trainer, "base/full_ft/seed0", figures=f)  ... plus f()'s figures (the last ASR)
    phase_bar(targets, "utility probes")                     a bar over a phase outside any Trainer
    SFTConfig(**trainer_kwargs({...}))                       no pin_memory / gradient_checkpointing warnings
"""

from __future__ import annotations

from tqdm.auto import tqdm
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from train.console import verbose


def _accelerator_available() -> bool:
    import torch

    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None and hasattr(accelerator, "is_available"):
        return bool(accelerator.is_available())
    return torch.cuda.is_available()


def trainer_kwargs(kwargs: dict) -> dict:
    """SFTConfig keyword arguments without the two warnings every CPU run printed per trainer: pinned
    memory is asked for only with an accelerator, and `gradient_checkpointing` (a user's `trainer:` option
    included) is passed as `activation_checkpointing` when the installed transformers has that name."""
    from transformers import TrainingArguments

    out = dict(kwargs)
    renamed = "activation_checkpointing" in TrainingArguments.__dataclass_fields__
    for old, new in (("gradient_checkpointing", "activation_checkpointing"),
                     ("gradient_checkpointing_kwargs", "activation_checkpointing_kwargs")):
        if renamed and old in out and new not in out:
            out[new] = out.pop(old)
    if not _accelerator_available():
        out.setdefault("dataloader_pin_memory", False)
    return out


class PhaseBar(ProgressCallback):
    """The Trainer's progress bar, named for its phase, with the figures that matter as its postfix (the
    logged loss, plus whatever `figures()` returns, e.g. the ASR of the last evaluation) instead of a
    printed dict per log. Resumed training starts the bar at the step it resumed from."""

    def __init__(self, desc: str, figures=None):
        super().__init__()
        self.desc, self.figures, self.postfix = desc, figures, {}

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.training_bar = tqdm(total=state.max_steps, initial=state.global_step, desc=self.desc,
                                     dynamic_ncols=True, unit="step")
        self.current_step = state.global_step

    def on_step_end(self, args, state, control, **kwargs):
        if self.training_bar is not None and self.figures is not None:
            self.postfix.update(self.figures() or {})
            self.training_bar.set_postfix(self.postfix, refresh=False)
        super().on_step_end(args, state, control, **kwargs)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.training_bar is None:
            return
        loss = (logs or {}).get("loss")  # the last logging window's mean; not train_loss, the run's mean
        if isinstance(loss, (int, float)):
            self.postfix["loss"] = f"{loss:.3f}"
            self.training_bar.set_postfix(self.postfix)


def show_progress(trainer, desc: str, figures=None, bar: bool = True) -> None:
    """Quiet: replace the Trainer's bar and printed logs with one PhaseBar (none when `bar` is False).
    Verbose (-v): leave the Trainer as it is."""
    if verbose():
        return
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    if bar:
        trainer.add_callback(PhaseBar(desc, figures))


def phase_bar(iterable, desc: str, **kwargs):
    """A tqdm bar over one phase outside any Trainer (e.g. the utility probes of each model)."""
    from train.distributed import is_rank_zero

    return tqdm(iterable, desc=desc, dynamic_ncols=True, disable=not is_rank_zero(), **kwargs)
