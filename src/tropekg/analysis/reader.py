"""Reading the graph for analysis: a backend in, the tropes, hierarchy edges, relations, examples and
counts as plain Python values out (a few SPARQL queries, each read once)."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from functools import cached_property

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


def reader_of(source) -> GraphReader:
    return source if isinstance(source, GraphReader) else GraphReader(source)
