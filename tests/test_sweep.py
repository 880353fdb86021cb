"""Sweeps: the W&B sweep file composes at every grid point, and a local sweep of 2 defense stacks x 2
seeds (Hydra --multirun, W&B offline) runs end to end and `keel compare` tables and plots it (~1.5 min).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import compose_config
from tests.test_console import TRAINER_DICT, noise_in
from train.cli import CONF_DIR, main

SWEEP = Path(CONF_DIR) / "sweep" / "defenses.yaml"
ROOT = Path(CONF_DIR).parent
SMALL = ["preset=ci", "model=tiny-random", "harden.steps=2", "harden.save_steps=0", "budget.steps=2",
         "budget.eval_every=1", "eval.max_prompts=2", "eval.max_new_tokens=4", "utility.enabled=false"]


def test_wandb_sweep_file_composes_at_every_grid_point(monkeypatch):
    from wandb.sdk.launch.sweeps.utils import create_sweep_command_args

    sweep = yaml.safe_load(SWEEP.read_text())
    assert sweep["method"] == "grid" and sweep["metric"]["name"] == "attacker_cost_ratio"
    assert sweep["command"][:2] == ["keel", "harden"] and sweep["command"][-1] == "${args_no_hyphens}"
    monkeypatch.setenv("WANDB_RUN_ID", "abc123")
    names, grids = zip(*((k, v["values"]) for k, v in sweep["parameters"].items()))
    for point in itertools.product(*grids):
        # Exactly what `wandb agent` substitutes for ${args_no_hyphens}.
        args = create_sweep_command_args({"args": {k: {"value": v} for k, v in zip(names, point)}})
        overrides = [*sweep["command"][2:-1], *args["args_no_hyphens"]]
        cfg = compose_config("harden", overrides)
        assert cfg.run.dir == "runs/sweep/abc123" and cfg.wandb.mode == "online"
        assert "[" + ",".join(cfg.defense) + "]" == point[0] and cfg.harden.seed == point[1]


def test_local_sweep_then_compare(tmp_path):
    env = {**os.environ, "WANDB_MODE": "offline", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "train.cli", "harden", "--multirun", *SMALL, "defense=[refusal_sft],[]",
           "harden.seed=0,1", f"run.dir={tmp_path}/runs/" + "${hydra:job.num}",
           f"hydra.sweep.dir={tmp_path}/multirun", "wandb.mode=offline"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    # A real process's terminal: no trainer dicts, no known-noise warnings (train/console.py).
    assert not TRAINER_DICT.search(proc.stdout + proc.stderr) and not noise_in(proc.stdout + proc.stderr)
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 4
    for run in runs:
        assert json.loads((run / "status.json").read_text())["status"] == "done"
        logged = b"".join(p.read_bytes() for p in run.glob("wandb/offline-run-*/*.wandb"))
        assert b"scorecard" in logged and b"attacker_cost_ratio" in logged  # each run logged its scorecard

    assert main(["compare", str(tmp_path / "runs"), f"out={tmp_path}/cmp"]) == 0
    table = (tmp_path / "cmp" / "compare.md").read_text()
    rows = json.loads((tmp_path / "cmp" / "compare.json").read_text())["rows"]
    assert {r["defense"] for r in rows} == {"refusal_sft", "none"}
    assert all(r["runs"] == 2 and sorted(r["seeds"]) == [0, 1] for r in rows)
    assert "| tiny-random | refusal_sft | 2 | 0, 1 |" in table and "| tiny-random | none | 2 | 0, 1 |" in table
    assert (tmp_path / "cmp" / "compare.png").stat().st_size > 1000
    assert (tmp_path / "cmp" / "compare.csv").read_text().startswith("model,defense,runs,seeds,attacker_cost")
    print(table)


def test_slurm_launcher_configs_extend_submitit():
    """conf/hydra/launcher/*.yaml extend the plugin's submitit_slurm (pip install hydra-submitit-launcher);
    without the plugin they stay out of the way (only `hydra/launcher=...` with --multirun reads them)."""
    configs = sorted((Path(CONF_DIR) / "hydra" / "launcher").glob("*.yaml"))
    assert {p.stem for p in configs} >= {"slurm_1node", "slurm_2nodes"}
    for path in configs:
        assert yaml.safe_load(path.read_text())["defaults"][0] in ("submitit_slurm", "slurm_1node"), path.name


def test_slurm_launcher_configs_compose_with_the_plugin():
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    from hydra import compose, initialize_config_dir

    for path in sorted((Path(CONF_DIR) / "hydra" / "launcher").glob("*.yaml")):
        with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
            cfg = compose("harden", [f"hydra/launcher={path.stem}"], return_hydra_config=True)
        assert cfg.hydra.launcher._target_.endswith("SlurmLauncher") and cfg.hydra.launcher.tasks_per_node == 8
