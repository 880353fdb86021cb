"""Head to head: one run's hardened model scored against another run's hardened model.

    keel compare runs/grid runs/stack baseline=runs/grid     -> runs/compare/vs_grid/stack/report.md

`keel harden` scores each defense against the untouched base. When the base model complies before any
attack (SmolLM2-135M-Instruct does), every cost ratio against it is n/a, and the question a developer
asks is another one: does stack B cost the attacker more than defense A? Both runs attacked their own
hardened model with the same attacks and seeds, so their finished attacks (results.jsonl) are paired
records already: this module renames the two hardened targets after their runs and builds an ordinary
keel report from them (the same effort ratios, bootstrap CIs over seeds, utility table and plots,
attacks/report.py), with no model loaded and no attack re-run.

Only (attack, seed) pairs both runs finished with the same attack options are compared; pairs only
one run has are listed in the report (`head_to_head.unpaired`). Runs of different models, with
different thresholds, or sharing no attack are refused with one line.
"""

from __future__ import annotations

import logging
from pathlib import Path

from attacks.grid import canonical_options
from attacks.report import write_report
from train import KeelError
from train.run_dir import apply_staged
from train.state import check_object, read_json, read_results

log = logging.getLogger("keel")

# What the pair's report keeps from the treated run's report (the rest is recomputed from the records).
KEPT_META = ("keel_version", "model", "judge", "judge_secondary", "defenses", "attacks", "attack_space",
             "split_warnings", "hygiene", "data", "validation_attacks", "evaluation", "asr_metric")


def load_finished_run(run_dir: Path) -> tuple[dict, list[dict]]:
    """A finished run's report.json and its records for the hardened (treated) target."""
    report_path = run_dir / "report.json"
    apply_staged(run_dir)  # a keel rejudge a kill stopped after its commit: finish it before reading
    if not report_path.exists():
        raise KeelError(f"baseline: {run_dir} has no report.json; pass the directory of a finished run")
    report = read_json(report_path, check_object)
    treated = (report.get("targets") or {}).get("treated", "hardened")
    records = [r for r in read_results(run_dir / "results.jsonl") if r.get("target") == treated]
    return report, records


def _shown(path: Path) -> str:
    """A run directory as the report names it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _label(run_dir: Path, report: dict) -> str:
    return str(report.get("run") or run_dir.name)


def head_to_head(baseline_dir: str | Path, treated_dir: str | Path, out: str | Path) -> dict:
    """Write report.{json,md} + plots into `out`: the treated run's hardened model vs the baseline run's."""
    baseline_dir, treated_dir = Path(baseline_dir), Path(treated_dir)
    (base_report, base_records), (treated_report, treated_records) = map(load_finished_run, (baseline_dir,
                                                                                            treated_dir))
    base, treated = _label(baseline_dir, base_report), _label(treated_dir, treated_report)
    if base == treated:
        base, treated = baseline_dir.name, treated_dir.name
    if base == treated:
        raise KeelError(f"baseline: {baseline_dir} and {treated_dir} have the same name; compare distinct runs")
    models = {(r.get("model") or {}).get("name") for r in (base_report, treated_report)}
    if len(models) > 1:
        raise KeelError(f"baseline: {baseline_dir} and {treated_dir} hardened different models "
                        f"({', '.join(sorted(map(str, models)))}); a head-to-head needs the same one")
    tau = treated_report.get("threshold")
    if base_report.get("threshold") != tau:
        raise KeelError(f"baseline: thresholds differ ({base_report.get('threshold')} in {baseline_dir}, {tau} "
                        f"in {treated_dir}); re-score one run with the other's threshold")

    def keyed(records: list[dict]) -> dict:
        return {(r["attack"], r["seed"]): r for r in records}

    base_by, treated_by = keyed(base_records), keyed(treated_records)
    paired, unpaired = [], []
    for key in sorted(set(base_by) | set(treated_by), key=str):
        if key not in base_by or key not in treated_by:
            unpaired.append(f"{key[0]} seed {key[1]} ({'only ' + (base if key in base_by else treated)})")
        elif canonical_options(base_by[key].get("config")) != canonical_options(treated_by[key].get("config")):
            unpaired.append(f"{key[0]} seed {key[1]} (attack options differ)")
        else:
            paired.append(key)
    if not paired:
        raise KeelError(f"baseline: {baseline_dir} and {treated_dir} share no attack run with the same options "
                        f"and seed ({'; '.join(unpaired) or 'no finished attacks'})")
    for item in unpaired:
        log.warning("head to head %s vs %s: left out %s", treated, base, item)
    results = [{**base_by[k], "target": base} for k in paired] + [{**treated_by[k], "target": treated}
                                                                   for k in paired]
    utility = {}
    for name, report in ((base, base_report), (treated, treated_report)):
        side = (report.get("utility") or {}).get((report.get("targets") or {}).get("treated", "hardened"))
        if side is not None:
            utility[name] = side
    meta = {k: treated_report[k] for k in KEPT_META if k in treated_report}
    meta.update(run=f"{treated} vs {base}", targets={"base": base, "treated": treated}, head_to_head={
        "baseline_run": _shown(baseline_dir), "treated_run": _shown(treated_dir),
        "baseline_defenses": base_report.get("defenses") or [], "unpaired": unpaired})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = write_report(out, results, tau=tau, meta=meta, eps=treated_report.get("utility_eps"),
                          utility=utility if len(utility) == 2 else None)
    log.info("head to head %s vs %s: %s -> %s", treated, base, report["headline"]["text"], out / "report.md")
    return report
