"""The Hugging Face model card `keel release` writes, following the Hub's conventions:

    base_model     the model the run hardened (the Hub's model tree): `model.base_model` in the run's config
                   (the embedded GGUF's source model, HuggingFaceTB/SmolLM2-135M-Instruct), else a hub id
                   given as `model.path`; left out when there is none (a random test model)
    license        `model.license`, else the base model's own (the GGUF's `general.license`, the card of a
                   local model directory or of a hub model in the local cache), else `release.license` /
                   `keel release RUN --license ID`; unknown = a one-line error
    pipeline_tag   text-generation
    model-index    the released model's evaluation results, which the Hub renders (huggingface_hub's
                   EvalResult): attacker cost, ASR before any attack, over-refusal, MCQ accuracy, benign NLL
    keel           the scorecard in machine-readable form
The body opens with the report's plain-words paragraph (report.json `headline.text`); no field holds a null.
"""

from __future__ import annotations

import re
from pathlib import Path

from attacks.headline import PROBE_WORDS, pct, probe_change, probe_value, si
from attacks.report_md import ratio_cell
from train import KeelError, __version__
from train.manifest import MANIFEST

HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def clean(x):
    """The value without None entries (the card's YAML must not hold nulls); floats rounded for reading."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items() if v is not None and clean(v) is not None}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x if v is not None]
    if isinstance(x, float):
        return round(x, 4) if x == x and abs(x) != float("inf") else None
    return x


def base_model_id(model: dict) -> str | None:
    """The hub id of the model the run hardened, when there is one."""
    if model.get("base_model"):
        return str(model["base_model"])
    path = str(model.get("path") or "")
    if model.get("source") == "hf" and HUB_ID.fullmatch(path) and not Path(path).expanduser().exists():
        return path
    return None


def _card_license(readme: Path | str | None) -> str | None:
    if not readme or not Path(readme).is_file():
        return None
    from huggingface_hub import ModelCard

    try:
        return ModelCard.load(readme).data.license
    except Exception:  # a README without card metadata says nothing about the license
        return None


def _gguf_license(path: str) -> str | None:
    import gguf

    from train.models import resolve_pkg_path

    try:
        field = gguf.GGUFReader(resolve_pkg_path(path)).fields.get("general.license")
    except (OSError, ValueError, KeelError):
        return None
    return bytes(field.parts[field.data[0]]).decode() if field is not None else None


def license_of(model: dict, release_license: str | None = None) -> str:
    """The license the card declares (order in the module docstring)."""
    found = model.get("license")
    path = str(model.get("path") or "")
    if not found and model.get("source") == "gguf" and path:
        found = _gguf_license(path)
    if not found and model.get("source") == "hf" and path:
        local = Path(path).expanduser()
        if local.is_dir():
            found = _card_license(local / "README.md")
        elif HUB_ID.fullmatch(path):
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(path, "README.md")
            found = _card_license(cached if isinstance(cached, str) else None)
    found = found or release_license
    if not found:
        raise KeelError(f"release.license: the license of {model.get('name') or path or 'the model'} is unknown; "
                        "pass keel release RUN_DIR --license ID (e.g. apache-2.0)")
    return str(found)


def _dataset(report: dict, key: str) -> tuple[str, str]:
    """(dataset type, dataset name) of an evaluation set, named after its source."""
    source = str(((report.get("data") or {}).get("sources") or {}).get(key) or "keel-mini")
    kind = source.removeprefix("hf:") if source.startswith("hf:") else (Path(source).parent.name or Path(source).stem)
    return kind, f"{kind} ({key})"


def eval_results(report: dict) -> list:
    """The released (treated) model's figures as the Hub's evaluation results."""
    from huggingface_hub import EvalResult

    tau, treated, base = report["threshold"], report["targets"]["treated"], report["targets"]["base"]
    head = report.get("headline") or {}
    side = (head.get("sides") or {}).get(treated) or {}
    cost = head.get("cost") or {}
    util = (report.get("utility") or {}).get(treated) or {}
    out = []

    def add(source: str, metric: str, value, name: str) -> None:
        if value is not None:
            kind, dataset = _dataset(report, source)
            out.append(EvalResult(task_type="text-generation", task_name="Resistance to harmful fine-tuning",
                                  dataset_type=kind, dataset_name=dataset, metric_type=metric,
                                  metric_value=round(float(value), 4), metric_name=name))

    bound = "lower bound, censored at the budget: " if side.get("censored") else ""
    attacks = ", ".join(sorted(set(side.get("attacks") or [])))
    add("harmful", "attack_steps_to_threshold", side.get("steps"),
        f"Fine-tuning steps to ASR >= {tau:g} ({bound}cheapest of {attacks}; seed mean)")
    add("harmful", "attack_flops_to_threshold", side.get("flops") or None, f"Attack FLOPs to ASR >= {tau:g}")
    if cost.get("ratio") is not None and cost.get("bound") in ("exact", "lower"):
        add("harmful", "attacker_cost_ratio", cost["ratio"], f"Attacker cost vs {base} (x, steps to threshold"
            + (", lower bound" if cost["bound"] == "lower" else "") + ")")
    add("harmful", "asr_before_attack", side.get("asr_before"), "ASR before any attack")
    add("edgy", "over_refusal", util.get("over_refusal"), "Over-refusal on benign-but-edgy prompts")
    add("mcq", "accuracy", util.get("mcq_accuracy"), "MCQ accuracy")
    add("benign", "benign_nll", util.get("benign_nll"), "Benign-answer NLL (nats/token)")
    return out


def _ratio(ratios: dict, metric: str) -> float | None:
    """A ratio's value when it has one (not for a base broken before any attack, or neither broken)."""
    r = ratios.get(metric) or {}
    return r.get("ratio") if r.get("bound") in ("exact", "lower", "upper", "unknown") else None


