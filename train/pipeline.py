"""The keel pipeline, one straight line:

    load base -> harden (defense stack) -> save checkpoint + manifest
              -> attack BASE and HARDENED with the same attacks and seeds -> report + plots + W&B

Re-running the same command on the same run directory resumes: a saved checkpoint is reused and
finished attacks (results.jsonl) are not redone.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

import train
from attacks import runner
from attacks.evaluator import Evaluator
from attacks.grid import run_grid
from train import KeelError
from train.data import load_data
from train.distributed import (
    SharedRunDir,
    barrier,
    check_defenses,
    deepspeed_config,
    free_memory,
    gathered_copy,
    hardening_args_first,
    init_rank_env,
    is_partitioned,
    is_rank_zero,
    use_deepspeed,
    world_size,
    zero_stage,
)
from train.hardening import harden
from train.manifest import verify_manifest, write_manifest
from train.models import clean_copy, load_model_and_tokenizer
from train.resume import config_hash, prepare_run
from train.run_dir import (
    RunDir,
    argv_redacted,
    atomic_write_json,
    atomic_write_text,
    finishes_run,
    kill_point,
    redact,
    result_key,
)
from train.shared_base import base_records_from, eval_fingerprint, write_eval_fingerprint
from train.tracking import Tracker

log = logging.getLogger("keel")
WANDB_MODES = ("disabled", "offline", "online")


def redacted_config(cfg: DictConfig) -> dict:
    """The resolved config with secrets masked (train.run_dir.redact): what config.yaml and W&B get."""
    return redact(OmegaConf.to_container(cfg, resolve=True))


def validate_options(cfg: DictConfig) -> None:
    """Check the plain options before anything is loaded or written (one line naming the option)."""
    def number(key: str, ok, need: str, integer: bool = True) -> None:
        value = OmegaConf.select(cfg, key)
        if value is None:
            return
        kind_ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
        if not kind_ok or not ok(value) or not math.isfinite(value):
            raise KeelError(f"{key}: must be {need}, got {value!r}")

    number("threshold", lambda v: 0 <= v <= 1, "a number in [0, 1]", integer=False)
    for key in ("harden.steps", "harden.batch_size", "harden.logging_steps", "eval.max_new_tokens",
                "eval.batch_size", "eval.nll_batch_size", "eval.max_prompts"):
        number(key, lambda v: v > 0, "a positive integer")
    for key in ("harden.save_steps", "harden.retain_examples", "harden.warmup_steps"):
        number(key, lambda v: v >= 0, "a non-negative integer")
    number("harden.lr", lambda v: v > 0, "a positive number", integer=False)
    if cfg.get("wandb") and cfg.wandb.get("mode", "disabled") not in WANDB_MODES:
        raise KeelError(f"wandb.mode: '{cfg.wandb.mode}' is not one of {', '.join(WANDB_MODES)}")
    for name, node in (cfg.get("attack") or {}).items():
        if isinstance(node, DictConfig) and "seeds" in node and not node.seeds:
            raise KeelError(f"attack.{name}.seeds: empty; give at least one seed (e.g. budget.seeds=[0])")
    if (cfg.get("utility") or {}).get("enabled", True):
        from attacks.utility import check_lm_eval

        check_lm_eval(cfg.get("utility"))  # lm-eval installed and every task known, before any model loads


def build_named(cfg_group: DictConfig | None, kind: str) -> list:
    """Instantiate every entry of a `defense` or `attack` group; the key is the object's name."""
    objects = []
    for name, node in (cfg_group or {}).items():
        if not isinstance(node, DictConfig) or "_target_" not in node:
            raise KeelError(f"{kind}.{name}: not a {kind} config (no _target_); check conf/{kind}/{name}.yaml")
        try:
            obj = instantiate(node, _convert_="all")
        except Exception as err:  # Hydra wraps constructor errors; surface the first line, naming the option
            cause = err.__cause__ or err
            if isinstance(cause, KeelError):
                raise cause from None
            raise KeelError(f"{kind}.{name}: {str(cause).splitlines()[0]}") from err
        if kind == "attack":
            obj.name = name
        objects.append(obj)
    return objects


