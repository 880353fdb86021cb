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
from attacks.evaluator import EvalConfig, Evaluator
from train import KeelError
from train.data import load_data
from train.hardening import harden
from train.manifest import verify_manifest, write_manifest
from train.models import clean_copy, load_model_and_tokenizer
from train.run_dir import RunDir, atomic_write_text
from train.tracking import Tracker

log = logging.getLogger("keel")
SECRET_KEYS = ("api_key", "token", "password", "secret")


def redacted_config(cfg: DictConfig) -> dict:
    def scrub(node):
        if isinstance(node, dict):
            return {k: "***" if any(s in k.lower() for s in SECRET_KEYS) and v else scrub(v) for k, v in node.items()}
        if isinstance(node, list):
            return [scrub(v) for v in node]
        return node
    return scrub(OmegaConf.to_container(cfg, resolve=True))


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
    judge = instantiate(cfg.judge)
    return Evaluator(tokenizer, data.harmful_eval, data.benign_eval, judge, EvalConfig(**cfg.eval))


def save_checkpoint(model, tokenizer, path: Path) -> None:
    """Write weights (safetensors) and tokenizer to a temp dir, add the manifest, then rename."""
    tmp = path.with_name(path.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    write_manifest(tmp)
    shutil.rmtree(path, ignore_errors=True)
    tmp.replace(path)


def load_or_harden(cfg, run: RunDir, model, tokenizer, data, defenses) -> tuple[object, dict]:
    if run.checkpoint.exists() and not verify_manifest(run.checkpoint):
        log.info("resuming: hardened checkpoint found at %s", run.checkpoint)
        hardened, _ = load_model_and_tokenizer(OmegaConf.create({**OmegaConf.to_container(cfg.model),
                                                                 "source": "hf", "path": str(run.checkpoint)}))
        return hardened, {"resumed": True}
    hardened = clean_copy(model)
    t0 = time.perf_counter()
    stats = harden(hardened, tokenizer, data, defenses, cfg.harden, str(run.root / "trainer"))
    stats["seconds"] = time.perf_counter() - t0
    save_checkpoint(hardened, tokenizer, run.checkpoint)
    shutil.rmtree(run.root / "trainer", ignore_errors=True)
    return hardened, stats


def run_pipeline(cfg: DictConfig) -> dict:
    from attacks.report import write_report

    run = RunDir(cfg.run.dir)
    run.set_status("running")
    atomic_write_text(run.root / "config.yaml", OmegaConf.to_yaml(OmegaConf.create(redacted_config(cfg))))
    tracker = Tracker(cfg.wandb, cfg.run.name, str(run.root), redacted_config(cfg))
    try:
        defenses = build_named(cfg.get("defense"), "defense")
        attacks = build_named(cfg.get("attack"), "attack")
        if not attacks:
            raise KeelError("attack: no attack selected; pass e.g. attack=[full_ft]")
        log.info("loading model %s", cfg.model.get("name", cfg.model.get("path")))
        model, tokenizer = load_model_and_tokenizer(cfg.model)
        data = load_data(cfg.data)
        evaluator = make_evaluator(cfg, tokenizer, data)
        hardened, hardening = load_or_harden(cfg, run, model, tokenizer, data, defenses)

        done = run.finished_results()
        targets = {"base": model, "hardened": hardened}
        for attack in attacks:
            for seed in attack.seeds:
                for target, target_model in targets.items():
                    key = f"{target}/{attack.name}/seed{seed}"
                    if key in done:
                        log.info("skip %s (finished earlier)", key)
                        continue
                    log.info("attack %s", key)
                    result = attack.run(target_model, tokenizer, data, evaluator, seed=seed, target=target)
                    record = result.as_dict()
                    run.add_result(record)
                    done[key] = record
                    tracker.log_curve(record)

        results = [r for k, r in done.items() if k.split("/")[1] in {a.name for a in attacks}]
        meta = {
            "keel_version": train.__version__, "run": cfg.run.name,
            "model": {"name": cfg.model.get("name"), "source": cfg.model.source, "path": cfg.model.get("path")},
            "judge": evaluator.judge.describe(), "defenses": [d.describe() for d in defenses],
            "attacks": [a.describe() | {"name": a.name, "recipe": a.recipe} for a in attacks],
            "data": data.summary() | {"sources": data.sources},
            "hardening": {k: v for k, v in hardening.items() if k != "log_history"},
        }
        report = write_report(run.root, results, tau=cfg.threshold, meta=meta)
        tracker.log_report(report)
        run.set_status("done")
        return report
    except BaseException as err:
        run.set_status("failed", error=f"{type(err).__name__}: {err}".splitlines()[0])
        raise
    finally:
        tracker.finish()
