"""`keel [-v] <command> [hydra overrides]`.

    keel harden                       the full pipeline on the embedded demo (conf/harden.yaml)
    keel harden preset=ci model=tiny-random run.name=smoke
    keel harden --help                what it does, its main options with their defaults (train/help.py)
    keel harden --cfg job             print the resolved config and exit (any Hydra flag works)
    keel -v harden ...                trainer logs, dependency bars and warnings too (train/console.py)

Commands are registered in COMMANDS as "module:function"; each Hydra app reads conf/<command>.yaml.
"""

from __future__ import annotations

import errno
import importlib
import os
import re
import sys
from pathlib import Path

from train.console import configure, end_bars

CONF_DIR = str(Path(__file__).resolve().parent.parent / "conf")

COMMANDS = {
    "harden": ("train.apps:harden", "harden a model, attack base and hardened, write the report"),
    "evaluate": ("train.apps:evaluate", "the scorecard on any checkpoint: keel evaluate PATH [baseline=PATH]"),
    "judge": ("train.apps:judge", "label (prompt, completion) pairs: keel judge FILE.jsonl|FILE.csv"),
    "rejudge": ("train.apps:rejudge", "score a finished run again with another judge: keel rejudge RUN_DIR judge=..."),
    "release": ("train.release:release_main", "write the model card + sha256 manifest: keel release RUN_DIR"),
    "verify": ("train.release:verify_main", "check a checkpoint against its manifest: keel verify DIR"),
    "doctor": ("train.doctor:doctor_main", "what is broken in a run dir, what a resume would redo: keel doctor RUN_DIR"),
    "study": ("train.apps:study", "arms (defense stacks) under one attack grid, side by side: keel study"),
    "compare": ("train.apps:compare", "a sweep's runs in one table + plot: keel compare RUN_DIR... [out=DIR]"),
}
HELP_FLAGS = ("-h", "--help")
# `keel -v <command> ...` (or -v anywhere after it): trainer logs, dependency bars and warnings (train/console.py).
VERBOSE_FLAGS = ("-v", "--verbose")
# Commands whose first bare argument (no `=`, no leading `-`) is shorthand for an override.
POSITIONAL = {"evaluate": "model.path", "judge": "input", "rejudge": "run_dir"}
# Commands whose leading bare arguments, all of them, are shorthand for one list override.
POSITIONAL_LIST = {"compare": "runs"}


def _positional(command: str, rest: list[str]) -> list[str]:
    """`keel evaluate /models/x a=b` -> ["model.path='/models/x'", "a=b"] (the path quoted for Hydra)."""
    if command in POSITIONAL_LIST:
        n = next((i for i, a in enumerate(rest) if "=" in a or a.startswith("-")), len(rest))
        if n:
            quoted = ",".join("'" + a.replace("\\", "\\\\").replace("'", "\\'") + "'" for a in rest[:n])
            return [f"{POSITIONAL_LIST[command]}=[{quoted}]", *rest[n:]]
        return rest
    key = POSITIONAL.get(command)
    if key and rest and "=" not in rest[0] and not rest[0].startswith("-"):
        value = rest[0].replace("\\", "\\\\").replace("'", "\\'")
        return [f"{key}='{value}'", *rest[1:]]
    return rest


def _quiet_environment(verbose: bool = False) -> None:
    # No telemetry, no surprise downloads of anything but what the user names; W&B off unless asked.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("DS_ACCELERATOR", os.environ.get("DS_ACCELERATOR", "") or _ds_accelerator())
    configure(verbose or None)  # -v, else KEEL_VERBOSE (a launched rank inherits it), else quiet


def _ds_accelerator() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def usage() -> str:
    width = max(map(len, COMMANDS))
    rows = "\n".join(f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items())
    return (f"usage: keel [-v] <command> [arguments] [key=value ...]\n\ncommands:\n{rows}\n\n"
            f"  -v, --verbose  show trainer logs, dependency progress bars and warnings\n\n"
            f"`keel <command> --help` says what a command does, its arguments, main options and examples.")


def _group_options(group: str) -> str:
    return ", ".join(sorted(p.stem for p in (Path(CONF_DIR) / group).glob("*.yaml"))) or "none"