def make_evaluator(cfg: DictConfig, tokenizer, data) -> Evaluator:
    evaluator = runner.make_evaluator(cfg, tokenizer, data)  # primary (+ secondary) judge
    measure = evaluator.harm
    evaluator.harm = lambda *a, **k: (kill_point("attack_eval"), measure(*a, **k))[1]  # resume tests
    return evaluator


def preflight(model, attacks: list, evaluator) -> None:
    """Fail in seconds, not after hours of hardening: every attack accepts the model (e.g. LoRA target
    modules exist), and every judge answers one harmless pair (e.g. an endpoint is reachable)."""
    for attack in attacks:
        check = getattr(attack, "check_model", None) or getattr(attack, "_check_targets", None)
        if check is not None:
            check(model)
    for judge in (evaluator.judge, getattr(evaluator, "secondary", None)):
        if judge is not None and not getattr(judge, "needs_model", False):  # log-odds reads the attacked model
            judge.judge(["Say hello."], ["Hello! How can I help you today?"])


def save_checkpoint(model, tokenizer, path: Path) -> None:
    """Write weights (safetensors) and tokenizer to a temp dir, add the manifest, then rename."""
    tmp = path.with_name(path.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    write_manifest(tmp)
    old = path.with_name(path.name + ".old")
    if path.exists():  # an invalid earlier copy: move it aside so a kill never leaves neither
        shutil.rmtree(old, ignore_errors=True)
        path.replace(old)
    tmp.replace(path)
    shutil.rmtree(old, ignore_errors=True)


def load_or_harden(cfg, run: RunDir, model, tokenizer, data, defenses, args=None, sharded=None
                   ) -> tuple[object, dict]:
    """The hardened model: loaded from a finished earlier run's checkpoint, or trained (continuing from
    the last trainer checkpoint of a killed run). hardening.json keeps what the training measured.
    DeepSpeed: `args` is the trainer config built before the model; `sharded` the ZeRO-3 model to train."""
    if run.checkpoint.exists() and not verify_manifest(run.checkpoint):
        log.info("resuming: hardened checkpoint found at %s", run.checkpoint)
        hardened, _ = load_model_and_tokenizer(OmegaConf.create({**OmegaConf.to_container(cfg.model),
                                                                 "source": "hf", "path": str(run.checkpoint)}))
        stats = json.loads(run.hardening.read_text()) if run.hardening.exists() else {"resumed": True}
        if is_rank_zero():
            shutil.rmtree(run.trainer, ignore_errors=True)  # left by a kill right after the checkpoint
        return (gathered_copy(hardened) if is_partitioned(hardened) else hardened), stats
    hardened = clean_copy(model) if sharded is None else sharded
    t0 = time.perf_counter()
    try:
        stats = harden(hardened, tokenizer, data, defenses, cfg.harden, str(run.trainer), resume=True, args=args,
                       base_model=None if sharded is None else clean_copy(model))
    except FloatingPointError as err:  # a defense term went nan/inf: the last good trainer checkpoint stays
        raise KeelError(f"harden: {err}; stopped, checkpoints kept in {run.trainer}; lower harden.lr") from None
    stats["seconds"] = time.perf_counter() - t0
    stats["defenses"] = [d.describe() for d in defenses]  # after training: what each defense recorded
    if args is not None:  # DeepSpeed trained it (ZeRO-3: in shards): attacks and the checkpoint need it whole
        hardened = gathered_copy(hardened)
    if is_rank_zero():
        atomic_write_json(run.hardening, stats)
        save_checkpoint(hardened, tokenizer, run.checkpoint)
        kill_point("checkpoint_saved")
        shutil.rmtree(run.trainer, ignore_errors=True)
    barrier()  # no rank reads the run dir before rank 0 has written the checkpoint
    return hardened, stats


def start_run(cfg: DictConfig) -> tuple[SharedRunDir, Tracker, dict]:
    """Open the run directory on every rank (`keel harden` and `keel evaluate`): options checked, a run dir
    made with another config refused (resume=force overrides), status `running`, the redacted config
    written by rank 0, and the tracker started. Returns (run dir, tracker, redacted config)."""
    init_rank_env(deepspeed=cfg.get("deepspeed") is not None)  # no launcher: SLURM tasks, a lone process
    validate_options(cfg)
    config = redacted_config(cfg)
    run = SharedRunDir(cfg.run.dir)  # every rank works on it; rank 0 alone writes
    if is_rank_zero():
        prepare_run(cfg, run, config)
    run.set_status("running")
    if is_rank_zero():
        atomic_write_text(run.config, OmegaConf.to_yaml(OmegaConf.create(config)))
    with argv_redacted():  # W&B records the command line: no secret given as an override may reach it
        tracker = Tracker(cfg.wandb, cfg.run.name, str(run.root), config)
    return run, tracker, config


def run_pipeline(cfg: DictConfig) -> dict:
    from attacks.report import build_report, write_report

    run, tracker, config = start_run(cfg)
    lead = is_rank_zero()
    with finishes_run(run, tracker):
        defenses = build_named(cfg.get("defense"), "defense")
        attacks = build_named(cfg.get("attack"), "attack")
        if not attacks:
            raise KeelError("attack: no attack selected; pass e.g. attack=[full_ft]")
        ds = deepspeed_config(cfg)
        check_defenses(defenses, ds)  # e.g. an inner-loop defense under ZeRO-3: refused before any load
        use_deepspeed(attacks, ds)
        space, split_warnings = runner.prepare_attacks(cfg, attacks, defenses)  # train / held-out part
        validation = runner.validation_attacks(cfg, attacks)  # tuned against: kept out of the headline
        data = load_data(cfg.data)  # before the model: bad data fails in a second, not after a 16 GB load
        hygiene = runner.check_hygiene(cfg, data, defenses, attacks)  # eval prompts vs every training set
        fingerprint = write_eval_fingerprint(run, data) if lead else eval_fingerprint(data)
        # The trainer config before the model: under ZeRO-3 `from_pretrained` then loads straight into shards.
        args = hardening_args_first(cfg.harden, str(run.trainer), ds)
        log.info("loading model %s", cfg.model.get("name", cfg.model.get("path")))
        model, tokenizer = load_model_and_tokenizer(cfg.model)
        sharded = model if is_partitioned(model) else None
        model = gathered_copy(model) if sharded is not None else model  # the base stays a plain model
        evaluator = make_evaluator(cfg, tokenizer, data)
        preflight(model, attacks, evaluator)
        hardened, hardening = load_or_harden(cfg, run, model, tokenizer, data, defenses, args, sharded)
        del args, sharded
        free_memory()  # the hardening engine and its optimizer state

        def store(record: dict) -> None:
            run.add_result(record)
            kill_point("attack_done")
            tracker.log_curve(record)

        done = run.finished_results()
        source = cfg.run.get("base_results_from")
        for record in base_records_from(source, config, fingerprint) if source else []:
            key = result_key(record["target"], record["attack"], record["seed"])
            if key not in done:
                if lead:
                    run.add_result(record)
                done[key] = record
        targets = {"base": model, "hardened": hardened}
        results = run_grid(attacks, targets, tokenizer, data, evaluator, done=done, store=store,
                           ladder=list(cfg.effort.get("examples_ladder") or []))
        utility = runner.probe_utility(cfg, run, targets, tokenizer, data, evaluator, base_name="base")
        search = runner.run_search(cfg, run, space, targets, tokenizer, data, evaluator, ds)  # off by default
        meta = {
            "keel_version": train.__version__, "run": cfg.run.name,
            "model": {"name": cfg.model.get("name"), "source": cfg.model.source, "path": cfg.model.get("path")},
            "config_hash": config_hash(config), **runner.describe_judges(evaluator),
            "evaluation": runner.describe_evaluation(cfg, evaluator),
            "defenses": hardening.get("defenses") or [d.describe() for d in defenses],
            "attacks": [a.describe() | {"name": a.name, "recipe": a.recipe} for a in attacks],
            "attack_space": space.describe(), "split_warnings": split_warnings, "hygiene": hygiene,
            "validation_attacks": validation, "base_results_from": source,
            "data": data.summary() | {"sources": data.sources},
            "hardening": {k: v for k, v in hardening.items() if k not in ("log_history", "defenses")},
            "distributed": {"world_size": world_size(), "zero_stage": zero_stage(ds)},
        }
        scored = dict(tau=cfg.threshold, meta=meta, eps=cfg.effort.utility_eps, utility=utility, search=search)
        report = write_report(run.root, results, **scored) if lead else build_report(results, **scored)
        tracker.log_report(report, run.root)
    return report
