"""Commands over the graph store: ``load``, ``query`` and ``sparql`` (``serve`` is in :mod:`.serve`)."""

from __future__ import annotations

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
        # the bar counts the bytes read: a bulk load has no graph count until it is done
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

    every = load_queries().values()
    if tag is not None:
        known = sorted({t for q in every for t in q.tags})
        if tag not in known:
            fail(f"no saved query has the tag {tag!r} (tags: {', '.join(known) or 'none'})")
    queries = [q for q in every if tag is None or tag in q.tags]
    width = max((len(q.name) for q in queries), default=4)
    for q in queries:
        heavy = " [heavy]" if q.heavy else ""
        click.echo(f"{q.name.ljust(width)}  {q.summary}{heavy}")
        if q.params:
            click.echo(f"{' ' * width}  params: {' '.join(f'{p.name}:{p.type}' for p in q.params)}")
        if q.tags:
            click.echo(f"{' ' * width}  tags: {', '.join(q.tags)}")


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


def _utf8_text(value: str, what: str, hint: str | None = None) -> str:
    """``value`` if it is text; a usage error when it holds bytes that are not UTF-8 (Python
    keeps such command-line bytes as lone surrogates, which no store or file can take)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        raise click.BadParameter(f"{what} '{shown}' is not valid UTF-8 text (bytes from the shell "
                                 f"that are no characters)", param_hint=hint) from None
    return value


def _parse_params(pairs) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = _utf8_text(pair, "the value", "--param").partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r}: write --param name=value", param_hint="--param")
        out[name.strip()] = value
    return out


def _run_and_print(graph, text: str, bindings: dict, fmt: str, raw_csv: bool,
                   usual_prefixes: bool = False) -> None:
    from tropekg.query.results import format_result
    from tropekg.rdf.namespaces import prefixes_for
    from tropekg.store import BackendError

    try:
        if usual_prefixes:
            result = graph.run(text, bindings, prefixes=prefixes_for(graph.base))
        else:
            result = graph.run(text, bindings)
        out = format_result(result, fmt, graph.base, raw_csv=raw_csv)
    except BackendError as e:
        fail(str(e))
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    # CSV and TSV end their last row with a line break already: no blank line after it
    click.echo(out, nl=not out.endswith("\n"))


def _raw_csv_option(f):
    return click.option("--raw-csv", is_flag=True,
                        help="Write CSV cells as they are. By default a cell starting with =, +, -, @, "
                             "a tab or a carriage return (a formula to a spreadsheet) gets a leading '.")(f)


@query_group.command("run")
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, help="name=value (repeatable).")
@graph_options
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True,
              help="table for people; csv, tsv, json for SELECT and ASK; turtle, jsonld, nt for CONSTRUCT.")
@_raw_csv_option
def query_run(name, params, store, endpoint, fmt, raw_csv) -> None:
    """Run a saved query. Parameter values are bound, never pasted into the query.

    A page is named as its title (Main/ThouShaltNotKill) or as people write it
    (Main/thoushaltnotkill, "Thou Shalt Not Kill"): titles and labels are matched without case.
    A parameter left out takes its default, and stderr says so.

    \b
    Examples:
      tropekg query run works-for-trope -p trope=Main/WouldNotShootAGoodGuy --store kg.store
      tropekg query run trope-neighbourhood -p trope=Main/ThouShaltNotKill --format turtle --store kg.store
      tropekg query run subtropes -p trope=Main/NeverHurtAnInnocent --endpoint http://localhost:7878/query
    """
    from tropekg.query.params import bind, defaults_used, resolve_titles
    from tropekg.query.saved import QueryError, get_query
    from tropekg.store import BackendError

    given = _parse_params(params)
    try:
        q = get_query(name)
    except QueryError as e:
        fail(str(e))
    graph = open_graph(store, endpoint)
    try:
        given, notes = resolve_titles(q, given, graph.run, graph.base)
        bindings = bind(q, given, graph.base)
    except (QueryError, BackendError) as e:
        fail(str(e))
    for p in defaults_used(q, given):
        notes.append(f"{p.name} not given: using its default, {p.name}={p.default}")
    for note in notes:
        click.echo(f"tropekg: {note}", err=True)
    _run_and_print(graph, q.text, bindings, fmt, raw_csv)


@click.command("sparql")
@click.argument("query", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"),
              help="Read the query from a file.")
@graph_options
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True,
              help="table for people; csv, tsv, json for SELECT and ASK; turtle, jsonld, nt for CONSTRUCT.")
@_raw_csv_option
def sparql_command(query, query_file, store, endpoint, fmt, raw_csv) -> None:
    """Run an ad-hoc SPARQL query over the union of all page graphs (read-only).

    The usual prefixes need no PREFIX line: tk:, tkr: (resources), tkg: (page graphs), rdf:, rdfs:,
    owl:, xsd:, skos:, schema:, prov:, foaf: and dcterms: are declared unless the query declares
    them itself.

    \b
    Examples:
      tropekg sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' --store kg.store
      tropekg sparql 'SELECT ?t WHERE { ?t tk:subTropeOf tkr:Main/ThouShaltNotKill }' --store kg.store
      tropekg sparql -f my-query.rq --format csv --store kg.store
    """
    from tropekg.query.saved import QueryError
    from tropekg.query.syntax import read_only_form

    if (query is None) == (query_file is None):
        raise click.UsageError("give the query as an argument or with -f FILE (one of them)")
    try:
        text = _utf8_text(query, "the query", "QUERY") if query is not None else query_file.read()
    except UnicodeDecodeError as e:
        fail(f"{query_file.name}: not UTF-8 text ({e.reason} at byte {e.start})")
    try:
        read_only_form(text)
    except QueryError as e:
        fail(str(e))
    graph = open_graph(store, endpoint)
    _run_and_print(graph, text, {}, fmt, raw_csv, usual_prefixes=True)


