"""Hydra applications behind `keel <command>`; each reads conf/<command>.yaml.

Errors a user can fix (KeelError) end the process with one line on stderr and exit status 2.
"""

from __future__ import annotations

import functools
import logging
import sys

import hydra
from omegaconf import DictConfig

from train import KeelError
from train.cli import CONF_DIR

log = logging.getLogger("keel")


def user_errors_exit(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KeelError as err:
            print(f"keel: error: {err}", file=sys.stderr)
            sys.exit(2)
    return wrapper


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="harden")
@user_errors_exit
def harden(cfg: DictConfig) -> None:
    from train.pipeline import run_pipeline

    report = run_pipeline(cfg)
    for row in report["comparison"]:
        if "steps_ratio" in row:
            log.info("%s: attacker steps x%.2f (hardened vs base)", row["attack"], row["steps_ratio"])
    print(f"keel: report written to {cfg.run.dir}/report.md")
