"""The bad-input catalogue: each case fails fast with ONE line `keel: error: ...` naming the culprit (file,
line, field, option or path), exits non-zero and writes nothing that looks like a result.

The cases live in tests/cases_*.py, grouped in families (one mistake, many variants): options and the
command line, data and model files, the run directory and its state files, and the other commands. Most
run the real CLI in-process (train.cli.main); a few run `python -m train.cli` in a subprocess.
docs/bad_inputs.md lists every case and the line it prints; regenerate it with
    KEEL_WRITE_DOCS=1 pytest tests/test_bad_inputs.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import cases_commands, cases_files, cases_options, cases_run_dir
from tests.cases_run_dir import FAST, LIVE
from train.cli import main

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "bad_inputs.md"
CASES = {**cases_options.CASES, **cases_files.CASES, **cases_run_dir.CASES, **cases_commands.CASES}
SEEN: dict[str, tuple[str, str, str]] = {}  # case id -> (family, what was wrong, the line printed), for the doc
RESULTS = ("report.json", "report.md", "checkpoint", "hardening.json", "utility.json")


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().err


PROGRESS = re.compile(r"\d+%\|.*\|")  # tqdm bars (weights, datasets) share stderr; they are not messages


def check_line(err: str, expected: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and not PROGRESS.search(line)]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert lines[0].startswith("keel: error: "), lines[0]
    assert expected.replace("<tmp>", "") in lines[0] or expected in lines[0], lines[0]
    return lines[0]


def results_in(run: Path) -> set[str]:
    return {name for name in RESULTS if (run / name).exists()}


def remember(case: str, family: str, what: str, line: str, tmp: Path) -> None:
    line = line.replace(str(tmp), "<tmp>").replace(str(REPO) + "/", "")
    line = re.sub(r"process \d+", "process <pid>", line)
    # Lists that grow whenever someone adds a config or a command: the doc names them, not their items.
    line = re.sub(r"in conf/(\w+)/ \(available: [^)]*\)", r"in conf/\1/ (available: <the files in conf/\1/>)", line)
    line = re.sub(r"\(options: [^)]*\)", "(options: <the schema's keys>)", line)
    SEEN[case] = (family, what, re.sub(r"\(commands: [^;]*;", "(commands: <keel --help>;", line))


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_with_one_line(case, tmp_path, capsys, monkeypatch):
    spec = CASES[case]
    monkeypatch.setattr(sys, "argv", ["keel"])
    run = tmp_path / "run"
    try:
        extra = spec.build(tmp_path, monkeypatch)
        before = results_in(run)
        argv = ["harden", *FAST, f"run.dir={run}", *extra] if spec.command == "harden" else extra
        code, err = run_cli(argv, capsys)
    finally:
        while LIVE:
            LIVE.pop().kill()
    assert code not in (0, None)
    line = check_line(err, spec.expected.replace("<tmp>", str(tmp_path)))
    remember(case, spec.family, spec.what, line, tmp_path)
    assert results_in(run) <= before, "a failed command left a result behind"


@pytest.mark.parametrize(("case", "extra", "expected"), [
    ("unknown_defense", ["defense=[nope]"], "defense: no option 'nope'"),
    ("mistyped_override", ["harden.stpes=5"], "harden.stpes: no such option"),
    ("run_name_parent", ["run.name=../escape"], "run.name: must be a plain name"),
    ("malformed_jsonl", None, "harmful.jsonl:3: malformed JSON"),
])
def test_bad_input_in_a_real_process(case, extra, expected, tmp_path):
    """The same cases through a fresh interpreter: exit status 2 and one line, nothing else on stderr."""
    extra = extra if extra is not None else CASES[case].build(tmp_path, None)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("HYDRA_FULL_ERROR", None)
    proc = subprocess.run([sys.executable, "-m", "train.cli", "harden", *FAST, f"run.dir={tmp_path}/run", *extra],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    check_line(proc.stderr, expected)
    assert not results_in(tmp_path / "run")


def render_doc() -> str:
    families = sorted({family for family, _, _ in SEEN.values()})
    lines = ["# Bad inputs and what keel says", "",
             f"{len(SEEN)} cases in {len(families)} families. Each row is a case in tests/cases_*.py, run by",
             "tests/test_bad_inputs.py: keel prints exactly this one line on stderr (progress bars aside), exits",
             "with a non-zero status and writes no report. Inputs that can be checked up front (options against",
             "their schema, data, model files, run-dir state files, judges, LoRA targets) fail before any model is",
             "loaded; a diverging loss or a full disk stops the run where it happens and keeps the last good",
             "checkpoint. A broken state file names itself and `keel doctor RUN_DIR` (what is broken, what a resume",
             "would redo; `--fix` sets broken files aside). Over-long data fields are refused, not truncated",
             "(`+data.max_chars=N` raises the cap). `<tmp>` is the test's temporary directory. Regenerate with",
             "`KEEL_WRITE_DOCS=1 pytest tests/test_bad_inputs.py`.", ""]
    for family in families:
        lines += [f"## {family}", "", "| # | case | what is wrong | the line keel prints |", "|---|---|---|---|"]
        rows = sorted((case, what, line) for case, (fam, what, line) in SEEN.items() if fam == family)
        for i, (case, what, line) in enumerate(rows, 1):
            lines.append(f"| {i} | `{case}` | {what} | `{line.replace('|', '&#124;')}` |")
        lines.append("")
    return "\n".join(lines)


def test_zz_doc_lists_every_case():
    if len(SEEN) < len(CASES):
        pytest.skip("run the whole file to check docs/bad_inputs.md")
    text = render_doc()
    if os.environ.get("KEEL_WRITE_DOCS"):
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text)
    assert DOC.exists() and DOC.read_text() == text, "docs/bad_inputs.md is stale: KEEL_WRITE_DOCS=1 pytest " \
                                                     "tests/test_bad_inputs.py"
