"""Check a model's files before anything is loaded: one line naming the path and what is wrong.

    keel evaluate /nonexistent/model   ->  keel: error: model.path: directory not found: /nonexistent/model

Checked for a local `hf` directory: it is a directory, has config.json (valid JSON), weights (safetensors
unless `allow_pickle`; every file's header and length match, so a truncated or fake file is named here
and not deep inside from_pretrained), a tokenizer, and a chat template (its own, or `model.chat_template`).
For `gguf`: the file exists and its header parses (gguf's reader). Hub ids are checked when they load.
"""

from __future__ import annotations

import json
from pathlib import Path

from train import KeelError

TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "spiece.model", "sentencepiece.bpe.model")
TEMPLATE_FILES = ("chat_template.jinja", "chat_template.json")


def looks_local(name: str) -> bool:
    """A local path rather than a hub id (`model` or `org/model`): it starts with / . ~, exists, or has
    more slashes than a hub id can."""
    return name.startswith(("/", ".", "~")) or Path(name).expanduser().exists() or name.count("/") > 1 \
        or "\\" in name


def check_model_files(model_cfg, option: str = "model.path") -> None:
    """Raise a one-line KeelError if the files `model_cfg` (a `model` config node) names cannot load."""
    source, path = model_cfg.get("source"), model_cfg.get("path")
    if source == "tiny-random" or path in (None, "???"):
        return
    if source == "gguf":
        from train.models import gguf_cached, resolve_pkg_path

        gguf = resolve_pkg_path(str(path))
        check_gguf(gguf, option, parse=not gguf_cached(gguf, model_cfg))
    elif source == "hf" and looks_local(str(path)):
        check_hf_dir(Path(str(path)).expanduser(), option, allow_pickle=bool(model_cfg.get("allow_pickle")),
                     chat_template=model_cfg.get("chat_template"))


def _json_file(path: Path, option: str) -> dict:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise KeelError(f"{option}: {path} is not valid JSON ({str(err).splitlines()[0]})") from None
    if not isinstance(obj, dict):
        raise KeelError(f"{option}: {path} is not a JSON object")
    return obj


def check_safetensors(path: Path, option: str) -> None:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), "pt") as fh:
            fh.keys()
    except (SafetensorError, OSError) as err:
        raise KeelError(f"{option}: {path} is not a complete safetensors file "
                        f"({str(err).splitlines()[0]}); download it again") from None


def check_hf_dir(path: Path, option: str, allow_pickle: bool = False, chat_template=None) -> None:
    if not path.exists():
        raise KeelError(f"{option}: directory not found: {path}")
    if not path.is_dir():
        hint = " (a GGUF file: set model.source=gguf)" if path.suffix == ".gguf" else ""
        raise KeelError(f"{option}: {path} is a file, not a model directory{hint}")
    files = {p.name for p in path.iterdir()}
    if "config.json" not in files:
        raise KeelError(f"{option}: {path} has no config.json, so it is no Hugging Face model directory")
    _json_file(path / "config.json", option)
    weights = sorted(f for f in files if f.endswith(".safetensors"))
    for index in sorted(f for f in files if f.endswith(".safetensors.index.json")):
        shards = set(_json_file(path / index, option).get("weight_map", {}).values())
        missing = sorted(shards - files)
        if missing:
            raise KeelError(f"{option}: {path / index} names {missing[0]}, which is not in {path}")
    if not weights:
        pickled = [f for f in files if f.endswith((".bin", ".pt", ".pth", ".ckpt"))]
        if not allow_pickle:
            raise KeelError(f"{option}: {path} holds no .safetensors weights; pickled weights can run code on "
                            f"load, set model.allow_pickle=true only if you trust the source")
        if not pickled:
            raise KeelError(f"{option}: {path} holds no weights (no .safetensors or .bin file)")
    for name in weights:
        check_safetensors(path / name, option)
    if not any(f in files for f in TOKENIZER_FILES):
        raise KeelError(f"{option}: {path} has no tokenizer ({', '.join(TOKENIZER_FILES[:2])}); copy the base "
                        f"model's tokenizer files into it")
    if chat_template:
        template = Path(str(chat_template)).expanduser()
        if len(str(chat_template)) < 4096 and "{" not in str(chat_template) and not template.is_file():
            raise KeelError(f"model.chat_template: {chat_template} is neither a file nor a Jinja template")
        text = template.read_text(encoding="utf-8", errors="replace") if "{" not in str(chat_template) \
            else str(chat_template)
        check_template(text, "model.chat_template", "model.chat_template")
        return
    config = _json_file(path / "tokenizer_config.json", option) if "tokenizer_config.json" in files else {}
    if not any(f in files for f in TEMPLATE_FILES) and not config.get("chat_template"):
        raise KeelError(f"model: the tokenizer of {path} has no chat template; set model.chat_template to a "
                        f"Jinja template or a file holding one (keel always applies the template)")
    if "chat_template.jinja" in files:
        check_template((path / "chat_template.jinja").read_text(encoding="utf-8", errors="replace"),
                       str(path / "chat_template.jinja"), option)
    elif isinstance(config.get("chat_template"), str):
        check_template(config["chat_template"], str(path / "tokenizer_config.json"), option)


def check_template(text: str, where: str, option: str) -> None:
    """The chat template parses as Jinja (rendering it is checked once the tokenizer loads, models.py)."""
    from jinja2 import TemplateSyntaxError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    try:
        ImmutableSandboxedEnvironment().parse(text)
    except TemplateSyntaxError as err:
        raise KeelError(f"{option}: the chat template in {where} is not valid Jinja ({err.message}, template "
                        f"line {err.lineno}); fix it or set model.chat_template") from None


def check_gguf(path: Path, option: str, parse: bool = True) -> None:
    """The file exists and says GGUF; with `parse`, its header and tensor table read back (gguf's reader;
    a second or more on a 100 MB file, so skipped once a dequantized copy of this very file is cached)."""
    if not path.exists():
        raise KeelError(f"{option}: GGUF file not found: {path}")
    if not path.is_file():
        raise KeelError(f"{option}: {path} is a directory, not a GGUF file (a model directory: use model=hf)")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic != b"GGUF":
        raise KeelError(f"{option}: {path} is not a GGUF file (it does not start with 'GGUF')")
    if not parse:
        return
    from gguf import GGUFReader

    try:
        GGUFReader(str(path))
    except (ValueError, IndexError, KeyError, OSError, EOFError) as err:
        raise KeelError(f"{option}: {path} is truncated or damaged ({str(err).splitlines()[0][:120]}); "
                        f"download it again") from None