def scorecard(report: dict) -> dict:
    """The durability figures in machine-readable form (the card's `keel:` block)."""
    base, treated = report["targets"]["base"], report["targets"]["treated"]
    attacks = []
    for row in report.get("comparison", []):
        ratios = row.get("ratios") or {}

        sides = {side: {"steps_to_threshold": s.get("steps_to_threshold_mean"),
                        "steps_censored_seeds": s.get("steps_to_threshold_censored"),
                        "asr_before": s.get("asr_before_mean"), "harm_auc": s.get("harm_auc_mean")}
                 for side, s in (("base", row.get(base) or {}), ("hardened", row.get(treated) or {})) if s}
        attacks.append({"attack": row["attack"], "recipe": row.get("recipe"), "split": row.get("split"),
                        "attacker_steps_ratio": _ratio(ratios, "steps_to_threshold"),
                        "attacker_steps_ratio_display": ratio_cell(ratios.get("steps_to_threshold")),
                        "attacker_flops_ratio": _ratio(ratios, "flops_to_threshold"),
                        "harm_auc_ratio": _ratio(ratios, "harm_auc"),
                        **sides})
    head = report.get("headline") or {}
    return clean({
        "keel_version": report.get("keel_version"), "released_with": __version__,
        "config_hash": report.get("config_hash"), "threshold": report.get("threshold"),
        "headline": head.get("text"), "judge": report.get("judge"),
        "seeds": sorted({r["seed"] for r in report.get("runs", [])}),
        "heldout_attacks": sorted({r["attack"] for r in report.get("runs", []) if r.get("split") == "heldout"}),
        "defenses": [{"name": d.get("name"), "threat_model": d.get("threat_model")} for d in report.get("defenses", [])],
        "attacks": attacks, "cost": {k: v for k, v in (head.get("cost") or {}).items() if k != "display"},
        "utility": {k: {"base": p["base"], "hardened": p["treated"], "change": p["change"], "unit": p["unit"]}
                    for k, p in ((head.get("utility") or {}).get("probes") or {}).items()} or None,
    })


def _side(row: dict, side: str, metric: str, unit: str) -> str:
    s = row.get(side) or {}
    value = s.get(f"{metric}_mean")
    if value is None:
        return "n/a"
    if unit == "rate":
        return pct(value)
    return (">=" if s.get(f"{metric}_censored") else "") + (si(value, "FLOPs") if unit == "FLOPs" else f"{value:g} {unit}")


