"""The four views of the graph: what :class:`GraphReader` read in, networkx graphs out (the sub-trope
hierarchy, tropes and works, co-occurrence, related tropes)."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

import networkx as nx

from tropekg.analysis.reader import SUB_TROPE_OF, GraphReader, label_of, reader_of

# -- the four views -----------------------------------------------------------------------------

def node_attributes(reader: GraphReader, node: str) -> dict:
    """What every view says about a trope node: label, description, kind, works, described."""
    info = reader.tropes.get(node, {})
    return {
        "label": info.get("label") or label_of(node),
        "description": info.get("description") or "",
        "kind": "trope" if node in reader.tropes else "page",
        "works": reader.work_counts.get(node, 0),
        "described": bool(info.get("described", node not in reader.wanted)),
    }


def hierarchy_graph(source, include_unlinked: bool = True) -> nx.DiGraph:
    """The sub-trope hierarchy: an edge from each sub-trope to its super-trope, with ``pages``.

    Nodes carry ``label``, ``description``, ``works`` and ``described``. With ``include_unlinked``
    every trope is a node, including those in no sub-trope statement."""
    reader = reader_of(source)
    g = nx.DiGraph(view="hierarchy")
    if include_unlinked:
        g.add_nodes_from(reader.tropes)
    for (sub, sup), pages in reader.sub_trope_edges.items():
        g.add_edge(sub, sup, relation=SUB_TROPE_OF, pages=pages)
    for node in g:
        g.nodes[node].update(node_attributes(reader, node))
    return g


def bipartite_graph(source) -> nx.Graph:
    """Tropes and the works their examples name. Nodes carry ``kind`` (trope/work) and
    ``bipartite`` (0/1); each edge carries ``mode`` (the modes stated, most examples first, joined
    with ``;``) and ``examples`` (how many examples say so)."""
    reader = reader_of(source)
    modes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for trope, work, mode, n in reader.examples:
        modes[(trope, work)][mode] += n
    g = nx.Graph(view="bipartite")
    for (trope, work), counter in modes.items():
        if trope not in g:
            g.add_node(trope, bipartite=0, **node_attributes(reader, trope))
        if work not in g:
            info = reader.works.get(work, {})
            g.add_node(work, bipartite=1, kind="work", label=info.get("label") or label_of(work),
                       medium=info.get("medium", "unknown"))
        ordered = sorted(counter, key=lambda m: (-counter[m], m))
        g.add_edge(trope, work, mode=";".join(ordered), examples=sum(counter.values()))
    return g


def trope_works(reader: GraphReader) -> dict[str, set[str]]:
    """Trope -> the works that use it (any mode but Averted, as tk:exemplifiedBy)."""
    out: dict[str, set[str]] = defaultdict(set)
    for trope, work, mode, _n in reader.examples:
        if mode != "Averted":
            out[trope].add(work)
    return out


def cooccurrence_graph(source, threshold: int = 1) -> nx.Graph:
    """Tropes linked when at least ``threshold`` works use both; ``weight`` = shared works.
    The pairs of a work grow with the square of its tropes: on a whole wiki, expect the counting
    to take a while and raise ``threshold`` to keep the graph small."""
    reader = reader_of(source)
    by_work: dict[str, list[str]] = defaultdict(list)
    for trope, works in trope_works(reader).items():
        for work in works:
            by_work[work].append(trope)
    shared: Counter = Counter()
    for tropes in by_work.values():
        shared.update(combinations(sorted(tropes), 2))
    g = nx.Graph(view="cooccurrence", threshold=threshold)
    for (a, b), n in shared.items():
        if n >= threshold:
            g.add_edge(a, b, weight=n)
    for node in g:
        g.nodes[node].update(node_attributes(reader, node))
    return g


def related_graph(source) -> nx.MultiDiGraph:
    """See-also, compare, contrast, not-to-be-confused and sister-trope notes, as stated: one
    edge per note, keyed and labelled by ``relation``."""
    reader = reader_of(source)
    g = nx.MultiDiGraph(view="related")
    for s, relation, o in reader.relation_edges:
        g.add_edge(s, o, key=relation, relation=relation)
    for node in g:
        g.nodes[node].update(node_attributes(reader, node))
    return g


def relation_graph(source) -> nx.MultiDiGraph:
    """Every named relation between tropes (sub-trope of and the notes), in the stated direction."""
    reader = reader_of(source)
    g = related_graph(reader)
    for (sub, sup), pages in reader.sub_trope_edges.items():
        g.add_edge(sub, sup, key=SUB_TROPE_OF, relation=SUB_TROPE_OF, pages=pages)
    for node in g:
        g.nodes[node].update(node_attributes(reader, node))
    return g
