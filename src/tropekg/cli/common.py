"""What every ``tropekg`` command shares: exit codes, where the graph is, one-line errors, progress.

Kept apart from :mod:`tropekg.cli` so the command modules can use it at import time without
importing the CLI itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path

import click

from tropekg.titles import parse_title


class ExitCode(IntEnum):
    """How a ``tropekg`` command ends; the same for every command."""

    OK = 0
    NO = 1          # the answer is no: violations found, no path between two tropes
    USAGE = 2       # usage or input error: the message says what to change
    PARTIAL = 3     # done, but some pages failed (each named on stderr)
    INTERNAL = 70   # a bug in tropekg (sysexits' EX_SOFTWARE): please report it


EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 the answer is no (violations found, no path); 2 usage or input error; "
    "3 done, but some pages failed; 70 internal error (a bug in tropekg)."
)


def title_option(value: str | None):
    if value is None:
        return None
    title = parse_title(value)
    if title is None:
        raise click.BadParameter(f"{value!r} is not a page title; write it as Namespace/PageName")
    return title


DEFAULT_TIMEOUT = 60.0
_TIMEOUT_KEY = "tropekg.timeout"


def _remember_timeout(ctx: click.Context, param, value: float) -> float:
    ctx.meta[_TIMEOUT_KEY] = value
    return value


def graph_options(f):
    """--store PATH | --endpoint URL: where a command reads the graph; --timeout SECONDS for an
    endpoint's requests (kept in the context for :func:`open_graph`, so commands need not pass
    it along)."""
    f = click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86400),
                     default=DEFAULT_TIMEOUT, show_default=True, envvar="TROPEKG_TIMEOUT",
                     expose_value=False, callback=_remember_timeout, metavar="SECONDS",
                     help="With --endpoint: the most one request may take in all (connecting, the "
                          "whole answer, retries), however slowly the server answers.")(f)
    f = click.option("--endpoint", envvar="TROPEKG_ENDPOINT",
                     help="A SPARQL 1.1 query URL, http(s) only (credentials from "
                          "TROPEKG_ENDPOINT_USER/_PASSWORD).")(f)
    f = click.option("--store", type=click.Path(path_type=Path), envvar="TROPEKG_STORE",
                     help="An on-disk Oxigraph store (the default backend).")(f)
    return f


def writable_graph_options(f):
    """:func:`graph_options` plus the URLs an endpoint is written through (for ``load``)."""
    f = click.option("--graph-store-url", envvar="TROPEKG_GRAPH_STORE_URL",
                     help="The endpoint's SPARQL Graph Store Protocol URL (loads PUT page graphs there).")(f)
    f = click.option("--update-url", envvar="TROPEKG_UPDATE_URL",
                     help="The endpoint's SPARQL update URL.")(f)
    return graph_options(f)


def open_graph(store, endpoint, update_url=None, graph_store_url=None, *, write: bool = False):
    """The backend the options name; a usage error when they name none or both, a one-line
    error when it cannot be opened."""
    from tropekg.store import BackendError, open_backend

    if store is not None and endpoint is not None:
        raise click.UsageError("give --store or --endpoint, not both")
    if store is None and endpoint is None:
        raise click.UsageError("say where the graph is: --store PATH or --endpoint URL "
                               "(or set TROPEKG_STORE)")
    ctx = click.get_current_context(silent=True)
    timeout = ctx.meta.get(_TIMEOUT_KEY, DEFAULT_TIMEOUT) if ctx is not None else DEFAULT_TIMEOUT
    try:
        return open_backend(store, endpoint, update_url=update_url, graph_store_url=graph_store_url,
                            write=write, timeout=timeout)
    except BackendError as e:
        fail(str(e))


def fail(message: str, code: int = ExitCode.USAGE):
    click.echo(f"tropekg: error: {message}", err=True)
    sys.exit(int(code))


@contextmanager
def page_progress(quiet: bool, label: str = "pages") -> Iterator[Callable[[int, int], None]]:
    """A progress callback ``(done, total)`` drawing a bar with an ETA on stderr when it is a
    terminal."""
    bar = None
    if not quiet and sys.stderr.isatty():
        bar = click.progressbar(length=1, label=label, file=sys.stderr, show_eta=True)

    def progress(done: int, total: int) -> None:
        # ``done`` is where the work is (pages, bytes, ...), so callers may report in any steps
        if bar is not None:
            bar.length = max(total, 1)
            if done > bar.pos:
                bar.update(done - bar.pos)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.render_finish()
