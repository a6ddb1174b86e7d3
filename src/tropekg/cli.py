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
from .build import FORMATS, BuildError, build
from .mapping import DEFAULT_BASE
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


@cli.command("build")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Output folder (created if missing).")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
              help="Outputs to write (repeatable); default: all of them.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Parallel workers (default: the cores).")
@click.option("--base", default=DEFAULT_BASE, show_default=True,
              help="Base IRI: resources go under BASE/resource/, page graphs under BASE/graph/.")
@click.option("--title", help="Page title (Namespace/PageName) when building a single file.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no report on stdout.")
def build_command(paths, out_dir, formats, jobs, base, title, quiet) -> None:
    """Build the knowledge graph of the pages under PATHS into OUT.

    PATHS are page files or folders searched recursively (Namespace/PageName.txt,
    Namespace.PageName, Namespace.PageName@action=source). Writes dataset.nq (N-Quads, one named
    graph per page, canonical), dataset.trig, graph.ttl (merged Turtle), graph.jsonld (compact
    JSON-LD with the shipped context) and report.json. Outputs are replaced atomically.

    Exit codes: 0 ok; 2 usage or input error; 3 built, but some pages failed (see the report).

    \b
    Examples:
      tropekg build examples/pages -o out
      tropekg build corpus/ -o out --format nquads --format turtle --jobs 2
    """
    given = _title_option(title)
    if given is not None and (len(paths) != 1 or not paths[0].is_file()):
        raise click.UsageError("--title names one page; give one FILE with it")
    bar = None
    if not quiet and sys.stderr.isatty():
        bar = click.progressbar(length=1, label="pages", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.length = total
            bar.update(1)

    try:
        report = build(paths, out_dir, formats=formats or FORMATS, jobs=jobs, base=base, title=given,
                       progress=progress)
    except BuildError as e:
        click.echo(f"tropekg: error: {e}", err=True)
        sys.exit(EXIT_USAGE)
    finally:
        if bar is not None:
            bar.render_finish()
    if not quiet:
        click.echo(format_report(report))
    for failure in report.failed:
        where = f"{failure['path']}:{failure['line']}" if failure.get("line") else failure["path"]
        click.echo(f"tropekg: page failed: {where}: {failure['reason']}", err=True)
    if report.failed:
        sys.exit(EXIT_PAGES_FAILED)


def format_report(report) -> str:
    kinds = ", ".join(f"{n} {kind}" for kind, n in report.kinds.items()) or "none"
    lines = [
        f"pages read:    {report.pages} ({kinds})",
        f"failed pages:  {len(report.failed)}",
        f"examples:      {report.examples}",
        f"quads:         {report.quads} in named graphs; {report.triples} triples merged",
        f"wanted pages:  {report.wanted_pages} (linked to, described by no page)",
        f"warnings:      {report.warnings} (listed per page in report.json)",
    ]
    for fmt, path in report.outputs.items():
        lines.append(f"wrote {fmt + ':':9s}{path}")
    return "\n".join(lines)


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
