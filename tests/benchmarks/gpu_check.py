"""GPU readiness kit: one prepared device check that proves keel's GPU paths in <= 8 minutes (issue 18).

    bash tests/benchmarks/gpu_check.sh prepare     # here, with PyPI: wheels + model files into .gpu_kit/
    bash tests/benchmarks/gpu_check.sh run         # on the GPU machine, no network: install, then every check
    bash tests/benchmarks/gpu_check.sh prepare --dry-run | run --dry-run    # print the plan, run nothing

The GPU machine (one H200, Python 3.12) has torch, transformers, accelerate, peft, numpy, pandas, pyarrow
and the other packages of DEVICE_HAS; everything else keel imports travels as the wheels of PINS, built or
downloaded here for CPython 3.12 x86-64 and installed there with `pip --no-index --no-deps`. DeepSpeed ships
only an sdist: `prepare` builds a pure-Python wheel with DS_BUILD_OPS=0, so its CUDA ops JIT-compile on the
GPU (`run` times that compile). The embedded model's GGUF (98 MB) exceeds the 64 MiB the machine can be
sent, so `prepare` carries SmolLM2-135M-Instruct's config and tokenizer (real vocabulary, chat template,
architecture) and `run` builds a model of exactly that shape with RANDOM weights: wall times and
throughputs are the real model's, ASR and utility figures are meaningless, and the JSON says so.

`run` writes every figure to $OUT/gpu_check.json (rewritten after each step, so a killed run keeps what it
measured) and every command's output to $OUT/gpu_check.log; without $OUT, to runs/gpu_check/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KIT = REPO / ".gpu_kit"
CARRY_LIMIT = 64 * 2**20  # bytes: the working tree and every carried path, together
RUN_LIMIT_S = 480  # the whole `run`, installs and compiles included
MIN_STEP_S = 20  # a step is skipped when less than this is left
PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
             "manylinux1_x86_64"]
# Importable there already (KINDS.md of the device tool): not carried, their versions there are used.
DEVICE_HAS = {"torch", "transformers", "accelerate", "peft", "safetensors", "tokenizers", "huggingface_hub",
              "numpy", "pandas", "pyarrow", "xxhash", "matplotlib", "tqdm", "yaml", "requests", "httpx", "jinja2",
              "packaging", "psutil", "ninja", "cpuinfo", "msgpack", "einops", "filelock", "pytest", "pynvml"}
# (requirement, how: "wheel" = download the cp312 manylinux or pure wheel | "build" = build from the sdist
# here, why). Versions are those keel's CPU suite runs with, unless the note says otherwise.
PINS = [
    ("trl==1.16.0", "wheel", "hardening and attacks train through TRL's SFTTrainer"),
    ("datasets==5.0.1", "wheel", "5.0.1, not 5.2: needs pyarrow>=21 (5.2: >=24) and huggingface_hub<2 (1.33 there)"),
    ("dill==0.4.1", "wheel", "datasets"),
    ("multiprocess==0.70.19", "wheel", "datasets"),
    ("fsspec==2026.6.0", "wheel", "datasets 5.0.1 accepts fsspec<=2026.6.0"),
    ("hydra-core==1.3.8", "wheel", "configs and the keel command"),
    ("omegaconf==2.3.1", "wheel", "hydra"),
    ("antlr4-python3-runtime==4.9.3", "build", "omegaconf's parser; PyPI has an sdist only"),
    ("deepspeed==0.19.8", "build", "ZeRO; PyPI has an sdist only: built with DS_BUILD_OPS=0, ops JIT there"),
    ("hjson==3.1.0", "wheel", "deepspeed"),
    ("pydantic==2.14.4", "wheel", "deepspeed's config"),
    ("pydantic-core==2.50.5", "wheel", "pydantic"),
    ("annotated-types==0.8.0", "wheel", "pydantic"),
    ("typing-inspection==0.4.5", "wheel", "pydantic"),
    ("typing-extensions==4.16.0", "wheel", "pydantic needs >=4.16"),
    ("optuna==5.0.0", "wheel", "the adaptive attacker (search.enabled=true)"),
    ("alembic==1.20.1", "wheel", "optuna"),
    ("sqlalchemy==2.1.9", "wheel", "optuna"),
    ("mako==1.4.3", "wheel", "alembic"),
    ("colorlog==6.12.0", "wheel", "optuna"),
    ("gguf==0.19.0", "wheel", "GGUF checkpoints (model.source=gguf)"),
]
# Imported by keel only where used (lazily), and not carried.
NOT_CARRIED = {"wandb": "wandb.mode=disabled in the check; ~20 MB with its deps",
               "lm_eval": "utility.lm_eval_tasks is off in the check; ~250 MB with scipy/scikit-learn",
               "schedulefree": "an optional optimizer (attack.optimizer=schedule_free_adamw), not a keel dependency"}
MODEL_DIR = "smollm2-135m-arch"  # inside the kit: config + tokenizer of the embedded model, no weights


def wheel_name(requirement: str) -> str:
    """The normalised distribution name a wheel file starts with: 'hydra-core==1.3.8' -> 'hydra_core'."""
    return requirement.split("==")[0].replace("-", "_").lower()


# -- prepare (here) -----------------------------------------------------------------------------------

def prepare_commands(kit: Path, python: str = sys.executable) -> list[tuple[str, list[str], dict]]:
    """(requirement, pip command, extra environment) for every pin without a wheel in the kit yet."""
    have = {p.name.split("-")[0].lower() + "==" + p.name.split("-")[1] for p in (kit / "wheels").glob("*.whl")}
    out = []
    for requirement, how, _ in PINS:
        if f"{wheel_name(requirement)}=={requirement.split('==')[1]}" in have:
            continue
        if how == "build":  # no build isolation: the build uses this venv's torch and setuptools
            cmd = [python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-binary", ":all:", "--no-cache-dir",
                   "-w", str(kit / "wheels"), requirement]
            env = {"DS_BUILD_OPS": "0"} if requirement.startswith("deepspeed") else {}
        else:
            cmd = [python, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--python-version",
                   "3.12", "--implementation", "cp", "--abi", "cp312", "--abi", "abi3", "--abi", "none",
                   *[a for p in PLATFORMS for a in ("--platform", p)],
                   "-d", str(kit / "wheels"), requirement]
            env = {}
        out.append((requirement, cmd, env))
    return out


def tree_bytes() -> int:
    """What the device tool sends besides carried paths: tracked and untracked-not-ignored files."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, check=True).stdout.split(b"\0")
    return sum((REPO / f.decode()).stat().st_size for f in files if f and (REPO / f.decode()).is_file())