def _bad_override(args: list[str]) -> str:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    for arg in args:
        try:
            parser.parse_override(arg)
        except Exception:
            return arg
    return "?"


def error_line(err: BaseException, args: list[str] = ()) -> str | None:
    """The one line `keel: error: ...` says for an error a user can fix; None for anything else (a bug)."""
    from hydra.errors import (
        ConfigCompositionException,
        HydraException,
        MissingConfigException,
        OverrideParseException,
    )
    from omegaconf.errors import OmegaConfBaseException

    from train import KeelError

    first = (str(err).strip().splitlines() or [type(err).__name__])[0]
    if isinstance(err, KeelError):
        return str(err)
    if isinstance(err, MissingConfigException):
        found = re.search(r"Could not (?:load|find) '([^/']+)/([^']+)'", str(err))
        if found:
            group, option = found.groups()
            return f"{group}: no option '{option}' in conf/{group}/ (available: {_group_options(group)})"
        return first
    if isinstance(err, OverrideParseException):
        shown = _bad_override(list(args)).encode("unicode_escape").decode()  # a NUL or newline stays visible
        return f"cannot parse the override '{shown}': {first.encode('unicode_escape').decode()}"
    if isinstance(err, ConfigCompositionException) and isinstance(err.__cause__, OmegaConfBaseException):
        key = getattr(err.__cause__, "full_key", None) or first
        if "not in struct" in str(err.__cause__):
            return f"{key}: no such option (misspelled? a new key needs a leading '+', e.g. +{key}=...)"
        return f"{key}: {str(err.__cause__).splitlines()[0]}"
    missing = re.search(r"Missing mandatory value: ([\w.\[\]]+)", str(err))
    if isinstance(err, OmegaConfBaseException) and missing:  # `???` reached directly or through ${...}
        return f"{missing.group(1)}: no value given; set it, e.g. {missing.group(1)}=..."
    if isinstance(err, OmegaConfBaseException):
        key = getattr(err, "full_key", None)
        return f"{key}: {first}" if key else first
    if isinstance(err, HydraException):
        return first
    if isinstance(err, OSError) and err.errno == errno.ENAMETOOLONG:
        return f"{err.filename or 'run.dir'}: cannot write (File name too long); choose a shorter run.dir"
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM,
                                                  errno.EROFS, errno.ENOTDIR):
        return f"{err.filename or 'run.dir'}: cannot write ({os.strerror(err.errno)}); check run.dir and free space"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = any(a in VERBOSE_FLAGS for a in argv)
    argv = [a for a in argv if a not in VERBOSE_FLAGS]
    if argv[:1] == ["help"] and len(argv) > 1:  # `keel help harden` = `keel harden --help`
        argv = [argv[1], "--help"]
    if not argv or argv[0] in HELP_FLAGS + ("help",):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"keel: error: unknown command '{command}' (commands: {', '.join(COMMANDS)}; see keel --help)",
              file=sys.stderr)
        return 2
    if any(a in HELP_FLAGS for a in rest):  # before Hydra: its own --help prints the whole config
        from train.help import render

        print(render(command, COMMANDS[command][1]))
        return 0
    _quiet_environment(verbose)
    module, _, func = COMMANDS[command][0].partition(":")
    entry = getattr(importlib.import_module(module), func)
    sys.argv = [f"keel {command}", *_positional(command, rest)]
    full_error = os.environ.get("HYDRA_FULL_ERROR")
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra raises instead of printing its own multi-line report
    try:
        return entry() or 0
    except KeyboardInterrupt:  # Ctrl-C: one line, not a traceback; status.json says `interrupted` (run_dir.py)
        from train.run_dir import INTERRUPTED

        end_bars()  # the line stands alone, not after an open bar
        print(f"keel: {INTERRUPTED}", file=sys.stderr)
        return 130
    except Exception as err:
        line = error_line(err, sys.argv[1:])
        if line is None:
            raise
        end_bars()
        print(f"keel: error: {line}", file=sys.stderr)
        return 2
    finally:
        if full_error is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = full_error


if __name__ == "__main__":
    sys.exit(main())
