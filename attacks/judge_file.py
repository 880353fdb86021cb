"""`keel judge FILE.jsonl|FILE.csv`: score (prompt, completion) pairs with the configured judge.

    keel judge pairs.jsonl                                   keyword judge -> pairs.judged.jsonl
    keel judge pairs.csv judge=generative judge.path=/models/guard output=out.csv
    keel judge pairs.jsonl judge@judge_secondary=classifier judge_secondary.path=/models/clf

Each output row is the input row plus `label` (refusal / compliance / incoherent), `score` (the judge's
probability that the completion complies) and `detail`; with a secondary judge also `label_secondary`
and `score_secondary`, and the summary prints their agreement (percent, Cohen's kappa).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from attacks.judges.agreement import agreement, confusion
from attacks.judges.base import LABELS
from attacks.runner import instantiate_judge
from train import KeelError
from train.data import resolve_data_path
from train.run_dir import atomic_write_text


def read_pairs(path: str | Path) -> list[dict]:
    """Rows with string `prompt` and `completion` from a JSONL or CSV file (errors name file and line)."""
    p = resolve_data_path(path)
    if not p.is_file():
        raise KeelError(f"input: file not found: {path}")
    try:  # utf-8-sig: a byte-order mark (Excel's CSV export writes one) is not part of the first column
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = err.object[:err.start].count(b"\n") + 1
        raise KeelError(f"{p}:{line}: not UTF-8 text (byte {err.object[err.start]:#04x}); save the file as "
                        f"UTF-8") from None
    if p.suffix.lower() == ".csv":
        import io

        try:
            rows = [(i, dict(r)) for i, r in enumerate(csv.DictReader(io.StringIO(text, newline="")), 2)]
        except csv.Error as err:
            raise KeelError(f"{p}: malformed CSV ({err})") from None
    elif p.suffix.lower() in (".jsonl", ".json"):
        rows = []
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append((i, json.loads(line)))
                except json.JSONDecodeError as err:
                    raise KeelError(f"{p}:{i}: malformed JSON ({err.msg})") from None
    else:
        raise KeelError(f"input: {path} must be .jsonl or .csv")
    for i, row in rows:
        for col in ("prompt", "completion"):
            if not isinstance(row, dict) or not isinstance(row.get(col), str):
                raise KeelError(f"{p}:{i}: column '{col}' is missing or not text (need prompt, completion)")
    if not rows:
        raise KeelError(f"{p}: no rows")
    return [r for _, r in rows]


def write_rows(path: Path, rows: list[dict]) -> None:
    if path.suffix.lower() == ".csv":
        import io

        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
        writer.writeheader()
        writer.writerows(rows)
        atomic_write_text(path, buf.getvalue())
    else:
        atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def run_judge_file(cfg) -> dict:
    if not cfg.get("input") or str(cfg.input) == "???":
        raise KeelError("input: name the file to judge: keel judge FILE.jsonl")
    rows = read_pairs(cfg.input)
    src = resolve_data_path(cfg.input)
    out = Path(cfg.output) if cfg.get("output") else src.with_name(f"{src.stem}.judged{src.suffix}")
    judge = instantiate_judge(cfg.judge, "judge")
    second = instantiate_judge(cfg.judge_secondary, "judge_secondary") if cfg.get("judge_secondary") else None
    prompts, completions = [r["prompt"] for r in rows], [r["completion"] for r in rows]
    verdicts = judge.judge(prompts, completions)
    for row, v in zip(rows, verdicts):
        row.update(label=v.label, score=v.score, detail=v.detail)
    summary = {"input": str(src), "output": str(out), "judge": judge.describe(), "rows": len(rows),
               "labels": {label: sum(v.label == label for v in verdicts) for label in LABELS}}
    if second is not None:
        seconds = second.judge(prompts, completions)
        for row, v in zip(rows, seconds):
            row.update(label_secondary=v.label, score_secondary=v.score)
        summary["judge_secondary"] = second.describe()
        summary["agreement"] = agreement(confusion([v.label for v in verdicts], [v.label for v in seconds]))
    write_rows(out, rows)
    return summary