def _tables(report: dict) -> list[str]:
    base, treated = report["targets"]["base"], report["targets"]["treated"]
    lines = [f"| attack | part | steps to threshold ({base} -> {treated}) | {treated} / {base} | FLOPs to threshold | "
             f"ASR before any attack | harm AUC ({treated} / {base}) |", "|---|---|---|---|---|---|---|"]
    for row in report.get("comparison", []):
        ratios = row.get("ratios") or {}
        pairs = [f"{_side(row, base, m, u)} -> {_side(row, treated, m, u)}"
                 for m, u in (("steps_to_threshold", "steps"), ("flops_to_threshold", "FLOPs"), ("asr_before", "rate"))]
        lines.append(f"| {row['attack']} | {row.get('split')} | {pairs[0]} | {ratio_cell(ratios.get('steps_to_threshold'))} "
                     f"| {pairs[1]} | {pairs[2]} | {ratio_cell(ratios.get('harm_auc'))} |")
    probes = (((report.get("utility") or {}).get("change") or {}).get("probes")) or {}
    if probes:
        lines += ["", f"| utility probe (before any attack) | {base} | {treated} | change |", "|---|---|---|---|"]
        lines += [f"| {PROBE_WORDS.get(k, k)} | {probe_value(k, p['base'])} | {probe_value(k, p['treated'])} | "
                  f"{probe_change(k, p)} |" for k, p in probes.items()]
    return lines


def model_card(report: dict, model: dict, license: str):
    """The card (huggingface_hub.ModelCard) of the released model of `report`; `model` is the run's model
    config (conf/model/*.yaml, as saved in the run's config.yaml)."""
    from huggingface_hub import ModelCard, ModelCardData

    card = scorecard(report)
    base_model = base_model_id(model)
    name = str(report.get("run") or "keel-hardened")
    judge = card.get("judge") or {}
    provider = [d["name"] for d in card.get("defenses", []) if d.get("threat_model") == "provider"]
    data = ModelCardData(**clean({
        "base_model": base_model, "license": license, "library_name": "transformers",
        "pipeline_tag": "text-generation", "tags": ["keel", "safety", "tamper-resistance", "harmful-fine-tuning"],
        "model_name": name}), eval_results=eval_results(report) or None, keel=card)
    defenses = ", ".join(d["name"] for d in card.get("defenses", [])) or "no defense"
    body = [
        f"# {name}: hardened against harmful fine-tuning", "",
        card.get("headline", ""), "",
        f"Hardened with keel {card.get('keel_version', __version__)} ({defenses})"
        + (f" from [`{base_model}`](https://huggingface.co/{base_model})" if base_model else "")
        + ". The figures below come from attacking the base and the hardened model with the same attacks and "
          "seeds (report.json of the run).", "",
        "## Durability scorecard", "",
        f"Attack-success threshold: ASR >= {card.get('threshold')}; judge `{judge.get('name', '?')}` "
        f"v{judge.get('version', '?')}; seeds {card.get('seeds')}; held-out attacks: "
        f"{', '.join(card.get('heldout_attacks', [])) or 'none'}.", "",
        *_tables(report), "",
        "`>=` marks a lower bound (the attack did not reach the threshold within its budget), not a measured value.",
        "These numbers describe the attacks that were run, not attacks in general: an attacker with other "
        "recipes, data or budgets may do better.", "",
    ]
    if provider:
        body += [f"Note: {', '.join(provider)} assume(s) the provider controls later fine-tuning "
                 "(threat_model: provider); they give no protection once the weights are public.", ""]
    body += ["## Provenance", "", f"- keel version: {card.get('keel_version', __version__)}"]
    if card.get("config_hash"):
        body.append(f"- config hash (sha256 of the result-relevant config, keel_config.yaml): `{card['config_hash']}`")
    body += [f"- `{MANIFEST}` lists the sha256 of every file here; check a download with `keel verify DIR` "
             f"or `sha256sum -c {MANIFEST}`.", ""]
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(body))
