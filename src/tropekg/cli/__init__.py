"""The ``tropekg`` command line: arguments in, calls to the library and one-line messages out.

A thin layer: each command group lives in a module of its own (:mod:`.pages` for parse and build,
:mod:`.store` for load, query and sparql, :mod:`.serve` for the site, :mod:`.validate`, :mod:`.analysis`,
:mod:`.synth`, :mod:`.fetch`, :mod:`.link`)
and shares :mod:`.common`. Exit codes are :class:`~tropekg.cli.common.ExitCode`, the same for every
command and listed in every ``--help``. No traceback reaches a user: an unexpected error prints one
line and exits 70 (set TROPEKG_DEBUG=1 to see the traceback).
"""

from __future__ import annotations

import os
import sys

import click

from tropekg import __version__
from tropekg.cli.analysis import analyze_command, export_command, path_command, viz_group
from tropekg.cli.common import EXIT_CODES_HELP, ExitCode
from tropekg.cli.fetch import fetch_command
from tropekg.cli.link import link_group
from tropekg.cli.pages import build_command, parse_command
from tropekg.cli.serve import serve_command
from tropekg.cli.store import load_command, query_group, sparql_command
from tropekg.cli.synth import synth_command
from tropekg.cli.validate import validate_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="tropekg")
def cli() -> None:
    """tropekg: a knowledge graph of storytelling tropes, read from TV Tropes page source.

    \b
    Example:
      tropekg parse examples/pages/Main/WouldNotShootAGoodGuy.txt
    """


COMMANDS = (parse_command, build_command, load_command, query_group, sparql_command, serve_command,
            validate_command, analyze_command, path_command, export_command, viz_group, synth_command,
            fetch_command, link_group)


def _with_exit_codes(command: click.Command) -> None:
    command.epilog = EXIT_CODES_HELP
    for sub in getattr(command, "commands", {}).values():
        _with_exit_codes(sub)


for _command in COMMANDS:
    _with_exit_codes(_command)
    cli.add_command(_command)


def main() -> None:
    try:
        cli.main(prog_name="tropekg", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("tropekg: interrupted", err=True)
        sys.exit(130)
    except Exception as e:
        if os.environ.get("TROPEKG_DEBUG"):
            raise
        click.echo(f"tropekg: internal error: {type(e).__name__}: {e} (a bug in tropekg; please report it, "
                   "and set TROPEKG_DEBUG=1 for details)", err=True)
        sys.exit(ExitCode.INTERNAL)
