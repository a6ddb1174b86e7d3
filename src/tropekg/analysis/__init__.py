"""Relationship analysis: the knowledge graph (a store or an endpoint) in, networkx graphs and a report out.

Everything is read by SPARQL SELECTs through ``.run``, so a local store and a remote endpoint give the
same answers. A :class:`GraphReader` runs each query once and keeps the rows; four views are built
from them, every node named by its page title (``Main/ThouShaltNotKill``):

- :func:`hierarchy_graph`: a DiGraph of tk:subTropeOf, edges from the sub-trope to the super-trope,
  each edge carrying ``pages``, the pages that state it (the named graph it is stated in);
- :func:`bipartite_graph`: tropes and works, each edge carrying the ``mode`` its examples state;
- :func:`cooccurrence_graph`: tropes linked by the works that use both, ``weight`` = shared works;
- :func:`related_graph`: a MultiDiGraph of see-also, compare, contrast, not-to-be-confused and
  sister-trope notes, in the direction the page states them.

:func:`analyze` turns them into an :class:`AnalysisReport`; :func:`trope_path` finds the shortest chain
of named relations between two tropes.
"""

from __future__ import annotations

import difflib
import html
import re
from collections import Counter, defaultdict, deque
from dataclasses import asdict, dataclass, field
from functools import cached_property
from itertools import combinations, islice, pairwise

import networkx as nx
from pyoxigraph import Literal, NamedNode

from tropekg.rdf.namespaces import TK_NS, sparql_prologue
from tropekg.titles import NAMESPACES, parse_title

_PROLOGUE = sparql_prologue()
REPORT_FORMATS = ("text", "json")

SUB_TROPE_OF = "sub-trope of"
# The relations between tropes that pages state in one direction only, by property local name.
RELATIONS: dict[str, str] = {
    "seeAlso": "see also",
    "compareWith": "compare with",
    "contrastWith": "contrast with",
    "notToBeConfusedWith": "not to be confused with",
    "sisterTropeOf": "sister trope of",
}
# The kinds of page resource, in the order a report lists them.
KINDS = ("Trope", "TropeIndex", "Work", "Creator", "UsefulNotesTopic", "OtherPage", "WantedPage",
         "Example", "PageGraph")
MEDIA = frozenset(ns.work_class for ns in NAMESPACES.values() if ns.work_class)
# More cycles than this are counted, not listed: a tangled hierarchy can hold exponentially many.
MAX_CYCLES = 50


class AnalysisError(Exception):
    """A trope that is not in the graph, or a question the graph cannot answer; the message says which."""


# -- reading the graph ---------------------------------------------------------------------------

_Q_TROPES = _PROLOGUE + """
SELECT DISTINCT ?trope ?label ?definition WHERE {
  ?trope a tk:Trope .
  OPTIONAL { ?trope rdfs:label ?label }
  OPTIONAL { ?trope skos:definition ?definition }
}"""

_Q_WANTED = _PROLOGUE + "SELECT DISTINCT ?page WHERE { ?page a tk:WantedPage }"

# OPTIONAL GRAPH keeps edges stated in a default graph too (an endpoint loaded without named graphs).
_Q_HIERARCHY = _PROLOGUE + """
SELECT DISTINCT ?sub ?super ?g ?page WHERE {
  { ?sub tk:subTropeOf ?super } UNION { ?super tk:superTropeOf ?sub }
  OPTIONAL {
    { GRAPH ?g { ?sub tk:subTropeOf ?super } } UNION { GRAPH ?g { ?super tk:superTropeOf ?sub } }
    OPTIONAL { ?g foaf:primaryTopic ?page }
  }
}"""

_Q_RELATIONS = _PROLOGUE + """
SELECT DISTINCT ?s ?p ?o WHERE {
  VALUES ?p { RELATIONS }
  ?s ?p ?o .
}""".replace("RELATIONS", " ".join(f"tk:{name}" for name in RELATIONS))

_Q_EXAMPLES = _PROLOGUE + """
SELECT ?trope ?work ?mode (COUNT(DISTINCT ?example) AS ?examples) WHERE {
  ?example tk:trope ?trope ;
           tk:work ?work ;
           tk:mode ?mode .
}
GROUP BY ?trope ?work ?mode"""

_Q_WORKS = _PROLOGUE + """
SELECT DISTINCT ?work ?label ?medium WHERE {
  ?work a tk:Work .
  OPTIONAL { ?work rdfs:label ?label }
  OPTIONAL { ?work a ?medium . FILTER(STRSTARTS(STR(?medium), STR(tk:)) && ?medium != tk:Work) }
}"""

