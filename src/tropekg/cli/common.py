"""What every ``tropekg`` command shares: exit codes, where the graph is, one-line errors.

Kept apart from :mod:`tropekg.cli` so that the command modules of later steps (``cli_validate``,
``cli_analysis``, ``cli_synth``) can use it at import time without importing the CLI itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from tropekg.rdf.mapping import DEFAULT_BASE
from tropekg.titles import parse_title

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_PAGES_FAILED = 3


def title_option(value: str | None):
    if value is None:
        return None
    title = parse_title(value)
    if title is None:
        raise click.BadParameter(f"{value!r} is not a page title; write it as Namespace/PageName")
    return title


def graph_options(f):
    """--store PATH | --endpoint URL (+ --update-url, --graph-store-url) for every graph command."""
    f = click.option("--graph-store-url", envvar="TROPEKG_GRAPH_STORE_URL",
                     help="The endpoint's SPARQL Graph Store Protocol URL (for load).")(f)
    f = click.option("--update-url", envvar="TROPEKG_UPDATE_URL",
                     help="The endpoint's SPARQL update URL.")(f)
    f = click.option("--endpoint", envvar="TROPEKG_ENDPOINT",
                     help="A SPARQL 1.1 query URL (credentials from TROPEKG_ENDPOINT_USER/_PASSWORD).")(f)
    f = click.option("--store", type=click.Path(path_type=Path), envvar="TROPEKG_STORE",
                     help="An on-disk Oxigraph store (the default backend).")(f)
    return f


def open_graph(store, endpoint, update_url, graph_store_url, *, write: bool = False, base=DEFAULT_BASE):
    if store is not None and endpoint is not None:
        raise click.UsageError("give --store or --endpoint, not both")
    if endpoint is not None:
        from tropekg.store.endpoint import Endpoint

        return Endpoint(endpoint, update_url, graph_store_url, base=base)
    if store is None:
        raise click.UsageError("say where the graph is: --store PATH or --endpoint URL "
                               "(or set TROPEKG_STORE)")
    from tropekg.store.embedded import GraphStore

    return GraphStore(store, read_only=not write, base=base)


def fail(message: str, code: int = EXIT_USAGE):
    click.echo(f"tropekg: error: {message}", err=True)
    sys.exit(code)


@contextmanager
def page_progress(quiet: bool, label: str = "pages") -> Iterator[Callable[[int, int], None]]:
    """A progress callback ``(done, total)`` drawing a bar on stderr when it is a terminal."""
    bar = None
    if not quiet and sys.stderr.isatty():
        bar = click.progressbar(length=1, label=label, file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.length = total
            bar.update(1)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.render_finish()