def write_manifest(kit: Path, extra: dict) -> dict:
    """The kit's manifest: every file with size and sha256, the totals against CARRY_LIMIT; raises when over."""
    files = {str(p.relative_to(kit)): {"bytes": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
             for p in sorted(kit.rglob("*")) if p.is_file() and p.name != "manifest.json"}
    wheels = sorted(f for f in files if f.startswith("wheels/"))
    names = [wheel_name(Path(w).name.split("-")[0]) for w in wheels]
    missing = sorted({wheel_name(r) for r, _, _ in PINS} - set(names))
    doubled = sorted({n for n in names if names.count(n) > 1})
    kit_bytes, tree = sum(f["bytes"] for f in files.values()), tree_bytes()
    manifest = {"pins": [{"requirement": r, "how": h, "why": w} for r, h, w in PINS], "not_carried": NOT_CARRIED,
                "files": files, "kit_bytes": kit_bytes, "tree_bytes": tree, "total_bytes": kit_bytes + tree,
                "limit_bytes": CARRY_LIMIT, **extra}
    (kit / "manifest.json").write_text(json.dumps(manifest, indent=1))
    if missing or doubled:
        raise SystemExit(f"gpu_check prepare: wheels missing for {missing} or doubled for {doubled} in {kit / 'wheels'}")
    if manifest["total_bytes"] > CARRY_LIMIT:
        raise SystemExit(f"gpu_check prepare: {manifest['total_bytes'] / 2**20:.1f} MiB to send (tree "
                         f"{tree / 2**20:.1f} + kit {kit_bytes / 2**20:.1f}), over the {CARRY_LIMIT / 2**20:.0f} MiB limit")
    return manifest


def save_model_files(dest: Path) -> None:
    """SmolLM2-135M-Instruct's config, generation config and tokenizer, read from the embedded GGUF (no weights)."""
    from omegaconf import OmegaConf
    from transformers import AutoConfig, AutoTokenizer

    from train.models import resolve_pkg_path

    gguf = resolve_pkg_path(str(OmegaConf.load(REPO / "conf" / "model" / "smollm2-135m.yaml").path))
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(dest)
    AutoConfig.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(dest)


def prepare(kit: Path, dry_run: bool) -> int:
    commands = prepare_commands(kit)
    for _, cmd, env in commands:
        print(" ".join([*(f"{k}={v}" for k, v in env.items()), *map(shlex.quote, cmd)]))
    if dry_run:
        print(f"# then: model files -> {kit / MODEL_DIR}; manifest -> {kit / 'manifest.json'} (limit "
              f"{CARRY_LIMIT / 2**20:.0f} MiB with the tree)")
        return 0
    (kit / "wheels").mkdir(parents=True, exist_ok=True)
    build_seconds = {}
    for requirement, cmd, env in commands:
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env={**os.environ, **env})
        build_seconds[requirement] = round(time.perf_counter() - t0, 1)
    if not (kit / MODEL_DIR / "config.json").exists():
        save_model_files(kit / MODEL_DIR)
    manifest = write_manifest(kit, {"prepare_seconds": build_seconds})
    print(f"gpu_check prepare: {len(manifest['files'])} files, kit {manifest['kit_bytes'] / 2**20:.1f} MiB + tree "
          f"{manifest['tree_bytes'] / 2**20:.1f} MiB = {manifest['total_bytes'] / 2**20:.1f} of "
          f"{CARRY_LIMIT / 2**20:.0f} MiB\n  device call: command='bash tests/benchmarks/gpu_check.sh run', "
          f"carry=['.gpu_kit'], timeout_s=540")
    return 0


