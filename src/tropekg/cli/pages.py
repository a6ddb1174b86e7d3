"""``tropekg parse`` and ``tropekg build``: page files in, the page model or a built dataset out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tropekg.build import FORMATS, BuildError, build
from tropekg.cli.common import ExitCode, fail, page_progress, title_option
from tropekg.markup.parse import ParsedRecord, parse_bytes, parse_records
from tropekg.rdf.iris import DEFAULT_BASE
from tropekg.readers import PageError


@click.command("parse")
@click.argument("files", nargs=-1, required=True)
@click.option("--title", help="Page title (Namespace/PageName) when the path does not give it.")
@click.option("--summary", is_flag=True, help="One line per page instead of the JSON page model.")
def parse_command(files: tuple[str, ...], title: str | None, summary: bool) -> None:
    """Parse pages into the page model and print it as JSON.

    FILE is a page's wiki source (Namespace/PageName.txt, Namespace.PageName, or a June 2012 backup
    file Namespace.PageName@action=source), a rendered page saved from the site (HTML, any file
    name: the page names itself), either of them gzip-compressed, a web archive (WARC: every wiki
    page in it, one JSON object each), or - for standard input (wiki source there needs --title).

    \b
    Examples:
      tropekg parse examples/pages/Main/WouldNotShootAGoodGuy.txt
      tropekg parse examples/html/TheLanternKeeper.html
      tropekg parse --summary crawl.warc.gz
      cat page.txt | tropekg parse - --title Main/FriendOrFoe
      tropekg parse --summary examples/pages/Main/*.txt
    """
    given = title_option(title)
    if given is not None and len(files) > 1:
        raise click.UsageError("--title names one page; give one FILE with it")
    read = failed = 0
    for name in files:
        if name == "-":
            try:
                records = [ParsedRecord("<stdin>", parse_bytes(sys.stdin.buffer.read(), "<stdin>", given))]
            except PageError as e:
                records = [ParsedRecord("<stdin>", error=e)]
        else:
            records = parse_records(Path(name), given)
        for record in records:
            read += 1
            if record.error is not None:
                click.echo(f"tropekg: error: {record.error}", err=True)
                failed += 1
                continue
            page = record.page
            if summary:
                stated = sum(1 for ex in page.examples if ex.mode_stated)
                relations = sum(len(v) for v in page.relations.values())
                click.echo(
                    f"{page.title}\t{page.kind}\t{len(page.examples)} examples ({stated} with a stated mode)"
                    f"\t{relations} relations\t{len(page.links)} links\t{len(page.warnings)} warnings"
                )
            else:
                _echo_pieces(page.json_text())
    if read == 0:
        fail("no wiki page found in " + ", ".join(files))
    if failed:
        sys.exit(ExitCode.USAGE if failed == read else ExitCode.PARTIAL)


def _echo_pieces(pieces) -> None:
    """Text made a piece at a time, written about 64 KB at a time, then a line end."""
    buffered: list[str] = []
    size = 0
    for piece in pieces:
        buffered.append(piece)
        size += len(piece)
        if size >= 65536:
            click.echo("".join(buffered), nl=False)
            buffered, size = [], 0
    click.echo("".join(buffered))


@click.command("build")
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
@click.option("--merged/--no-merged", default=True, show_default=True,
              help="Write the merged files (--format). --no-merged keeps the dataset as page parts "
                   "(OUT/manifest.json), which load and validate read as they read dataset.nq, so a "
                   "rebuild writes only the pages that changed.")
@click.option("--store", "store_path", type=click.Path(path_type=Path),
              help="Also load the dataset into this Oxigraph store: a new store is bulk-loaded while "
                   "the pages are built; one holding data has each page graph replaced after the build.")
@click.option("--follow-symlinks", is_flag=True,
              help="Read what symbolic links in PATHS lead to outside the folder they are in (by default "
                   "such links are reported as failed pages and not read).")
@click.option("--validate", "then_validate", is_flag=True,
              help="Validate the build with the SHACL shapes; exit 1 on violations.")
@click.option("--sparql-endpoint", metavar="URL",
              help="The SPARQL endpoint the graph will be served at, named in its description.")
def build_command(paths, out_dir, formats, jobs, base, title, quiet, no_cache, merged, store_path,
                  follow_symlinks, then_validate, sparql_endpoint) -> None:
    """Build the knowledge graph of the pages under PATHS into OUT.

    PATHS are page files or folders searched recursively (Namespace/PageName.txt,
    Namespace.PageName, Namespace.PageName@action=source, rendered pages saved from the site with
    any name, files named after the site's addresses as wget saves them, any of these
    gzip-compressed, and web archives (WARC) of the site), mixed freely; an aliases.tsv at the top
    of a folder gives pages their other names. When two inputs are the same page, one is kept (see
    the README, "Inputs") and the other reported. Writes dataset.nq (N-Quads, one named
    graph per page, canonical), dataset.trig, graph.ttl (merged Turtle, each subject once),
    graph.jsonld (compact JSON-LD with the shipped context) and report.json, with the dataset's
    VoID/DCAT description (licence, counts, files) in graph .../graph/_/dataset. Outputs are
    replaced atomically: readers see the previous build's outputs or this one's, never a mix. A
    symbolic link in a folder that leads out of it is not read unless --follow-symlinks; a
    subfolder that cannot be read is a failed page.

    Exit codes: 0 ok; 1 --validate found violations; 2 usage or input error; 3 built, but some
    pages failed (see the report).

    \b
    Examples:
      tropekg build examples/pages -o out
      tropekg build examples/pages -o out --validate
      tropekg build pages/ crawl.warc.gz -o out
      tropekg build corpus/ -o out --format nquads --format turtle --jobs 2
      tropekg build corpus/ -o out --no-merged --store kg.store
      tropekg build linked-pages/ -o out --follow-symlinks
      tropekg build examples/pages -o out --sparql-endpoint http://127.0.0.1:7878/query
    """
    given = title_option(title)
    if given is not None and (len(paths) != 1 or not paths[0].is_file()):
        raise click.UsageError("--title names one page; give one FILE with it")
    if not merged and formats and set(formats) != {"nquads"}:
        raise click.UsageError("--no-merged writes no merged file: leave out --format")
    from tropekg.store import StoreError

    streaming = None
    try:
        if store_path is not None:
            from tropekg.store.streaming import StreamingLoad, can_stream_into

            if can_stream_into(store_path):
                streaming = StreamingLoad(store_path)
        with page_progress(quiet) as progress:
            report = build(paths, out_dir, formats=formats or FORMATS, jobs=jobs, base=base, title=given,
                           progress=progress, cache=not no_cache, merged=merged,
                           sink=streaming.write if streaming is not None else None,
                           follow_symlinks=follow_symlinks, sparql_endpoint=sparql_endpoint)
        if streaming is not None:
            streaming.finish()
            streaming = None
            loaded = f"bulk-loaded {report.quads} quads into {store_path} as the pages were built"
        elif store_path is not None:
            from tropekg.store.embedded import GraphStore

            with page_progress(quiet, label="loading") as progress:
                load = GraphStore(store_path).load([out_dir], progress=progress)
            loaded = f"loaded {load.graphs_replaced} graphs ({load.quads} quads) into {store_path}"
    except (BuildError, StoreError) as e:
        if streaming is not None:
            streaming.abort()
        fail(str(e))
    except BaseException:
        if streaming is not None:
            streaming.abort()
        raise
    if not quiet:
        click.echo(format_build_report(report))
        if store_path is not None:
            click.echo(loaded)
    for warning in report.input_warnings:
        where = f"{warning['path']}:{warning['line']}" if warning.get("line") else warning["path"]
        click.echo(f"tropekg: warning: {where}: {warning['message']}", err=True)
    for failure in report.failed:
        where = f"{failure['path']}:{failure['line']}" if failure.get("line") else failure["path"]
        click.echo(f"tropekg: page failed: {where}: {failure['reason']}", err=True)
    if then_validate:
        from tropekg.validate import ValidationError, format_report, validate_build

        try:
            checked = validate_build(out_dir, jobs=jobs, base=base)
        except ValidationError as e:
            fail(str(e))
        if not quiet or not checked.conforms:
            click.echo(format_report(checked, "text", min_severity="warning", limit=20))
        if not checked.conforms:
            sys.exit(ExitCode.NO)
    if report.failed:
        sys.exit(ExitCode.PARTIAL)


def format_build_report(report) -> str:
    kinds = ", ".join(f"{n} {kind}" for kind, n in report.kinds.items()) or "none"
    lines = [
        f"pages read:    {report.pages} ({kinds}); {report.cached} unchanged, taken from the cache",
        f"failed pages:  {len(report.failed)}",
        f"examples:      {report.examples}",
        f"quads:         {report.quads} in named graphs"
        + (f"; {report.triples} triples merged" if {"turtle", "jsonld"} & set(report.outputs) else ""),
        f"wanted pages:  {report.wanted_pages} (linked to, described by no page)",
        f"warnings:      {report.warnings} (listed per page in report.json)",
    ]
    if report.aliases:
        lines.append(f"aliases:       {report.aliases} other names kept for the pages built")
    for archive in report.archives:
        skipped = sum(archive["skipped"].values())
        lines.append(f"archive:       {archive['path']}: {archive['pages']} pages, {archive['aliases']} "
                     f"redirects, {skipped} other records skipped")
    for fmt, path in report.outputs.items():
        lines.append(f"wrote {fmt + ':':9s}{path}")
    return "\n".join(lines)


