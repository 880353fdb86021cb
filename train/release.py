"""Release a hardened checkpoint with its durability scorecard, and verify a downloaded one.

    keel release runs/demo          README.md (model card + scorecard) and keel_config.yaml into
                                    runs/demo/checkpoint/, then a fresh manifest.sha256 of every file there
    keel verify  path/to/checkpoint every file matches manifest.sha256 (exit 0), else names each one (exit 1)

The card's metadata (YAML front matter) carries the scorecard in machine-readable form under `keel:`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from train import KeelError, __version__
from train.manifest import MANIFEST, verify_manifest, write_manifest
from train.run_dir import atomic_write_text
from train.state import check_object, check_status, read_json


def _num(x):
    """JSON/YAML-safe number: nan and inf (censored ratios) become None; floats rounded for reading."""
    if isinstance(x, float):
        return round(x, 4) if math.isfinite(x) else None
    return x


def scorecard(report: dict) -> dict:
    """The durability figures a reader of the card needs, read from report.json."""
    attacks = []
    for row in report.get("comparison", []):
        ratios = row.get("ratios", {})
        steps = ratios.get("steps_to_threshold", {})
        entry = {"attack": row["attack"], "recipe": row.get("recipe"), "split": row.get("split"),
                 "attacker_steps_ratio": _num(steps.get("ratio", row.get("steps_ratio"))),
                 "attacker_steps_ratio_display": steps.get("display"),
                 "attacker_flops_ratio": _num(ratios.get("flops_to_threshold", {}).get("ratio")),
                 "harm_auc_ratio": _num(ratios.get("harm_auc", {}).get("ratio"))}
        for side in ("base", "hardened"):
            if side in row:
                entry[f"{side}_benign_nll"] = _num(row[side].get("benign_nll_before_mean"))
                entry[f"{side}_harm_auc"] = _num(row[side].get("harm_auc_mean"))
        attacks.append(entry)
    runs = report.get("runs", [])
    headline = report.get("headline") or {}
    return {
        "keel_version": report.get("keel_version"), "released_with": __version__,
        "config_hash": report.get("config_hash"), "threshold": report.get("threshold"),
        "headline": headline.get("text"),
        "judge": report.get("judge"),
        "seeds": sorted({r["seed"] for r in runs}),
        "heldout_attacks": sorted({r["attack"] for r in runs if r.get("split") == "heldout"}),
        "defenses": [{"name": d.get("name"), "threat_model": d.get("threat_model")}
                     for d in report.get("defenses", [])],
        "attacks": attacks,
        "utility": headline.get("utility"),
    }


def _table(card: dict) -> list[str]:
    lines = ["| attack | split | attacker steps (hardened / base) | FLOPs ratio | harm AUC base -> hardened | "
             "benign NLL base -> hardened |", "|---|---|---|---|---|---|"]
    for a in card["attacks"]:
        steps = a["attacker_steps_ratio_display"] or (f"x{a['attacker_steps_ratio']}"
                                                      if a["attacker_steps_ratio"] is not None else "n/a")
        lines.append(f"| {a['attack']} | {a['split']} | {steps} | {a['attacker_flops_ratio']} | "
                     f"{a.get('base_harm_auc')} -> {a.get('hardened_harm_auc')} | "
                     f"{a.get('base_benign_nll')} -> {a.get('hardened_benign_nll')} |")
    return lines


def model_card(report: dict, base_model: str | None):
    from huggingface_hub import ModelCard, ModelCardData

    card = scorecard(report)
    judge = card["judge"] or {}
    provider = [d["name"] for d in card["defenses"] if d["threat_model"] == "provider"]
    data = ModelCardData(library_name="transformers", base_model=base_model,
                         tags=["keel", "safety", "tamper-resistance", "harmful-fine-tuning"],
                         keel=json.loads(json.dumps(card, default=str)))
    body = [
        f"# {report.get('run', 'keel')}: hardened against harmful fine-tuning", "",
        f"Hardened with keel {card['keel_version']} ({', '.join(d['name'] for d in card['defenses']) or 'no defense'})"
        f"{' from `' + base_model + '`' if base_model else ''}. The scorecard below was measured by attacking "
        "the base and the hardened model with the same attacks and seeds; every figure is hardened / base.", "",
        f"**{card['headline']}**" if card["headline"] else "", "",
        "## Durability scorecard", "",
        f"Attack success threshold tau = {card['threshold']}; judge `{judge.get('name')}` v{judge.get('version')}; "
        f"seeds {card['seeds']}; held-out attacks: {', '.join(card['heldout_attacks']) or 'none'}.", "",
        *_table(card), "",
        "Steps are censored at the attack budget: `>T` or `>=` marks a lower bound, not a measured value.",
        "These numbers describe the attacks that were run, not attacks in general: an attacker with other "
        "recipes, data or budgets may do better.", "",
    ]
    if provider:
        body += [f"Note: {', '.join(provider)} assume(s) the provider controls later fine-tuning "
                 "(threat_model: provider); they give no protection once the weights are public.", ""]
    body += ["## Provenance", "", f"- keel version: {card['keel_version']}",
             f"- config hash (sha256 of the result-relevant config, keel_config.yaml): `{card['config_hash']}`",
             f"- `{MANIFEST}` lists the sha256 of every file here; check a download with `keel verify DIR` "
             f"or `sha256sum -c {MANIFEST}`.", ""]
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(body))


def release(run_dir: str | Path) -> Path:
    """Write the model card and keel_config.yaml into RUN/checkpoint and refresh its manifest."""
    run = Path(run_dir)
    if not run.is_dir():
        raise KeelError(f"{run}: run directory not found")
    report_path, ckpt = run / "report.json", run / "checkpoint"
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
    model = report.get("model") or {}
    base = model.get("path") if model.get("source") == "hf" and not str(model.get("path", "/")).startswith(
        ("/", ".", "~")) else None
    atomic_write_text(ckpt / "README.md", str(model_card(report, base)))
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


def _parse(prog: str, what: str) -> str:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("path", help=what)
    return parser.parse_args(sys.argv[1:]).path


def release_main() -> int:
    ckpt = release(_parse("keel release", "the run directory (holds report.json and checkpoint/)"))
    print(f"keel: model card and manifest written to {ckpt}")
    return 0


def verify_main() -> int:
    directory = _parse("keel verify", "a checkpoint directory holding manifest.sha256")
    problems = verify(directory)
    if problems:
        print(f"keel: error: {directory} does not match {MANIFEST}: {'; '.join(problems)}", file=sys.stderr)
        return 1
    count = sum(1 for line in (Path(directory) / MANIFEST).read_text().splitlines() if line.strip())
    print(f"keel: {directory}: all {count} files match {MANIFEST}")
    return 0

