"""`keel <command> --help`: what the command does, its positional arguments, the options people change
most (with the defaults read from conf/<command>.yaml, so they never drift), and examples.

Adding a command's help is one entry in HELP. Commands without an entry get their one-line summary
from train.cli.COMMANDS. The whole resolved config stays one flag away: `keel <command> --cfg job`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from train.cli import CONF_DIR

WIDTH = 100


@dataclass(frozen=True)
class CommandHelp:
    summary: str  # what the command does, in a few plain sentences
    usage: str  # the command line, e.g. "keel evaluate PATH [baseline=PATH] [key=value ...]"
    positional: tuple[tuple[str, str], ...] = ()  # (argument, meaning)
    # (option, meaning): `key` shows the config value; `group=` (ending in '=') shows the selected option
    # of a config group and the group's other choices.
    options: tuple[tuple[str, str], ...] = ()
    examples: tuple[str, ...] = ()
    config: str | None = None  # conf/<config>.yaml the defaults come from; None: not a Hydra command


HARDEN_OPTIONS = (
    ("model=", "the model to harden (a config in conf/model/)"),
    ("model.path", "an HF hub id or local directory, with model=hf"),
    ("defense=", "the defense stack, a list: 'defense=[refusal_sft,tar]'"),
    ("attack=", "the attacks run on base and hardened, a list: 'attack=[full_ft,lora]'"),
    ("preset=", "sizes: demo (CPU, minutes), ci (tiny, seconds), grid, paper"),
    ("run.name", "the run directory is runs/<run.name>; re-running resumes it"),
    ("harden.steps", "hardening optimisation steps"),
    ("budget.steps", "the attacker's step budget T for every attack"),
    ("budget.seeds", "attack seeds (3 or more for confidence intervals)"),
    ("eval.max_prompts", "held-out harmful prompts per evaluation (null = all)"),
    ("judge=", "the refusal judge (a config in conf/judge/)"),
    ("wandb.mode", "disabled, offline or online"),
)

HYDRA_FOOTER = (
    "Any config key can be set as key=value (a key the config lacks: +key=value).\n"
    "The full config with every default:  keel {command} --cfg job\n"
    "More output (trainer logs, dependency warnings):  keel -v {command} ..."
)

HELP: dict[str, CommandHelp] = {
    "harden": CommandHelp(
        summary="Harden a model with a defense stack, then attack the base and the hardened model with the "
                "same attacks and seeds, and write the durability report (report.md, report.json, plots) "
                "to runs/<run.name>/. With no options it runs the CPU demo on the embedded "
                "SmolLM2-135M-Instruct.",
        usage="keel harden [key=value ...]",
        options=HARDEN_OPTIONS,
        examples=(
            "keel harden                                     # the demo: runs/demo/report.md",
            "keel harden preset=ci model=tiny-random run.name=smoke   # seconds, tiny random model",
            "keel harden model=hf model.path=/models/my-chat-model",
            "keel harden 'defense=[refusal_sft]' 'attack=[full_ft,lora]' budget.seeds=[0,1,2]",
        ),
        config="harden",
    ),
    "evaluate": CommandHelp(
        summary="Score any checkpoint (a fork found online, your own model) with the whole scorecard: the "
                "attack grid, effort metrics, utility probes and data hygiene, without hardening. With "
                "baseline=PATH, every figure is also a ratio against that checkpoint.",
        usage="keel evaluate PATH [baseline=PATH] [key=value ...]",
        positional=(("PATH", "the checkpoint: a local directory or an HF hub id (sets model.path)"),),
        options=(
            ("baseline", "a second checkpoint attacked the same way; null = score PATH alone"),
            ("attack=", "the attacks, a list: 'attack=[full_ft,lora]'"),
            ("preset=", "sizes: demo, ci, grid, paper"),
            ("budget.steps", "the attacker's step budget T"),
            ("budget.seeds", "attack seeds"),
            ("eval.max_prompts", "held-out harmful prompts per evaluation (null = all)"),
            ("judge=", "the refusal judge (a config in conf/judge/)"),
            ("threshold", "ASR a model counts as broken at (tau)"),
            ("run.name", "the report goes to runs/<run.name>/"),
            ("utility.enabled", "utility probes (benign NLL, MCQ, over-refusal, KL)"),
        ),
        examples=(
            "keel evaluate /models/some-fork",
            "keel evaluate /models/some-fork baseline=/models/original budget.seeds=[0,1,2]",
        ),
        config="evaluate",
    ),
    "judge": CommandHelp(
        summary="Label (prompt, completion) pairs with the configured judge, e.g. to check a judge against "
                "human labels. Writes one label and score per row beside the input.",
        usage="keel judge FILE.jsonl|FILE.csv [key=value ...]",
        positional=(("FILE", "JSONL or CSV with columns prompt, completion (sets input)"),),
        options=(
            ("judge=", "the judge (a config in conf/judge/)"),
            ("judge@judge_secondary=", "a second judge: adds agreement figures (Cohen's kappa)"),
            ("output", "where labels go; null = FILE.judged.jsonl (or .csv) beside the input"),
        ),
        examples=(
            "keel judge pairs.jsonl",
            "keel judge pairs.csv judge=generative judge.path=/models/guard output=labels.csv",
        ),
        config="judge",
    ),
    "rejudge": CommandHelp(
        summary="Score a finished run again with another judge, from the completions it stored "
                "(RUN_DIR/completions/): no model is loaded and no attack re-runs. results.jsonl, report.json "
                "and report.md are rewritten together (staged, then swapped in), with the new judge named.",
        usage="keel rejudge RUN_DIR judge=NAME [key=value ...]",
        positional=(("RUN_DIR", "a finished run directory (holds completions/ and results.jsonl)"),),
        options=(
            ("judge=", "the new judge (a config in conf/judge/)"),
            ("judge@judge_secondary=", "a second judge: adds agreement figures"),
            ("asr_metric", "harmful or harm_score; null = the run's own"),
            ("samples", "completions kept per curve point in the report; null = the run's own"),
        ),
        examples=("keel rejudge runs/demo judge=keyword", "keel rejudge runs/demo judge=generative judge.path=/models/guard"),
        config="rejudge",
    ),
    "doctor": CommandHelp(
        summary="Say what is broken in a run directory and what re-running its command would redo and keep; "
                "exit 0 when the run can resume as it is, 1 when something blocks it. --fix moves each broken "
                "file aside into RUN_DIR/broken/ (never deletes one).",
        usage="keel doctor RUN_DIR [--fix]",
        positional=(("RUN_DIR", "a run directory, finished or not"),),
        examples=("keel doctor runs/demo", "keel doctor runs/demo --fix"),
    ),
    "release": CommandHelp(
        summary="Prepare a finished run's hardened checkpoint for publishing: a Hugging Face model card with "
                "the durability scorecard (README.md), the run's config, and a fresh sha256 manifest of "
                "every file, all in RUN_DIR/checkpoint/.",
        usage="keel release RUN_DIR",
        positional=(("RUN_DIR", "a finished run directory (holds report.json and checkpoint/)"),),
        examples=("keel release runs/demo",),
    ),
    "verify": CommandHelp(
        summary="Check a downloaded checkpoint against its manifest.sha256: exit 0 when every file matches, "
                "else name each file that differs or is missing (exit 1).",
        usage="keel verify DIR",
        positional=(("DIR", "the checkpoint directory (holds manifest.sha256)"),),
        examples=("keel verify runs/demo/checkpoint",),
    ),
    "compare": CommandHelp(
        summary="Put the finished runs of a sweep (defenses x seeds) in one table and plot: attacker-cost "
                "ratio and utility change per defense, with CIs over seeds. With baseline=DIR, every other "
                "run's hardened model is also scored head to head against that run's.",
        usage="keel compare RUN_DIR... [out=DIR] [baseline=RUN_DIR]",
        positional=(("RUN_DIR...", "run directories, or folders searched for them (sets runs)"),),
        options=(
            ("out", "where compare.md, .csv, .json and .png go"),
            ("baseline", "a run among RUN_DIR... to score the others against head to head"),
            ("bootstrap.samples", "bootstrap resamples for the CIs"),
        ),
        examples=("keel compare runs/sweep", "keel compare runs/a runs/b baseline=runs/a out=runs/ab"),
        config="compare",
    ),
    "study": CommandHelp(
        summary="Run several arms (defense stacks) under one attack grid, attacking the base model once, "
                "score every arm head to head against a baseline arm, and write one side-by-side table "
                "(<study.dir>/study.md). The default is the durability study of docs/RESULTS.md.",
        usage="keel study [key=value ...]",
        options=(
            ("study=", "the study (a config in conf/study/)"),
            ("study.dir", "where every arm's run and study.md go"),
            ("study.baseline", "the arm every other arm is compared with"),
            ("study.harden_seeds", "hardening seeds: one run per arm and seed, CIs over both (null = one)"),
            ("study.runs", "run only these runs now, e.g. [keel_tar_h0]; the table waits for the rest (null = all)"),
            ("overrides", "keel harden overrides every arm gets, e.g. \"overrides=['budget.seeds=[0]']\""),
            ("resume", "auto, true, false or force (train/resume.py)"),
        ),
        examples=("keel study", "keel study study=demo                  # what make demo runs",
                  "keel study study.harden_seeds=[0,1,2]", "keel study \"overrides=['budget.seeds=[0]']\""),
        config="study",
    ),
}


def _defaults(config: str) -> tuple[object, dict]:
    """The composed config and its group choices; (None, {}) if it does not compose (help still prints)."""
    from hydra import compose, initialize_config_dir

    try:
        with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
            cfg = compose(config_name=config, return_hydra_config=True)
    except Exception:  # a broken config file is reported when the command runs, not here
        return None, {}
    return cfg, dict(cfg.hydra.runtime.choices)


def _show(value) -> str:
    from omegaconf import OmegaConf

    if OmegaConf.is_config(value):
        value = OmegaConf.to_container(value, resolve=False)
    text = "null" if value is None else str(value).replace(" ", "")
    return text if len(text) <= 40 else text[:37] + "..."


def _default(cfg, choices: dict, option: str) -> tuple[str, list[str]]:
    """(the default, the group's other options) of one HELP option."""
    from omegaconf import OmegaConf

    if cfg is None:
        return "", []
    if not option.endswith("="):
        return _show(OmegaConf.select(cfg, option, default=None, throw_on_missing=False)), []
    group = option[:-1]
    if group in choices:
        chosen = choices[group]
    else:  # list groups (defense=[a,b], attack=[...]) are not in Hydra's choices: their keys are
        node = OmegaConf.select(cfg, group, default=None)
        chosen = "[" + ",".join(node.keys()) + "]" if OmegaConf.is_dict(node) else None
    return _show(chosen), sorted(p.stem for p in (Path(CONF_DIR) / group.split("@")[0]).glob("*.yaml"))


def _wrap(text: str, indent: str = "", hang: str | None = None) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent if hang is None else hang,
                         break_on_hyphens=False) or [""]