_Q_WORK_COUNTS = _PROLOGUE + """
SELECT ?trope (COUNT(DISTINCT ?work) AS ?works) WHERE { ?trope tk:exemplifiedBy ?work }
GROUP BY ?trope"""

_Q_KINDS = _PROLOGUE + """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) (COUNT(DISTINCT ?wanted) AS ?nWanted) WHERE {
  ?s a ?class .
  FILTER(STRSTARTS(STR(?class), STR(tk:)))
  OPTIONAL { ?s a tk:WantedPage . BIND(?s AS ?wanted) }
}
GROUP BY ?class"""


def _value(term) -> str | None:
    return None if term is None else term.value


def _int(term) -> int:
    return int(term.value) if isinstance(term, Literal) else 0


class GraphReader:
    """Reads what the analysis needs from a store or an endpoint, each query once.

    ``graph`` is anything with ``run(sparql) -> Rows`` (:class:`tropekg.store.embedded.GraphStore`,
    :class:`tropekg.store.endpoint.Endpoint`)."""

    def __init__(self, graph, base: str | None = None):
        self.graph = graph
        self.base = base or graph.base
        self._resource_prefix = f"{self.base}resource/"
        self._graph_prefix = f"{self.base}graph/"

    def _rows(self, query: str) -> list[list]:
        return self.graph.run(query).rows

    def node(self, term) -> str:
        """The node name of a resource: its page title, or the IRI for anything else."""
        iri = term.value
        if iri.startswith(self._resource_prefix):
            title = parse_title(iri[len(self._resource_prefix):])
            if title is not None:
                return str(title)
        return iri

    def iri(self, node: str) -> NamedNode:
        return NamedNode(node if ":" in node else self._resource_prefix + node)

    def page_of_graph(self, graph, topic) -> str | None:
        """The page that states something: the graph's primary topic, else read from its IRI."""
        if topic is not None:
            return self.node(topic)
        if graph is None:
            return None
        if graph.value.startswith(self._graph_prefix):
            title = parse_title(graph.value[len(self._graph_prefix):])
            if title is not None:
                return str(title)
        return graph.value

    @cached_property
    def wanted(self) -> frozenset[str]:
        return frozenset(self.node(p) for (p,) in self._rows(_Q_WANTED))

    @cached_property
    def tropes(self) -> dict[str, dict]:
        """Every trope with its label, description and whether a page describes it."""
        out: dict[str, dict] = {}
        for trope, label, definition in self._rows(_Q_TROPES):
            node = self.node(trope)
            info = out.setdefault(node, {"label": None, "description": None})
            info["label"] = info["label"] or _value(label)
            info["description"] = info["description"] or _value(definition)
        for node, info in out.items():
            info["label"] = info["label"] or label_of(node)
            info["described"] = node not in self.wanted
        return out

    @cached_property
    def works(self) -> dict[str, dict]:
        """Every work with its label and medium (the ontology class of its namespace)."""
        out: dict[str, dict] = {}
        for work, label, medium in self._rows(_Q_WORKS):
            node = self.node(work)
            info = out.setdefault(node, {"label": None, "medium": None})
            info["label"] = info["label"] or _value(label)
            name = medium.value[len(TK_NS):] if medium is not None else None
            if name in MEDIA:
                info["medium"] = info["medium"] or name
        for node, info in out.items():
            info["label"] = info["label"] or label_of(node)
            info["medium"] = info["medium"] or "unknown"
        return out

    @cached_property
    def work_counts(self) -> dict[str, int]:
        """The number of works that use each trope (tk:exemplifiedBy: averted examples do not count)."""
        return {self.node(t): _int(n) for t, n in self._rows(_Q_WORK_COUNTS)}

    @cached_property
    def sub_trope_edges(self) -> dict[tuple[str, str], list[str]]:
        """(sub-trope, super-trope) -> the pages that state it, sorted."""
        out: dict[tuple[str, str], set[str]] = defaultdict(set)
        for sub, sup, graph, topic in self._rows(_Q_HIERARCHY):
            pages = out[(self.node(sub), self.node(sup))]
            page = self.page_of_graph(graph, topic)
            if page is not None:
                pages.add(page)
        return {edge: sorted(pages) for edge, pages in out.items()}

    @cached_property
    def relation_edges(self) -> list[tuple[str, str, str]]:
        """(subject, relation label, object) for each stated see-also/compare/contrast/... note."""
        out = set()
        for s, p, o in self._rows(_Q_RELATIONS):
            out.add((self.node(s), RELATIONS[p.value[len(TK_NS):]], self.node(o)))
        return sorted(out)

    @cached_property
    def examples(self) -> list[tuple[str, str, str, int]]:
        """(trope, work, mode local name, number of examples) for every stated example."""
        return [(self.node(t), self.node(w), m.value.removeprefix(TK_NS),
                 _int(n)) for t, w, m, n in self._rows(_Q_EXAMPLES)]

    @cached_property
    def kind_counts(self) -> dict[str, tuple[int, int]]:
        """Ontology class local name -> (resources, of which wanted pages)."""
        return {c.value[len(TK_NS):]: (_int(n), _int(nw)) for c, n, nw in self._rows(_Q_KINDS)}

    def label(self, node: str) -> str:
        info = self.tropes.get(node) or self.works.get(node)
        return info["label"] if info else label_of(node)

    # -- naming tropes the way people do ------------------------------------------------------
    def resolve(self, text: str, known=None) -> str:
        """The node a person means by ``Main/ThouShaltNotKill``, ``ThouShaltNotKill`` or
        ``Thou Shalt Not Kill`` (case-insensitive), among ``known`` nodes (default: the tropes)."""
        known = set(self.tropes) if known is None else set(known)
        by_key = {n.casefold(): n for n in known}
        candidates = [text.strip(), re.sub(r"[^A-Za-z0-9/.]", "", text)]
        for candidate in candidates:
            title = parse_title(candidate) if candidate else None
            if title is not None and str(title).casefold() in by_key:
                return by_key[str(title).casefold()]
        by_label = {self.label(n).casefold(): n for n in known}
        if text.strip().casefold() in by_label:
            return by_label[text.strip().casefold()]
        close = difflib.get_close_matches(text, sorted(known), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise AnalysisError(f"no trope {text!r} in the graph{hint}")


def label_of(node: str) -> str:
    """A readable name for a node that has no rdfs:label: the page name with spaces."""
    title = parse_title(node) if "/" in node and ":" not in node else None
    return title.label if title is not None else node


def _reader(source) -> GraphReader:
    return source if isinstance(source, GraphReader) else GraphReader(source)


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
    reader = _reader(source)
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
    reader = _reader(source)
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
    reader = _reader(source)
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
    reader = _reader(source)
    g = nx.MultiDiGraph(view="related")
    for s, relation, o in reader.relation_edges:
        g.add_edge(s, o, key=relation, relation=relation)
    for node in g:
        g.nodes[node].update(node_attributes(reader, node))
    return g


def relation_graph(source) -> nx.MultiDiGraph:
    """Every named relation between tropes (sub-trope of and the notes), in the stated direction."""
    reader = _reader(source)
    g = related_graph(reader)
    for (sub, sup), pages in reader.sub_trope_edges.items():
        g.add_edge(sub, sup, key=SUB_TROPE_OF, relation=SUB_TROPE_OF, pages=pages)
    for node in g:
        g.nodes[node].update(node_attributes(reader, node))
    return g


# -- the hierarchy's shape -----------------------------------------------------------------------

def _linked(h: nx.DiGraph) -> list[str]:
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
    linked = h.subgraph(_linked(h))
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


def _ranked(scores: dict[str, float], top: int) -> list[tuple[str, float]]:
    return sorted(((n, s) for n, s in scores.items() if s), key=lambda kv: (-kv[1], kv[0]))[:top]


# -- the report ----------------------------------------------------------------------------------

@dataclass
class AnalysisReport:
    """What ``tropekg analyze`` prints; displays as a table in a notebook."""

    kinds: dict[str, dict] = field(default_factory=dict)
    media: dict[str, int] = field(default_factory=dict)
    hierarchy: dict = field(default_factory=dict)
    rankings: dict[str, list[dict]] = field(default_factory=dict)
    communities: list[dict] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)

    def name(self, node: str) -> str:
        label = self.labels.get(node)
        return f"{label} ({node})" if label and label != node else node

    def sections(self) -> list[tuple[str, list[str]]]:
        """The report as titled sections of plain-text lines (shared by text and notebook views)."""
        name = self.name
        out: list[tuple[str, list[str]]] = []
        out.append(("Resources by kind", [
            f"{kind}: {c['total']}" + (f" ({c['wanted']} wanted, described by no page)"
                                       if c["wanted"] and kind != "WantedPage" else "")
            for kind, c in self.kinds.items()]))
        out.append(("Works by medium", [f"{m}: {n}" for m, n in self.media.items()] or ["none"]))
        h = self.hierarchy
        lines = [
            f"tropes in the hierarchy: {h['linked']} of {h['tropes']}; sub-trope statements: {h['edges']}",
            f"roots ({len(h['roots'])}): " + (", ".join(map(name, h["roots"][:h["top"]])) or "none")
            + (" ..." if len(h["roots"]) > h["top"] else ""),
            f"leaves: {h['leaves']}",
            "depth distribution (steps below a root: tropes): "
            + (", ".join(f"{d}: {n}" for d, n in h["depths"].items()) or "none"),
        ]
        if h["unreached"]:
            lines.append(f"unreached from any root: {h['unreached']}")
        lines.append(f"tropes with several super-tropes: {len(h['multi_parent'])}")
        for node, parents in list(h["multi_parent"].items())[:h["top"]]:
            lines.append(f"  {name(node)} under {', '.join(map(name, parents))}")
        lines.append(f"cycles: {len(h['cycles'])} listed, {h['in_cycles']} tropes caught in cycles")
        for c in h["cycles"]:
            lines.append("  " + " -> ".join(c["tropes"] + c["tropes"][:1]))
            for e in c["edges"]:
                lines.append(f"    {e['sub']} sub-trope of {e['super']}: stated on "
                             f"{', '.join(e['pages']) or 'no named page'}")
        out.append(("Hierarchy", lines))
        titles = {
            "pagerank": "Tropes by PageRank (over the named relations)",
            "works": "Tropes by number of works",
            "sub_tropes": "Tropes by number of sub-tropes (direct; all below)",
            "averted": "Most averted tropes (works that avert them)",
            "subverted": "Most subverted tropes (works that subvert them)",
        }
        for key, title in titles.items():
            rows = self.rankings.get(key, [])
            lines = []
            for i, row in enumerate(rows, 1):
                extra = f"; {row['all']} below" if "all" in row else ""
                score = f"{row['score']:.4f}" if isinstance(row["score"], float) else str(row["score"])
                lines.append(f"{i:>3}. {name(row['trope'])}: {score}{extra}")
            out.append((title, lines or ["none"]))
        lines = []
        for i, c in enumerate(self.communities, 1):
            lines.append(f"{i:>3}. {c['size']} tropes: {', '.join(map(name, c['top']))}")
        out.append(("Communities of co-occurring tropes (Louvain)", lines or ["none"]))
        return out

    def to_text(self) -> str:
        parts = []
        for title, lines in self.sections():
            parts.append(title)
            parts.extend(f"  {line}" for line in lines)
            parts.append("")
        return "\n".join(parts).rstrip() + "\n"

    def _repr_markdown_(self) -> str:
        # page text is data: escaped so that a name holding markup shows as written
        parts = []
        for title, lines in self.sections():
            parts.append(f"**{_md(title)}**\n")
            parts.extend(f"- {_md(line.strip())}" for line in lines)
            parts.append("")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        parts = ['<div class="tropekg-report">']
        for title, lines in self.sections():
            parts.append(f"<h4>{html.escape(title)}</h4><ul>")
            parts.extend(f"<li>{html.escape(line.strip())}</li>" for line in lines)
            parts.append("</ul>")
        parts.append("</div>")
        return "".join(parts)


