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
from .cli_analysis import analyze_command, export_command, path_command, viz_group
from .cli_common import (  # noqa: F401 - re-exported for the command modules and scripts
    EXIT_OK,
    EXIT_PAGES_FAILED,
    EXIT_USAGE,
    fail,
    graph_options,
    open_graph,
    page_progress,
)
from .cli_common import title_option as _title_option
from .cli_synth import synth_command
from .cli_validate import validate_command
from .mapping import DEFAULT_BASE
from .parse import parse_bytes, parse_file
from .source import PageError


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
    """Parse pages into the page model and print it as JSON.

    FILE is a page's wiki source (Namespace/PageName.txt, Namespace.PageName, or a June 2012 backup
    file Namespace.PageName@action=source), a rendered page saved from the site (HTML, any file
    name: the page names itself), or - for standard input (wiki source there needs --title).

    \b
    Examples:
      tropekg parse examples/pages/Main/WouldNotShootAGoodGuy.txt
      tropekg parse examples/html/TheLanternKeeper.html
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
                page = parse_bytes(sys.stdin.buffer.read(), "<stdin>", given)
            else:
                page = parse_file(Path(name), given)
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
@click.option("--no-cache", is_flag=True,
              help="Parse every page again (by default, pages unchanged since the last build into OUT "
                   "are taken from OUT/.cache).")
@click.option("--validate", "then_validate", is_flag=True,
              help="Validate the build with the SHACL shapes; exit 1 on violations.")
def build_command(paths, out_dir, formats, jobs, base, title, quiet, no_cache, then_validate) -> None:
    """Build the knowledge graph of the pages under PATHS into OUT.

    PATHS are page files or folders searched recursively (Namespace/PageName.txt,
    Namespace.PageName, Namespace.PageName@action=source, and rendered pages saved from the site
    as .html files with any name). Writes dataset.nq (N-Quads, one named
    graph per page, canonical), dataset.trig, graph.ttl (merged Turtle), graph.jsonld (compact
    JSON-LD with the shipped context) and report.json. Outputs are replaced atomically.

    Exit codes: 0 ok; 1 --validate found violations; 2 usage or input error; 3 built, but some
    pages failed (see the report).

    \b
    Examples:
      tropekg build examples/pages -o out
      tropekg build examples/pages -o out --validate
      tropekg build corpus/ -o out --format nquads --format turtle --jobs 2
    """
    given = _title_option(title)
    if given is not None and (len(paths) != 1 or not paths[0].is_file()):
        raise click.UsageError("--title names one page; give one FILE with it")
    try:
        with page_progress(quiet) as progress:
            report = build(paths, out_dir, formats=formats or FORMATS, jobs=jobs, base=base, title=given,
                           progress=progress, cache=not no_cache)
    except BuildError as e:
        fail(str(e))
    if not quiet:
        click.echo(format_build_report(report))
    for failure in report.failed:
        where = f"{failure['path']}:{failure['line']}" if failure.get("line") else failure["path"]
        click.echo(f"tropekg: page failed: {where}: {failure['reason']}", err=True)
    if then_validate:
        from .validate import ValidationError, format_report, validate_build

        try:
            checked = validate_build(out_dir, jobs=jobs, base=base)
        except ValidationError as e:
            fail(str(e))
        if not quiet or not checked.conforms:
            click.echo(format_report(checked, "text", min_severity="warning", limit=20))
        if not checked.conforms:
            sys.exit(1)
    if report.failed:
        sys.exit(EXIT_PAGES_FAILED)


def format_build_report(report) -> str:
    kinds = ", ".join(f"{n} {kind}" for kind, n in report.kinds.items()) or "none"
    lines = [
        f"pages read:    {report.pages} ({kinds}); {report.cached} unchanged, taken from the cache",
        f"failed pages:  {len(report.failed)}",
        f"examples:      {report.examples}",
        f"quads:         {report.quads} in named graphs; {report.triples} triples merged",
        f"wanted pages:  {report.wanted_pages} (linked to, described by no page)",
        f"warnings:      {report.warnings} (listed per page in report.json)",
    ]
    for fmt, path in report.outputs.items():
        lines.append(f"wrote {fmt + ':':9s}{path}")
    return "\n".join(lines)


@cli.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@graph_options
@click.option("--prune", is_flag=True, help="Remove page graphs not in what is loaded (a full build).")
@click.option("--quiet", "-q", is_flag=True)
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
    from .endpoint import EndpointError
    from .store import StoreError

    try:
        graph = open_graph(store, endpoint, update_url, graph_store_url, write=True)
        report = graph.load(paths, prune=prune)
    except (StoreError, EndpointError) as e:
        fail(str(e))
    if not quiet:
        how = "bulk-loaded" if report.bulk else "loaded"
        click.echo(f"{how} {report.graphs_replaced} graphs ({report.quads} quads) from "
                   f"{', '.join(report.sources)}; pruned {report.graphs_pruned}; "
                   f"{report.wanted_pages} wanted pages")


@cli.group("query")
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
    from .queries import load_queries

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
    from .queries import QueryError, get_query

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


_ALL_FORMATS = ("table", "csv", "tsv", "json", "turtle", "jsonld", "nt")


def _run_and_print(graph, text: str, bindings: dict, fmt: str) -> None:
    from .endpoint import EndpointError
    from .results import format_result
    from .store import StoreError

    try:
        result = graph.run(text, bindings)
        click.echo(format_result(result, fmt, getattr(graph, "base", DEFAULT_BASE)))
    except (StoreError, EndpointError) as e:
        fail(str(e))
    except ValueError as e:
        raise click.UsageError(str(e)) from None


@query_group.command("run")
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, help="name=value (repeatable).")
@graph_options
@click.option("--format", "fmt", type=click.Choice(_ALL_FORMATS), default="table", show_default=True)
def query_run(name, params, store, endpoint, update_url, graph_store_url, fmt) -> None:
    """Run a saved query. Parameter values are bound, never pasted into the query.

    \b
    Examples:
      tropekg query run works-for-trope -p trope=Main/WouldNotShootAGoodGuy --store kg.store
      tropekg query run trope-neighbourhood -p trope=Main/ThouShaltNotKill --format turtle --store kg.store
      tropekg query run subtropes -p trope=Main/NeverHurtAnInnocent --endpoint http://localhost:7878/query
    """
    from .endpoint import EndpointError
    from .queries import QueryError, bind, get_query
    from .store import StoreError

    try:
        q = get_query(name)
        graph = open_graph(store, endpoint, update_url, graph_store_url)
        bindings = bind(q, _parse_params(params), getattr(graph, "base", DEFAULT_BASE))
    except (QueryError, StoreError, EndpointError) as e:
        fail(str(e))
    _run_and_print(graph, q.text, bindings, fmt)


@cli.command("sparql")
@click.argument("query", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"),
              help="Read the query from a file.")
@graph_options
@click.option("--format", "fmt", type=click.Choice(_ALL_FORMATS), default="table", show_default=True)
def sparql_command(query, query_file, store, endpoint, update_url, graph_store_url, fmt) -> None:
    """Run an ad-hoc SPARQL query over the union of all page graphs.

    \b
    Examples:
      tropekg sparql 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' --store kg.store
      tropekg sparql -f my-query.rq --format csv --store kg.store
    """
    from .endpoint import EndpointError
    from .store import StoreError

    if (query is None) == (query_file is None):
        raise click.UsageError("give the query as an argument or with -f FILE (one of them)")
    text = query if query is not None else query_file.read()
    try:
        graph = open_graph(store, endpoint, update_url, graph_store_url)
    except (StoreError, EndpointError) as e:
        fail(str(e))
    _run_and_print(graph, text, {}, fmt)


@cli.command("serve")
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


# The commands of later steps live in modules of their own.
for _command in (validate_command, analyze_command, path_command, export_command, viz_group,
                 synth_command):
    cli.add_command(_command)


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
