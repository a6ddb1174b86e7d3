"""``tropekg link``: linksets to other datasets on the command line (a thin layer over
:mod:`tropekg.link`). The main command group registers :data:`link_group`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from tropekg.cli.common import fail, open_graph, page_progress, writable_graph_options


@click.group("link")
def link_group() -> None:
    """Link the graph to other datasets (a linkset graph a rerun replaces).

    \b
    Example:
      tropekg link wikidata --store kg.store --contact me@example.org
    """


@link_group.command("wikidata")
@writable_graph_options
@click.option("--wikidata", "wikidata_url", metavar="URL", default=None,
              help="Wikidata's SPARQL endpoint [default: the Wikidata Query Service, "
                   "https://query.wikidata.org/sparql].")
@click.option("--contact", envvar="TROPEKG_CONTACT",
              help="Your e-mail address or URL, sent in the User-Agent (needed for the Wikidata Query "
                   "Service; or set TROPEKG_CONTACT).")
@click.option("--page-size", type=click.IntRange(min=1, max=10_000), default=500, show_default=True,
              help="Items asked for in one request.")
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds one request may take.")
@click.option("--deadline", type=click.FloatRange(min=1), default=1800.0, show_default=True,
              help="Seconds the whole run may take; past it nothing is written.")
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the report as JSON: every link, unmatched page and ambiguity.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def link_wikidata_command(store, endpoint, update_url, graph_store_url, wikidata_url, contact, page_size,
                          timeout, deadline, report_path, quiet) -> None:
    """Link our pages to Wikidata items and DBpedia resources.

    Asks Wikidata (the only network access, made only by this command) for every item with a TV
    Tropes identifier (P6839, Namespace/PageName), a page of items at a time, and matches them to
    the pages of the graph case-insensitively. Writes the graph .../graph/_/linkset/wikidata,
    replacing what an earlier run wrote: skos:exactMatch for tropes, owl:sameAs for works and
    creators (rdfs:seeAlso for other pages), to the item and to the DBpedia resource of its
    English Wikipedia article; the item's English label, classes (wdt:P31) and, for works, the
    publication date (wdt:P577). An identifier on several items, or an item naming several of our
    pages, is reported and not linked.

    Polite: a User-Agent naming tropekg and your --contact, retries with backoff (Retry-After
    obeyed), a timeout per request and an overall --deadline.

    \b
    Examples:
      tropekg link wikidata --store kg.store --contact me@example.org
      tropekg link wikidata --store kg.store --wikidata http://localhost:7879/query
      tropekg link wikidata --endpoint http://localhost:7878/query \\
          --graph-store-url http://localhost:7878/store --contact me@example.org
    """
    from tropekg.link import WDQS_URL, LinkError, WikidataClient, link_wikidata
    from tropekg.store import BackendError

    url = wikidata_url or WDQS_URL
    if url == WDQS_URL and not contact:
        raise click.UsageError("the Wikidata Query Service asks every client for a way to reach its "
                               "user: give --contact EMAIL-OR-URL (or set TROPEKG_CONTACT)")
    graph = open_graph(store, endpoint, update_url, graph_store_url, write=True)
    try:
        client = WikidataClient(url, contact=contact, page_size=page_size, timeout=timeout, deadline=deadline)
    except LinkError as e:
        raise click.UsageError(str(e)) from None
    try:
        with page_progress(quiet, label="Wikidata items") as progress:
            report = link_wikidata(graph, client, progress=progress)
    except (LinkError, BackendError) as e:
        fail(str(e))
    finally:
        client.close()
    if report_path is not None:
        from tropekg.atomic import write_bytes

        write_bytes(report_path, json.dumps(report.to_json(), indent=2, ensure_ascii=False).encode("utf-8"))
    if not quiet:
        click.echo(report.summary())