# -- run (there) --------------------------------------------------------------------------------------

@dataclass
class Step:
    name: str
    cmd: list[str]
    limit_s: int  # at most this long, and never past the run's deadline
    background: bool = False  # started now, waited for at the end (the DeepSpeed op compile)
    figures: str | None = None  # a JSON file the step writes, merged into gpu_check.json
    env: dict = field(default_factory=dict)


def run_plan(kit: Path, work: Path, python: str = sys.executable) -> list[Step]:
    """Every step of the device check, in order; `work` is a scratch folder on the device."""
    me = str(Path(__file__).resolve())
    model = str(work / "smollm2-135m-random")
    bench = REPO / "tests" / "benchmarks"
    harden = [python, "-m", "train.cli", "harden", "model=hf", f"model.path={model}", "model.attn_implementation=sdpa"]
    return [
        Step("environment", [python, me, "environment", str(work / "env.json")], 60, figures=str(work / "env.json")),
        Step("install", [python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
                         "--no-cache-dir", "--upgrade", "--target", str(work / "site"),
                         *sorted(str(p) for p in (kit / "wheels").glob("*.whl"))], 90),
        Step("imports", [python, "-c", "import deepspeed, trl, datasets, hydra, optuna, train.pipeline, "
                                       "attacks.runner, defenses.tar; print(deepspeed.__version__)"], 60),
        Step("deepspeed_ops", [python, me, "compile-ops", str(work / "ops.json")], 300, background=True,
             figures=str(work / "ops.json")),
        Step("pytest_gpu", [python, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider",
                            f"--junitxml={work / 'pytest.xml'}", "tests/test_gpu.py"], 200,
             figures=str(work / "pytest.xml")),
        Step("throughput_1b", [python, str(bench / "bench_gpu_throughput.py"), "--size", "1b", "--batch-size", "8",
                               "--seq-len", "1024", "--json", str(work / "throughput.json")], 150,
             figures=str(work / "throughput.json")),
        Step("random_model", [python, me, "random-model", str(kit / MODEL_DIR), model], 60),
        Step("harden_e2e_zero2_bf16", [*harden, "deepspeed=zero2", f"run.dir={work / 'runs' / 'zero2'}"], 180,
             figures=str(work / "runs" / "zero2" / "report.json")),
        Step("evaluator_vs_generate_loop", [python, str(bench / "bench_generation.py"), "--model-path", model,
                                            "--device", "cuda", "--dtype", "bfloat16", "--prompts", "64",
                                            "--batch-size", "32", "--json", str(work / "generation.json")], 90,
             figures=str(work / "generation.json")),
        Step("harden_e2e_autocast_bf16", [*harden, "+harden.trainer.bf16=true", "+attack.full_ft.trainer.bf16=true",
                                          f"run.dir={work / 'runs' / 'autocast'}"], 150,
             figures=str(work / "runs" / "autocast" / "report.json")),
    ]


def run_env(work: Path) -> dict:
    return {"PYTHONPATH": f"{work / 'site'}{os.pathsep}{REPO}", "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled",
            "HF_HUB_DISABLE_TELEMETRY": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1",
            "KEEL_CACHE": str(work / "cache"), "TORCH_EXTENSIONS_DIR": str(work / "cache" / "torch_extensions"),
            "DS_ACCELERATOR": "cuda"}  # tests/conftest.py would otherwise default DeepSpeed to the CPU


