"""The keel pipeline, one straight line:

    load base -> harden (defense stack) -> save checkpoint + manifest
              -> attack BASE and HARDENED with the same attacks and seeds -> report + plots + W&B

Re-running the same command on the same run directory resumes: a saved checkpoint is reused and
finished attacks (results.jsonl) are not redone.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

import train
from attacks import runner
from attacks.evaluator import Evaluator
from attacks.grid import run_grid
from attacks.resolution import check_options as check_resolution
from attacks.resolution import evaluation_resolution
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
from train.judge_stamp import keep_judges
from train.manifest import verify_manifest, write_manifest
from train.model_files import check_model_files
from train.models import clean_copy, load_model_and_tokenizer, weights_sha256
from train.options import validate
from train.resume import broken_checkpoint, config_hash, prepare_run, redacted_config, resume_mode
from train.run_dir import (
    RunDir,
    argv_redacted,
    atomic_write_json,
    atomic_write_text,
    finishes_run,
    kill_point,
    records_failure,
    result_key,
)
from train.shared_base import base_records_from, eval_fingerprint, write_eval_fingerprint
from train.state import check_hardening, read_json
from train.tracking import Tracker

log = logging.getLogger("keel")


def validate_options(cfg: DictConfig) -> None:
    """Check every option before anything is loaded or written (one line naming the option): the whole
    tree against its schema (train/options.py), then the model files it names (train/model_files.py)."""
    validate(cfg)
    check_model_files(cfg.model)
    if cfg.get("baseline"):
        check_model_files(OmegaConf.merge(cfg.model, {"path": str(cfg.baseline)}), "baseline")
    ev = cfg.get("eval") or {}
    check_resolution(ev.get("resolve_steps", True), ev.get("proxy", "logodds"), ev.get("snapshot_max_gb", 8.0))
    if (cfg.get("utility") or {}).get("enabled", True):
        from attacks.utility import check_lm_eval

        check_lm_eval(cfg.get("utility"))  # lm-eval installed and every task known, before any model loads


def check_training_args(cfg: DictConfig, output_dir: str) -> None:
    """Build the hardening SFTConfig once, before the model loads: a value TRL refuses (bf16 on a CPU, a
    bad harden.trainer value) fails in a second, with one line naming harden.trainer."""
    from train.hardening import training_args

    try:
        training_args(cfg.harden, output_dir)
    except (ValueError, TypeError) as err:
        raise KeelError(f"harden.trainer: {(str(err).strip().splitlines() or [type(err).__name__])[0]}") from None


def build_named(cfg_group: DictConfig | None, kind: str) -> list:
    """Instantiate every entry of a `defense` or `attack` group; the key is the object's name."""
    objects = []
    for name, node in (cfg_group or {}).items():
        if not isinstance(node, DictConfig) or "_target_" not in node:
            raise KeelError(f"{kind}.{name}: not a {kind} config (no _target_); check conf/{kind}/{name}.yaml")
        try:  # an attack gets its name first, so its constructor's errors name attack.<name>
            obj = instantiate(node, _convert_="all", **({"name": name} if kind == "attack" and "name" not in node
                                                      else {}))
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


def copy_completions(source: Path, root: Path, record: dict) -> None:
    """A taken base record brings its stored completions along (keel rejudge reads them)."""
    from attacks.completions import attack_dir

    src = attack_dir(source, record["target"], record["attack"], record["seed"])
    if src.is_dir():
        shutil.copytree(src, attack_dir(root, record["target"], record["attack"], record["seed"]), dirs_exist_ok=True)


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


def set_aside_broken_checkpoint(run: RunDir, problems: list[str]) -> None:
    """With resume=force, a finished checkpoint that fails its manifest moves aside (checkpoint.broken-N,
    kept) so hardening runs again; results scored on other weights are then redone (`keep_same_weights`)."""
    n = 1
    while (aside := run.root / f"checkpoint.broken-{n}").exists():
        n += 1
    run.checkpoint.replace(aside)
    log.warning("%s does not match its manifest (%s); moved to %s, hardening again (resume=force)",
                run.checkpoint, "; ".join(problems[:3]), aside)


