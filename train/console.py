"""What a keel command shows in the terminal: one progress bar per phase, quiet dependencies, `-v` for all.

    keel harden ...       quiet: a bar for hardening (loss, ETA), one per attack run (loss, ASR at each
                          evaluation, ETA), one for the utility probes; keel's own log lines; no raw
                          trainer dicts, no dataset-map bars, no known-noise warnings of dependencies
    keel -v harden ...    everything back: the Trainer's own bars and printed logs, datasets' bars,
                          transformers' warnings, every Python warning

The trainer's logs still reach `trainer.state.log_history` (hardening.json, W&B) either way; quiet only
changes what is printed. `KEEL_VERBOSE=1` is the same as `-v` (and reaches launched ranks). The bars
and the trainer options that remove noise at its source live in train/progress.py; this module stays
light, so that `keel <command> --cfg job` imports no ML library.
"""

from __future__ import annotations

import os
import sys
import warnings

VERBOSE_ENV = "KEEL_VERBOSE"
# Warnings of dependencies that say nothing a keel user can act on; hidden unless -v. (category, message
# regex, why). The two keel caused itself are fixed at the source (trainer_kwargs) and listed for runs
# whose own `trainer:` options bring them back.
KNOWN_NOISE = (
    (UserWarning, r".*'pin_memory' argument is set as true but no accelerator", "CPU run: nothing to pin"),
    (FutureWarning, r"`gradient_checkpointing` is deprecated", "transformers 5 renamed the option"),
    (FutureWarning, r"`gradient_checkpointing_kwargs` is deprecated", "transformers 5 renamed the option"),
    (FutureWarning, r"`past_key_values` is deprecated", "TRL 1.16 still passes the cache by its old name"),
)


def verbose() -> bool:
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0", "false", "False")


# (library, environment variable, quiet value): read by each library when first imported, and by every
# rank a launcher starts.
QUIET_ENV = (("transformers", "TRANSFORMERS_VERBOSITY", "error"),
             ("datasets", "HF_DATASETS_DISABLE_PROGRESS_BARS", "1"),
             ("huggingface_hub", "HF_HUB_DISABLE_PROGRESS_BARS", "1"))


def configure(verbose_: bool | None = None) -> None:
    """Quiet (default) or verbose terminal for this process and the ranks it launches: through the
    environment for libraries not imported yet (so `keel harden --cfg job` imports none of them; a
    variable the user set is left alone), through their own switches for those already imported."""
    if verbose_ is not None:
        os.environ[VERBOSE_ENV] = "1" if verbose_ else "0"
    loud = verbose()
    for library, variable, value in QUIET_ENV:
        if library not in sys.modules and not loud:
            os.environ.setdefault(variable, value)
    if "transformers" in sys.modules:  # its weight loading and saving bars, its warnings
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_warning() if loud else hf_logging.set_verbosity_error()
        hf_logging.enable_progress_bar() if loud else hf_logging.disable_progress_bar()
    if "datasets" in sys.modules:  # the dataset-map bars TRL's tokenization shows
        from datasets.utils import logging as ds_logging

        ds_logging.enable_progress_bar() if loud else ds_logging.disable_progress_bar()
    for category, message, _why in () if loud else KNOWN_NOISE:
        warnings.filterwarnings("ignore", message=message, category=category)


def end_bars() -> None:
    """Close every open progress bar (an error stopped its phase), so a message starts on its own line."""
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", ())):
        bar.close()