def render(command: str, summary: str = "") -> str:
    """The help text of `keel <command>`; `summary` is used when HELP has no entry for it."""
    hydra_app = (Path(CONF_DIR) / f"{command}.yaml").is_file()
    entry = HELP.get(command) or CommandHelp(summary=summary, usage=f"keel {command} [key=value ...]",
                                             config=command if hydra_app else None)
    lines = [f"usage: {entry.usage}", "", *_wrap(entry.summary)]
    if entry.positional:
        lines += ["", "arguments:"] + [f"  {name:<12} {meaning}" for name, meaning in entry.positional]
    if entry.options:
        cfg, choices = _defaults(entry.config) if entry.config else (None, {})
        width = max(len(name) for name, _ in entry.options)
        lines += ["", "options (key=value):"]
        for name, meaning in entry.options:
            default, others = _default(cfg, choices, name)
            text = meaning + (f" (default: {default})" if default else "")
            lines += _wrap(f"{name:<{width}}  {text}", "  ", " " * (width + 4))
            if others:
                lines += _wrap("choices: " + ", ".join(others), " " * (width + 4))
    if entry.examples:
        lines += ["", "examples:"] + [f"  {example}" for example in entry.examples]
    if entry.config:
        lines += ["", *HYDRA_FOOTER.format(command=command).splitlines()]
    return "\n".join(lines)
