"""The analysis, export and picture commands: thin click commands over analysis, exports_graph and viz.

``tropekg.cli`` registers :data:`analyze_command`, :data:`path_command`, :data:`export_command` and
:data:`viz_group`. Each reads the graph from ``--store PATH`` or ``--endpoint URL``, as ``query run``
does. Exit codes: 0 ok; 1 ``path`` found no chain; 2 usage or input error (an unknown trope, an
unreachable endpoint, a missing Graphviz).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from tropekg.analysis import REPORT_FORMATS
from tropekg.analysis.export import FORMATS as EXPORT_FORMATS
from tropekg.analysis.export import VIEWS
from tropekg.cli.common import ExitCode, fail, graph_options, open_graph, page_progress
from tropekg.viz import CHARTS, DIRECTIONS


def _errors():
    """The errors a command reports in one line (exit 2) rather than as a traceback."""
    from tropekg.analysis import AnalysisError
    from tropekg.analysis.export import ExportError
    from tropekg.store import BackendError
    from tropekg.viz import VizError

    return (AnalysisError, BackendError, ExportError, VizError, OSError)


@click.command("analyze")
@graph_options
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True,
              help="text for people, json for programs.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many tropes each ranking lists.")
@click.option("--min-shared", type=click.IntRange(min=1), default=1, show_default=True,
              help="Works two tropes must share to be linked in the co-occurrence graph.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the Louvain community search (same seed, same communities).")
def analyze_command(store, endpoint, fmt, top, min_shared, seed) -> None:
    """Analyse the relationships between tropes.

    Prints: resources by kind and works by medium; the sub-trope hierarchy's roots, leaves, depth
    distribution, tropes with several super-tropes, and cycles (each edge with the pages that state
    it); tropes ranked by PageRank over the named relations, by works and by sub-tropes; the
    communities of the co-occurrence graph (Louvain); the most averted and most subverted tropes.

    \b
    Examples:
      tropekg analyze --store kg.store
      tropekg analyze --store kg.store --format json --top 25 --min-shared 3
      tropekg analyze --endpoint http://localhost:7878/query
    """
    from tropekg.analysis import analyze

    graph = open_graph(store, endpoint)
    try:
        with page_progress(False, label="analysing") as progress:
            report = analyze(graph, top=top, threshold=min_shared, seed=seed, progress=progress)
    except _errors() as e:
        fail(str(e))
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        click.echo(report.to_text(), nl=False)


@click.command("path")
@click.argument("trope_a")
@click.argument("trope_b")
@graph_options
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True,
              help="text for people, json for programs.")
def path_command(trope_a, trope_b, store, endpoint, fmt) -> None:
    """The shortest chain of named relations between two tropes.

    Relations: sub-trope of, see also, compare with, contrast with, not to be confused with, sister
    trope of. The chain is found treating them as undirected; each step is printed in the
    direction its page states it (A --r--> B: A's page or B's says A r B; A <--r-- B: B r A).
    Tropes are written Main/ThouShaltNotKill, ThouShaltNotKill or "Thou Shalt Not Kill".
    Exit code 1 when no chain links them.

    \b
    Examples:
      tropekg path TechnicalPacifist FriendOrFoe --store kg.store
      tropekg path Main/HumanShield Main/KillEmAll --store kg.store --format json
    """
    from tropekg.analysis import trope_path

    graph = open_graph(store, endpoint)
    try:
        found = trope_path(graph, trope_a, trope_b)
    except _errors() as e:
        fail(str(e))
    if found is None:
        if fmt == "json":
            click.echo(json.dumps({"source": trope_a, "target": trope_b, "steps": None}))
        else:
            click.echo(f"no chain of named relations links {trope_a} and {trope_b}", err=True)
        raise SystemExit(ExitCode.NO)
    if fmt == "json":
        click.echo(json.dumps(found.to_json(), ensure_ascii=False, indent=1))
    else:
        click.echo(found.to_text(), nl=False)


@click.command("export")
@graph_options
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS),
              help="Default: from OUT's suffix (.ttl .jsonld .nt .nq .trig .graphml .gexf .cyjs "
                   ".json .dot .gv .csv).")
@click.option("--view", type=click.Choice(VIEWS),
              help="For graph formats: which graph (default hierarchy).")
@click.option("--root", help="Only the part around this trope.")
@click.option("--depth", type=click.IntRange(min=0),
              help="With --root: levels below it (hierarchy; default all) or steps from it "
                   "(other views and RDF formats; default 1).")
@click.option("--min-shared", type=click.IntRange(min=1), default=1, show_default=True,
              help="For the cooccurrence view: works two tropes must share to be linked.")
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The file to write (replaced atomically).")
@click.option("--raw-csv", is_flag=True,
              help="csv: write cells as they are. By default a cell starting with =, +, -, @, a tab "
                   "or a carriage return (a formula to a spreadsheet) gets a leading '.")
def export_command(store, endpoint, fmt, view, root, depth, min_shared,
                   out, raw_csv) -> None:
    """Export the graph, or a view of it, for other tools.

    RDF formats (turtle, jsonld, nt, nq, trig) write statements: the whole graph, or with --root
    every statement about the tropes within --depth steps of it (plus the labels and types of what
    they point to); nq and trig keep each statement's page graph. Graph formats write a view:
    graphml and gexf (Gephi, yEd), cytoscape (cytoscape.js elements JSON), dot (Graphviz), csv (an
    edge list with a header; a cell that a spreadsheet would run as a formula gets a leading ',
    unless --raw-csv).

    \b
    Examples:
      tropekg export --store kg.store --format graphml --view cooccurrence --min-shared 2 -o co.graphml
      tropekg export --store kg.store --view hierarchy --root NeverHurtAnInnocent -o tree.gexf
      tropekg export --store kg.store --format turtle --root ThouShaltNotKill --depth 2 -o around.ttl
      tropekg export --store kg.store -o kg.nq
    """
    from tropekg.analysis.export import GRAPH_FORMATS, export, format_for

    fmt = fmt or format_for(out)
    if fmt is None:
        raise click.UsageError(f"say the format with --format (the suffix of {out} does not)")
    if depth is not None and root is None:
        raise click.UsageError("--depth goes with --root")
    if fmt not in GRAPH_FORMATS and min_shared != 1:
        raise click.UsageError("--min-shared is for the cooccurrence view of a graph format")
    if raw_csv and fmt != "csv":
        raise click.UsageError("--raw-csv is for the csv format")
    graph = open_graph(store, endpoint)
    try:
        export(graph, fmt, out, view=view, root=root, depth=depth, threshold=min_shared, raw_csv=raw_csv)
    except _errors() as e:
        fail(str(e))
    click.echo(f"wrote {fmt}: {out}", err=True)


@click.group("viz")
def viz_group() -> None:
    """Pictures of the trope hierarchy and of a trope's neighbourhood.

    A .html picture is one file that works offline (no request leaves the page); .svg and .png
    are drawn by Graphviz (apt-get install graphviz).

    \b
    Examples:
      tropekg viz hierarchy --store kg.store -o hierarchy.html
      tropekg viz neighbourhood ThouShaltNotKill --store kg.store -o around.html
    """


def _write_picture(picture, out: Path) -> None:

    for note in picture.notes:
        click.echo(f"tropekg: {note}", err=True)
    try:
        picture.write(out)
    except _errors() as e:
        fail(str(e))
    click.echo(f"wrote {out}", err=True)


@viz_group.command("hierarchy")
@graph_options
@click.option("--root", help="Draw around this trope (default: the whole hierarchy, from its roots).")
@click.option("--depth", type=click.IntRange(min=0), help="Levels to draw below (or above) the top.")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="down", show_default=True,
              help="With --root: its sub-tropes, its super-tropes, or both.")
@click.option("--chart", type=click.Choice(CHARTS), default="icicle",
              show_default=True, help="The kind of .html picture.")
@click.option("--max-nodes", type=click.IntRange(min=10), default=2000, show_default=True,
              help="Most sectors in a .html picture; beyond it families are sampled (SVG/PNG: 300).")
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="FILE.html (interactive), FILE.svg or FILE.png (Graphviz).")
def viz_hierarchy(store, endpoint, root, depth, direction, chart,
                  max_nodes, out) -> None:
    """Draw the sub-trope hierarchy.

    In the .html picture, click a sector to open its sub-tree (the bar on top goes back up), hover
    for a trope's description and counts, click to show its link to tvtropes.org in the side panel,
    and find a trope with the search box. A trope with several super-tropes appears under each,
    marked with a diamond. Large hierarchies are sampled: at most --max-nodes sectors and 50 per
    family, most works first, the rest grouped into '+K more' sectors; the page and stderr say so.

    \b
    Examples:
      tropekg viz hierarchy --store kg.store -o hierarchy.html
      tropekg viz hierarchy --root NeverHurtAnInnocent --depth 3 --store kg.store -o nhai.svg
      tropekg viz hierarchy --root TechnicalPacifist --direction up --store kg.store -o up.png
    """
    from tropekg.viz import hierarchy_figure

    graph = open_graph(store, endpoint)
    try:
        picture = hierarchy_figure(graph, root=root, depth=depth, direction=direction, chart=chart,
                                   max_nodes=max_nodes)
    except _errors() as e:
        fail(str(e))
    _write_picture(picture, out)


@viz_group.command("neighbourhood")
@click.argument("trope")
@graph_options
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many co-occurring tropes (most shared works) to add.")
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="FILE.html (interactive), FILE.svg or FILE.png (Graphviz).")
def viz_neighbourhood(trope, store, endpoint, top, out) -> None:
    """Draw a trope with its super- and sub-tropes, related tropes and co-occurring tropes.

    Edges are labelled by relation, arrows pointing the way the page states it; the co-occurring
    tropes are the others that share the most works with it.

    \b
    Example:
      tropekg viz neighbourhood ThouShaltNotKill --store kg.store -o around.html
    """
    from tropekg.viz import neighbourhood_figure

    graph = open_graph(store, endpoint)
    try:
        picture = neighbourhood_figure(graph, trope, top=top)
    except _errors() as e:
        fail(str(e))
    _write_picture(picture, out)
