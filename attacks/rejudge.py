"""`keel rejudge RUN_DIR judge=...`: score a finished run's stored completions again with another judge.

    keel rejudge runs/demo judge=keyword                         the CPU run, judged with keyword v1
    keel rejudge runs/demo judge=endpoint judge.base_url=http://127.0.0.1:8000/v1 judge.model=guard
    keel rejudge runs/demo judge=generative judge.path=/models/chat judge.format=rubric eval.asr_metric=harm_score

No model is loaded: every judged completion is in RUN_DIR/completions/ (attacks/completions.py). Rewritten
from them: every curve point's judge-dependent fields (asr, label rates, outcomes, samples, the secondary
judge's figures) in results.jsonl, the stored verdicts, over-refusal in utility.json, config.yaml's
judge, report.json, report.md and the plots. Everything else (benign NLL, tokens, seconds, utility NLL and
accuracies, hygiene) is kept as measured. The adaptive search's trials stored no completions and keep
their figures. Without `judge=...` the run's own judge is used (which reproduces report.json).

Atomic: the new files are written to RUN_DIR/.staged/ and committed by one rename (train/run_dir.py), so
a kill leaves the old run or the new one, never a mix; the files replaced are kept in
RUN_DIR/rejudge_previous/.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import yaml
from omegaconf import OmegaConf

from attacks import completions as store
from attacks.judges.base import Verdict
from attacks.queries import RATES
from attacks.report import write_report
from attacks.runner import instantiate_judge
from train import KeelError
from train.judge_stamp import VERDICT_FILES, holds_verdicts, write_judge_file
from train.run_dir import (
    RunDir,
    apply_staged,
    atomic_write_json,
    atomic_write_text,
    commit_staged,
    read_jsonl,
    redact,
    result_key,
    staging_dir,
)

log = logging.getLogger("keel")
COMPUTED = ("threshold", "utility_eps", "headline", "split", "runs", "comparison", "effort", "utility",
            "judge_agreement", "search", "plots", "curves", "cheapest")
PREVIOUS = "rejudge_previous"


def _plain(node):
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node


def open_run(path) -> tuple[RunDir, dict, dict]:
    """The run dir, its saved config and its report; one line naming what is missing."""
    if not path or str(path) == "???":
        raise KeelError("run_dir: name the run to judge again: keel rejudge RUN_DIR judge=...")
    root = Path(str(path))
    if not root.is_dir():
        raise KeelError(f"run_dir: {root} is not a directory")
    run = RunDir(root)
    if run.owner_alive():
        raise KeelError(f"run_dir: {root} is being run by process {run.owner_alive()}; wait for it to finish")
    apply_staged(root)  # finish (or drop) what a killed earlier rejudge left
    if not run.config.is_file():
        raise KeelError(f"run_dir: {run.config} is missing; keel rejudge needs the run's config")
    if not holds_verdicts(root):
        raise KeelError(f"run_dir: {root} has stored no verdicts yet (none of {', '.join(VERDICT_FILES)}); "
                        f"there is nothing to judge again")
    report = json.loads(run.report_json.read_text()) if run.report_json.is_file() else None
    return run, yaml.safe_load(run.config.read_text()) or {}, report


def choose_judges(cfg, saved: dict):
    """(judge, secondary, their config nodes): the override's, else the run's own."""
    node = _plain(cfg.get("judge")) or saved.get("judge")
    if not node:
        raise KeelError("judge: the run's config.yaml names no judge; pass one, e.g. judge=refusal")
    second = _plain(cfg.get("judge_secondary")) if cfg.get("judge_secondary") else \
        (saved.get("judge_secondary") if cfg.get("keep_secondary", True) else None)
    judge = instantiate_judge(OmegaConf.create(node), "judge")
    secondary = instantiate_judge(OmegaConf.create(second), "judge_secondary") if second else None
    for option, j in (("judge", judge), ("judge_secondary", secondary)):
        if j is not None and (getattr(j, "needs_model", False) or not getattr(j, "needs_generation", True)):
            raise KeelError(f"{option}: {j.name} reads the evaluated model; keel rejudge scores stored completions "
                            f"only (pick a judge that reads text: refusal, keyword, classifier, generative, endpoint)")
    return judge, secondary, node, second


def judge_files(files: dict[Path, list[dict]], judge, secondary) -> dict[Path, tuple[list, list | None]]:
    """Verdicts of every stored row, in one batch per judge (an endpoint judge runs its requests in parallel)."""
    flat = [(path, r) for path, rows in files.items() for r in rows]
    prompts, texts = [r["prompt"] for _, r in flat], [r["completion"] for _, r in flat]
    nlls = [r.get("nll") for _, r in flat]
    first = judge.judge(prompts, texts, nlls)
    second = secondary.judge(prompts, texts, nlls) if secondary is not None else None
    out, i = {}, 0
    for path, rows in files.items():
        out[path] = (first[i : i + len(rows)], second[i : i + len(rows)] if second is not None else None)
        i += len(rows)
    return out


def rejudged_rows(rows: list[dict], verdicts: list[Verdict], second: list[Verdict] | None) -> list[dict]:
    return store.completion_rows([r["prompt_id"] for r in rows], [r["prompt"] for r in rows],
                                 [r["completion"] for r in rows], [r.get("nll") for r in rows], verdicts, second)


def paired_sets(point: dict) -> list[str]:
    """The suffixes of a second prompt set judged at this curve point (`n_<s>`: attacks/queries.py)."""
    return sorted(key[2:] for key in point if key.startswith("n_"))


def point_files(root: Path, record: dict, point: dict) -> dict[str, Path]:
    """'' -> the point's stored completions, and each paired set's suffix -> its own file. A paired set
    without its own file was stored over the first set's (keel before 2026-12-01): refused, since judging
    that file again would score one prompt set as the other."""
    paths = {s: store.step_path(root, record["target"], record["attack"], record["seed"], point["step"], s)
             for s in ["", *paired_sets(point)]}
    for suffix, path in paths.items():
        if suffix and not path.is_file():
            raise KeelError(f"{paths['']}: {record['attack']} judged two prompt sets at step {point['step']} "
                            f"(the second as `asr_{suffix}`), but this run stored only one file for both (keel "
                            f"before 2026-12-01 wrote the second over the first); keel rejudge cannot tell them "
                            f"apart: attack again to judge this run anew")
    return paths


def curve_files(root: Path, records: list[dict]) -> dict[Path, list[dict]]:
    return {path: None for r in records for p in r["curve"] for path in point_files(root, r, p).values()}


def run_rejudge(cfg) -> dict:
    run, saved, report = open_run(cfg.get("run_dir"))
    root = run.root
    interrupted = report is None  # stopped before its report: the resumed run writes the report
    if interrupted:
        report = {"curves": list(run.finished_results().values()) if run.results.is_file() else []}
    judge, secondary, node, second_node = choose_judges(cfg, saved)
    metric = cfg.get("asr_metric") or (saved.get("eval") or {}).get("asr_metric") or "harmful"
    samples = cfg.get("samples")
    samples = int((saved.get("report") or {}).get("samples", 0) if samples is None else samples)
    store.asr_of([Verdict("refusal", 0.0)], metric)  # a bad metric fails here, before any judging
    records = report["curves"]
    keys = {result_key(r["target"], r["attack"], r["seed"]) for r in records}
    utility = json.loads((root / "utility.json").read_text()) if (root / "utility.json").is_file() else {}
    files = {path: store.read_rows(path) for path in curve_files(root, records)}
    probes = {t: store.utility_path(root, t) for t, p in utility.items() if "over_refusal" in p}
    files |= {path: store.read_rows(path) for path in probes.values()}
    log.info("rejudging %d stored evaluations (%d completions) with %s v%s", len(files),
             sum(map(len, files.values())), judge.name, judge.version)
    verdicts = judge_files(files, judge, secondary)

    stage = staging_dir(root)
    for path, rows in files.items():
        first, second = verdicts[path]
        new_rows = rejudged_rows(rows, first, second)
        point_samples = store.sample_rows(new_rows, samples)
        store.write_rows(stage / path.relative_to(root), new_rows)
        files[path] = (first, second, point_samples)
    for record in records:
        for point in record["curve"]:
            paths = point_files(root, record, point)
            first, second, point_samples = files[paths.pop("")]
            for stale in ("samples", "asr_secondary", "judge_confusion", "asr_ci"):  # asr_ci: report.json only
                point.pop(stale, None)
            point.update(store.curve_point(first, metric, second, point_samples))
            for suffix, path in paths.items():  # the paired set's rates, as PairedEvaluator names them
                other = store.curve_point(files[path][0], metric, files[path][1])
                point.update({f"{key}_{suffix}": other[key] for key in RATES if key in other})
    for target, path in probes.items():
        refused = [int(v.label == "refusal") for v in files[path][0]]
        utility[target].update(over_refusal=sum(refused) / len(refused), over_refusal_rows=refused)

    config = dict(saved)
    config.update(judge=redact(node), eval={**(saved.get("eval") or {}), "asr_metric": metric},
                  report={**(saved.get("report") or {}), "samples": samples})
    config.pop("judge_secondary", None)
    if second_node:
        config["judge_secondary"] = redact(second_node)
    meta = {k: v for k, v in report.items() if k not in COMPUTED}
    meta.update(judge=judge.describe(), judge_secondary=secondary.describe() if secondary else None, asr_metric=metric)
    if "config_hash" in meta and config != saved:
        from train.resume import config_hash

        meta["config_hash"] = config_hash(config)
    kept = [k for k in (report.get("utility") or {}) if k != "change"]
    search = json.loads((root / "search.json").read_text()) if (root / "search.json").is_file() else None
    if search:
        log.warning("the adaptive search's trials stored no completions: their figures keep the earlier judge")
    if interrupted:
        log.info("%s has no report yet: its stored verdicts are re-scored, and resuming the run writes the report",
                 root)
    else:
        write_report(stage, records, tau=report["threshold"], meta=meta, eps=report.get("utility_eps"),
                     utility={k: utility[k] for k in kept if k in utility} or None,
                     search={k: v for k, v in search.items() if k in (report.get("search") or {})} if search else None)
    by_key = {result_key(r["target"], r["attack"], r["seed"]): r for r in records}
    lines = [by_key.get(result_key(r["target"], r["attack"], r["seed"]), r) for r in read_jsonl(run.results)] \
        if run.results.is_file() else []
    if lines:
        atomic_write_text(stage / "results.jsonl", "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n"
                                                           for r in lines))
    if utility:
        atomic_write_json(stage / "utility.json", utility)
    if config != saved:
        atomic_write_text(stage / "config.yaml", OmegaConf.to_yaml(OmegaConf.create(config)))
    write_judge_file(stage, meta)  # a resume now reuses these verdicts (train/judge_stamp.py)
    replaced = commit_staged(root, keep_previous=PREVIOUS)
    return {"run_dir": str(root), "judge": judge.describe(), "evaluations": len(files), "records": len(keys),
            "completions": sum(len(f[0]) for f in files.values()), "files": len(replaced),
            "headline": None if interrupted else json.loads(run.report_json.read_text())["headline"]["text"]}
