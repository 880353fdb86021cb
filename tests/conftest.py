"""Shared fixtures: tiny random models, the shipped data, Hydra composition. No downloads, CPU only."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("WANDB_MODE", "disabled")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("DS_ACCELERATOR", "cpu")

import copy  # noqa: E402

import pytest  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from train.cli import CONF_DIR  # noqa: E402

TINY_OVERRIDES = ["preset=ci", "model=tiny-random"]


@pytest.fixture(autouse=True)
def _restore_environment():
    """Each test gets the environment back as it found it: a lone DeepSpeed process sets RANK,
    WORLD_SIZE and MASTER_PORT (train.distributed.init_rank_env), which later subprocesses would inherit."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def compose_config(name: str = "harden", overrides: list[str] | None = None):
    """Compose conf/<name>.yaml with overrides, exactly as the `keel` command line would."""
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name=name, overrides=list(overrides or []))


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a module (opt in with `pytestmark = pytest.mark.usefixtures("one_thread")`)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_cfg():
    return compose_config("harden", TINY_OVERRIDES)


@pytest.fixture(scope="session")
def _tiny_pair(tiny_cfg):
    from train.models import load_model_and_tokenizer

    return load_model_and_tokenizer(tiny_cfg.model)


@pytest.fixture
def tiny_model(_tiny_pair):
    """A fresh copy of the session's tiny random Llama (tests may train it freely)."""
    return copy.deepcopy(_tiny_pair[0])


@pytest.fixture(scope="session")
def tokenizer(_tiny_pair):
    return _tiny_pair[1]


@pytest.fixture(scope="session")
def data(tiny_cfg):
    from train.data import load_data

    return load_data(tiny_cfg.data)


@pytest.fixture
def evaluator(tiny_cfg, tokenizer, data):
    from attacks.evaluator import EvalConfig, Evaluator
    from attacks.judges.keyword import KeywordJudge

    return Evaluator(tokenizer, data.harmful_eval, data.benign_eval, KeywordJudge(),
                     EvalConfig(**OmegaConf.to_container(tiny_cfg.eval)))


def finished_record(target: str = "base", attack: str = "full_ft", seed: int = 0, **extra) -> dict:
    """A results.jsonl record as an attack run writes it (train/state.py:check_record), for run dirs that
    tests build by hand."""
    return {"attack": attack, "recipe": "full_ft", "split": "train", "target": target, "seed": seed,
            "config": {}, "curve": [{"step": 0, "asr": 0.0}], "flops_per_token": 1.0, "examples": 1,
            "extra": {}, **extra}
