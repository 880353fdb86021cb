"""The schema of `keel harden` / `keel evaluate` options, and the one validator that checks the whole tree.

Each section is a typed dataclass (the option's meaning is documented beside it in conf/harden.yaml); a
field's type is what the option must hold, its `option(...)` metadata the range or the choices.
`validate(cfg)` walks the resolved config against it before anything is loaded or written: wrong types,
out-of-range values, unknown choices, missing and unknown keys each fail with one line naming the option.

    keel harden budget.seeds=[abc]    ->  keel: error: budget.seeds[0]: must be an integer, got 'abc'

Nodes whose classes validate themselves are left to them, before the model loads: `defense.*` and
`attack.*` (their constructors, train/pipeline.py:build_named), `judge*` (its constructor) and
`attack_space` (attacks/space.py); `deepspeed` is DeepSpeed's own config. `harden.trainer` stays a plain
dict (TrainingArguments cannot live in a structured config): its keys are checked against the fields of
TRL's SFTConfig, its values by building the SFTConfig (train/pipeline.py:check_training_args).
A new option is one field here plus its line in conf/; tests/test_config.py composes every preset
through this validator.
"""

from __future__ import annotations

import functools
import math
import re
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal, Union

from train import KeelError
from train.data import SPLIT_SETS

# run.name: one plain path component (it names runs/<name>): letters, digits, and . _ - inside.
RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_NAME = 100
MAX_PATH = 4096


def option(check=None, need: str = "", optional: bool = False, **kwargs):
    """A schema field: `check(value) -> bool` with `need` saying what a value must be; `optional` keys
    may be absent from the config."""
    return field(default=None,
                 metadata={"check": check, "need": need, "optional": optional, **kwargs})


positive = {"check": lambda v: v > 0, "need": "positive"}
non_negative = {"check": lambda v: v >= 0, "need": "non-negative"}
fraction = {"check": lambda v: 0 <= v <= 1, "need": "in [0, 1]"}


def distinct(values) -> bool:
    return len(set(values)) == len(values)


def run_name_ok(name: str) -> bool:
    return bool(RUN_NAME.match(name)) and name not in (".", "..") and len(name) <= MAX_NAME


def path_ok(path: str) -> bool:
    return bool(path) and "\0" not in path and len(path) <= MAX_PATH and all(
        len(part) <= 255 for part in path.split("/"))


@dataclass
class Run:
    name: str = option(run_name_ok, f"a plain name (letters, digits, '.', '_', '-'; no '/', not '.' or "
                                    f"'..', at most {MAX_NAME} characters)")
    dir: str = option(path_ok, "a path (no NUL byte, at most 4096 characters, 255 per component)")
    base_results_from: str | None = option(path_ok, "a run directory", optional=True)


@dataclass
class Budget:
    steps: int = option(**positive)
    eval_every: int = option(**positive)
    examples: int = option(**positive)
    seeds: list[int] = option(lambda v: bool(v) and distinct(v), "a non-empty list of distinct integers")
    lr_scale: float = option(**positive)
    stop_at_asr: float | None = option(**fraction, optional=True)


@dataclass
class Effort:
    utility_eps: float = option(**non_negative)
    examples_ladder: list[int] = option(lambda v: all(n > 0 for n in v) and distinct(v),
                                        "a list of distinct positive integers")
    validation_attacks: list[str] = option(distinct, "a list of distinct attack names")


@dataclass
class Utility:
    enabled: bool = option()
    max_prompts: int | None = option(**positive)
    mcq: bool = option()
    over_refusal: bool = option()
    kl: bool = option()
    lm_eval_tasks: list[str] = option()
    lm_eval_limit: int | None = option(**positive)
    lm_eval_include_path: str | None = option(path_ok, "a folder of lm-eval task YAMLs", optional=True)
    lm_eval_chat_template: bool = option(optional=True)


@dataclass
class Hygiene:
    ngram: int = option(**positive)
    jaccard: float = option(lambda v: 0 < v <= 1, "in (0, 1]")
    max_overlap: float = option(**fraction)
    drop: bool = option()


@dataclass
class Search:
    enabled: bool = option()
    n_trials: int = option(**positive)
    seeds: list[int] = option(lambda v: bool(v) and distinct(v), "a non-empty list of distinct integers")
    exclude_recipes: list[str] = option()
    attack_options: dict = option()
    objective: Literal["cost", "steps"] = option(optional=True)


