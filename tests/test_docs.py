"""Every command is documented and consistent: its --help carries an example and the exit codes,
every option has help text, options that write to an endpoint appear only on commands that write,
and the README shows every command and every exit code."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tropekg.cli import cli, main
from tropekg.cli.common import EXIT_CODES_HELP, ExitCode

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


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_every_help_lists_the_exit_codes(path):
    result = CliRunner().invoke(cli, [*path.split(), "--help"], terminal_width=400)
    assert " ".join(EXIT_CODES_HELP.split()) in " ".join(result.output.split()), path


@pytest.mark.parametrize("path,command", COMMANDS)
def test_every_option_has_help(path, command):
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"tropekg {path} {param.opts[0]} has no help text"


WRITING = {"load", "link wikidata"}


@pytest.mark.parametrize("path,command", COMMANDS)
def test_endpoint_write_urls_only_on_commands_that_write(path, command):
    names = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
    writes = bool(names & {"--update-url", "--graph-store-url"})
    assert writes == (path in WRITING), path


def test_the_readme_documents_every_exit_code():
    for code in ExitCode:
        assert f"| {code.value} |" in README, f"the README's exit-code table lacks {code.value}"


def test_an_internal_error_has_its_own_exit_code(monkeypatch, capsys):
    """A bug in tropekg exits 70, not 1 (which means 'violations found' or 'no path')."""
    import sys

    from tropekg.cli import pages

    def bug(*args, **kwargs):
        raise KeyError("simulated bug")

    monkeypatch.setattr(pages, "parse_records", bug)
    monkeypatch.setattr(sys, "argv", ["tropekg", "parse", str(Path(__file__).resolve().parents[1]
                                                             / "examples/pages/Main/FriendOrFoe.txt")])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == ExitCode.INTERNAL == 70
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err
