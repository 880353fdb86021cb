"""The bad-input catalogue: each case fails fast with ONE line `keel: error: ...` naming the culprit (file,
line, field or option), exits non-zero and writes nothing that looks like a result.

Most cases call the real CLI in-process (train.cli.main); a few run `python -m train.cli` in a subprocess.
docs/bad_inputs.md lists every case and the line it prints; regenerate it with
    KEEL_WRITE_DOCS=1 pytest tests/test_bad_inputs.py
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import compose_config
from train.cli import main

REPO = Path(__file__).resolve().parent.parent
HARMFUL = REPO / "data" / "keel-mini" / "harmful.jsonl"
DOC = REPO / "docs" / "bad_inputs.md"
# Small budgets: a case that slipped through validation would still end in seconds.
FAST = ["preset=ci", "model=tiny-random", "harden.steps=1", "budget.steps=1", "budget.eval_every=1",
        "eval.max_prompts=2", "eval.max_new_tokens=4", "utility.enabled=false"]
SEEN: dict[str, tuple[str, str]] = {}  # case id -> (what was wrong, the line printed), for the doc
LIVE: list[subprocess.Popen] = []  # processes a case started, stopped after it


def rows(n: int = 12) -> list[dict]:
    return [json.loads(line) for line in HARMFUL.read_text().splitlines()[:n]]


def harmful_file(tmp: Path, lines: list[str] | bytes, name: str = "harmful.jsonl") -> list[str]:
    path = tmp / name
    path.write_bytes(lines if isinstance(lines, bytes) else ("\n".join(lines) + "\n").encode())
    return [f"data.harmful={path}"]


def bad_line(line: str, at: int = 3):
    """A harmful file of real records with `line` as line `at`."""
    def build(tmp, mp):
        lines = [json.dumps(r) for r in rows()]
        lines.insert(at - 1, line)
        return harmful_file(tmp, lines)
    return build


def record(**change) -> str:
    r = {**rows(1)[0], "id": "bad-1", "group": "bad-1", **change}
    return json.dumps({k: v for k, v in r.items() if v is not None})


def empty_split(tmp, mp):
    return harmful_file(tmp, [json.dumps({**r, "split": "train"}) for r in rows()])


def eval_overlap(tmp, mp):
    pairs = [(dict(r, split="train"), dict(r, id=r["id"] + "-copy", group=r["id"] + "-copy", split="eval"))
             for r in rows()]
    return harmful_file(tmp, [json.dumps(r) for pair in pairs for r in pair])


def mcq_answer(tmp, mp):
    path = tmp / "mcq.jsonl"
    path.write_text(json.dumps({"id": "mcq-x", "question": "q?", "choices": ["a", "b"], "answer": 5}) + "\n")
    return [f"data.mcq={path}"]


def tiny_dir(tmp: Path, *, pickle: bool = False, template: bool = True) -> Path:
    from train.tiny import build_tiny_model, build_tiny_tokenizer

    tok = build_tiny_tokenizer()
    model = build_tiny_model(tok, hidden_size=16, intermediate_size=32, num_attention_heads=2,
                             num_key_value_heads=1)
    out = tmp / "model"
    model.save_pretrained(out)
    if pickle:  # transformers 5 writes safetensors only: make the legacy pickled layout by hand
        import torch

        torch.save(model.state_dict(), out / "pytorch_model.bin")
        (out / "model.safetensors").unlink()
    if not template:
        tok.chat_template = None
    tok.save_pretrained(out)
    for f in out.glob("*.jinja") if not template else ():
        f.unlink()
    return out


def pickle_weights(tmp, mp):
    return ["model=hf", f"model.path={tiny_dir(tmp, pickle=True)}"]


def no_chat_template(tmp, mp):
    return ["model=hf", f"model.path={tiny_dir(tmp, template=False)}"]


def saved_run(tmp: Path, overrides: list[str], status: dict | None = None) -> Path:
    """A run dir as a killed run leaves it: config.yaml, status.json and one finished attack."""
    import yaml

    from train.pipeline import redacted_config

    run = tmp / "run"
    run.mkdir(exist_ok=True)
    cfg = compose_config("harden", [*FAST, f"run.dir={run}", *overrides])
    (run / "config.yaml").write_text(yaml.safe_dump(redacted_config(cfg)))
    (run / "results.jsonl").write_text(json.dumps({"target": "base", "attack": "full_ft", "seed": 0}) + "\n")
    (run / "status.json").write_text(json.dumps(status or {"status": "failed"}))
    return run


def config_changed(tmp, mp):
    saved_run(tmp, ["harden.steps=7"])
    return []


def resume_nothing(tmp, mp):
    return ["resume=true"]


def resume_false(tmp, mp):
    saved_run(tmp, [])
    return ["resume=false"]


def run_in_use(tmp, mp):
    LIVE.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
    saved_run(tmp, [], {"status": "running", "pid": LIVE[-1].pid, "host": socket.gethostname()})
    return []


def disk_full(tmp, mp):
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    mp.setattr("train.run_dir.os.fsync", no_space)
    return []


def disk_full_checkpoint(tmp, mp):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp / "run" / "checkpoint.partial"))
    mp.setattr("transformers.modeling_utils.safe_save_file", no_space)
    return []


def run_dir_not_writable(tmp, mp):
    if os.geteuid() == 0:  # root writes anywhere a mode allows nothing: use a filesystem that refuses mkdir
        return ["run.dir=/sys/keel-run"]
    ro = tmp / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    return [f"run.dir={ro}/run"]


def run_dir_is_a_file(tmp, mp):
    (tmp / "afile").write_text("x")
    return [f"run.dir={tmp}/afile/run"]


def args(*overrides: str):
    return lambda tmp, mp: list(overrides)


# id: (what is wrong, build(tmp, monkeypatch) -> extra overrides, a substring the line must hold)
CASES = {
    # command line and Hydra composition
    "unknown_defense": ("unknown defense name", args("defense=[nope]"), "defense: no option 'nope' in conf/defense/"),
    "unknown_attack": ("unknown attack name", args("attack=[nope]"), "attack: no option 'nope' in conf/attack/"),
    "unknown_judge": ("unknown judge name", args("judge=nope"), "judge: no option 'nope' in conf/judge/"),
    "unknown_model_config": ("unknown model config", args("model=nope"), "model: no option 'nope'"),
    "unknown_deepspeed_config": ("unknown ZeRO config", args("deepspeed=zero9"), "deepspeed: no option 'zero9'"),
    "mistyped_override": ("misspelled option", args("harden.stpes=5"), "harden.stpes: no such option"),
    "override_syntax": ("unparsable override", args("harden.steps=[1,"), "cannot parse the override 'harden.steps=[1,'"),
    "missing_model_path": ("model=hf without model.path", args("model=hf"), "model.path: no value given"),
    # plain options
    "harden_steps_zero": ("zero hardening steps", args("harden.steps=0"), "harden.steps: must be a positive integer, got 0"),
    "harden_steps_negative": ("negative hardening steps", args("harden.steps=-3"), "harden.steps: must be a positive integer, got -3"),
    "harden_steps_text": ("non-numeric steps", args("harden.steps=many"), "harden.steps: must be a positive integer, got 'many'"),
    "attack_steps_zero": ("zero attack steps", args("budget.steps=0"), "attack.full_ft.steps: must be a positive integer, got 0"),
    "harden_lr_negative": ("negative learning rate", args("harden.lr=-0.001"), "harden.lr: must be a positive number"),
    "threshold_above_one": ("threshold above 1", args("threshold=1.5"), "threshold: must be a number in [0, 1], got 1.5"),
    "threshold_negative": ("threshold below 0", args("threshold=-0.1"), "threshold: must be a number in [0, 1]"),
    "eval_batch_zero": ("zero eval batch size", args("eval.batch_size=0"), "eval.batch_size: must be a positive integer"),
    "no_seeds": ("empty seed list", args("budget.seeds=[]"), "attack.full_ft.seeds: empty"),
    "wandb_mode": ("unknown W&B mode", args("wandb.mode=loud"), "wandb.mode: 'loud' is not one of"),
    "resume_value": ("unknown resume mode", args("resume=maybe"), "resume: 'maybe' is not one of"),
    "eval_fraction": ("eval fraction outside (0, 1)", args("data.eval_fraction=1.5"), "data.eval_fraction must be in (0, 1)"),
    "attack_data_source": ("unknown attack data source", args("attack.full_ft.data=nope"), "attack.full_ft.data: 'nope' is not one of"),
    "defense_option": ("invalid defense option", args("defense=[tar]", "defense.tar.inner_steps=0"), "defense.tar.inner_steps: must be >= 1"),
    # data files
    "malformed_jsonl": ("malformed JSONL line", bad_line('{"id": "x", "prompt": "unterminated'), "harmful.jsonl:3: malformed JSON"),
    "missing_field": ("missing field", bad_line(record(refusal=None)), "harmful.jsonl:3: field 'refusal' is missing"),
    "empty_field": ("empty field", bad_line(record(prompt="")), "harmful.jsonl:3: field 'prompt' is empty"),
    "wrong_field_type": ("field of the wrong type", bad_line(record(id=7)), "harmful.jsonl:3: field 'id' must be str, got int"),
    "not_an_object": ("a JSON line that is not an object", bad_line('["a", "b"]'), "harmful.jsonl:3: expected a JSON object, got list"),
    "duplicate_id": ("duplicate record id", bad_line(json.dumps(rows(1)[0]), at=5), "harmful.jsonl: field 'id' = 'harm-weapons-001' appears more than once"),
    "not_utf8": ("file not UTF-8", lambda tmp, mp: harmful_file(tmp, HARMFUL.read_bytes()[:2000].rsplit(b"\n", 1)[0] + b"\n\xff\xfe{}\n"), "not UTF-8 text"),
    "empty_file": ("empty data file", lambda tmp, mp: harmful_file(tmp, b""), "harmful.jsonl: no records (empty file)"),
    "data_file_missing": ("data file not found", args("data.harmful=/nonexistent/harmful.jsonl"), "/nonexistent/harmful.jsonl: data file not found"),
    "data_dir_not_dataset": ("a directory that is no dataset", lambda tmp, mp: [f"data.harmful={tmp}"], "not a `datasets` save_to_disk folder"),
    "empty_split": ("empty evaluation split", empty_split, "data: the harmful eval split is empty"),
    "eval_train_overlap": ("eval prompts duplicate training prompts", eval_overlap, "hygiene.max_overlap:"),
    "mcq_answer_range": ("MCQ answer not an index", mcq_answer, "mcq.jsonl:1: field 'answer' = 5 is not an index"),
    # models
    "model_path_missing": ("model directory not found", args("model=hf", "model.path=/nonexistent/model"), "model.path: directory not found: /nonexistent/model"),
    "gguf_missing": ("GGUF file not found", args("model=smollm2-135m", "model.path=/nonexistent/m.gguf"), "model.path: GGUF file not found"),
    "pickle_weights": ("non-safetensors weights without opt-in", pickle_weights, "no .safetensors weights; pickled weights can run code"),
    "no_chat_template": ("tokenizer without chat template", no_chat_template, "has no chat template; set model.chat_template"),
    "model_dtype": ("unknown dtype", args("model.dtype=float8"), "model.dtype: 'float8' is not one of"),
    "model_source": ("unknown model source", args("model.source=onnx"), "model.source: 'onnx' is not one of"),
    # attacks, judges, scale
    "lora_targets": ("LoRA targets not in the model", args("attack=[lora]", "attack.lora.target_modules=[nope_proj]"), "attack.lora.target_modules: ['nope_proj'] not found in the model"),
    "prefill_ladder": ("prefill ladder not increasing", args("attack=[prefill]", "attack.prefill.ladder=[5,0]"), "attack.prefill.ladder: must be increasing without repeats"),
    "quantize_format": ("unknown GGUF format", args("attack=[quantize_q4]", "attack.quantize_q4.format=q4_k"), "attack.quantize_q4.format: 'q4_k' is not one of"),
    "language_data_missing": ("multilingual attack without rows in its language", args("attack=[multilingual_ft]", "attack.multilingual_ft.data_key=harmful_xx"), "attack.multilingual_ft.data_key: data.harmful_xx holds no rows"),
    "zero3_inner_loop": ("ZeRO stage a defense cannot run under", args("defense=[tar]", "deepspeed=zero3"), "deepspeed: defense 'tar' supports ZeRO stages"),
    "judge_endpoint_model": ("endpoint judge without a model name", args("judge=endpoint"), "Missing mandatory value: judge.model"),
    "judge_unreachable": ("judge endpoint unreachable", args("judge=endpoint", "judge.model=guard", "judge.base_url=http://127.0.0.1:9/v1", "judge.retries=0"), "judge.base_url: cannot reach http://127.0.0.1:9/v1"),
    # the run directory and its resources
    "nan_loss": ("loss becomes nan/inf", args("harden.lr=1e30", "harden.steps=4", "harden.save_steps=1", "harden.logging_steps=1"), "harden: training loss is"),
    "disk_full": ("out of disk space (simulated ENOSPC)", disk_full, "cannot write (No space left on device)"),
    "disk_full_checkpoint": ("disk fills while saving the checkpoint", disk_full_checkpoint, "checkpoint.partial: cannot write (No space left on device)"),
    "run_dir_not_writable": ("run dir not writable", run_dir_not_writable, "cannot write (Operation not permitted"),
    "run_dir_is_a_file": ("run dir below a regular file", run_dir_is_a_file, "cannot write (Not a directory)"),
    "config_changed": ("resume with a different config", config_changed, "made with a different config (harden.steps: 7 -> 1)"),
    "resume_nothing": ("resume=true with nothing to resume", resume_nothing, "resume=true:"),
    "resume_false": ("resume=false on an existing run", resume_false, "resume=false:"),
    "run_in_use": ("run dir used by a live process", run_in_use, "is being run by process"),
}


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
    assert expected in lines[0], lines[0]
    return lines[0]


def no_results(run: Path) -> None:
    for name in ("report.json", "report.md", "checkpoint", "hardening.json"):
        assert not (run / name).exists(), name


def remember(case: str, what: str, line: str, tmp: Path) -> None:
    line = line.replace(str(tmp), "<tmp>").replace(str(REPO) + "/", "")
    line = re.sub(r"process \d+", "process <pid>", line)
    # Lists that grow whenever someone adds a config or a command: the doc names them, not their items.
    line = re.sub(r"in conf/(\w+)/ \(available: [^)]*\)", r"in conf/\1/ (available: <the files in conf/\1/>)", line)
    SEEN[case] = (what, re.sub(r"\(commands: [^;]*;", "(commands: <keel --help>;", line))


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_with_one_line(case, tmp_path, capsys, monkeypatch):
    what, build, expected = CASES[case]
    monkeypatch.setattr(sys, "argv", ["keel"])
    extra = build(tmp_path, monkeypatch)
    run = tmp_path / "run"
    try:
        code, err = run_cli(["harden", *FAST, f"run.dir={run}", *extra], capsys)
    finally:
        while LIVE:
            LIVE.pop().kill()
    assert code not in (0, None)
    remember(case, what, check_line(err, expected), tmp_path)
    no_results(run)


OTHER_COMMANDS = {
    "unknown_command": ("unknown keel command", ["frobnicate"], "unknown command 'frobnicate'"),
    "release_unfinished_run": ("release a run without report.json", ["release", "{tmp}"],
                               "report.json: not found; finish the run first"),
    "release_missing_dir": ("release a run dir that does not exist", ["release", "{tmp}/nope"],
                            "nope: run directory not found"),
    "verify_without_manifest": ("verify a directory without manifest", ["verify", "{tmp}"],
                                "manifest.sha256: not found"),
}


@pytest.mark.parametrize("case", list(OTHER_COMMANDS))
def test_other_commands_fail_with_one_line(case, tmp_path, capsys, monkeypatch):
    what, argv, expected = OTHER_COMMANDS[case]
    monkeypatch.setattr(sys, "argv", ["keel"])
    code, err = run_cli([a.format(tmp=tmp_path) for a in argv], capsys)
    assert code not in (0, None)
    remember(case, what, check_line(err, expected), tmp_path)


@pytest.mark.parametrize(("case", "extra", "expected"), [
    ("unknown_defense", ["defense=[nope]"], "defense: no option 'nope'"),
    ("mistyped_override", ["harden.stpes=5"], "harden.stpes: no such option"),
    ("malformed_jsonl", None, "harmful.jsonl:3: malformed JSON"),
])
def test_bad_input_in_a_real_process(case, extra, expected, tmp_path):
    """The same cases through a fresh interpreter: exit status 2 and one line, nothing else on stderr."""
    extra = extra if extra is not None else CASES[case][1](tmp_path, None)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("HYDRA_FULL_ERROR", None)
    proc = subprocess.run([sys.executable, "-m", "train.cli", "harden", *FAST, f"run.dir={tmp_path}/run", *extra],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    check_line(proc.stderr, expected)
    no_results(tmp_path / "run")


def render_doc() -> str:
    lines = ["# Bad inputs and what keel says", "",
             "Each row is a case in tests/test_bad_inputs.py: keel prints exactly this one line on stderr",
             "(progress bars aside), exits with status 2 and writes no report. Inputs that can be checked up",
             "front (options, data, model files, judges, LoRA targets) fail before any training; a diverging",
             "loss or a full disk stops the run where it happens and keeps the last good checkpoint.",
             "`<tmp>` is the test's temporary directory. Regenerate this file with",
             "`KEEL_WRITE_DOCS=1 pytest tests/test_bad_inputs.py`.", "",
             "| # | case | what is wrong | the line keel prints |", "|---|---|---|---|"]
    for i, (case, (what, line)) in enumerate(sorted(SEEN.items()), 1):
        lines.append(f"| {i} | `{case}` | {what} | `{line.replace('|', '&#124;')}` |")
    return "\n".join(lines) + "\n"


def test_zz_doc_lists_every_case():
    if len(SEEN) < len(CASES) + len(OTHER_COMMANDS):
        pytest.skip("run the whole file to check docs/bad_inputs.md")
    text = render_doc()
    if os.environ.get("KEEL_WRITE_DOCS"):
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text)
    assert DOC.exists() and DOC.read_text() == text, "docs/bad_inputs.md is stale: KEEL_WRITE_DOCS=1 pytest " \
                                                     "tests/test_bad_inputs.py"
