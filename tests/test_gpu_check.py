"""The GPU readiness kit (tests/benchmarks/gpu_check.py) without a GPU, so it does not rot while none is
lent: the wheel list covers what keel imports, the pins satisfy pyproject, the prepare and run command
lines, the size budget, and the runner's bookkeeping. No wheel is downloaded or built here (fake kits)."""

from __future__ import annotations

import ast
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))
import gpu_check  # noqa: E402

from tests.conftest import compose_config  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
IMPORT_NAMES = {"hydra": "hydra_core"}  # import name -> distribution, where they differ


def _fake_kit(kit: Path, extra_bytes: int = 0) -> Path:
    """A kit with one small file per pin (named as pip names wheels) and the model files."""
    (kit / "wheels").mkdir(parents=True)
    for requirement, _, _ in gpu_check.PINS:
        name, version = requirement.split("==")
        (kit / "wheels" / f"{gpu_check.wheel_name(name)}-{version}-py3-none-any.whl").write_bytes(b"w" * 100)
    (kit / gpu_check.MODEL_DIR).mkdir()
    (kit / gpu_check.MODEL_DIR / "config.json").write_bytes(b"c" * (10 + extra_bytes))
    return kit


def _third_party_imports() -> set[str]:
    names = set()
    for folder in ("train", "attacks", "defenses"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"train", "attacks", "defenses", "__future__"}


def test_every_module_keel_imports_is_on_the_device_or_carried():
    carried = {gpu_check.wheel_name(r) for r, _, _ in gpu_check.PINS}
    for module in sorted(_third_party_imports()):
        if module in gpu_check.DEVICE_HAS or module in gpu_check.NOT_CARRIED:
            continue
        assert IMPORT_NAMES.get(module, module) in carried, f"{module}: neither on the GPU machine nor carried"


def test_pins_satisfy_pyproject_and_name_one_version_each():
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    project = [Requirement(r) for r in requires("keel") if "extra ==" not in r]  # pyproject's dependencies
    wanted = {r.name.lower().replace("-", "_"): r for r in project}
    names = [gpu_check.wheel_name(r) for r, _, _ in gpu_check.PINS]
    assert len(names) == len(set(names))
    for requirement, how, why in gpu_check.PINS:
        name, version = requirement.split("==")
        assert how in ("wheel", "build") and why
        if gpu_check.wheel_name(name) in wanted:
            assert wanted[gpu_check.wheel_name(name)].specifier.contains(version), requirement


def test_prepare_plans_cp312_wheels_and_builds_deepspeed_without_ops(tmp_path):
    commands = {r: (cmd, env) for r, cmd, env in gpu_check.prepare_commands(tmp_path / "kit", python="py")}
    assert set(commands) == {r for r, _, _ in gpu_check.PINS}
    cmd, env = commands["deepspeed==0.19.8"]
    assert env == {"DS_BUILD_OPS": "0"}  # no CUDA op is compiled here; they JIT-compile on the GPU
    assert cmd[:4] == ["py", "-m", "pip", "wheel"] and "--no-build-isolation" in cmd
    cmd, env = commands["pydantic-core==2.50.5"]
    assert cmd[:4] == ["py", "-m", "pip", "download"] and env == {}
    flags = " ".join(cmd)
    assert "--only-binary=:all: --python-version 3.12 --implementation cp --abi cp312" in flags
    assert "--platform manylinux_2_17_x86_64" in flags and cmd[-1] == "pydantic-core==2.50.5"
    # a wheel already in the kit (a cached folder) is not fetched again
    _fake_kit(tmp_path / "cached")
    assert gpu_check.prepare_commands(tmp_path / "cached") == []


