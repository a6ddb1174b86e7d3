"""Every command is documented: its --help carries an example, and the README shows it."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tropekg.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = ""):
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path + " ")


COMMANDS = list(_commands(cli))


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"tropekg {path} --help shows no example"


@pytest.mark.parametrize("path", [p for p, c in COMMANDS if not isinstance(c, click.Group)])
def test_every_command_is_in_the_readme(path):
    assert f"tropekg {path}" in README, f"the README does not show tropekg {path}"


def test_the_readme_names_the_two_commands():
    assert "make demo" in README and "make test" in README
