"""The scorecard's steps as the pipeline (`keel harden`) and `keel evaluate` call them, top to bottom:

    space = prepare_attacks(cfg, attacks)              splits checked before anything runs
    hygiene = check_hygiene(cfg, data, defenses, attacks)
    evaluator = make_evaluator(cfg, tokenizer, data)   primary (+ secondary) judge
    results = run_grid(...)                            attacks/grid.py
    utility = probe_utility(cfg, run, targets, ...)    cached in the run dir (utility.json)
    search = run_search(cfg, run, space, targets, ...) off unless search.enabled (search.json)
    report = write_report(...)                         attacks/report.py
"""

from __future__ import annotations

import logging
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from attacks import completions as store
from attacks.evaluator import EvalConfig, Evaluator
from attacks.grid import reference_model
from attacks.hygiene import deduplicate, training_sets
from attacks.space import AttackSpace
from attacks.utility import utility_probes
from train import KeelError
from train.distributed import is_rank_zero
from train.progress import phase_bar
from train.run_dir import atomic_write_json
from train.state import check_search, check_utility, read_json

log = logging.getLogger("keel")


def _plain(node):
    return OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else (node or {})


def instantiate_judge(node, option: str = "judge"):
    """Build a judge from its config node; constructor errors become one line naming `option`."""
    try:
        return instantiate(node, _convert_="all")
    except Exception as err:  # Hydra wraps constructor errors; surface the KeelError or the first line
        cause = err.__cause__ or err
        if isinstance(cause, KeelError):
            raise KeelError(str(cause).replace("judge.", f"{option}.", 1)) from None
        raise KeelError(f"{option}: {str(cause).splitlines()[0]}") from err


def make_evaluator(cfg, tokenizer, data) -> Evaluator:
    judge = instantiate_judge(cfg.judge, "judge")
    second = cfg.get("judge_secondary")
    secondary = instantiate_judge(second, "judge_secondary") if second else None
    samples = OmegaConf.select(cfg, "report.samples", default=0)
    config = EvalConfig(**cfg.eval, threshold=float(cfg.threshold))  # tau: where bisection looks
    return Evaluator(tokenizer, data.harmful_eval, data.benign_eval, judge, config, secondary=secondary,
                     samples=samples)


def defense_tables(defenses: list) -> dict[str, dict]:
    """The sampling tables (axis -> values) of defenses that simulate attacks from their own table."""
    tables = {}
    for d in defenses:
        table = getattr(getattr(d, "sampler", None), "space", None)
        if isinstance(table, dict):
            tables[d.name] = table
    return tables


def prepare_attacks(cfg, attacks: list, defenses: list = ()) -> tuple[AttackSpace, list[str]]:
    """Load the attack space and give every attack its part (train / heldout), checking declared ones;
    returns the space and warnings about defense tables that reach into the held-out part."""
    space = AttackSpace.from_config(cfg.get("attack_space"))
    warnings = space.assign_splits(attacks, defense_tables(list(defenses)))
    for w in warnings:
        log.warning("%s", w)
    for a in attacks:
        log.info("attack %s lies in the %s part of the attack space", a.name, a.split)
    return space, warnings


def validation_attacks(cfg, attacks: list) -> list[str]:
    """`effort.validation_attacks`: the attacks a defense was tuned against (each must be in this run)."""
    names = [str(n) for n in (OmegaConf.select(cfg, "effort.validation_attacks") or [])]
    known = [a.name for a in attacks]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeelError(f"effort.validation_attacks: {unknown} not among this run's attacks ({', '.join(known)})")
    if names and set(names) >= set(known):
        log.warning("effort.validation_attacks names every attack: no test attack is left that tuning never saw")
    return names


def check_hygiene(cfg, data, defenses: list, attacks: list) -> dict:
    """Deduplicate evaluation prompts against every training set (attacks/hygiene.py)."""
    return deduplicate(data, training_sets(data, defenses, attacks), _plain(cfg.get("hygiene")))


def _load(path, check, weights: dict | None) -> dict:
    """A per-target state file (utility.json, search.json), checked (train/state.py), without the entries
    measured on other weights than `weights` (target -> sha256; recorded under `_weights`)."""
    done = read_json(path, check, default={})
    bound = done.setdefault("_weights", {})
    for name, sha in (weights or {}).items():
        if name in done and bound.get(name) not in (None, sha):
            log.warning("%s: %s was measured on other weights; measuring it again", path.name, name)
            del done[name]
        bound[name] = sha
    return done


