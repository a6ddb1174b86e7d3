"""``tropekg validate``: a build folder, RDF files, a store or an endpoint in, a SHACL report out.

A thin layer over :mod:`tropekg.validate`: exit 0 when the graph conforms (warnings and infos
allowed), 1 when it has violations.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource

from tropekg.cli.common import ExitCode, fail, graph_options, open_graph, page_progress
from tropekg.validate import REPORT_FORMATS, SEVERITIES


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@graph_options
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True,
              help="Report format: text grouped by shape, a table, a SHACL report graph in Turtle, or JSON.")
@click.option("--min-severity", type=click.Choice([s.lower() for s in SEVERITIES], case_sensitive=False),
              default="info", show_default=True, help="List only results at least this severe.")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="Results listed per shape in text and table reports (0: all of them).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Parallel workers (default: the cores).")
def validate_command(paths, store, endpoint, fmt, min_severity, limit, jobs) -> None:
    """Validate the knowledge graph against the SHACL shapes in shapes/.

    Give a build folder (its dataset.nq), RDF files (.nq, .trig, .nt, .ttl, .jsonld), --store PATH
    or --endpoint URL. Node-local shapes run on each page graph, in parallel; cross-page SPARQL
    constraints (sub-trope cycles, shortcuts agreeing with examples, dangling links, ...) run once
    over the whole graph. The report groups results by shape and names the page and source line
    behind each one, with counts per severity.

    Exits 0 when the graph conforms (warnings and infos allowed), 1 when it has violations.

    \b
    Examples:
      tropekg validate out
      tropekg validate out --min-severity warning
      tropekg validate --store kg.store --format json
      tropekg validate dataset.trig --format turtle
    """
    from tropekg.store import BackendError
    from tropekg.validate import (
        ValidationError,
        format_report,
        open_dataset,
        printed,
        validate_graph,
    )

    ctx = click.get_current_context()
    if paths:
        # a store or endpoint named in the environment gives way to what is named on the line
        if ctx.get_parameter_source("store") == ParameterSource.ENVIRONMENT:
            store = None
        if ctx.get_parameter_source("endpoint") == ParameterSource.ENVIRONMENT:
            endpoint = None
        if store is not None or endpoint is not None:
            raise click.UsageError("give a build folder or files, --store or --endpoint: one of them")
    elif store is None and endpoint is None:
        raise click.UsageError("say what to validate: a build folder, RDF files, --store PATH "
                               "or --endpoint URL")
    opened = None
    try:
        if paths:
            with page_progress(False, label="loading") as progress:
                opened = open_dataset(paths, progress=progress)
            graph = opened.graph
        else:
            graph = open_graph(store, endpoint)
        with page_progress(False, label="validating") as progress:
            report = validate_graph(graph, jobs=jobs, progress=progress)
        shown = (printed(report, min_severity, limit) if fmt in ("text", "table")
                 else report.at_least(min_severity))
        report.locate(graph, shown)
    except (ValidationError, BackendError) as e:
        fail(str(e))
    finally:
        if opened is not None:
            opened.close()
    click.echo(format_report(report, fmt, min_severity, limit))
    sys.exit(ExitCode.OK if report.conforms else ExitCode.NO)
