"""`keel <command> [hydra overrides]`.

    keel harden                       the full pipeline on the embedded demo (conf/harden.yaml)
    keel harden preset=ci model=tiny-random run.name=smoke
    keel harden --cfg job             print the resolved config and exit (any Hydra flag works)

Commands are registered in COMMANDS as "module:function"; each Hydra app reads conf/<command>.yaml.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from pathlib import Path

CONF_DIR = str(Path(__file__).resolve().parent.parent / "conf")

COMMANDS = {
    "harden": ("train.apps:harden", "harden a model, attack base and hardened, write the report"),
}


def _quiet_environment() -> None:
    # No telemetry, no surprise downloads of anything but what the user names; W&B off unless asked.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("DS_ACCELERATOR", os.environ.get("DS_ACCELERATOR", "") or _ds_accelerator())
    logging.getLogger("transformers").setLevel(logging.ERROR)


def _ds_accelerator() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def usage() -> str:
    width = max(map(len, COMMANDS))
    rows = "\n".join(f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items())
    return f"usage: keel <command> [overrides...]\n\ncommands:\n{rows}\n\nSee README.md and `keel <command> --help`."


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"keel: unknown command '{command}'\n\n{usage()}", file=sys.stderr)
        return 2
    _quiet_environment()
    module, _, func = COMMANDS[command][0].partition(":")
    entry = getattr(importlib.import_module(module), func)
    sys.argv = [f"keel {command}", *rest]
    return entry() or 0


if __name__ == "__main__":
    sys.exit(main())
