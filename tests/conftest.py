"""Shared fixtures: tiny random models, the shipped data, Hydra composition. No downloads, CPU only."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("WANDB_MODE", "disabled")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("DS_ACCELERATOR", "cpu")
# One thread per process, set before torch is imported (and inherited by every child process): on the
# tiny models every test uses, a second thread costs more in synchronisation than it computes (hardening
# the tiny model for 30 steps: 6 CPU s with one thread, 23 with two), and far more on a busy machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import copy  # noqa: E402
import multiprocessing  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from train.cli import CONF_DIR  # noqa: E402

TINY_OVERRIDES = ["preset=ci", "model=tiny-random"]
# One forkserver for the session, with keel (and DeepSpeed) imported once: tests that need a process of
# their own (a SIGKILLed run, a DeepSpeed rank) fork it in a second instead of importing for 10-25 s.
FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["train.apps", "train.pipeline", "attacks.report", "deepspeed", "tests.test_deepspeed",
                            "tests.test_resume"])


def warm_forkserver() -> threading.Thread:
    """Start the forkserver (it imports keel) in the background, while the caller does other work."""
    thread = threading.Thread(target=lambda: FORKS.Process(target=int).start(), daemon=True)
    thread.start()
    return thread


def run_forked(*calls: tuple, timeout: float = 420) -> list[int]:
    """Run each `(target, *args)` at once, each in a process forked from the session's forkserver; their
    exit codes (a child still running after `timeout` seconds is killed)."""
    children = [FORKS.Process(target=target, args=args) for target, *args in calls]
    for child in children:
        child.start()
    deadline = time.monotonic() + timeout
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.exitcode is None:
            child.kill()
            child.join()
    return [child.exitcode for child in children]
# A tiny `keel study`: two arms (refusal SFT; + deep alignment), two attacks (lora a validation attack),
# two seeds. Its runs also serve tests/test_head_to_head.py (two finished runs with the same attacks).
STUDY_SMALL = [*TINY_OVERRIDES, "harden.steps=4", "harden.save_steps=0", "budget.steps=4", "budget.eval_every=2",
               "eval.max_prompts=6", "eval.max_new_tokens=6", "utility.max_prompts=6", "budget.seeds=[0,1]",
               "attack=[full_ft,lora]", "effort.validation_attacks=[lora]"]
# Replacing the durability arms: delete the node, then add the new one (a plain `study.arms=` merges).
STUDY_ARGS = ["overrides=[" + ",".join(f"'{o}'" for o in STUDY_SMALL) + "]", "study.baseline=sft", "~study.arms",
              "+study.arms={sft:['defense=[refusal_sft]'],stack:['defense=[refusal_sft,deep_alignment]']}"]


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


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    """One torch thread even where torch was imported before OMP_NUM_THREADS was set (see above)."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a module (the session default; kept for modules that ask for it by name)."""
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


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory):
    """A finished tiny study (STUDY_ARGS): <root>/sft and <root>/stack are ordinary finished runs."""
    from train.cli import main

    root = tmp_path_factory.mktemp("study") / "s"
    assert main(["study", *STUDY_ARGS, f"study.dir={root}"]) == 0
    return root


@pytest.fixture(scope="session")
def resume_reference(tmp_path_factory):
    """An uninterrupted tiny run (tests/test_resume.py:RESUME_ARGS) that killed-and-resumed runs must equal,
    and the names of the files it wrote through the atomic writer (each passes kill_point("write:<name>")
    before its rename). Returns (run dir, written names)."""
    import train.run_dir
    from tests.test_resume import run_in_process

    warm = warm_forkserver()  # the killed runs' forkserver imports keel meanwhile
    reference = tmp_path_factory.mktemp("resume") / "reference"
    written: set[str] = set()
    original = train.run_dir.kill_point
    train.run_dir.kill_point = lambda point: written.add(point.removeprefix("write:"))
    try:
        run_in_process(reference)
    finally:
        train.run_dir.kill_point = original
    warm.join()
    return reference, written


@pytest.fixture
def evaluator(tiny_cfg, tokenizer, data):
    from attacks.evaluator import EvalConfig, Evaluator
    from attacks.judges.keyword import KeywordJudge

    return Evaluator(tokenizer, data.harmful_eval, data.benign_eval, KeywordJudge(),
                     EvalConfig(**OmegaConf.to_container(tiny_cfg.eval)))


@pytest.fixture
def quick_evaluator(tokenizer, data):
    """The keyword judge on 4 held-out prompts, 4 new tokens: attack tests that only need a curve."""
    from attacks.evaluator import EvalConfig, Evaluator
    from attacks.judges.keyword import KeywordJudge

    return Evaluator(tokenizer, data.harmful_eval, data.benign_eval, KeywordJudge(),
                     EvalConfig(max_new_tokens=4, batch_size=8, max_prompts=4, nll_batch_size=8,
                                resolve_steps=False))  # the grid's points only: tests count evaluations


def same_weights(a, b) -> bool:
    """Every parameter of `a` equals `b`'s bit for bit."""
    import torch

    other = dict(b.named_parameters())
    return all(torch.equal(p, other[n]) for n, p in a.named_parameters())


def finished_record(target: str = "base", attack: str = "full_ft", seed: int = 0, **extra) -> dict:
    """A results.jsonl record as an attack run writes it (train/state.py:check_record), for run dirs that
    tests build by hand."""
    return {"attack": attack, "recipe": "full_ft", "split": "train", "target": target, "seed": seed,
            "config": {}, "curve": [{"step": 0, "asr": 0.0}], "flops_per_token": 1.0, "examples": 1,
            "extra": {}, **extra}
