"""Resuming a killed run: re-run the same command on the same run dir (or pass resume=true).

    hardening   continues from the last complete Trainer checkpoint in RUN/trainer (model, optimizer,
                scheduler, RNG, trainer state, and each defense's `state_dict()`)
    attacks     finished ones (results.jsonl) are skipped, unfinished ones start over
    report      rebuilt from what is there

A run whose saved config.yaml differs from the new config in a field that can change results refuses to
resume (resume=force overrides). `resume`: auto (default: continue if there is something to continue),
true (there must be), false (there must not be), force (continue even if the config differs).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import re
import shutil
from pathlib import Path
from typing import Any

import torch
from omegaconf import OmegaConf
from transformers import TrainerCallback

from train import KeelError, __version__
from train.distributed import rank
from train.run_dir import (
    READY,
    RunDir,
    apply_staged,
    atomic_write_bytes,
    atomic_write_json,
    kill_point,
    redact,
)
from train.state import broken, check_object, check_status, read_json, read_yaml

log = logging.getLogger("keel")
# Top-level config keys that cannot change a result: where it is written, how it is logged, how it resumes.
NOT_RESULTS = ("run", "wandb", "resume", "hydra", "release")
# Nested keys that only feed the model card (keel release), not a result.
NOT_RESULT_KEYS = ("model.base_model", "model.license")
RESUME_MODES = ("auto", "true", "false", "force")
# Options added after runs were saved, at the value that reproduces those runs: a saved config without the
# option and a current one at this value compare (and hash) equal, so adding an option never orphans a
# finished run. Another value is a real difference.
ADDED_OPTIONS = {"data.eval_split": "test", "data.test_rows": None, "defense.helpful_boundary.kl_tokens": None,
                 "defense.helpful_boundary.refusal_margin": 0.0, "defense.helpful_boundary.beta": 1.0,
                 "defense.tar.boundary": 0.0, "defense.tar.boundary_tokens": 32}


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out or {prefix.rstrip("."): {}}
    return {prefix.rstrip("."): node}


def result_fields(config: dict) -> dict[str, Any]:
    """The flattened config minus the keys that cannot change a result."""
    return {k: v for k, v in flatten(config).items()
            if k.split(".")[0] not in NOT_RESULTS and k not in NOT_RESULT_KEYS
            and not (k in ADDED_OPTIONS and v == ADDED_OPTIONS[k])}


def config_hash(config: dict) -> str:
    """sha256 of the result-relevant config (redacted, resolved): equal hashes, comparable numbers."""
    text = json.dumps(result_fields(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def config_diff(saved: dict, current: dict, limit: int = 3) -> list[str]:
    old, new = result_fields(saved), result_fields(current)
    keys = sorted(k for k in old.keys() | new.keys() if old.get(k, "<unset>") != new.get(k, "<unset>"))
    diffs = [f"{k}: {old.get(k, '<unset>')} -> {new.get(k, '<unset>')}" for k in keys[:limit]]
    return diffs + ([f"... {len(keys) - limit} more"] if len(keys) > limit else [])


def resume_mode(cfg) -> str:
    mode = str(cfg.get("resume", "auto")).lower()
    if mode not in RESUME_MODES:
        raise KeelError(f"resume: '{cfg.get('resume')}' is not one of {', '.join(RESUME_MODES)}")
    return mode


def broken_checkpoint(run: RunDir, problems: list[str]) -> KeelError:
    """The refusal for a finished checkpoint that fails its manifest (resume=force sets it aside)."""
    more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
    return broken(run.checkpoint, f"does not match its manifest ({problems[0]}{more}); keel will not retrain "
                                  f"over a finished checkpoint: restore it, or pass resume=force to set it aside "
                                  f"and harden again")


def prepare_run(cfg, run: RunDir, current: dict) -> bool:
    """Decide whether this command resumes the run found in `run`; True when it does. Refuses a run dir
    that another live keel process is running, a saved config that differs (unless resume=force), and,
    before any model loads, a state file that does not check out (train/state.py, train/doctor.py)."""
    from train.doctor import first_blocking
    from train.manifest import verify_manifest

    mode = resume_mode(cfg)
    pid = run.owner_alive()
    if pid:
        raise KeelError(f"run.dir: {run.root} is being run by process {pid} on this host; wait for it or "
                        f"choose another run.dir")
    run.remove_stale_temp_files()
    apply_staged(run.root)  # a keel rejudge that a kill stopped after its commit: finish it first
    previous = run.has_outputs()
    if not previous:
        if mode == "true":
            raise KeelError(f"resume=true: {run.root} holds no run to resume; drop resume=true to start one")
        return False
    if mode == "false":
        raise KeelError(f"resume=false: {run.root} already holds a run; choose a new run.dir or delete it")
    saved = read_yaml(run.config)
    if saved is None and mode != "force":
        raise KeelError(f"{run.config}: missing, so this run cannot be checked before resuming; "
                        f"pass resume=force to resume anyway")
    diffs = config_diff(saved, current) if saved is not None else []
    if diffs and mode != "force":
        raise KeelError(f"{run.config}: this run dir was made with a different config ({'; '.join(diffs)}); "
                        f"choose a new run.dir or pass resume=force")
    if diffs:
        log.warning("resume=force: resuming despite config changes: %s", "; ".join(diffs))
    finding = first_blocking(run.root, skip=("config.yaml", "checkpoint"))
    if finding is not None:
        raise broken(finding.path, finding.problem)
    if run.checkpoint.exists():  # hashed once here, before any model loads; load_or_harden uses the result
        run.checkpoint_problems = verify_manifest(run.checkpoint)
        if run.checkpoint_problems and mode != "force":
            raise broken_checkpoint(run, run.checkpoint_problems)
    log.info("resuming the run in %s", run.root)
    return True


def redacted_config(cfg) -> dict:
    """The resolved config with secrets masked (train.run_dir.redact): what config.yaml and W&B get."""
    return redact(OmegaConf.to_container(cfg, resolve=True))


def finished_report(cfg) -> dict | None:
    """The report of a run that already finished under this very config, taken as written: status.json
    says `done`, no `keel rejudge` is left to apply, and report.json was written by this keel version for
    the same result-relevant config (config_hash). None when anything is left to do or differs; the
    pipeline then resumes or refuses the run as usual. Nothing is loaded, so a finished run needs no
    checkpoint: `keel study` re-reads its finished runs in seconds, also after their hardened weights
    (~0.5 GB each on the embedded model) were deleted, or when the run directories were copied from another
    machine without checkpoint/ and trainer/."""
    root = Path(cfg.run.dir)
    if resume_mode(cfg) == "false" or not (root / "report.json").is_file() or (root / READY).exists():
        return None  # resume=false: the pipeline refuses a run dir that holds a run
    status = read_json(root / "status.json", check_status, default={})
    report = read_json(root / "report.json", check_object)
    if status.get("status") != "done" or report.get("keel_version") != __version__ \
            or report.get("config_hash") != config_hash(redacted_config(cfg)):
        return None
    return report


def logged_train_loss(log_history: list[dict]) -> float:
    """Mean training loss over all steps, from the logged window means (weighted by window length).
    It is computed from the trainer state alone, so a resumed run reports the same number."""
    total, last = 0.0, 0
    for entry in log_history:
        if "loss" in entry and "step" in entry:
            total += entry["loss"] * (entry["step"] - last)
            last = entry["step"]
    return total / last if last else math.nan


class HardenCheckpoints(TrainerCallback):
    """Periodic hardening checkpoints that a killed run resumes from, plus a divergence stop.

    - Forces a log right before every save, so no loss or defense-term accumulator is half full when
      the checkpoint is taken (the resumed run logs exactly what an uninterrupted one logs).
    - Stores each defense's `state_dict()` next to the optimizer, then a completion marker: a
      checkpoint without the marker (killed mid-save) is never resumed from.
    - Stops with a one-line error when the logged loss is nan/inf; the last good checkpoint stays.
    """

    DONE = "keel_complete.json"

    def __init__(self, output_dir: str | Path, defenses: list, save_steps: int | None):
        self.output_dir, self.defenses = Path(output_dir), defenses
        self.save_steps = int(save_steps or 0)

    def trainer_args(self) -> dict:
        if self.save_steps <= 0:
            return {"save_strategy": "no", "logging_nan_inf_filter": False}
        return {"save_strategy": "steps", "save_steps": self.save_steps, "save_total_limit": 2,
                "logging_nan_inf_filter": False}

    def complete_checkpoints(self) -> list[Path]:
        found = [p for p in self.output_dir.glob("checkpoint-*") if (p / self.DONE).exists()]
        return sorted(found, key=lambda p: int(re.sub(r"\D", "", p.name) or 0))

    def restore(self) -> str | None:
        """Load the defenses' state from the last complete checkpoint; its path for `resume_from_checkpoint`.
        Unfinished checkpoints (a kill or a full disk mid-save: no completion marker) are removed first."""
        if rank() == 0:
            for folder in self.output_dir.glob("checkpoint-*"):
                if not (folder / self.DONE).exists():
                    log.warning("removing %s: an unfinished trainer checkpoint (no completion marker)", folder)
                    shutil.rmtree(folder, ignore_errors=True)
        found = self.complete_checkpoints()
        if not found:
            return None
        last = found[-1]
        state_file = last / self.state_file()
        states = torch.load(state_file, weights_only=True) if state_file.exists() else {}
        for defense in self.defenses:
            if defense.name in states:
                defense.load_state_dict(states[defense.name])
        log.info("resuming hardening from %s", last)
        return str(last)

    def on_step_end(self, args, state, control, **kwargs):
        if control.should_save or state.global_step >= state.max_steps:
            control.should_log = True
        kill_point("harden_step")
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            found = self.complete_checkpoints()
            kept = f"last good checkpoint kept at {found[-1]}" if found else "no checkpoint was saved yet"
            raise KeelError(f"harden: training loss is {loss} at step {state.global_step}; stopped ({kept}); "
                            f"lower harden.lr")

    @staticmethod
    def state_file() -> str:
        """Defense state per rank: under DDP each rank's sampler may hold its own RNG."""
        return f"keel_defenses_rank{rank()}.pt"

    def on_save(self, args, state, control, **kwargs):
        folder = self.output_dir / f"checkpoint-{state.global_step}"
        folder.mkdir(parents=True, exist_ok=True)
        states = {d.name: d.state_dict() for d in self.defenses}
        buffer = io.BytesIO()  # per rank, like HF's rng_state_{rank}.pth; written atomically
        torch.save({k: v for k, v in states.items() if v}, buffer)
        atomic_write_bytes(folder / self.state_file(), buffer.getvalue())
        kill_point("harden_save")
        if args.should_save:  # the main process marks the checkpoint complete, after its own files
            atomic_write_json(folder / self.DONE, {"step": state.global_step})
        return control
