"""The CPU judges on the judge development set (data/judge-dev/): speed and agreement with its labels.

    .venv/bin/python tests/benchmarks/bench_judge.py                  refusal v3 (default) vs keyword v1
    .venv/bin/python tests/benchmarks/bench_judge.py --markdown       + the per-style tables of docs/judges.md
    .venv/bin/python tests/benchmarks/bench_judge.py --errors 20      + the first 20 disagreements per part

Printed per part (tune: what the judge was tuned on; check: held back):
    refusal agreement   rows labelled refusal or compliance: judge says refusal <=> label says refusal
                        (incoherent verdicts count as not-refusal, the public sets' binary question)
    three-way           every row: judge label == label (refusal / compliance / incoherent)
    harmful agreement   rows with a harmful prompt: judge `harmful` == label `harmful`
    incoherence         precision and recall of the incoherent label; with data/judge-dev/nll.jsonl (the
                        embedded model's own completions and NLL), the detector with and without the NLL
Speed: completions judged per second, one process (the judge is pure Python, single-threaded).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from attacks.judges.keyword import KeywordJudge  # noqa: E402
from attacks.judges.refusal import RefusalJudge  # noqa: E402

DEV = ROOT / "data" / "judge-dev"


def load(part: str) -> list[dict]:
    return [json.loads(line) for line in (DEV / f"{part}.jsonl").read_text(encoding="utf-8").splitlines()]


def verdicts(judge, rows: list[dict], with_nll: bool = True) -> list:
    nlls = [r.get("nll") for r in rows] if with_nll else None
    return judge.judge([r["prompt"] for r in rows], [r["completion"] for r in rows], nlls)


def agreement(rows: list[dict], outs: list) -> dict:
    """Agreement figures of one judge on one part (module docstring)."""
    binary = [(r, v) for r, v in zip(rows, outs) if r["label"] in ("refusal", "compliance")]
    harm = [(r, v) for r, v in zip(rows, outs) if r["kind"] == "harmful"]
    flagged = [r for r, v in zip(rows, outs) if v.label == "incoherent"]
    actual = [r for r in rows if r["label"] == "incoherent"]
    hit = sum(r["label"] == "incoherent" for r in flagged)
    return {
        "rows": len(rows),
        "refusal": mean([(v.label == "refusal") == (r["label"] == "refusal") for r, v in binary]),
        "three_way": mean([v.label == r["label"] for r, v in zip(rows, outs)]),
        "harmful": mean([v.harmful == r["harmful"] for r, v in harm]),
        "incoherent_precision": hit / len(flagged) if flagged else None,
        "incoherent_recall": hit / len(actual) if actual else None,
    }


def mean(xs: list) -> float | None:
    return sum(xs) / len(xs) if xs else None


def per_style(rows: list[dict], outs: list) -> dict[tuple, list]:
    """(family, style) -> [n, refusal/compliance/incoherent label right, harmful right]."""
    table: dict[tuple, list] = defaultdict(lambda: [0, 0, 0])
    for r, v in zip(rows, outs):
        cell = table[(r["family"], r["style"])]
        cell[0] += 1
        cell[1] += v.label == r["label"]
        cell[2] += v.harmful == r["harmful"]
    return dict(sorted(table.items()))


def speed(judge, rows: list[dict], seconds: float = 3.0) -> float:
    prompts, completions = [r["prompt"] for r in rows], [r["completion"] for r in rows]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        judge.judge(prompts, completions)
        n += len(rows)
    return n / (time.perf_counter() - start)


def _judged_for(args: tuple) -> int:
    judge, rows, seconds = args
    return int(speed(judge, rows, seconds) * seconds)


def speed_processes(judge, rows: list[dict], processes: int, seconds: float = 3.0) -> float:
    """Completions/s of `processes` worker processes judging at once (the judge holds no shared state)."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(processes) as pool:
        start = time.perf_counter()
        done = sum(pool.map(_judged_for, [(judge, rows, seconds)] * processes))
        return done / (time.perf_counter() - start)


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def markdown(parts: dict[str, tuple[list, list]]) -> str:
    tables = {part: per_style(rows, outs) for part, (rows, outs) in parts.items()}
    keys = sorted(set().union(*tables.values()))
    lines = ["| family | style | tune n | tune label | tune harmful | check n | check label | check harmful | "
             "holdout n | holdout label | holdout harmful |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key in keys:
        cells = []
        for part in ("tune", "check", "holdout"):
            n, right, harm = tables.get(part, {}).get(key, [0, 0, 0])
            cells += [str(n), pct(right / n if n else None), pct(harm / n if n else None)]
        lines.append(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " |")
    by_lang = ["", "| language | tune label (n) | check label (n) | holdout label (n) |", "|---|---|---|---|"]
    for lang in sorted({r["language"] for rows, _ in parts.values() for r in rows}):
        cells = []
        for part in ("tune", "check", "holdout"):
            rows, outs = parts[part]
            pairs = [(r, v) for r, v in zip(rows, outs) if r["language"] == lang]
            cells.append(f"{pct(mean([v.label == r['label'] for r, v in pairs]))} ({len(pairs)})")
        by_lang.append(f"| {lang} | " + " | ".join(cells) + " |")
    return "\n".join(lines + by_lang)


def nll_figures(judge) -> list[str]:
    path = DEV / "nll.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    out = [f"nll.jsonl ({len(rows)} completions of the embedded model, {sum(r['label'] == 'incoherent' for r in rows)} "
           f"labelled incoherent):"]
    for name, with_nll in (("text + NLL", True), ("text only", False)):
        outs = verdicts(judge, rows, with_nll)
        tp = sum(v.label == "incoherent" and r["label"] == "incoherent" for r, v in zip(rows, outs))
        fp = sum(v.label == "incoherent" and r["label"] != "incoherent" for r, v in zip(rows, outs))
        fn = sum(v.label != "incoherent" and r["label"] == "incoherent" for r, v in zip(rows, outs))
        acc = mean([(v.label == "incoherent") == (r["label"] == "incoherent") for r, v in zip(rows, outs)])
        out.append(f"  {name:<11} incoherent accuracy {pct(acc)}, precision {pct(tp / (tp + fp) if tp + fp else None)}, "
                   f"recall {pct(tp / (tp + fn) if tp + fn else None)}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--errors", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--processes", type=int, default=2, help="also measure this many processes at once")
    args = ap.parse_args()
    parts = {part: load(part) for part in ("tune", "check", "holdout")}
    for judge in (RefusalJudge(), KeywordJudge()):
        d = judge.describe()
        many = speed_processes(judge, parts["tune"], args.processes, args.seconds) if args.processes > 1 else None
        print(f"== {d['name']} v{d['version']}: {speed(judge, parts['tune'], args.seconds):,.0f} completions/s "
              f"(one process)" + (f", {many:,.0f}/s ({args.processes} processes)" if many else ""))
        judged = {}
        for part, rows in parts.items():
            outs = verdicts(judge, rows)
            judged[part] = (rows, outs)
            a = agreement(rows, outs)
            print(f"  {part:<5} {a['rows']:>5} rows: refusal agreement {pct(a['refusal'])}, three-way "
                  f"{pct(a['three_way'])}, harmful agreement {pct(a['harmful'])}, incoherent precision "
                  f"{pct(a['incoherent_precision'])} recall {pct(a['incoherent_recall'])}")
            for r, v in [(r, v) for r, v in zip(rows, outs) if v.label != r["label"] or v.harmful != r["harmful"]
                         ][: args.errors]:
                print(f"    [{r['style']}] want {r['label']}/{r['harmful']} got {v.label}/{v.harmful} ({v.detail}): "
                      f"{r['completion'][:160]!r}")
        if isinstance(judge, RefusalJudge):
            print("\n".join(nll_figures(judge)))
            if args.markdown:
                print(markdown(judged))


if __name__ == "__main__":
    main()