def _figures(path: str | None) -> dict:
    if not path or not Path(path).is_file():
        return {}
    if path.endswith(".xml"):  # pytest's junit report: counts and the names of failed tests
        import xml.etree.ElementTree as ET

        root = ET.parse(path).getroot()
        suite = root if root.tag == "testsuite" else root[0]
        failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None or
                  c.find("error") is not None]
        return {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")} | {"failed": failed}
    data = json.loads(Path(path).read_text())
    if "curves" in data:  # a keel report: what the check needs of it
        return {"report_keys": sorted(data), "distributed": data.get("distributed"),
                "hardening": {k: v for k, v in (data.get("hardening") or {}).items() if isinstance(v, (int, float))}}
    return data


def run(out: Path, dry_run: bool) -> int:
    work = Path(os.environ.get("KEEL_GPU_WORK", "/tmp/keel-gpu"))
    plan, env = run_plan(KIT, work), {**os.environ, **run_env(work)}
    if dry_run:
        for step in plan:
            print(f"[{step.name}] limit {step.limit_s}s{' (background)' if step.background else ''}: "
                  + " ".join(map(shlex.quote, step.cmd)))
        return 0
    out.mkdir(parents=True, exist_ok=True)
    (work / "site").mkdir(parents=True, exist_ok=True)
    log, start = (out / "gpu_check.log").open("a"), time.monotonic()
    result = {"weights": "random, SmolLM2-135M-Instruct's architecture and tokenizer: times are real, ASR is not",
              "limit_s": RUN_LIMIT_S, "steps": {}}
    background: list[tuple[Step, subprocess.Popen, float]] = []

    def record(step: Step, rc, seconds: float) -> None:
        result["steps"][step.name] = {"rc": rc, "seconds": round(seconds, 1), **_figures(step.figures)}
        result["elapsed_s"] = round(time.monotonic() - start, 1)
        (out / "gpu_check.json").write_text(json.dumps(result, indent=1))

    for step in plan:
        left = RUN_LIMIT_S - (time.monotonic() - start)
        log.write(f"\n==== {step.name} (limit {min(step.limit_s, int(left))}s): {shlex.join(step.cmd)}\n")
        log.flush()
        if left < MIN_STEP_S:
            record(step, "skipped: no time left", 0.0)
            continue
        t0 = time.monotonic()
        if step.background:  # its own log, appended to the main one when it ends (no interleaving)
            own = (work / f"{step.name}.log").open("w")
            background.append((step, subprocess.Popen(step.cmd, cwd=REPO, env=env, stdout=own, stderr=own), t0))
            continue
        try:
            rc = subprocess.run(step.cmd, cwd=REPO, env=env, stdout=log, stderr=log,
                                timeout=min(step.limit_s, left)).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        record(step, rc, time.monotonic() - t0)
    for step, proc, t0 in background:
        try:
            rc = proc.wait(timeout=max(1.0, RUN_LIMIT_S - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = "timeout"
        log.write(f"\n==== {step.name} (background) output\n{(work / f'{step.name}.log').read_text()}")
        record(step, rc, time.monotonic() - t0)
    log.close()
    print(json.dumps(result, indent=1))
    return 0


def random_model(model_files: Path, dest: Path) -> None:
    """A model with the embedded model's exact architecture and tokenizer and seeded random weights."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model_files))
    model.save_pretrained(dest)
    AutoTokenizer.from_pretrained(model_files).save_pretrained(dest)
    print(f"random model: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters -> {dest}")


def environment(dest: Path) -> None:
    """The versions the check ran with (the machine's own packages and the carried ones) and the GPU."""
    import importlib
    import platform

    import torch

    names = ["torch", "transformers", "huggingface_hub", "accelerate", "peft", "pyarrow", "pandas", "numpy",
             "deepspeed", "trl", "datasets"]
    out = {"python": platform.python_version(), "cuda": torch.version.cuda,
           "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None}
    for name in names:
        try:
            out[name] = importlib.import_module(name).__version__
        except Exception as err:  # a missing or broken package is itself a finding
            out[name] = f"unavailable: {str(err).splitlines()[0][:160]}"
    dest.write_text(json.dumps({"versions": out}))


def compile_ops(dest: Path) -> None:
    """JIT-compile DeepSpeed's FusedAdam (GPU) and CPUAdam (ZeRO offload) ops, timing each."""
    from deepspeed.accelerator import get_accelerator

    out = {}
    for name in ("FusedAdamBuilder", "CPUAdamBuilder"):
        t0 = time.perf_counter()
        try:
            get_accelerator().create_op_builder(name).load(verbose=False)
            out[name] = round(time.perf_counter() - t0, 1)
        except Exception as err:  # recorded, so the other op and the other steps still count
            out[name] = f"failed after {time.perf_counter() - t0:.0f}s: {str(err).splitlines()[0][:200]}"
    dest.write_text(json.dumps({"compile_seconds": out, "accelerator": get_accelerator()._name}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["prepare", "run", "random-model", "environment", "compile-ops"])
    ap.add_argument("paths", nargs="*", help="random-model: MODEL_FILES DEST; environment, compile-ops: OUT_JSON")
    ap.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    args = ap.parse_args()
    if args.mode == "prepare":
        return prepare(KIT, args.dry_run)
    if args.mode == "random-model":
        random_model(Path(args.paths[0]), Path(args.paths[1]))
        return 0
    if args.mode in ("environment", "compile-ops"):
        (environment if args.mode == "environment" else compile_ops)(Path(args.paths[0]))
        return 0
    return run(Path(os.environ.get("OUT") or REPO / "runs" / "gpu_check"), args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
