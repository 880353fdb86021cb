"""`keel evaluate PATH`: the whole scorecard on any checkpoint (e.g. a fork found online), no hardening.

    keel evaluate /models/some-fork                              attack grid + probes on that checkpoint
    keel evaluate /models/some-fork baseline=/models/original    ... beside a baseline: ratios and CIs
    keel evaluate /models/x 'attack=[lora,refusal_ablation]' preset=ci

The checkpoint loads like `model=hf` (safetensors only, no remote code unless opted in); the baseline
with the same model settings. Targets are named `baseline` and `checkpoint` in the report.
Under a launcher with `deepspeed=zero2|zero3`, every training attack (grid and search) runs under that
config on all ranks, and rank 0 alone writes the run directory, as in `keel harden`.
"""

from __future__ import annotations

import logging

from omegaconf import DictConfig, OmegaConf

import train
from attacks.grid import run_grid
from attacks.report import build_report, write_report
from attacks.resolution import evaluation_resolution
from attacks.runner import (
    check_hygiene,
    describe_evaluation,
    describe_judges,
    make_evaluator,
    prepare_attacks,
    probe_utility,
    run_search,
    validation_attacks,
)
from train import KeelError
from train.data import load_data
from train.distributed import (
    deepspeed_config,
    is_rank_zero,
    use_deepspeed,
    world_size,
    zero_stage,
)
from train.judge_stamp import keep_judges
from train.models import load_model_and_tokenizer, weights_sha256
from train.run_dir import finishes_run

log = logging.getLogger("keel")


def run_evaluate(cfg: DictConfig) -> dict:
    from train.pipeline import build_named, keep_same_weights, start_run

    if not cfg.model.get("path") or str(cfg.model.path) == "???":
        raise KeelError("model.path: name the checkpoint to evaluate: keel evaluate PATH")
    if cfg.model.get("source") not in ("hf", "gguf"):  # tiny-random would score a random model, not PATH
        raise KeelError(f"model.source: '{cfg.model.get('source')}' does not load model.path ({cfg.model.path}); "
                        f"keel evaluate needs model=hf (the default) or a gguf model config")
    if cfg.run.get("base_results_from"):
        raise KeelError("run.base_results_from: only keel harden takes base attacks from another run; drop it")
    run, tracker, _ = start_run(cfg)  # every rank evaluates; rank 0 alone writes
    lead = is_rank_zero()
    with finishes_run(run, tracker):
        attacks = build_named(cfg.get("attack"), "attack")
        if not attacks:
            raise KeelError("attack: no attack selected; pass e.g. attack=[full_ft]")
        ds = deepspeed_config(cfg)
        use_deepspeed(attacks, ds)
        space, split_warnings = prepare_attacks(cfg, attacks)
        data = load_data(cfg.data)  # before the models: bad data fails in a second, not after a load
        hygiene = check_hygiene(cfg, data, [], attacks)
        model, tokenizer = load_model_and_tokenizer(cfg.model)
        targets = {"checkpoint": model}
        if cfg.get("baseline"):
            baseline_cfg = OmegaConf.merge(cfg.model, {"path": str(cfg.baseline), "name": str(cfg.baseline)})
            targets = {"baseline": load_model_and_tokenizer(baseline_cfg)[0], "checkpoint": model}
        base_name = "baseline" if "baseline" in targets else None
        evaluator = make_evaluator(cfg, tokenizer, data)
        keep_judges(run.root, describe_judges(evaluator), write=lead)  # one report, one judge

        weights = {name: weights_sha256(m) for name, m in targets.items()}  # a changed directory: redone

        def store(record: dict) -> None:
            record["weights_sha256"] = weights[record["target"]]
            run.add_result(record)
            tracker.log_curve(record)

        done = keep_same_weights(run.finished_results(), weights)
        results = run_grid(attacks, targets, tokenizer, data, evaluator, done=done, store=store,
                           ladder=list(cfg.effort.get("examples_ladder") or []), run_dir=run.root)
        utility = probe_utility(cfg, run, targets, tokenizer, data, evaluator, base_name, weights=weights)
        search = run_search(cfg, run, space, targets, tokenizer, data, evaluator, ds, weights=weights)
        meta = {
            "keel_version": train.__version__, "run": cfg.run.name, "command": "evaluate",
            "model": {"name": cfg.model.get("name"), "source": cfg.model.source, "path": cfg.model.get("path")},
            "baseline": cfg.get("baseline"), **describe_judges(evaluator), "defenses": [],
            "evaluation": describe_evaluation(cfg, evaluator),
            "attacks": [a.describe() | {"name": a.name, "recipe": a.recipe} for a in attacks],
            "attack_space": space.describe(), "split_warnings": split_warnings, "hygiene": hygiene,
            "validation_attacks": validation_attacks(cfg, attacks),
            "data": data.summary() | {"sources": data.sources},
            "targets": {"base": base_name or "baseline", "treated": "checkpoint"},
            "distributed": {"world_size": world_size(), "zero_stage": zero_stage(ds)},
            "resolution": evaluation_resolution(cfg, data, results),
        }
        scored = dict(tau=cfg.threshold, meta=meta, eps=cfg.effort.utility_eps, utility=utility, search=search)
        report = write_report(run.root, results, **scored) if lead else build_report(results, **scored)
        tracker.log_report(report, run.root)
    return report