def test_prepare_dry_run_prints_the_plan_and_fetches_nothing(tmp_path):
    proc = subprocess.run(["bash", "tests/benchmarks/gpu_check.sh", "prepare", "--dry-run"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    planned = [line for line in lines if " -m pip " in line]
    assert len(planned) == len(gpu_check.prepare_commands(gpu_check.KIT))
    assert all(shlex.split(line)[-1] in {r for r, _, _ in gpu_check.PINS} for line in planned)
    assert "MiB" in lines[-1]


def test_manifest_counts_every_file_and_enforces_the_carry_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(gpu_check, "tree_bytes", lambda: 1000)
    kit = _fake_kit(tmp_path / "kit")
    manifest = gpu_check.write_manifest(kit, {"prepare_seconds": {}})
    assert manifest["kit_bytes"] == 100 * len(gpu_check.PINS) + 10
    assert manifest["total_bytes"] == manifest["kit_bytes"] + 1000 <= gpu_check.CARRY_LIMIT
    assert json.loads((kit / "manifest.json").read_text())["files"][f"{gpu_check.MODEL_DIR}/config.json"]["bytes"] == 10

    big = _fake_kit(tmp_path / "big", extra_bytes=gpu_check.CARRY_LIMIT)
    with pytest.raises(SystemExit, match=r"MiB to send .* over the 64 MiB limit"):
        gpu_check.write_manifest(big, {})
    (kit / "wheels" / "trl-1.16.0-py3-none-any.whl").unlink()
    (kit / "wheels" / "dill-0.3.9-py3-none-any.whl").write_bytes(b"w")
    with pytest.raises(SystemExit, match=r"wheels missing for \['trl'\] or doubled for \['dill'\]"):
        gpu_check.write_manifest(kit, {})


def test_tree_bytes_counts_what_the_device_tool_sends():
    # The other half is the kit's: ~16 MiB when prepared (2026-11-30), with room to grow. The tree holds the
    # published study outputs (docs/results/, ~9 MiB with durability v3), so it grows with each study.
    assert 1 * 2**20 < gpu_check.tree_bytes() < gpu_check.CARRY_LIMIT // 2


def test_run_plan_installs_the_kit_offline_and_its_commands_compose(tmp_path):
    kit = _fake_kit(tmp_path / "kit")
    plan = gpu_check.run_plan(kit, tmp_path / "work", python="python3")
    names = [s.name for s in plan]
    assert names[:3] == ["environment", "install", "imports"] and "pytest_gpu" in names
    install = plan[1].cmd
    assert {"--no-index", "--no-deps", "--target"} <= set(install)
    assert sorted(a for a in install if a.endswith(".whl")) == sorted(str(p) for p in (kit / "wheels").glob("*.whl"))
    steps = {s.name: s for s in plan}
    assert steps["pytest_gpu"].cmd[3:5] == ["-m", "gpu"] and (ROOT / steps["pytest_gpu"].cmd[-1]).is_file()
    assert steps["deepspeed_ops"].background and steps["deepspeed_ops"].cmd[2] == "compile-ops"
    for name in ("throughput_1b", "evaluator_vs_generate_loop"):
        assert Path(steps[name].cmd[1]).is_file() and "--json" in steps[name].cmd
    for name in ("harden_e2e_zero2_bf16", "harden_e2e_autocast_bf16"):  # the overrides compose
        cmd = steps[name].cmd
        assert cmd[1:4] == ["-m", "train.cli", "harden"]
        cfg = compose_config("harden", cmd[4:])
        assert cfg.model.path.endswith("smollm2-135m-random")
    assert compose_config("harden", steps["harden_e2e_zero2_bf16"].cmd[4:]).deepspeed.zero_optimization.stage == 2
    env = gpu_check.run_env(tmp_path / "work")
    assert env["HF_HUB_OFFLINE"] == "1" and env["PYTHONPATH"].startswith(str(tmp_path / "work" / "site"))
    assert gpu_check.RUN_LIMIT_S <= 8 * 60


def test_run_dry_run_prints_every_step():
    proc = subprocess.run(["bash", "tests/benchmarks/gpu_check.sh", "run", "--dry-run"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for step in gpu_check.run_plan(gpu_check.KIT, Path("/tmp/keel-gpu")):
        assert f"[{step.name}] limit {step.limit_s}s" in proc.stdout


def test_run_records_each_step_and_goes_on_after_failures(tmp_path, monkeypatch):
    """The runner (on CPU, with stand-in steps): figures merged, failures and timeouts recorded, the
    background step waited for, one JSON and one log; with no time left every step is skipped."""
    figures = tmp_path / "f.json"
    py = sys.executable
    plan = [gpu_check.Step("ok", [py, "-c", f"open({str(figures)!r}, 'w').write('{{\"tokens_per_s\": 5}}')"], 30,
                           figures=str(figures)),
            gpu_check.Step("bg", [py, "-c", "print('compiled')"], 30, background=True),
            gpu_check.Step("fails", [py, "-c", "raise SystemExit(3)"], 30),
            gpu_check.Step("hangs", [py, "-c", "import time; time.sleep(30)"], 1)]
    monkeypatch.setattr(gpu_check, "run_plan", lambda kit, work, python=py: plan)
    monkeypatch.setenv("KEEL_GPU_WORK", str(tmp_path / "work"))
    assert gpu_check.run(tmp_path / "out", dry_run=False) == 0
    result = json.loads((tmp_path / "out" / "gpu_check.json").read_text())
    steps = result["steps"]
    assert steps["ok"]["rc"] == 0 and steps["ok"]["tokens_per_s"] == 5
    assert steps["fails"]["rc"] == 3 and steps["hangs"]["rc"] == "timeout" and steps["bg"]["rc"] == 0
    assert "random" in result["weights"]
    log = (tmp_path / "out" / "gpu_check.log").read_text()
    assert "==== fails" in log and "compiled" in log

    monkeypatch.setattr(gpu_check, "RUN_LIMIT_S", 0)
    assert gpu_check.run(tmp_path / "late", dry_run=False) == 0
    late = json.loads((tmp_path / "late" / "gpu_check.json").read_text())["steps"]
    assert {s["rc"] for s in late.values()} == {"skipped: no time left"} and len(late) == 4


def test_random_model_has_the_architecture_of_the_model_files(tmp_path):
    from transformers import AutoConfig

    from train.tiny import build_tiny_model, build_tiny_tokenizer

    files = tmp_path / "files"
    tokenizer = build_tiny_tokenizer()
    build_tiny_model(tokenizer, num_hidden_layers=3).config.save_pretrained(files)
    tokenizer.save_pretrained(files)
    gpu_check.random_model(files, tmp_path / "model")
    config = AutoConfig.from_pretrained(tmp_path / "model")
    assert config.num_hidden_layers == 3 and (tmp_path / "model" / "model.safetensors").is_file()
    assert (tmp_path / "model" / "tokenizer.json").is_file()


def test_compile_ops_records_each_op_even_when_one_fails(tmp_path, monkeypatch):
    import deepspeed.accelerator

    class Builder:
        def __init__(self, name):
            self.name = name

        def load(self, verbose=False):
            if self.name == "CPUAdamBuilder":
                raise RuntimeError("nvcc not found\nmore detail")

    class Accelerator:
        _name = "cuda"

        def create_op_builder(self, name):
            return Builder(name)

    monkeypatch.setattr(deepspeed.accelerator, "get_accelerator", lambda: Accelerator())
    gpu_check.compile_ops(tmp_path / "ops.json")
    out = json.loads((tmp_path / "ops.json").read_text())
    assert isinstance(out["compile_seconds"]["FusedAdamBuilder"], float) and out["accelerator"] == "cuda"
    assert out["compile_seconds"]["CPUAdamBuilder"].endswith("nvcc not found")
