"""Exports for other tools: the graph (a store or an endpoint) in, one file out.

RDF formats (Turtle, JSON-LD, N-Triples, N-Quads, TriG) export statements: the whole graph, or the
subgraph around a trope (every statement about the tropes within ``depth`` named-relation steps of
it, with the labels and types of what those statements point to). Graph formats (GraphML, GEXF,
Cytoscape JSON, DOT, CSV edge list) export one of the analysis views (:mod:`tropekg.analysis`):
``hierarchy``, ``cooccurrence``, ``bipartite`` or ``related``, whole or cut around a trope. GraphML
and GEXF open in Gephi and yEd; Cytoscape JSON is cytoscape.js's ``elements`` format; in the CSV
edge list a cell a spreadsheet would run as a formula gets a leading ``'`` (unless raw). Every file is
written to a temporary file beside the target and renamed over it, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import networkx as nx
from pyoxigraph import DefaultGraph, Literal, Quad, RdfFormat, Store, Triple, serialize

from tropekg.analysis import (
    AnalysisError,
    GraphReader,
    bipartite_graph,
    cooccurrence_graph,
    hierarchy_graph,
    node_attributes,
    related_graph,
    relation_graph,
)
from tropekg.atomic import write_with
from tropekg.query.results import spreadsheet_safe
from tropekg.rdf.iris import IriScheme
from tropekg.rdf.jsonld import write_jsonld
from tropekg.rdf.namespaces import prefixes_for, sparql_prologue

RDF_FORMATS = ("turtle", "jsonld", "nt", "nq", "trig")
GRAPH_FORMATS = ("graphml", "gexf", "cytoscape", "dot", "csv")
FORMATS = RDF_FORMATS + GRAPH_FORMATS
VIEWS = ("hierarchy", "cooccurrence", "bipartite", "related")
SUFFIXES = {
    ".ttl": "turtle", ".jsonld": "jsonld", ".nt": "nt", ".nq": "nq", ".trig": "trig",
    ".graphml": "graphml", ".gexf": "gexf", ".cyjs": "cytoscape", ".json": "cytoscape",
    ".dot": "dot", ".gv": "dot", ".csv": "csv",
}
_RDF = {"turtle": RdfFormat.TURTLE, "nt": RdfFormat.N_TRIPLES, "nq": RdfFormat.N_QUADS,
        "trig": RdfFormat.TRIG}


class ExportError(Exception):
    """An export that cannot be made (an unknown trope, a format that does not fit)."""


def format_for(path: Path) -> str | None:
    """The export format a file name asks for, if its suffix says."""
    return SUFFIXES.get(Path(path).suffix.lower())


# -- views ---------------------------------------------------------------------------------------

def view_graph(source, view: str, root: str | None = None, depth: int | None = None,
               threshold: int = 1) -> nx.Graph:
    """One analysis view, whole or cut around ``root``. The whole ``hierarchy`` holds the tropes in
    some sub-trope statement (not the thousands in none); cut around ``root``, the sub-tropes of
    ``root`` down to ``depth`` levels (all of them if ``depth`` is None); for the other views, the
    nodes within ``depth`` steps of ``root`` (default 1), edges taken either way."""
    reader = source if isinstance(source, GraphReader) else GraphReader(source)
    if view == "hierarchy":
        g = hierarchy_graph(reader, include_unlinked=root is not None)
    elif view == "cooccurrence":
        g = cooccurrence_graph(reader, threshold=threshold)
    elif view == "bipartite":
        g = bipartite_graph(reader)
    elif view == "related":
        g = related_graph(reader)
    else:
        raise ExportError(f"unknown view {view!r} (views: {', '.join(VIEWS)})")
    if root is None:
        return g
    try:
        centre = reader.resolve(root, known=set(g) | set(reader.tropes))
    except AnalysisError as e:
        raise ExportError(str(e)) from None
    if centre not in g:
        g.add_node(centre, **node_attributes(reader, centre))
    if view == "hierarchy":
        below = nx.single_source_shortest_path_length(g.reverse(copy=False), centre, cutoff=depth)
        return g.subgraph(below).copy()
    return nx.ego_graph(g, centre, radius=1 if depth is None else depth, undirected=True)


def _scalar(value):
    if isinstance(value, (list, tuple, set, frozenset)):
        return "; ".join(str(v) for v in value)
    return value


def flattened(g: nx.Graph) -> nx.Graph:
    """A copy whose attributes are all strings, numbers or booleans (GraphML and GEXF hold no
    lists): lists become ``; ``-joined text and missing values are left out."""
    out = g.__class__()
    out.graph.update({k: _scalar(v) for k, v in g.graph.items() if v is not None})
    for n, data in g.nodes(data=True):
        out.add_node(n, **{k: _scalar(v) for k, v in data.items() if v is not None})
    if g.is_multigraph():
        # GraphML and GEXF write an edge's key as its id, which must be unique in the file: a
        # view's keys (the relation, "contrast with") repeat, and the relation is an attribute too
        for n, (u, v, data) in enumerate(g.edges(data=True)):
            out.add_edge(u, v, key=f"e{n}", **{a: _scalar(x) for a, x in data.items() if x is not None})
    else:
        for u, v, data in g.edges(data=True):
            out.add_edge(u, v, **{a: _scalar(x) for a, x in data.items() if x is not None})
    return out


# -- DOT -----------------------------------------------------------------------------------------

def dot_quote(value) -> str:
    """A DOT double-quoted ID: backslashes and quotes escaped, newlines as ``\\n``, so any text
    stays one string (and a backslash never starts one of Graphviz's label escapes)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{text}"'


def _dot_attrs(attrs: dict) -> str:
    items = [f"{dot_quote(k)}={dot_quote(_scalar(v))}" for k, v in attrs.items() if v is not None]
    return f" [{', '.join(items)}]" if items else ""


def dot_text(g: nx.Graph, *, name: str = "tropekg", graph_attrs: dict | None = None,
             node_defaults: dict | None = None, edge_defaults: dict | None = None,
             node_attrs: Callable[[str, dict], dict] | None = None,
             edge_attrs: Callable[[str, str, dict], dict] | None = None) -> str:
    """The graph in the DOT language. By default every node and edge attribute is written as is
    (Graphviz keeps attributes it does not know); ``node_attrs``/``edge_attrs`` map them instead."""
    directed = g.is_directed()
    lines = [f"{'digraph' if directed else 'graph'} {dot_quote(name)} {{"]
    for keyword, attrs in (("graph", graph_attrs), ("node", node_defaults), ("edge", edge_defaults)):
        if attrs:
            lines.append(f"  {keyword}{_dot_attrs(attrs)};")
    for n, data in g.nodes(data=True):
        attrs = node_attrs(n, data) if node_attrs else data
        lines.append(f"  {dot_quote(n)}{_dot_attrs(attrs)};")
    arrow = "->" if directed else "--"
    for u, v, data in g.edges(data=True):
        attrs = edge_attrs(u, v, data) if edge_attrs else data
        lines.append(f"  {dot_quote(u)} {arrow} {dot_quote(v)}{_dot_attrs(attrs)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- graph formats -------------------------------------------------------------------------------

def _csv_bytes(g: nx.Graph, raw: bool = False) -> bytes:
    """The edge list as CSV; page text in it (labels, titles) is data, so a cell a spreadsheet
    would run as a formula gets a leading ' (:func:`spreadsheet_safe`) unless ``raw``."""
    keys = sorted({k for *_e, data in g.edges(data=True) for k in data})
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["source", "target", "source_label", "target_label", *keys])
    for u, v, data in g.edges(data=True):
        if not g.is_directed() and g.nodes[u].get("bipartite") == 1:
            u, v = v, u  # the trope-work view: the trope is the source, whichever way networkx lists it
        cells = [u, v, g.nodes[u].get("label", u), g.nodes[v].get("label", v),
                 *("" if data.get(k) is None else _scalar(data[k]) for k in keys)]
        w.writerow(cells if raw else [spreadsheet_safe(c) if isinstance(c, str) else c for c in cells])
    return buf.getvalue().encode("utf-8")


def export_view(g: nx.Graph, fmt: str, path: Path, *, raw_csv: bool = False) -> None:
    """Write a view in a graph format (atomically); ``raw_csv`` leaves CSV cells that start a
    spreadsheet formula as they are."""
    flat = flattened(g)
    if fmt == "graphml":
        write_with(path, lambda f: nx.write_graphml(flat, f, encoding="utf-8"))
    elif fmt == "gexf":
        write_with(path, lambda f: nx.write_gexf(flat, f, encoding="utf-8"))
    elif fmt == "cytoscape":
        data = nx.cytoscape_data(flat, name="label")
        data["data"] = dict(flat.graph)  # the network's data is an object (networkx gives pairs)
        body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
        write_with(path, lambda f: f.write(body))
    elif fmt == "dot":
        body = dot_text(flat, name=str(g.graph.get("view", "tropekg"))).encode("utf-8")
        write_with(path, lambda f: f.write(body))
    elif fmt == "csv":
        body = _csv_bytes(flat, raw_csv)
        write_with(path, lambda f: f.write(body))
    else:
        raise ExportError(f"{fmt} is not a graph format (graph formats: {', '.join(GRAPH_FORMATS)})")


# -- RDF formats ---------------------------------------------------------------------------------

_ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
_PAGE_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), ?pages)) }"
_PAGE_TRIPLES = ("CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
                 "FILTER(STRSTARTS(STR(?g), ?pages)) } }")
