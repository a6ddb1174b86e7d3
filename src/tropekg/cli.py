"""The ``tropekg`` command line: a thin layer over the library.

Exit codes: 0 ok; 2 usage or input error; 3 finished but some pages failed. No traceback reaches a
user: an unexpected error prints one line (set TROPEKG_DEBUG=1 to see the traceback).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from . import __version__
from .parse import parse_source
from .source import PageError, decode, read, title_from_path
from .titles import parse_title

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_PAGES_FAILED = 3


def _title_option(value: str | None):
    if value is None:
        return None
    title = parse_title(value)
    if title is None:
        raise click.BadParameter(f"{value!r} is not a page title; write it as Namespace/PageName")
    return title


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tropekg")
def cli() -> None:
    """tropekg: a knowledge graph of storytelling tropes, read from TV Tropes page source.

    \b
    Example:
      tropekg parse examples/pages/Main/WouldNotShootAGoodGuy.txt
    """


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--title", help="Page title (Namespace/PageName) when the path does not give it.")
@click.option("--summary", is_flag=True, help="One line per page instead of the JSON page model.")
def parse(files: tuple[str, ...], title: str | None, summary: bool) -> None:
    """Parse page source into the page model and print it as JSON.

    FILE is a page file (Namespace/PageName.txt, Namespace.PageName, or a June 2012 backup file
    Namespace.PageName@action=source) or - for standard input (then --title is required).

    \b
    Examples:
      tropekg parse examples/pages/Main/WouldNotShootAGoodGuy.txt
      cat page.txt | tropekg parse - --title Main/FriendOrFoe
      tropekg parse --summary examples/pages/Main/*.txt
    """
    given = _title_option(title)
    if given is not None and len(files) > 1:
        raise click.UsageError("--title names one page; give one FILE with it")
    failed = 0
    for name in files:
        try:
            if name == "-":
                if given is None:
                    raise PageError("<stdin>", "reading standard input needs --title Namespace/PageName")
                source = decode(sys.stdin.buffer.read(), "<stdin>")
                page_title = given
            else:
                path = Path(name)
                page_title = given or title_from_path(path)
                source = read(path)
            page = parse_source(source, page_title)
        except PageError as e:
            click.echo(f"tropekg: error: {e}", err=True)
            failed += 1
            continue
        if summary:
            stated = sum(1 for ex in page.examples if ex.mode_stated)
            relations = sum(len(v) for v in page.relations.values())
            click.echo(
                f"{page.title}\t{page.kind}\t{len(page.examples)} examples ({stated} with a stated mode)"
                f"\t{relations} relations\t{len(page.links)} links\t{len(page.warnings)} warnings"
            )
        else:
            click.echo(json.dumps(page.to_json(), ensure_ascii=False, indent=2))
    if failed:
        sys.exit(EXIT_USAGE if failed == len(files) else EXIT_PAGES_FAILED)


def main() -> None:
    try:
        cli.main(prog_name="tropekg", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("tropekg: interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # the last line of defence: one line, never a traceback
        if os.environ.get("TROPEKG_DEBUG"):
            raise
        click.echo(f"tropekg: internal error: {type(e).__name__}: {e} (set TROPEKG_DEBUG=1 for details)",
                   err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