@dataclass
class Eval:
    max_new_tokens: int = option(**positive)
    batch_size: int = option(**positive)
    max_prompts: int | None = option(**positive)
    nll_batch_size: int = option(**positive)
    resolve_steps: bool = option(optional=True)
    proxy: str | None = option(optional=True)  # its choices: attacks/resolution.py:check_options
    snapshot_max_gb: float = option(**non_negative, optional=True)
    asr_metric: Literal["harmful", "harm_score"] = option(optional=True)  # attacks/completions.py:ASR_METRICS


def scheduler_names() -> list[str]:
    from transformers import SchedulerType

    return [s.value for s in SchedulerType]


def sft_fields() -> set[str]:
    from trl import SFTConfig

    return {f.name for f in fields(SFTConfig)}


@dataclass
class Harden:
    steps: int = option(**positive)
    batch_size: int = option(**positive)
    lr: float = option(**positive)
    schedule: str = option(lambda v: v in scheduler_names(), "one of the transformers schedules",
                           choices=scheduler_names)
    warmup_steps: int = option(**non_negative)
    retain_examples: int = option(**non_negative)
    seed: int = option()
    logging_steps: int = option(**positive)
    save_steps: int = option(**non_negative)
    trainer: dict = option(keys=sft_fields)
    keep_base_copy: bool = option(optional=True)


@dataclass
class Wandb:
    mode: Literal["disabled", "offline", "online"] = option()
    project: str = option()
    entity: str | None = option()
    group: str | None = option()
    tags: list[str] = option()
    notes: str | None = option(optional=True)
    api_key: str | None = option(optional=True)


def source_ok(value) -> bool:
    """A data source (train/sources.py): a path or `hf:<id>`, a column map, or a list of them; the map's
    own fields are checked when it loads, with the option named."""
    if isinstance(value, str):
        return path_ok(value)
    if isinstance(value, list):
        return bool(value) and all(source_ok(v) for v in value)
    return isinstance(value, dict)


SOURCE = "a file path, hf:<id>, a column map or a list of them (docs/data.md)"
TEST_ROWS = "a map from harmful_eval / edgy / mcq to a row count >= 1 (docs/data.md)"


def test_rows_ok(value) -> bool:
    """data.test_rows: how many rows from the top of each held-out set are the test rows."""
    return all(key in SPLIT_SETS and isinstance(n, int) and not isinstance(n, bool) and n >= 1
               for key, n in value.items())


@dataclass
class Data:
    harmful: str | dict | list = option(source_ok, SOURCE)
    benign: str | dict | list = option(source_ok, SOURCE)
    harmful_eval: str | dict | list | None = option(source_ok, SOURCE, optional=True)
    harmful_nl: str | dict | list | None = option(source_ok, SOURCE, optional=True)
    edgy: str | dict | list | None = option(source_ok, SOURCE, optional=True)
    edgy_train: str | dict | list | None = option(source_ok, SOURCE, optional=True)
    benign_alt: str | dict | list | None = option(source_ok, SOURCE, optional=True)
    mcq: str | dict | list | None = option(source_ok, SOURCE, optional=True)
    identity: str | dict | list | None = option(source_ok, SOURCE, optional=True)
    eval_fraction: float = option(lambda v: 0 < v < 1, "in (0, 1)")
    split_seed: int = option()
    max_chars: int = option(**positive, optional=True)
    eval_split: Literal["test", "validation"] = option(optional=True)
    test_rows: dict | None = option(test_rows_ok, TEST_ROWS, optional=True)


@dataclass
class Model:
    name: str | None = option(optional=True)
    source: Literal["hf", "gguf", "tiny-random"] = option()
    path: str | None = option(path_ok, "a local path or a hub id", optional=True)
    revision: str | None = option(optional=True)
    dtype: Literal["float32", "bfloat16", "float16"] = option(optional=True)
    attn_implementation: str | None = option(optional=True)
    chat_template: str | None = option(optional=True)
    allow_pickle: bool = option(optional=True)
    trust_remote_code: bool = option(optional=True)
    cache_dir: str | None = option(optional=True)
    hub_token: str | None = option(optional=True)
    tiny: dict | None = option(optional=True)
    base_model: str | None = option(optional=True)
    license: str | None = option(optional=True)


@dataclass
class Report:
    samples: int = option(**non_negative, optional=True)


@dataclass
class Release:
    license: str | None = option(optional=True)


