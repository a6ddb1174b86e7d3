"""Validation results: what pySHACL or a SPARQL constraint found in, results and a report (with
terms shown as people read them) out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    RdfFormat,
    parse,
)

from tropekg.rdf.iris import DEFAULT_BASE, WANTED_GRAPH, IriScheme
from tropekg.rdf.namespaces import RDF_TYPE as RDF_TYPE_NODE
from tropekg.rdf.namespaces import RDFS_SUBCLASS_OF as RDFS_SUBCLASS_OF_NODE
from tropekg.rdf.namespaces import (
    REPORT_PREFIXES,
    SH_NS,
    prefixes_for,
    shorten,
)
from tropekg.rdf.namespaces import XSD_STRING as XSD_STRING_NODE

# IRIs as plain strings, as rdflib and pySHACL's reports give them.
RDF_TYPE = RDF_TYPE_NODE.value
RDFS_SUBCLASS_OF = RDFS_SUBCLASS_OF_NODE.value
XSD_STRING = XSD_STRING_NODE.value

# Most severe first; --min-severity keeps a prefix of this tuple.
SEVERITIES = ("Violation", "Warning", "Info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
SPARQL_COMPONENT = SH_NS + "SPARQLConstraintComponent"

# Build folders whose dataset is larger than this are validated from a temporary on-disk store
# rather than an in-memory one.
IN_MEMORY_LIMIT = 64 * 1024 * 1024
BATCH_TRIPLES = 20_000


class ValidationError(Exception):
    """The input cannot be validated (missing, not RDF, unreachable); the message names it."""


# -- results ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Source:
    """Where an offending statement comes from: its page graph, page, source file and line."""

    graph: str
    page: str | None = None
    file: str | None = None
    line: int | None = None

    def describe(self) -> str:
        where = self.page or ("wanted pages" if self.graph.endswith(WANTED_GRAPH) else self.graph)
        if self.line is not None:
            where += f", line {self.line}"
        if self.file:
            where += f" ({self.file})"
        return where


@dataclass(slots=True)
class ValidationResult:
    """One SHACL result. Terms are N-Triples (``<iri>``, ``"text"@en``); the path is SPARQL
    property path syntax (``<iri>`` or ``^<iri>``)."""

    severity: str
    shape: str
    focus: str
    path: str | None
    value: str | None
    message: str
    component: str
    sources: list[Source] = field(default_factory=list)

    def key(self) -> tuple:
        """What two validations must agree on: focus node, path, value, severity, source shape."""
        return (self.focus, self.path, self.value, self.severity, self.shape)

    def to_json(self, base: str = DEFAULT_BASE) -> dict:
        out = asdict(self)
        out["sources"] = [asdict(s) for s in self.sources]
        out["focus_label"] = display(self.focus, base)
        return out


@dataclass(frozen=True, slots=True)
class ShapeInfo:
    iri: str
    name: str
    description: str
    message: str
    severity: str


@dataclass
class ValidationReport:
    """The results of one validation, the shapes they refer to, and what was validated."""

    results: list[ValidationResult]
    shapes: dict[str, ShapeInfo]
    graphs: int = 0
    triples: int = 0
    mode: str = "two-part"
    seconds: dict[str, float] = field(default_factory=dict)
    base: str = DEFAULT_BASE
    worker_maxrss: int = 0  # peak memory (bytes) of the largest pySHACL worker process

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def counts(self) -> dict[str, int]:
        c = Counter(r.severity for r in self.results)
        return {s: c.get(s, 0) for s in SEVERITIES}

    def at_least(self, severity: str) -> list[ValidationResult]:
        """The results at or above a severity (``violation``, ``warning``, ``info``), most severe
        first, then by shape name and focus node (an order that does not change once results
        are located, so a report lists the results it located)."""
        limit = severity_rank(severity)
        kept = [r for r in self.results if SEVERITY_RANK[r.severity] <= limit]
        return sorted(kept, key=self._sort_key)

    def _sort_key(self, r: ValidationResult):
        info = self.shapes.get(r.shape)
        return (SEVERITY_RANK[r.severity], info.name if info else r.shape, r.shape,
                r.focus, r.path or "", r.value or "", r.message)

    def locate(self, graph, results: Iterable[ValidationResult] | None = None) -> None:
        """Fill in the sources (page graph, page, file, line) of the given results, or of all."""
        from tropekg.validate.locate import locate

        locate(graph, list(self.results if results is None else results), self.base)

    def key_set(self) -> set[tuple]:
        """The results as compared between two validations (see :meth:`ValidationResult.key`)."""
        return {r.key() for r in self.results}


def severity_rank(name: str) -> int:
    for s in SEVERITIES:
        if s.lower() == name.lower():
            return SEVERITY_RANK[s]
    raise ValueError(f"unknown severity {name!r}; choose from {', '.join(s.lower() for s in SEVERITIES)}")


# -- terms --------------------------------------------------------------------------------------

def rdflib_term_text(term) -> str:
    """An rdflib term as pyoxigraph writes it in N-Triples, so both libraries' results compare."""
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return str(NamedNode(str(term)))
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    if isinstance(term, rdflib.Literal):
        if term.language:
            return str(Literal(str(term), language=term.language))
        if term.datatype is not None and str(term.datatype) != XSD_STRING:
            return str(Literal(str(term), datatype=NamedNode(str(term.datatype))))
        return str(Literal(str(term)))
    return str(term)


def rdflib_path_text(graph, node) -> str:
    """A SHACL path in the report graph as SPARQL property path text."""
    import rdflib

    shn = rdflib.Namespace(SH_NS)
    if isinstance(node, rdflib.URIRef):
        return rdflib_term_text(node)
    inverse = graph.value(node, shn.inversePath)
    if inverse is not None:
        return "^" + rdflib_path_text(graph, inverse)
    for key, suffix in ((shn.zeroOrMorePath, "*"), (shn.oneOrMorePath, "+"), (shn.zeroOrOnePath, "?")):
        inner = graph.value(node, key)
        if inner is not None:
            return f"({rdflib_path_text(graph, inner)}){suffix}"
    alternatives = graph.value(node, shn.alternativePath)
    if alternatives is not None:
        items = rdflib.collection.Collection(graph, alternatives)
        return "(" + "|".join(rdflib_path_text(graph, i) for i in items) + ")"
    if (node, rdflib.RDF.first, None) in graph:
        return "/".join(rdflib_path_text(graph, i) for i in rdflib.collection.Collection(graph, node))
    return f"_:{node}"


def display(text: str | None, base: str = DEFAULT_BASE) -> str:
    """A term as people read it: a page as its title, other IRIs with our prefixes, a literal as
    its text."""
    if text is None:
        return ""
    if text.startswith("^"):
        return "^" + display(text[1:], base)
    if text.startswith("<") and text.endswith(">"):
        iri = text[1:-1]
        title = IriScheme(base).title_of(iri)
        if title is not None:
            return str(title)
        return shorten(iri, {**prefixes_for(base), **REPORT_PREFIXES})
    if text.startswith('"'):
        term = term_of(text)
        return term.value if isinstance(term, Literal) else text
    return text


def term_of(text: str):
    """The pyoxigraph term of an N-Triples term."""
    if text.startswith("_:"):
        return BlankNode(text[2:])
    triple = next(iter(parse(f"<x:s> <x:p> {text} .", format=RdfFormat.N_TRIPLES)))
    return triple.object
