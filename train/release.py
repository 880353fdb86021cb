"""Release a hardened checkpoint with its durability scorecard, and verify a downloaded one.

    keel release runs/demo          README.md (model card + scorecard, train/card.py) and keel_config.yaml
                                    into runs/demo/checkpoint/, then a fresh manifest.sha256 of every file
    keel release runs/x --license apache-2.0     ... when the base model's license is unknown
    keel verify  path/to/checkpoint every file matches manifest.sha256 (exit 0), else names each one (exit 1)

The card follows the Hub's conventions (base_model, license, pipeline_tag, model-index; train/card.py) and
carries the scorecard in machine-readable form under `keel:`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from train import KeelError
from train.card import license_of, model_card
from train.manifest import MANIFEST, verify_manifest, write_manifest
from train.run_dir import apply_staged, atomic_write_text
from train.state import check_object, check_status, read_json


def release(run_dir: str | Path, license: str | None = None) -> Path:
    """Write the model card (train/card.py) and keel_config.yaml into RUN/checkpoint and refresh its
    manifest. `license` (or the run's `release.license`) is used when the base model's is unknown."""
    run = Path(run_dir)
    if not run.is_dir():
        raise KeelError(f"{run}: run directory not found")
    report_path, ckpt = run / "report.json", run / "checkpoint"
    apply_staged(run)  # a keel rejudge a kill stopped after its commit: finish it before reading
    if not report_path.is_file():
        raise KeelError(f"{report_path}: not found; finish the run first (re-run its keel harden command)")
    report = read_json(report_path, check_object)
    status = (read_json(run / "status.json", check_status, default={}) or {}).get("status")
    if status != "done":
        raise KeelError(f"{run / 'status.json'}: status is '{status}', not 'done'; finish the run first")
    if not ckpt.is_dir():
        raise KeelError(f"{ckpt}: no hardened checkpoint in this run directory")
    problems = verify_manifest(ckpt)
    if problems:  # never bless weights that changed after the run measured them
        raise KeelError(f"{ckpt}: does not match the manifest written by the run ({problems[0]}); "
                        f"the checkpoint changed after it was scored")
    config = yaml.safe_load((run / "config.yaml").read_text()) if (run / "config.yaml").is_file() else {}
    model = {**(report.get("model") or {}), **((config or {}).get("model") or {})}
    chosen = license_of(model, license or ((config or {}).get("release") or {}).get("license"))
    atomic_write_text(ckpt / "README.md", str(model_card(report, model, chosen)))
    if (run / "config.yaml").is_file():
        atomic_write_text(ckpt / "keel_config.yaml", (run / "config.yaml").read_text())
    write_manifest(ckpt)
    return ckpt


def verify(directory: str | Path) -> list[str]:
    directory = Path(directory)
    if not directory.is_dir():
        raise KeelError(f"{directory}: directory not found")
    if not (directory / MANIFEST).is_file():
        raise KeelError(f"{directory / MANIFEST}: not found; this directory was not released by keel")
    return verify_manifest(directory)


def _parse(prog: str, what: str, license: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("path", help=what)
    if license:
        parser.add_argument("--license", help="the card's license when the base model's is unknown (a Hub "
                            "license id, e.g. apache-2.0); overrides the run's release.license")
    return parser.parse_args(sys.argv[1:])


def release_main() -> int:
    args = _parse("keel release", "the run directory (holds report.json and checkpoint/)", license=True)
    ckpt = release(args.path, args.license)
    print(f"keel: model card and manifest written to {ckpt}")
    return 0


def verify_main() -> int:
    directory = _parse("keel verify", "a checkpoint directory holding manifest.sha256").path
    problems = verify(directory)
    if problems:
        print(f"keel: error: {directory} does not match {MANIFEST}: {'; '.join(problems)}", file=sys.stderr)
        return 1
    count = sum(1 for line in (Path(directory) / MANIFEST).read_text().splitlines() if line.strip())
    print(f"keel: {directory}: all {count} files match {MANIFEST}")
    return 0