@dataclass
class Options:
    """The top level of conf/harden.yaml (and conf/evaluate.yaml, which adds `baseline`)."""

    model: Model = option()
    data: Data = option()
    run: Run = option()
    resume: Literal["auto", "true", "false", "force"] | bool = option()  # `resume=true` arrives as a bool
    budget: Budget = option()
    threshold: float = option(**fraction)
    effort: Effort = option()
    eval: Eval = option()  # before utility, whose max_prompts follows eval.max_prompts
    utility: Utility = option()
    hygiene: Hygiene = option()
    search: Search = option()
    harden: Harden = option()
    wandb: Wandb = option()
    release: Release = option(optional=True)
    report: Report = option(optional=True)
    baseline: str | None = option(path_ok, "a checkpoint path or hub id", optional=True)
    # Validated by the classes they build (see the module docstring).
    defense: Any = option(optional=True)
    attack: Any = option(optional=True)
    judge: Any = option(optional=True)
    judge_secondary: Any = option(optional=True)
    attack_space: Any = option(optional=True)
    deepspeed: Any = option(optional=True)
    hydra: Any = option(optional=True)


def _shown(value) -> str:
    return repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "...'"


def _check_type(tp, value, key: str) -> None:
    """Raise a one-line KeelError unless `value` has type `tp` (int, float, bool, str, dict, list[...],
    X | None, Literal[...], Any)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return
        errors = []
        for option_type in (a for a in args if a is not type(None)):
            try:
                return _check_type(option_type, value, key)
            except KeelError as err:
                errors.append(err)
        raise errors[0]
    if origin is Literal:
        if value not in args:
            raise KeelError(f"{key}: {_shown(value)} is not one of {', '.join(map(str, args))}")
        return
    if value == "???":
        raise KeelError(f"{key}: no value given; set it, e.g. {key}=...")
    if origin is list:
        if not isinstance(value, list):
            raise KeelError(f"{key}: must be a list, got {_shown(value)}")
        for i, item in enumerate(value):
            _check_type(args[0], item, f"{key}[{i}]")
        return
    names = {int: "an integer", float: "a number", bool: "true or false", str: "a string", dict: "a mapping"}
    if tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, tp)
    if not ok:
        raise KeelError(f"{key}: must be {names.get(tp, tp.__name__)}, got {_shown(value)}")


@functools.cache
def hints(schema) -> dict[str, Any]:
    """A schema's field types (resolved once: typing.get_type_hints is slow)."""
    return typing.get_type_hints(schema)


def validate_node(schema, node, prefix: str = "") -> None:
    """Check a plain (resolved) config mapping against a schema dataclass; one line on the first problem."""
    if not isinstance(node, dict):
        raise KeelError(f"{prefix.rstrip('.') or 'config'}: must be a mapping of options, got {_shown(node)}")
    known = {f.name: f for f in fields(schema)}
    for key in node:
        if key not in known:
            raise KeelError(f"{prefix}{key}: not an option of {prefix.rstrip('.') or 'the config'} "
                            f"(options: {', '.join(known)})")
    for name, spec in known.items():
        key, meta = f"{prefix}{name}", spec.metadata
        if name not in node:
            if not meta.get("optional"):
                raise KeelError(f"{key}: missing; set it, e.g. {key}=...")
            continue
        value = node[name]
        tp = hints(schema)[name]
        if is_dataclass(tp):
            validate_node(tp, value, f"{key}.")
            continue
        _check_type(tp, value, key)
        if value is None:
            continue
        check, need = meta.get("check"), meta.get("need")
        if check is not None and not check(value):
            choices = meta.get("choices")
            extra = f" ({', '.join(choices())})" if choices else ""
            raise KeelError(f"{key}: must be {need}{extra}, got {_shown(value)}")
        if meta.get("keys") and isinstance(value, dict):
            allowed = meta["keys"]()
            unknown = sorted(set(value) - allowed)
            if unknown:
                raise KeelError(f"{key}.{unknown[0]}: not a field of TRL's SFTConfig (TrainingArguments); "
                                f"check the spelling")


def validate(cfg) -> None:
    """Validate a composed `keel harden` / `keel evaluate` config (an OmegaConf node) against Options.
    Sections resolve one at a time, so a bad `budget.lr_scale` is named as itself, not as the attack
    learning rate interpolated from it."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    known = hints(Options)
    plain = {}
    for key in cfg:
        if key not in known:
            raise KeelError(f"{key}: not an option of the config (options: {', '.join(known)})")
        if known[key] is Any:
            plain[key] = None  # validated by the class the node builds
            continue
        node = cfg[key]
        plain[key] = OmegaConf.to_container(node, resolve=True) if isinstance(node, (DictConfig, ListConfig)) \
            else node
    validate_node(Options, plain)
