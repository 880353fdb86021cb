"""Every config in conf/ composes, resolves, names an importable `_target_`, and passes the option schema
(train/options.py): a new option needs its field there, or every run refuses it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from tests.conftest import compose_config
from train.cli import CONF_DIR
from train.options import validate

CONF = Path(CONF_DIR)
PRIMARY = sorted(p.stem for p in CONF.glob("*.yaml"))
# Groups selected as lists (several at once) vs single-choice groups.
LIST_GROUPS = {"defense", "attack"}
SKIP_GROUPS = {"deepspeed", "sweep", "hydra", "launcher", "attack_space", "study"}  # not selected via harden's defaults


def group_options() -> list[tuple[str, str]]:
    options = []
    for group in sorted(p for p in CONF.iterdir() if p.is_dir() and p.name not in SKIP_GROUPS):
        options += [(group.name, f.stem) for f in sorted(group.glob("*.yaml"))]
    return options


def _check_targets(node) -> None:
    if isinstance(node, dict):
        if "_target_" in node:
            module, _, attr = node["_target_"].rpartition(".")
            assert hasattr(importlib.import_module(module), attr), node["_target_"]
        for value in node.values():
            _check_targets(value)
    elif isinstance(node, list):
        for value in node:
            _check_targets(value)


@pytest.mark.parametrize("name", PRIMARY)
def test_primary_configs_resolve(name):
    cfg = compose_config(name, [])
    _check_targets(OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False))


@pytest.mark.parametrize(("group", "option"), group_options())
def test_every_group_option_composes_and_resolves(group, option):
    value = f"[{option}]" if group in LIST_GROUPS else option
    extra = ["model.path=/some/local/dir"] if (group, option) == ("model", "hf") else []
    cfg = compose_config("harden", [f"{group}={value}", *extra])
    container = OmegaConf.to_container(cfg, resolve=True)
    _check_targets(container)
    validate(cfg)
    if group in LIST_GROUPS:
        assert option in container[group], f"conf/{group}/{option}.yaml must use '# @package {group}.{option}'"


def test_list_groups_stack_under_their_own_names():
    cfg = compose_config("harden", ["attack=[full_ft]", "defense=[refusal_sft]", "attack.full_ft.lr=0.1"])
    assert cfg.attack.full_ft.lr == 0.1
    assert list(cfg.defense) == ["refusal_sft"]


def test_budget_is_shared_and_lr_scales():
    cfg = compose_config("harden", ["budget.steps=7", "budget.lr_scale=2"])
    assert cfg.attack.full_ft.steps == 7
    assert cfg.attack.full_ft.lr == pytest.approx(2 * 5e-5)


def test_default_is_the_embedded_demo():
    cfg = compose_config("harden", [])
    assert cfg.model.source == "gguf" and "SmolLM2-135M-Instruct" in cfg.model.path
    assert cfg.wandb.mode == "disabled"


@pytest.mark.parametrize("name", ["harden", "evaluate"])
def test_run_configs_pass_the_option_schema(name):
    validate(compose_config(name, ["model.path=/some/local/dir"] if name == "evaluate" else []))


def test_study_arms_pass_the_option_schema():
    study = compose_config("study", [])
    for arm, overrides in study.study.arms.items():
        validate(compose_config("harden", [*map(str, study.overrides), *map(str, overrides or []),
                                           f"run.name={arm}"]))
