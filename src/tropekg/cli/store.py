"""Commands over the graph store: ``load``, ``query``, ``sparql`` and ``serve``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tropekg.cli.common import (
    fail,
    graph_options,
    open_graph,
    page_progress,
    writable_graph_options,
)
from tropekg.query.results import GRAPH_FORMATS, SELECT_FORMATS

RESULT_FORMATS = SELECT_FORMATS + GRAPH_FORMATS


@click.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@writable_graph_options
@click.option("--prune", is_flag=True, help="Remove page graphs not in what is loaded (a full build).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when the load succeeds.")
def load_command(paths, store, endpoint, update_url, graph_store_url, prune, quiet) -> None:
    """Load built datasets into the store or an endpoint.

    PATHS are build folders (their dataset.nq) or RDF files (.nq, .trig, .nt, .ttl, .jsonld).
    Each page's named graph replaces the one already there, so reloading a rebuilt page changes
    that page only and an interrupted load can simply be run again.

    \b
    Examples:
      tropekg load out --store kg.store
      tropekg load out --store kg.store --prune
      tropekg load out --endpoint http://localhost:7878/query \
          --update-url http://localhost:7878/update --graph-store-url http://localhost:7878/store
    """
    from tropekg.store import BackendError

    graph = open_graph(store, endpoint, update_url, graph_store_url, write=True)
    try:
        with page_progress(quiet, label="loading") as progress:
            report = graph.load(paths, prune=prune, progress=progress)
    except BackendError as e:
        fail(str(e))
    if not quiet:
        how = "bulk-loaded" if report.bulk else "loaded"
        click.echo(f"{how} {report.graphs_replaced} graphs ({report.quads} quads) from "
                   f"{', '.join(report.sources)}; pruned {report.graphs_pruned}; "
                   f"{report.wanted_pages} wanted pages")


@click.group("query")
def query_group() -> None:
    """The saved SPARQL queries in queries/: list, show and run them.

    \b
    Examples:
      tropekg query list
      tropekg query show subtropes
      tropekg query run subtropes --param trope=Main/NeverHurtAnInnocent --store kg.store
    """


@query_group.command("list")
@click.option("--tag", help="Only queries with this tag.")
def query_list(tag) -> None:
    """A table of the saved queries: name, parameters, summary.

    \b
    Example:
      tropekg query list --tag hierarchy
    """
    from tropekg.query.saved import load_queries

    queries = [q for q in load_queries().values() if tag is None or tag in q.tags]
    width = max((len(q.name) for q in queries), default=4)
    for q in queries:
        params = " ".join(f"{p.name}:{p.type}" for p in q.params)
        heavy = " [heavy]" if q.heavy else ""
        click.echo(f"{q.name.ljust(width)}  {q.summary}{heavy}" + (f"\n{' ' * width}  params: {params}" if params else ""))


@query_group.command("show")
@click.argument("name")
def query_show(name) -> None:
    """Print a saved query: its documentation and its SPARQL.

    \b
    Example:
      tropekg query show works-for-trope
    """
    from tropekg.query.saved import QueryError, get_query

    try:
        q = get_query(name)
    except QueryError as e:
        fail(str(e))
    click.echo(q.text)


def _parse_params(pairs) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r}: write --param name=value", param_hint="--param")
        out[name.strip()] = value
    return out


def _run_and_print(graph, text: str, bindings: dict, fmt: str) -> None:
    from tropekg.query.results import format_result
    from tropekg.store import BackendError

    try:
        result = graph.run(text, bindings)
        click.echo(format_result(result, fmt, graph.base))
    except BackendError as e:
        fail(str(e))
    except ValueError as e:
        raise click.UsageError(str(e)) from None


@query_group.command("run")
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, help="name=value (repeatable).")
@graph_options
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True,
              help="table for people; csv, tsv, json for SELECT and ASK; turtle, jsonld, nt for CONSTRUCT.")
def query_run(name, params, store, endpoint, fmt) -> None:
    """Run a saved query. Parameter values are bound, never pasted into the query.

    \b
    Examples:
      tropekg query run works-for-trope -p trope=Main/WouldNotShootAGoodGuy --store kg.store
      tropekg query run trope-neighbourhood -p trope=Main/ThouShaltNotKill --format turtle --store kg.store
      tropekg query run subtropes -p trope=Main/NeverHurtAnInnocent --endpoint http://localhost:7878/query
    """
    from tropekg.query.params import bind
    from tropekg.query.saved import QueryError, get_query
    from tropekg.store import BackendError

    try:
        q = get_query(name)
    except QueryError as e:
        fail(str(e))
    graph = open_graph(store, endpoint)
    try:
        bindings = bind(q, _parse_params(params), graph.base)
    except (QueryError, BackendError) as e:
        fail(str(e))
    _run_and_print(graph, q.text, bindings, fmt)


@click.command("sparql")
@click.argument("query", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"),
              help="Read the query from a file.")
@graph_options
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True,
              help="table for people; csv, tsv, json for SELECT and ASK; turtle, jsonld, nt for CONSTRUCT.")
def sparql_command(query, query_file, store, endpoint, fmt) -> None:
    """Run an ad-hoc SPARQL query over the union of all page graphs.

    \b
    Examples:
      tropekg sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' --store kg.store
      tropekg sparql -f my-query.rq --format csv --store kg.store
    """
    if (query is None) == (query_file is None):
        raise click.UsageError("give the query as an argument or with -f FILE (one of them)")
    text = query if query is not None else query_file.read()
    graph = open_graph(store, endpoint)
    _run_and_print(graph, text, {}, fmt)


@click.command("serve")
@click.option("--store", type=click.Path(path_type=Path), envvar="TROPEKG_STORE", required=True,
              help="The on-disk store to serve.")
@click.option("--bind", "bind_address", default="127.0.0.1:7878", show_default=True,
              help="Host and port to listen on. Binding beyond 127.0.0.1 exposes the graph.")
@click.option("--writable", is_flag=True, help="Accept SPARQL updates and graph store writes.")
def serve_command(store, bind_address, writable) -> None:
    """Serve the store over SPARQL with Oxigraph's server (read-only by default).

    The server's own page (YASGUI) at the printed URL is a query UI; queries see the union of
    all page graphs. Needs the oxigraph server: pip install 'tropekg[serve]'.

    \b
    Example:
      tropekg serve --store kg.store
    """
    import shutil

    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(exe).exists():
        fail("the oxigraph server is not installed: pip install 'tropekg[serve]'")
    if not Path(store).exists():
        fail(f"{store}: no store here (load one with tropekg load)")
    mode = "serve" if writable else "serve-read-only"
    click.echo(f"serving {store} {'read-write' if writable else 'read-only'} at http://{bind_address}/ "
               f"(query URL http://{bind_address}/query); Ctrl-C stops it", err=True)
    sys.stderr.flush()
    # become the server (exec), so that stopping this process by its PID stops the server too
    os.execv(exe, [exe, mode, "--location", str(store), "--bind", bind_address, "--union-default-graph"])


