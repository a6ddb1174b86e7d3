"""Measures of the views: networkx graphs in, roots, leaves, depths, multi-parent tropes, cycles,
PageRank, communities and mode counts out."""

from __future__ import annotations

from collections import defaultdict, deque
from itertools import islice

import networkx as nx

from tropekg.analysis.reader import MAX_CYCLES, GraphReader
from tropekg.analysis.views import relation_graph

# -- the hierarchy's shape -----------------------------------------------------------------------

def linked_tropes(h: nx.DiGraph) -> list[str]:
    return [n for n in h if h.degree(n) > 0]


def roots(h: nx.DiGraph) -> list[str]:
    """Tropes with sub-tropes and no super-trope."""
    return sorted(n for n in h if h.out_degree(n) == 0 and h.in_degree(n) > 0)


def leaves(h: nx.DiGraph) -> list[str]:
    """Tropes with a super-trope and no sub-trope."""
    return sorted(n for n in h if h.in_degree(n) == 0 and h.out_degree(n) > 0)


def super_tropes(h: nx.DiGraph, node: str) -> list[str]:
    return sorted(p for p in h.successors(node) if p != node)


def sub_tropes(h: nx.DiGraph, node: str) -> list[str]:
    return sorted(c for c in h.predecessors(node) if c != node)


def entry_points(h: nx.DiGraph) -> list[str]:
    """Where a walk down the hierarchy starts so as to reach every linked trope: the roots, and one
    trope (the first by name) of each cycle that nothing outside it is above."""
    linked = h.subgraph(linked_tropes(h))
    condensed = nx.condensation(linked)
    out = []
    for scc in condensed:
        # condensation edges run sub -> super, so a top SCC has no successors
        if condensed.out_degree(scc) == 0:
            members = condensed.nodes[scc]["members"]
            out.append(min(members))
    return sorted(out)


def depths(h: nx.DiGraph) -> dict[str, int]:
    """The fewest sub-trope steps from a hierarchy entry point (a root is 0) to each linked trope.
    Shortest rather than longest, so a cycle cannot make it unbounded."""
    out: dict[str, int] = {}
    queue = deque()
    for start in entry_points(h):
        out[start] = 0
        queue.append(start)
    while queue:
        node = queue.popleft()
        for child in h.predecessors(node):
            if child not in out:
                out[child] = out[node] + 1
                queue.append(child)
    return out


def multi_parent(h: nx.DiGraph) -> dict[str, list[str]]:
    """Tropes with two or more super-tropes -> those super-tropes."""
    out = {}
    for n in h:
        parents = super_tropes(h, n)
        if len(parents) > 1:
            out[n] = parents
    return dict(sorted(out.items()))


def cycles(h: nx.DiGraph, limit: int = MAX_CYCLES) -> tuple[list[dict], int]:
    """Cycles of sub-trope statements, each as its tropes and its edges with the pages that state
    them, and the number of tropes caught in some cycle. At most ``limit`` cycles are listed."""
    listed = []
    for cycle in islice(nx.simple_cycles(h), limit):
        # start each cycle at its first trope by name, so the listing is repeatable
        i = cycle.index(min(cycle))
        cycle = cycle[i:] + cycle[:i]
        edges = []
        for a, b in zip(cycle, cycle[1:] + cycle[:1]):
            edges.append({"sub": a, "super": b, "pages": list(h.edges[a, b].get("pages", []))})
        listed.append({"tropes": cycle, "edges": edges})
    listed.sort(key=lambda c: (len(c["tropes"]), c["tropes"]))
    caught = set()
    for scc in nx.strongly_connected_components(h):
        if len(scc) > 1 or any(h.has_edge(n, n) for n in scc):
            caught |= scc
    return listed, len(caught)


# -- rankings and communities --------------------------------------------------------------------

def pagerank(source, alpha: float = 0.85) -> dict[str, float]:
    """PageRank over the named relations between tropes as a directed graph: sub-trope to
    super-trope and each note as stated, so tropes that many tropes sit under or point to rank high."""
    g = nx.DiGraph(relation_graph(source))
    if g.number_of_nodes() == 0:
        return {}
    return nx.pagerank(g, alpha=alpha)


def communities(co: nx.Graph, seed: int = 1, top: int = 5) -> list[dict]:
    """Louvain communities of the co-occurrence graph (repeatable: fixed ``seed``), largest first,
    each with its size and its ``top`` members by shared works within the community."""
    if co.number_of_edges() == 0:
        return []
    found = nx.community.louvain_communities(co, weight="weight", seed=seed)
    out = []
    for members in found:
        inner = co.subgraph(members)
        strength = dict(inner.degree(weight="weight"))
        ranked = sorted(members, key=lambda n: (-strength[n], n))
        out.append({"size": len(members), "members": sorted(members), "top": ranked[:top]})
    out.sort(key=lambda c: (-c["size"], c["top"]))
    return out


def mode_counts(reader: GraphReader, mode: str) -> dict[str, int]:
    """Trope -> the number of works whose examples play it in ``mode`` (e.g. Averted, Subverted)."""
    works: dict[str, set[str]] = defaultdict(set)
    for trope, work, m, _n in reader.examples:
        if m == mode:
            works[trope].add(work)
    return {t: len(w) for t, w in works.items()}


def ranked(scores: dict[str, float], top: int) -> list[tuple[str, float]]:
    return sorted(((n, s) for n, s in scores.items() if s), key=lambda kv: (-kv[1], kv[0]))[:top]
