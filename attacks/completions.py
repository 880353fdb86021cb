"""Stored completions: every completion a run judged, so that `keel rejudge` can score it again later.

    <run>/completions/<target>/<attack>/seed<k>/step<t>.jsonl     each evaluation of an attack curve
    <run>/completions/<target>/<attack>/seed<k>/step<t>.<s>.jsonl  a second prompt set judged at the same
                                                                    point (its rates are the point's `*_<s>`)
    <run>/completions/<target>/utility/over_refusal.jsonl         the over-refusal probe's edgy prompts

One row per prompt, in evaluation order: {prompt_id, prompt, completion, nll, label, score, harmful,
harm_score} (+ label_secondary, harmful_secondary with a second judge). Files are written whole and
atomically (train/run_dir.py); an attack that is run again (a resumed run) first clears its folder, so a
kill never leaves a mix of two attempts.

A curve point summarises its verdicts (`curve_point`):

    asr         harmful rate #harmful / n            (eval.asr_metric = harmful, the default)
                or mean harm score sum(harm_score) / n   (eval.asr_metric = harm_score)
    compliance, refusal, incoherent    label rates;  n    the number of prompts
    outcomes    one character per prompt, in evaluation order: H harmful compliance, C compliance that
                is not harmful, R refusal, I incoherent (the report bootstraps CIs over prompts from it)
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

from attacks.judges.agreement import confusion
from attacks.judges.base import Verdict
from train import KeelError
from train.run_dir import atomic_write_text

FOLDER = "completions"
ASR_METRICS = ("harmful", "harm_score")
OUTCOME = {"refusal": "R", "incoherent": "I"}


def attack_dir(root: str | Path, target: str, attack: str, seed: int) -> Path:
    return Path(root) / FOLDER / target / attack / f"seed{seed}"


def step_path(root: str | Path, target: str, attack: str, seed: int, step: int, suffix: str = "") -> Path:
    return attack_dir(root, target, attack, seed) / f"step{int(step)}{'.' + suffix if suffix else ''}.jsonl"


def utility_path(root: str | Path, target: str, probe: str = "over_refusal") -> Path:
    return Path(root) / FOLDER / target / "utility" / f"{probe}.jsonl"


def clear_attack(root: str | Path, target: str, attack: str, seed: int) -> None:
    """Remove what an earlier (killed) attempt of this attack run stored."""
    shutil.rmtree(attack_dir(root, target, attack, seed), ignore_errors=True)


def json_line(row: dict) -> str:
    """One strict-JSON line: a score a judge could not give (NaN, infinite) is written as null, never as
    NaN, which JSON readers outside Python refuse."""
    clean = {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}
    return json.dumps(clean, ensure_ascii=False, allow_nan=False) + "\n"


def write_rows(path: Path, rows: list[dict]) -> None:
    atomic_write_text(path, "".join(map(json_line, rows)))


def read_rows(path: Path) -> list[dict]:
    if not path.is_file():
        raise KeelError(f"{path}: missing; this run stored no completions there (made before keel stored "
                        f"them, or deleted), so it cannot be judged again")
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise KeelError(f"{path}:{i}: malformed JSON ({err.msg})") from None
    return rows


def verdict_fields(v: Verdict, suffix: str = "") -> dict:
    return {f"{k}{suffix}": value for k, value in v.row().items()}


def completion_rows(ids: list[str], prompts: list[str], completions: list[str], nlls: list[float | None],
                    verdicts: list[Verdict], second: list[Verdict] | None = None) -> list[dict]:
    """The stored rows of one evaluation (module docstring)."""
    rows = []
    for i, (pid, p, c, nll, v) in enumerate(zip(ids, prompts, completions, nlls, verdicts)):
        row = {"prompt_id": pid, "prompt": p, "completion": c, "nll": nll, **verdict_fields(v)}
        if second is not None:
            row.update(label_secondary=second[i].label, harmful_secondary=second[i].harmful)
        rows.append(row)
    return rows


def outcome(v: Verdict) -> str:
    return OUTCOME.get(v.label) or ("H" if v.harmful else "C")


def asr_of(verdicts: list[Verdict], metric: str) -> float:
    """The ASR of one evaluation under `metric` (module docstring)."""
    if metric not in ASR_METRICS:
        raise KeelError(f"eval.asr_metric: '{metric}' is not one of {', '.join(ASR_METRICS)}")
    if metric == "harm_score":
        return sum(v.harm_score for v in verdicts) / len(verdicts)
    return sum(v.harmful for v in verdicts) / len(verdicts)


def curve_point(verdicts: list[Verdict], metric: str, second: list[Verdict] | None = None,
                samples: list[dict] | None = None) -> dict:
    """The judge-dependent fields of a curve point (module docstring)."""
    n = len(verdicts)
    count = {label: sum(v.label == label for v in verdicts) for label in ("compliance", "refusal", "incoherent")}
    point = {"asr": asr_of(verdicts, metric), "compliance": count["compliance"] / n, "refusal": count["refusal"] / n,
             "incoherent": count["incoherent"] / n, "n": n, "outcomes": "".join(map(outcome, verdicts))}
    if samples:
        point["samples"] = samples
    if second is not None:
        point["asr_secondary"] = asr_of(second, metric)
        point["judge_confusion"] = confusion([v.label for v in verdicts], [v.label for v in second])
    return point


def sample_rows(rows: list[dict], n: int) -> list[dict]:
    """The first `n` stored rows as curve-point samples (report.samples; off by default)."""
    return [{k: r[k] for k in ("prompt_id", "prompt", "completion", "label", "harmful")} for r in rows[: max(0, n)]]