_AROUND = sparql_prologue() + """
SELECT DISTINCT ?s ?p ?o ?g WHERE {
  VALUES ?t { %s }
  {
    GRAPH ?g { ?t ?p ?o }
    BIND(?t AS ?s)
  } UNION {
    VALUES ?p { rdfs:label rdf:type }
    ?t ?p0 ?s .
    FILTER(isIRI(?s))
    GRAPH ?g { ?s ?p ?o }
  }
}"""


def neighbourhood(source, root: str, depth: int = 1) -> list[str]:
    """The tropes within ``depth`` steps of ``root`` along named relations, either way."""
    reader = source if isinstance(source, GraphReader) else GraphReader(source)
    g = relation_graph(reader)
    try:
        centre = reader.resolve(root, known=set(g) | set(reader.tropes))
    except AnalysisError as e:
        raise ExportError(str(e)) from None
    if centre not in g:
        return [centre]
    return sorted(nx.single_source_shortest_path_length(g.to_undirected(as_view=True), centre,
                                                        cutoff=depth))


def _quads_around(graph, nodes: list[str], reader: GraphReader) -> list[Quad]:
    values = " ".join(str(reader.iri(n)) for n in nodes)  # IRIs written by pyoxigraph, in <>
    rows = graph.run(_AROUND % values).rows
    return [Quad(s, p, o, g) for s, p, o, g in rows]