def load_or_harden(cfg, run: RunDir, model, tokenizer, data, defenses, args=None, sharded=None
                   ) -> tuple[object, dict]:
    """The hardened model: loaded from a finished earlier run's checkpoint, or trained (continuing from
    the last trainer checkpoint of a killed run; a finished one is recognised, not trained further).
    hardening.json keeps what the training measured.
    DeepSpeed: `args` is the trainer config built before the model; `sharded` the ZeRO-3 model to train."""
    if run.checkpoint.exists():
        problems = getattr(run, "checkpoint_problems", None)  # checked by prepare_run before any load
        problems = verify_manifest(run.checkpoint) if problems is None else problems
        if not problems:
            log.info("resuming: hardened checkpoint found at %s", run.checkpoint)
            hardened, _ = load_model_and_tokenizer(OmegaConf.create({**OmegaConf.to_container(cfg.model),
                                                                     "source": "hf", "path": str(run.checkpoint)}))
            stats = read_json(run.hardening, check_hardening, default={"resumed": True})
            if is_rank_zero():
                shutil.rmtree(run.trainer, ignore_errors=True)  # left by a kill right after the checkpoint
            return (gathered_copy(hardened) if is_partitioned(hardened) else hardened), stats
        if resume_mode(cfg) != "force":  # never silently retrained and replaced (every rank stops)
            raise broken_checkpoint(run, problems)
        if is_rank_zero():
            set_aside_broken_checkpoint(run, problems)
        barrier()
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


def keep_same_weights(done: dict[str, dict], weights: dict[str, str]) -> dict[str, dict]:
    """The finished records scored on the weights this run attacks: a record whose `weights_sha256`
    differs (a checkpoint hardened again, a model directory changed) is dropped, with a warning, and run
    again. Records of keel versions before the binding carry no sha256 and are kept."""
    kept = {}
    for key, record in done.items():
        theirs, ours = record.get("weights_sha256"), weights.get(record["target"])
        if theirs is not None and ours is not None and theirs != ours:
            log.warning("results.jsonl: %s was scored on other weights (sha256 %s..., now %s...); running it "
                        "again", key, theirs[:12], ours[:12])
            continue
        kept[key] = record
    return kept


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
    with records_failure(run):  # W&B failing to start must not leave the run marked `running`
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
        source = cfg.run.get("base_results_from")  # checked before hardening spends its hours
        taken = base_records_from(source, config, fingerprint) if source else []
        # The trainer config before the model: under ZeRO-3 `from_pretrained` then loads straight into shards.
        args = hardening_args_first(cfg.harden, str(run.trainer), ds)
        if args is None:
            check_training_args(cfg, str(run.trainer))
        log.info("loading model %s", cfg.model.get("name", cfg.model.get("path")))
        model, tokenizer = load_model_and_tokenizer(cfg.model)
        sharded = model if is_partitioned(model) else None
        model = gathered_copy(model) if sharded is not None else model  # the base stays a plain model
        evaluator = make_evaluator(cfg, tokenizer, data)
        keep_judges(run.root, runner.describe_judges(evaluator), write=lead, source=source)  # before hardening
        preflight(model, attacks, evaluator)
        hardened, hardening = load_or_harden(cfg, run, model, tokenizer, data, defenses, args, sharded)
        del args, sharded
        free_memory()  # the hardening engine and its optimizer state
        targets = {"base": model, "hardened": hardened}
        weights = {name: weights_sha256(m) for name, m in targets.items()}  # what each result was scored on

        def store(record: dict) -> None:
            record["weights_sha256"] = weights[record["target"]]
            run.add_result(record)
            kill_point("attack_done")
            tracker.log_curve(record)

        done = keep_same_weights(run.finished_results(), weights)
        for key, record in keep_same_weights({result_key(r["target"], r["attack"], r["seed"]): r for r in taken},
                                             weights).items():
            if key not in done or done[key].get("config") != record.get("config"):  # or the source redid it
                if lead:
                    copy_completions(Path(source), run.root, record)
                    run.add_result(record)
                done[key] = record
        results = run_grid(attacks, targets, tokenizer, data, evaluator, done=done, store=store,
                           ladder=list(cfg.effort.get("examples_ladder") or []), run_dir=run.root)
        utility = runner.probe_utility(cfg, run, targets, tokenizer, data, evaluator, base_name="base",
                                       weights=weights, shared_from=source)
        search = runner.run_search(cfg, run, space, targets, tokenizer, data, evaluator, ds,  # off by default
                                   weights=weights)
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
            "resolution": evaluation_resolution(cfg, data, results),
        }
        scored = dict(tau=cfg.threshold, meta=meta, eps=cfg.effort.utility_eps, utility=utility, search=search)
        report = write_report(run.root, results, **scored) if lead else build_report(results, **scored)
        tracker.log_report(report, run.root)
    return report
