"""Bad-input cases for the other commands: evaluate, release, verify, doctor, judge. `build` returns the
whole argv."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from tests.cases_files import remove, tiny_dir
from tests.cases_options import Case
from tests.cases_run_dir import FAST

EVAL_FAST = [a for a in FAST if not a.startswith("model=")]
HOSTNAME = Path("/etc/hostname") if Path("/etc/hostname").is_file() else Path(__file__)


def argv(*items: str):
    return lambda tmp, mp: [a.format(tmp=tmp) for a in items]


def evaluate(path_of, *extra: str):
    """`keel evaluate PATH` where PATH = path_of(tmp) (a string or a broken tiny model directory)."""
    def build(tmp, mp):
        return ["evaluate", str(path_of(tmp)), *EVAL_FAST, f"run.dir={tmp / 'run'}", *extra]
    return build


def broken_model(change):
    def path_of(tmp):
        path = tiny_dir(tmp)
        change(path)
        return path
    return path_of


def released(lines_of, link: bool = False):
    """`keel verify DIR` on a directory with one file and a manifest whose lines are lines_of(dir)."""
    def build(tmp, mp):
        d = tmp / "release"
        d.mkdir()
        (d / "a.txt").write_text("a")
        a = hashlib.sha256(b"a").hexdigest()
        if link:
            os.symlink(HOSTNAME, d / "host")
        (d / "manifest.sha256").write_bytes(lines_of(a))
        return ["verify", str(d)]
    return build


def host_hash() -> str:
    return hashlib.sha256(HOSTNAME.read_bytes()).hexdigest()


def run_with(files: dict):
    def build(tmp, mp):
        run = tmp / "run"
        run.mkdir()
        for name, text in files.items():
            (run / name).write_text(text)
        return ["release", str(run)]
    return build


def pairs(name: str, content: bytes):
    def build(tmp, mp):
        (tmp / name).write_bytes(content)
        return ["judge", str(tmp / name)]
    return build


def case(family, what, build, expected):
    return Case(family, what, build, expected, command="other")


EVAL, REL, JUDGE = "keel evaluate PATH", "release, verify and doctor", "judge input files"
CASES = {
    "unknown_command": case("command line", "unknown keel command", argv("frobnicate"), "unknown command 'frobnicate'"),
    # keel evaluate: the checkpoint checked before anything runs
    "evaluate_nonexistent": case(EVAL, "evaluate a path that does not exist", evaluate(lambda tmp: "/nonexistent/model"), "model.path: directory not found: /nonexistent/model"),
    "evaluate_tiny_random": case(EVAL, "evaluate PATH with model=tiny-random (which ignores PATH)", evaluate(lambda tmp: "/nonexistent/model", "model=tiny-random"), "model.source: 'tiny-random' does not load model.path"),
    "evaluate_file": case(EVAL, "evaluate a file instead of a directory", evaluate(lambda tmp: tiny_dir(tmp) / "config.json"), "is a file, not a model directory"),
    "evaluate_no_weights": case(EVAL, "evaluate a directory without weights", evaluate(broken_model(remove("model.safetensors"))), "holds no .safetensors weights"),
    "evaluate_no_config": case(EVAL, "evaluate a directory without config.json", evaluate(broken_model(remove("config.json"))), "has no config.json"),
    "evaluate_no_tokenizer": case(EVAL, "evaluate a directory without a tokenizer", evaluate(broken_model(remove("tokenizer.json"))), "has no tokenizer"),
    "evaluate_truncated": case(EVAL, "evaluate truncated weights", evaluate(broken_model(lambda p: (p / "model.safetensors").write_bytes((p / "model.safetensors").read_bytes()[:100]))), "is not a complete safetensors file"),
    "evaluate_baseline_missing": case(EVAL, "a baseline that does not exist", lambda tmp, mp: evaluate(lambda t: tiny_dir(t), "baseline=/nonexistent/base")(tmp, mp), "baseline: directory not found: /nonexistent/base"),
    "evaluate_run_name": case(EVAL, "evaluate with run.name=../escape", evaluate(lambda tmp: tiny_dir(tmp), "run.name=../escape"), "run.name: must be a plain name"),
    # release / verify / doctor
    "release_unfinished_run": case(REL, "release a run without report.json", argv("release", "{tmp}"), "report.json: not found; finish the run first"),
    "release_missing_dir": case(REL, "release a run dir that does not exist", argv("release", "{tmp}/nope"), "nope: run directory not found"),
    "release_broken_status": case(REL, "release a run whose status.json is truncated", run_with({"report.json": "{}", "status.json": '{"sta'}), "status.json: truncated or not JSON"),
    "release_broken_report": case(REL, "release a run whose report.json is truncated", run_with({"report.json": '{"runs": [', "status.json": '{"status": "done"}'}), "report.json: truncated or not JSON"),
    "verify_without_manifest": case(REL, "verify a directory without manifest", argv("verify", "{tmp}"), "manifest.sha256: not found"),
    "verify_missing_dir": case(REL, "verify a directory that does not exist", argv("verify", "{tmp}/nope"), "nope: directory not found"),
    "verify_parent_path": case(REL, "a manifest naming ../../etc/hostname", released(lambda a: f"{a}  a.txt\n{host_hash()}  ../../../../../..{HOSTNAME}\n".encode()), "a '..' path, outside its directory"),
    "verify_absolute_path": case(REL, "a manifest naming an absolute path", released(lambda a: f"{a}  a.txt\n{host_hash()}  {HOSTNAME}\n".encode()), "an absolute path, outside its directory"),
    "verify_symlink_out": case(REL, "a manifest naming a symlink that leads out", released(lambda a: f"{a}  a.txt\n{host_hash()}  host\n".encode(), link=True), "host: a symlink that leads outside its directory"),
    "verify_unlisted_symlink": case(REL, "an unlisted symlink that leads out", released(lambda a: f"{a}  a.txt\n".encode(), link=True), "host: a symlink that leads outside its directory"),
    "verify_malformed_line": case(REL, "a manifest line that is no sha256", released(lambda a: f"{a}  a.txt\nnot-a-hash  b.txt\n".encode()), "malformed line 'not-a-hash  b.txt'"),
    "verify_not_utf8": case(REL, "a manifest that is not UTF-8", released(lambda a: b"\xff\xfe\n"), "manifest.sha256: not UTF-8 text"),
    "doctor_missing_dir": case(REL, "doctor on a directory that does not exist", argv("doctor", "{tmp}/nope"), "nope: run directory not found"),
    "doctor_not_a_run": case(REL, "doctor on a directory that holds no run", argv("doctor", "{tmp}"), "not a keel run directory"),
    # keel judge FILE
    "judge_missing_file": case(JUDGE, "judge a file that does not exist", argv("judge", "{tmp}/nope.jsonl"), "input: file not found"),
    "judge_not_utf8": case(JUDGE, "judge a JSONL file that is not UTF-8", pairs("p.jsonl", json.dumps({"prompt": "a", "completion": "b"}).encode() + b"\n\xff\n"), "p.jsonl:2: not UTF-8 text (byte 0xff)"),
    "judge_csv_latin1": case(JUDGE, "judge a Latin-1 CSV", pairs("p.csv", "prompt,completion\ncaf\xe9,ok\n".encode("latin-1")), "p.csv:2: not UTF-8 text (byte 0xe9)"),
    "judge_missing_column": case(JUDGE, "judge a CSV without a completion column", pairs("p.csv", b"prompt,answer\nhi,there\n"), "p.csv:2: column 'completion' is missing"),
    "judge_bom_wrong_column": case(JUDGE, "judge a BOM-prefixed CSV whose header lacks completion", pairs("p.csv", b"\xef\xbb\xbfprompt,reply\nhi,there\n"), "p.csv:2: column 'completion' is missing"),
    "judge_unknown_suffix": case(JUDGE, "judge a .txt file", pairs("p.txt", b"hello\n"), "must be .jsonl or .csv"),
    "judge_empty": case(JUDGE, "judge an empty file", pairs("p.jsonl", b""), "p.jsonl: no rows"),
    "judge_row_list": case(JUDGE, "judge a JSONL row that is a list", pairs("p.jsonl", b"[1, 2]\n"), "p.jsonl:1: column 'prompt' is missing or not text"),
    "judge_completion_number": case(JUDGE, "judge a row whose completion is a number", pairs("p.jsonl", b'{"prompt": "a", "completion": 3}\n'), "p.jsonl:1: column 'completion' is missing or not text"),
    "judge_malformed_json": case(JUDGE, "judge a malformed JSONL line", pairs("p.jsonl", b'{"prompt": "a",\n'), "p.jsonl:1: malformed JSON"),
}