def _distinct_triples(quads: Iterable[Quad]) -> list[Triple]:
    seen: dict[Triple, None] = {}
    for q in quads:
        seen.setdefault(Triple(q.subject, q.predicate, q.object), None)
    return list(seen)


def _write_rdf(items, fmt: str, base: str, f: IO[bytes]) -> None:
    if fmt == "jsonld":
        store = Store()
        store.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in items)
        write_jsonld(store, f, base)
        return
    prefixes = prefixes_for(base) if fmt in ("turtle", "trig") else None
    serialize(items, f, _RDF[fmt], prefixes=prefixes)


def export_rdf(graph, fmt: str, path: Path, root: str | None = None, depth: int = 1) -> None:
    """Write the graph, or the statements around ``root``, in an RDF format (atomically).
    Quad formats (nq, trig) keep each statement's page graph; the others merge them."""
    if fmt not in RDF_FORMATS:
        raise ExportError(f"{fmt} is not an RDF format (RDF formats: {', '.join(RDF_FORMATS)})")
    reader = GraphReader(graph)
    base = reader.base
    quad_format = fmt in ("nq", "trig")
    if root is not None:
        quads = _quads_around(graph, neighbourhood(reader, root, depth), reader)
        items = quads if quad_format else _distinct_triples(quads)
        write_with(path, lambda f: _write_rdf(items, fmt, base, f))
        return
    local = getattr(graph, "store", None)
    if isinstance(local, Store):
        # the embedded store streams: nothing of the whole graph is held in memory but JSON-LD's
        if quad_format:
            prefixes = prefixes_for(base) if fmt == "trig" else None

            def write_quads(f):  # the named graphs: the store's default graph is their merged view
                quads = (q for q in local.quads_for_pattern(None, None, None)
                         if not isinstance(q.graph_name, DefaultGraph))
                serialize(quads, f, _RDF[fmt], prefixes=prefixes)
            write_with(path, write_quads)
        else:
            union = not graph.merged_ready()  # a read-only store an older tropekg loaded

            def write(f):
                triples = local.query(_ALL_TRIPLES, use_default_graph_as_union=union)
                _write_rdf(triples, fmt, base, f)
            write_with(path, write)
        return
    # An endpoint is often shared: export tropekg's page graphs, not the server's own graphs
    # (Virtuoso's configuration shows in its default graph) nor other datasets.
    pages = {"pages": Literal(IriScheme(base).page_graph_prefix)}
    if quad_format:
        rows = graph.run(_PAGE_QUADS, pages).rows
        items = [Quad(s, p, o, g) for s, p, o, g in rows]
    else:
        items = graph.run(_PAGE_TRIPLES, pages).triples
    write_with(path, lambda f: _write_rdf(items, fmt, base, f))


def export(graph, fmt: str, path: Path, *, view: str | None = None, root: str | None = None,
           depth: int | None = None, threshold: int = 1, raw_csv: bool = False) -> None:
    """``tropekg export``: an RDF format exports statements, a graph format a view (CSV cells
    made safe for spreadsheets unless ``raw_csv``)."""
    if fmt in RDF_FORMATS:
        if view is not None:
            raise ExportError(f"--view picks a view for graph formats ({', '.join(GRAPH_FORMATS)}); "
                              f"{fmt} exports statements: leave --view out")
        export_rdf(graph, fmt, path, root=root, depth=1 if depth is None else depth)
    elif fmt in GRAPH_FORMATS:
        export_view(view_graph(graph, view or "hierarchy", root, depth, threshold), fmt, path,
                    raw_csv=raw_csv)
    else:
        raise ExportError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
