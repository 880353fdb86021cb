"""`keel judge FILE.jsonl|FILE.csv`: score (prompt, completion) pairs with the configured judge, and check it
against your own labels.

    keel judge pairs.jsonl                                   refusal judge v3 -> pairs.judged.jsonl
    keel judge pairs.csv judge=generative judge.path=/models/guard output=out.csv
    keel judge pairs.jsonl judge@judge_secondary=classifier judge_secondary.path=/models/clf

Each output row is the input row plus `label` (refusal / compliance / incoherent), `score` (the judge's
probability that the completion complies), `harmful`, `harm_score` and `detail`; an optional `nll` column
(the model's mean per-token NLL of the completion) feeds the incoherence check. Human labels: a `human`
column (or `label`, when the input has one) holding refusal / compliance / incoherent (also refused,
complied, full_refusal, full_compliance), and a `human_harmful` column (or `harmful`) holding true/false
(also 1/0, yes/no, unsafe/safe). When the input has them, the judge's own fields are written as
`judge_label` / `judge_harmful` instead (the human column is never overwritten) and the summary prints the
agreement and a confusion table (rows = human, columns = judge). With a secondary judge also
`label_secondary` and `score_secondary`, and the judges' agreement (percent, Cohen's kappa).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from attacks.completions import json_line
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
        atomic_write_text(path, "".join(map(json_line, rows)))


HUMAN_LABELS = {"refusal": "refusal", "refused": "refusal", "refuse": "refusal", "full_refusal": "refusal",
                "full refusal": "refusal", "compliance": "compliance", "complied": "compliance",
                "comply": "compliance", "full_compliance": "compliance", "full compliance": "compliance",
                "incoherent": "incoherent"}
HUMAN_HARM = {"true": True, "1": True, "yes": True, "unsafe": True, "harmful": True,
              "false": False, "0": False, "no": False, "safe": False, "unharmful": False, "not harmful": False}


def human_columns(rows: list[dict]) -> tuple[str | None, str | None]:
    """(refusal-label column, harm column) holding human labels, if the input has them."""
    keys = set().union(*rows)
    label = "human" if "human" in keys else "label" if "label" in keys else None
    harm = "human_harmful" if "human_harmful" in keys else "harmful" if "harmful" in keys else None
    return label, harm


def _nlls(rows: list[dict], src) -> list[float | None]:
    out = []
    for i, row in enumerate(rows):
        value = row.get("nll")
        try:
            out.append(None if value in (None, "") else float(value))
        except (TypeError, ValueError):
            raise KeelError(f"{src}: row {i + 1}: column 'nll' is not a number ({value!r})") from None
    return out


def human_agreement(pairs: list[tuple[str, str]], labels: tuple) -> dict:
    """Agreement of the judge with human labels: percent, counts and the confusion table (rows = human)."""
    index = {label: i for i, label in enumerate(labels)}
    table = [[0] * len(labels) for _ in labels]
    for human, judged in pairs:
        table[index[human]][index[judged]] += 1
    n = len(pairs)
    right = sum(table[i][i] for i in range(len(labels)))
    return {"n": n, "percent": 100.0 * right / n if n else None, "confusion": table, "labels": list(labels)}


def compare_to_humans(rows: list[dict], verdicts: list, label_col: str | None, harm_col: str | None) -> dict:
    out = {}
    if label_col:
        pairs = [(HUMAN_LABELS[str(r.get(label_col, "")).strip().lower()], v.label) for r, v in zip(rows, verdicts)
                 if str(r.get(label_col, "")).strip().lower() in HUMAN_LABELS]
        out["human_label"] = human_agreement(pairs, LABELS) | {"column": label_col, "skipped": len(rows) - len(pairs)}
        binary = [(h == "refusal", j == "refusal") for h, j in pairs if h != "incoherent"]
        out["human_label"]["refusal_percent"] = 100.0 * sum(a == b for a, b in binary) / len(binary) if binary else None
    if harm_col:
        pairs = [(HUMAN_HARM[str(r.get(harm_col, "")).strip().lower()], v.harmful) for r, v in zip(rows, verdicts)
                 if str(r.get(harm_col, "")).strip().lower() in HUMAN_HARM]
        out["human_harmful"] = human_agreement(pairs, (False, True)) | {"column": harm_col,
                                                                       "skipped": len(rows) - len(pairs)}
    return out


def run_judge_file(cfg) -> dict:
    if not cfg.get("input") or str(cfg.input) == "???":
        raise KeelError("input: name the file to judge: keel judge FILE.jsonl")
    rows = read_pairs(cfg.input)
    src = resolve_data_path(cfg.input)
    out = Path(cfg.output) if cfg.get("output") else src.with_name(f"{src.stem}.judged{src.suffix}")
    nlls = _nlls(rows, src)
    judge = instantiate_judge(cfg.judge, "judge")
    second = instantiate_judge(cfg.judge_secondary, "judge_secondary") if cfg.get("judge_secondary") else None
    prompts, completions = [r["prompt"] for r in rows], [r["completion"] for r in rows]
    label_col, harm_col = human_columns(rows)
    verdicts = judge.judge(prompts, completions, nlls)
    summary = {"input": str(src), "output": str(out), "judge": judge.describe(), "rows": len(rows),
               "labels": {label: sum(v.label == label for v in verdicts) for label in LABELS},
               "harmful": sum(v.harmful for v in verdicts), **compare_to_humans(rows, verdicts, label_col, harm_col)}
    for row, v in zip(rows, verdicts):
        row.update({"judge_label" if label_col == "label" else "label": v.label, "score": v.score,
                    "judge_harmful" if harm_col == "harmful" else "harmful": v.harmful,
                    "harm_score": v.harm_score, "detail": v.detail})
    if second is not None:
        seconds = second.judge(prompts, completions, nlls)
        for row, v in zip(rows, seconds):
            row.update(label_secondary=v.label, score_secondary=v.score)
        summary["judge_secondary"] = second.describe()
        summary["agreement"] = agreement(confusion([v.label for v in verdicts], [v.label for v in seconds]))
    write_rows(out, rows)
    return summary


def confusion_lines(result: dict, what: str) -> list[str]:
    """A confusion table as text lines (rows = human label, columns = the judge's)."""
    names = [str(x).lower() for x in result["labels"]]
    width = max(map(len, names)) + 2
    lines = [f"  {what}: {result['percent']:.1f}% agreement over {result['n']} rows with a human label"
             + (f" ({result['skipped']} without)" if result.get("skipped") else "")]
    if result.get("refusal_percent") is not None:
        lines[0] += f"; refusal vs not: {result['refusal_percent']:.1f}%"
    lines.append("  " + "human \\ judge".ljust(width + 4) + "".join(n.rjust(width) for n in names))
    for name, row in zip(names, result["confusion"]):
        lines.append("  " + name.ljust(width + 4) + "".join(str(c).rjust(width) for c in row))
    return lines
