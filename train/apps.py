"""Hydra applications behind `keel <command>`; each reads conf/<command>.yaml.

Errors a user can fix (KeelError, a bad option, a full disk) end the process with one line on stderr and
exit status 2 (train.cli.error_line).
"""

from __future__ import annotations

import functools
import logging
import sys

import hydra
from omegaconf import DictConfig

from train.cli import CONF_DIR, error_line
from train.console import end_bars

log = logging.getLogger("keel")


def user_errors_exit(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as err:  # user-fixable ones (train.cli.error_line) end as one line; bugs re-raise
            line = error_line(err)
            if line is None:
                raise
            end_bars()
            print(f"keel: error: {line}", file=sys.stderr)
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


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="evaluate")
@user_errors_exit
def evaluate(cfg: DictConfig) -> None:
    from attacks.evaluate import run_evaluate

    report = run_evaluate(cfg)
    log.info("%s", report["headline"]["text"])
    print(f"keel: report written to {cfg.run.dir}/report.md")


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="judge")
@user_errors_exit
def judge(cfg: DictConfig) -> None:
    from attacks.judge_file import confusion_lines, run_judge_file

    summary = run_judge_file(cfg)
    labels = ", ".join(f"{k} {v}" for k, v in summary["labels"].items())
    agree = summary.get("agreement")
    extra = f"; agreement with {summary['judge_secondary']['name']}: {agree['percent']:.1f}% " \
            f"(kappa {agree['kappa']:.2f})" if agree else ""
    print(f"keel: {summary['rows']} rows judged by {summary['judge']['name']} ({labels}; harmful "
          f"{summary['harmful']}){extra} -> {summary['output']}")
    for key, what in (("human_label", "label vs human"), ("human_harmful", "harmful vs human")):
        if summary.get(key) and summary[key]["n"]:
            print("\n".join(confusion_lines(summary[key], what)))


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="rejudge")
@user_errors_exit
def rejudge(cfg: DictConfig) -> None:
    from attacks.rejudge import run_rejudge

    summary = run_rejudge(cfg)
    judged = (f"keel: {summary['completions']} stored completions of {summary['records']} attack runs judged again by "
              f"{summary['judge']['name']} v{summary['judge']['version']}")
    if summary["headline"] is None:  # an interrupted run: resuming it writes the report
        print(f"{judged} -> {summary['run_dir']} (no report yet: resume the run to finish it)")
    else:
        print(f"{judged}: {summary['headline']} -> {summary['run_dir']}/report.md")


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="compare")
@user_errors_exit
def compare(cfg: DictConfig) -> None:
    from train.compare import run_compare

    summary = run_compare(cfg)
    for row in summary["rows"]:
        log.info("%s: attacker cost %s over %d runs", row["defense"], row["cost_display"], row["runs"])
    print(f"keel: {len(summary['runs'])} runs compared -> {summary['out']}/compare.md")
    for pair in summary.get("head_to_head") or []:
        print(f"keel: {pair['headline']} -> {pair['out']}/report.md")


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="study")
@user_errors_exit
def study(cfg: DictConfig) -> None:
    from train.study import run_study
    from train.study_answer import answer

    summary = run_study(cfg)
    if summary.get("pending"):
        pending = summary["pending"]
        print(f"keel: study {summary['study']}: {summary['runs'] - len(pending)} of {summary['runs']} runs finished; "
              f"the table waits for {', '.join(pending)} (run them: study.runs=[{','.join(pending)}], or drop "
              f"study.runs)")
        return
    for name, text in summary["headlines"].items():
        log.info("%s: %s", name, text)
    for line in answer(summary)[2:-1]:
        print(line.replace("**", ""))
    print(f"keel: study of {len(summary['arms'])} arms + base written to {cfg.study.dir}/study.md")