def _md(text: str) -> str:
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", text)


def analyze(source, *, top: int = 10, threshold: int = 1, seed: int = 1) -> AnalysisReport:
    """The relationship analysis of ``tropekg analyze``. ``threshold`` is the number of shared works
    that links two tropes in the co-occurrence graph; ``seed`` makes Louvain repeatable."""
    reader = _reader(source)
    h = hierarchy_graph(reader)
    report = AnalysisReport()
    for kind in KINDS:
        total, wanted = reader.kind_counts.get(kind, (0, 0))
        if total:
            report.kinds[kind] = {"total": total, "wanted": wanted}
    media = Counter(info["medium"] for info in reader.works.values())
    report.media = dict(sorted(media.items(), key=lambda kv: (-kv[1], kv[0])))

    depth = depths(h)
    listed, in_cycles = cycles(h)
    linked = _linked(h)
    report.hierarchy = {
        "tropes": h.number_of_nodes(),
        "linked": len(linked),
        "edges": h.number_of_edges(),
        "roots": roots(h),
        "leaves": len(leaves(h)),
        "depths": {d: n for d, n in sorted(Counter(depth.values()).items())},
        "max_depth": max(depth.values(), default=0),
        "unreached": len(linked) - len(depth),
        "multi_parent": multi_parent(h),
        "cycles": listed,
        "in_cycles": in_cycles,
        "top": top,
    }

    subs = {n: len(sub_tropes(h, n)) for n in h}
    by_subs = _ranked(subs, top)
    report.rankings = {
        "pagerank": [{"trope": n, "score": s} for n, s in _ranked(pagerank(reader), top)],
        "works": [{"trope": n, "score": s} for n, s in _ranked(reader.work_counts, top)],
        "sub_tropes": [{"trope": n, "score": s, "all": len(nx.ancestors(h, n) - {n})}
                       for n, s in by_subs],
        "averted": [{"trope": n, "score": s} for n, s in _ranked(mode_counts(reader, "Averted"), top)],
        "subverted": [{"trope": n, "score": s}
                      for n, s in _ranked(mode_counts(reader, "Subverted"), top)],
    }
    co = cooccurrence_graph(reader, threshold=threshold)
    report.communities = communities(co, seed=seed, top=min(top, 5))
    mentioned = set(report.hierarchy["roots"]) | set(report.hierarchy["multi_parent"])
    for parents in report.hierarchy["multi_parent"].values():
        mentioned.update(parents)
    for rows in report.rankings.values():
        mentioned.update(r["trope"] for r in rows)
    for c in report.communities:
        mentioned.update(c["top"])
    report.labels = {n: reader.label(n) for n in sorted(mentioned)}
    return report