def probe_utility(cfg, run, targets: dict, tokenizer, data, evaluator, base_name: str | None,
                  weights: dict | None = None, shared_from: str | Path | None = None) -> dict:
    """Utility probes of each target before any attack; KL is taken against `targets[base_name]`.
    `weights`: target -> sha256 of its weights (figures measured on other weights are redone).
    `shared_from`: the run whose base attacks this run took (run.base_results_from, already checked to
    share model, data, judge and evaluation); its base probes are taken too when measured on the same
    weights, instead of probing the same base model again."""
    ucfg = _plain(cfg.get("utility"))
    if not ucfg.get("enabled", True):
        return {}
    path = run.root / "utility.json"
    done = _load(path, check_utility, weights)
    base = targets.get(base_name) if base_name else None
    if shared_from is not None and base_name in targets and base_name not in done:
        _take_base_utility(Path(shared_from), run.root, base_name, (weights or {}).get(base_name), done)
    todo = [name for name in targets if name not in done]
    for name in phase_bar(todo, "utility probes", unit="model"):
        log.info("utility probes on %s", name)
        with evaluator.recording(run.root, name, "utility"):  # stores the over-refusal completions
            done[name] = utility_probes(targets[name], tokenizer, data, evaluator, base=base, cfg=ucfg)
        if is_rank_zero():  # every rank computes the same figures; one writes them
            atomic_write_json(path, done)
    return {k: v for k, v in done.items() if k in targets}


def _take_base_utility(source: Path, root: Path, base_name: str, sha: str | None, done: dict) -> None:
    """Copy `base_name`'s probes (and their stored completions) from `source` into `done` when `source`
    measured them on the weights `sha`."""
    theirs = read_json(source / "utility.json", check_utility, default={})
    if base_name not in theirs or (theirs.get("_weights") or {}).get(base_name) not in (None, sha):
        return
    done[base_name] = theirs[base_name]
    log.info("taking the utility probes of %s from %s", base_name, source)
    if is_rank_zero():  # the stored probe completions, for keel rejudge (each file written atomically)
        for path in store.utility_path(source, base_name).parent.glob("*.jsonl"):
            store.write_rows(store.utility_path(root, base_name, path.stem), store.read_rows(path))


def run_search(cfg, run, space: AttackSpace, targets: dict, tokenizer, data, evaluator,
               deepspeed: dict | None = None, weights: dict | None = None) -> dict | None:
    """The adaptive attacker on every target, one search per seed (attacks/search.py); its training trials
    run under `deepspeed` (the run's config) when given; `weights` as for probe_utility."""
    scfg = _plain(cfg.get("search"))
    if not scfg.get("enabled", False):
        return None
    from attacks.search import AdaptiveAttacker

    path = run.root / "search.json"
    done = _load(path, check_search, weights)
    eps = _plain(cfg.get("effort")).get("utility_eps")
    for name, model in targets.items():
        have = {s["seed"] for s in done.get(name, [])}
        for seed in scfg.get("seeds", [0]):
            if seed in have:
                continue
            attacker = AdaptiveAttacker(space, n_trials=scfg.get("n_trials", 8), tau=cfg.threshold, eps=eps,
                                        seed=seed, exclude_recipes=scfg.get("exclude_recipes"),
                                        attack_options=scfg.get("attack_options"), deepspeed=deepspeed,
                                        objective=scfg.get("objective", "cost"))
            log.info("adaptive search on %s (seed %d, %d trials)", name, seed, attacker.n_trials)
            done.setdefault(name, []).append(attacker.run(model, tokenizer, data, evaluator, target=name,
                                                          reference=reference_model(targets)))
            if is_rank_zero():  # every rank computes the same figures; one writes them
                atomic_write_json(path, done)
    return {k: v for k, v in done.items() if k in targets}


def describe_judges(evaluator: Evaluator) -> dict:
    """The judges and what ASR counts (report.json `judge`, `judge_secondary`, `asr_metric`)."""
    return {"judge": evaluator.judge.describe(),
            "judge_secondary": evaluator.secondary.describe() if evaluator.secondary else None,
            "asr_metric": evaluator.config.asr_metric}


def describe_evaluation(cfg, evaluator: Evaluator) -> dict:
    """The prompts the evaluations used and the caps that chose them (report.json `evaluation`; the
    report's `resolution` says from it whether a set was subsampled)."""
    return {"harmful_prompts": len(evaluator.harmful_prompts), "benign_rows": len(evaluator.benign),
            "max_prompts": OmegaConf.select(cfg, "eval.max_prompts"),
            "utility_max_prompts": OmegaConf.select(cfg, "utility.max_prompts"),
            "eval_split": OmegaConf.select(cfg, "data.eval_split") or "test"}
