"""`keel <command> --help` (train/help.py): what the command does, its arguments, its main options with
the defaults of its config, examples; short, and not Hydra's generic page."""

from __future__ import annotations

import pytest

from tests.conftest import compose_config
from train.cli import COMMANDS, main
from train.help import HELP, render


def help_of(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_explains_itself(command, capsys):
    assert command in HELP, f"train/help.py: add HELP['{command}'] (summary, usage, arguments, options, examples)"
    text = help_of(capsys, command, "--help")
    entry = HELP[command]
    lines = text.splitlines()
    assert lines[0] == f"usage: {entry.usage}"
    assert " ".join(entry.summary.split()[:6]) in " ".join(text.split())  # what it does, first
    for name, _ in entry.positional:
        assert f"  {name} " in text  # e.g. evaluate's PATH
    for name, _ in entry.options[:3]:
        assert f"  {name} " in text
    assert "examples:" in text and f"keel {command}" in text.split("examples:")[1]
    assert "powered by Hydra" not in text and "== Config ==" not in text
    assert len(lines) <= 50 and max(map(len, lines)) <= 110
    if entry.config:
        assert f"keel {command} --cfg job" in text  # the full config, one flag away


def test_help_shows_the_config_defaults(capsys):
    text = help_of(capsys, "harden", "--help")
    cfg = compose_config("harden")
    assert f"harden.steps      hardening optimisation steps (default: {cfg.harden.steps})" in text
    assert f"(default: {cfg.run.name})" in text and "(default: [refusal_sft])" in text
    assert "choices: " in text and "tiny-random" in text  # a group's options are listed
    assert "score PATH alone (default: null)" in " ".join(help_of(capsys, "evaluate", "-h").split())


def test_help_forms_agree_and_hydra_flags_still_work(capsys):
    assert help_of(capsys, "help", "evaluate") == help_of(capsys, "evaluate", "--help") \
        == help_of(capsys, "evaluate", "/models/x", "--help")
    top = help_of(capsys, "--help")
    assert all(name in top for name in COMMANDS) and "-v, --verbose" in top
    job = help_of(capsys, "harden", "preset=ci", "model=tiny-random", "--cfg", "job")
    assert "harden:" in job and "budget:" in job


def test_a_command_without_an_entry_gets_its_summary(monkeypatch):
    monkeypatch.setitem(COMMANDS, "selftest", ("train.apps:harden", "check the installation"))
    text = render("selftest", COMMANDS["selftest"][1])
    assert text.startswith("usage: keel selftest") and "check the installation" in text