# -- paths ---------------------------------------------------------------------------------------

@dataclass
class PathStep:
    """One step of a chain: ``source`` to ``target``, and the relations stated between them.
    ``forward`` relations are stated from source to target, ``backward`` ones from target to source."""

    source: str
    target: str
    forward: list[str]
    backward: list[str]

    def describe(self, labels: dict[str, str] | None = None) -> str:
        labels = labels or {}
        a, b = labels.get(self.source, self.source), labels.get(self.target, self.target)
        parts = [f"{a} --{r}--> {b}" for r in self.forward]
        parts += [f"{a} <--{r}-- {b}" for r in self.backward]
        return "; ".join(parts)


@dataclass
class TropePath:
    source: str
    target: str
    steps: list[PathStep]
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def tropes(self) -> list[str]:
        return [self.source] + [s.target for s in self.steps]

    def to_json(self) -> dict:
        return {"source": self.source, "target": self.target, "length": len(self.steps),
                "steps": [asdict(s) for s in self.steps], "labels": self.labels}

    def to_text(self) -> str:
        if not self.steps:
            return f"{self.source} is {self.target}: no step needed\n"
        lines = [(f"{len(self.steps)} step{'s' if len(self.steps) != 1 else ''} from {self.source} "
                  f"to {self.target}:")]
        for i, step in enumerate(self.steps, 1):
            lines.append(f"{i:>3}. {step.describe()}")
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return "\n".join(f"- {_md(line.strip())}" for line in self.to_text().splitlines())


def trope_path(source, a: str, b: str) -> TropePath | None:
    """The shortest chain of named relations (sub-trope of, see also, compare, contrast, not to be
    confused with, sister trope) from trope ``a`` to trope ``b``, found treating every relation as
    undirected; each step keeps the direction it is stated in. ``None`` if none links them.
    ``a`` and ``b`` are names as people write them (see :meth:`GraphReader.resolve`)."""
    reader = _reader(source)
    g = relation_graph(reader)
    known = set(g) | set(reader.tropes)
    start, end = reader.resolve(a, known), reader.resolve(b, known)
    if start == end:
        return TropePath(start, end, [], {start: reader.label(start)})
    if start not in g or end not in g:
        return None
    try:
        nodes = nx.shortest_path(g.to_undirected(as_view=True), start, end)
    except nx.NetworkXNoPath:
        return None
    steps = []
    for u, v in pairwise(nodes):
        forward = sorted(g.get_edge_data(u, v, default={}))
        backward = sorted(g.get_edge_data(v, u, default={}))
        steps.append(PathStep(u, v, forward, backward))
    return TropePath(start, end, steps, {n: reader.label(n) for n in nodes})
