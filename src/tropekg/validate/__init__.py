"""Validating the knowledge graph: a built dataset or store in, a SHACL validation report out.

The shapes live in ``shapes/*.ttl``. pySHACL over one in-memory rdflib graph is fine for a page but
far too slow and too big for the whole wiki, so validation runs in two parts, with the shapes files
the one source of truth for both:

- the *node-local* shapes (core SHACL: every shape without ``sh:sparql``) run with pySHACL on
  batches of page graphs, in parallel across cores. They are written so that what they find in each
  page graph on its own is what they would find in the whole dataset (see shapes/node-local.ttl).
  pySHACL gets them with each node shape's targets copied onto its property shapes (the same
  checks, ten times faster in pySHACL) and no ontology or inference: the data types each resource
  it links to, in the same graph.
- the *SPARQL-based* constraints (``sh:sparql``: the cross-page ones in shapes/cross-page.ttl, and
  those about every example in shapes/modes.ttl) are read out of the shapes graph, and each SELECT
  runs once over the whole store (pyoxigraph, or a SPARQL endpoint) with ``$this`` free and the
  rows kept to the shape's targets.

:func:`validate_whole` runs pySHACL over everything at once; tests check both give the same results.
:meth:`ValidationReport.locate` traces results to the page and source line behind them.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Triple,
    parse,
    serialize,
)

from tropekg.build import OUTPUT_FILES
from tropekg.rdf.iris import DEFAULT_BASE, WANTED_GRAPH, IriScheme
from tropekg.rdf.namespaces import RDF_TYPE as RDF_TYPE_NODE
from tropekg.rdf.namespaces import RDFS_SUBCLASS_OF as RDFS_SUBCLASS_OF_NODE
from tropekg.rdf.namespaces import (
    REPORT_PREFIXES,
    SH_NS,
    TKS_NS,
    prefixes_for,
    shorten,
    sparql_prologue,
)
from tropekg.rdf.namespaces import XSD_STRING as XSD_STRING_NODE
from tropekg.shipped import shapes_dir

# IRIs as plain strings, as rdflib and pySHACL's reports give them.
RDF_TYPE = RDF_TYPE_NODE.value
RDFS_SUBCLASS_OF = RDFS_SUBCLASS_OF_NODE.value
XSD_STRING = XSD_STRING_NODE.value

# Most severe first; --min-severity keeps a prefix of this tuple.
SEVERITIES = ("Violation", "Warning", "Info")
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
SPARQL_COMPONENT = SH_NS + "SPARQLConstraintComponent"

# Build folders whose dataset is larger than this are validated from a temporary on-disk store
# rather than an in-memory one.
_IN_MEMORY_LIMIT = 64 * 1024 * 1024
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
        limit = _severity(severity)
        kept = [r for r in self.results if _SEVERITY_RANK[r.severity] <= limit]
        return sorted(kept, key=self._sort_key)

    def _sort_key(self, r: ValidationResult):
        info = self.shapes.get(r.shape)
        return (_SEVERITY_RANK[r.severity], info.name if info else r.shape, r.shape,
                r.focus, r.path or "", r.value or "", r.message)

    def locate(self, graph, results: Iterable[ValidationResult] | None = None) -> None:
        """Fill in the sources (page graph, page, file, line) of the given results, or of all."""
        locate(graph, list(self.results if results is None else results), self.base)

    def key_set(self) -> set[tuple]:
        """The results as compared between two validations (see :meth:`ValidationResult.key`)."""
        return {r.key() for r in self.results}


def _severity(name: str) -> int:
    for s in SEVERITIES:
        if s.lower() == name.lower():
            return _SEVERITY_RANK[s]
    raise ValueError(f"unknown severity {name!r}; choose from {', '.join(s.lower() for s in SEVERITIES)}")


# -- terms --------------------------------------------------------------------------------------

def _rdflib_term_text(term) -> str:
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


def _rdflib_path_text(graph, node) -> str:
    """A SHACL path in the report graph as SPARQL property path text."""
    import rdflib

    shn = rdflib.Namespace(SH_NS)
    if isinstance(node, rdflib.URIRef):
        return _rdflib_term_text(node)
    inverse = graph.value(node, shn.inversePath)
    if inverse is not None:
        return "^" + _rdflib_path_text(graph, inverse)
    for key, suffix in ((shn.zeroOrMorePath, "*"), (shn.oneOrMorePath, "+"), (shn.zeroOrOnePath, "?")):
        inner = graph.value(node, key)
        if inner is not None:
            return f"({_rdflib_path_text(graph, inner)}){suffix}"
    alternatives = graph.value(node, shn.alternativePath)
    if alternatives is not None:
        items = rdflib.collection.Collection(graph, alternatives)
        return "(" + "|".join(_rdflib_path_text(graph, i) for i in items) + ")"
    if (node, rdflib.RDF.first, None) in graph:
        return "/".join(_rdflib_path_text(graph, i) for i in rdflib.collection.Collection(graph, node))
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


# -- shapes -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint, read out of the shapes graph to run over the whole store."""

    shape: str
    select: str
    prefixes: str
    message: str
    severity: str
    targets: tuple[tuple[str, str], ...]  # (target predicate local name, N-Triples term)
    path: str | None  # the shape's sh:path, when the shape is a property shape

    def query(self, subclasses: bool = True) -> str:
        """The SELECT with ``$this`` left free and the rows kept to the shape's focus nodes. A
        class target takes in instances of subclasses only if the data has ``rdfs:subClassOf``
        statements at all (the mapper writes none), as pySHACL does."""
        tests = []
        for kind, term in self.targets:
            if kind == "targetClass" and subclasses:
                tests.append(f"EXISTS {{ ?this <{RDF_TYPE}>/<{RDFS_SUBCLASS_OF}>* {term} }}")
            elif kind == "targetClass":
                tests.append(f"EXISTS {{ ?this <{RDF_TYPE}> {term} }}")
            elif kind == "targetSubjectsOf":
                tests.append(f"EXISTS {{ ?this {term} ?tkgTargetObject }}")
            elif kind == "targetObjectsOf":
                tests.append(f"EXISTS {{ ?tkgTargetSubject {term} ?this }}")
            elif kind == "targetNode":
                tests.append(f"sameTerm(?this, {term})")
        target = " || ".join(tests) if tests else "false"
        return f"{self.prefixes}SELECT * WHERE {{\n{{ {self.select.strip()} }}\nFILTER ({target})\n}}"


class Shapes:
    """The shapes graph, split into the node-local part (for pySHACL, per page graph) and the
    cross-page SPARQL constraints (for the whole store)."""

    def __init__(self, graph):
        import rdflib

        self.graph = graph
        shn = rdflib.Namespace(SH_NS)
        self.info: dict[str, ShapeInfo] = {}
        shape_nodes = set(graph.subjects(rdflib.RDF.type, shn.NodeShape)) | set(
            graph.subjects(rdflib.RDF.type, shn.PropertyShape)) | set(graph.objects(None, shn.property))
        for node in shape_nodes:
            if not isinstance(node, rdflib.URIRef):
                continue
            sev = graph.value(node, shn.severity)
            # a SPARQL-based shape keeps its message on the constraint, where both engines read it
            message = graph.value(node, shn.message) or next(
                (graph.value(c, shn.message) for c in graph.objects(node, shn.sparql)), None)
            self.info[str(node)] = ShapeInfo(
                iri=str(node),
                name=str(graph.value(node, shn.name) or node),
                description=str(graph.value(node, shn.description) or ""),
                message=str(message or ""),
                severity=str(sev).removeprefix(SH_NS) if sev is not None else "Violation",
            )
        self.sparql: list[SparqlConstraint] = []
        local = rdflib.Graph()
        for triple in graph:
            local.add(triple)
        for shape, constraint in list(graph.subject_objects(shn.sparql)):
            self.sparql.append(self._constraint(shape, constraint))
            local.remove((shape, shn.sparql, constraint))
            for t in _closure(graph, constraint):
                local.remove(t)
        # pySHACL checks a node shape's sh:property once per focus node, building the property
        # shape's constraints anew each time; a property shape with targets of its own is checked
        # once for all its focus nodes, about ten times faster. So the node shape's targets move onto
        # its property shapes: the same focus nodes, constraints and results (sh:sourceShape is the
        # property shape either way).
        for node_shape, prop in list(local.subject_objects(shn.property)):
            for kind in _TARGETS:
                for target in local.objects(node_shape, shn[kind]):
                    local.add((prop, shn[kind], target))
            local.remove((node_shape, shn.property, prop))
        for shape in set(local.subjects(shn.name, None)):
            if not any(str(p).startswith(SH_NS) and str(p).removeprefix(SH_NS) not in _NON_CONSTRAINTS
                       for p in local.predicates(shape, None)):
                for t in list(local.triples((shape, None, None))):
                    local.remove(t)
        self.local = local

    def _constraint(self, shape, node) -> SparqlConstraint:
        import rdflib

        g, shn = self.graph, rdflib.Namespace(SH_NS)
        select = str(g.value(node, shn.select))
        lines = []
        for decl_holder in g.objects(node, shn.prefixes):
            for decl in g.objects(decl_holder, shn.declare):
                lines.append(f"PREFIX {g.value(decl, shn.prefix)}: <{g.value(decl, shn.namespace)}>\n")
        message = g.value(node, shn.message) or g.value(shape, shn.message) or ""
        sev = g.value(shape, shn.severity)
        targets = []
        for kind in _TARGETS:
            for t in g.objects(shape, shn[kind]):
                targets.append((kind, _rdflib_term_text(t)))
        path = g.value(shape, shn.path)
        return SparqlConstraint(
            shape=str(shape), select=select, prefixes="".join(sorted(set(lines))), message=str(message),
            severity=str(sev).removeprefix(SH_NS) if sev is not None else "Violation",
            targets=tuple(sorted(targets)), path=_rdflib_path_text(g, path) if path is not None else None,
        )

    def local_turtle(self) -> str:
        return self.local.serialize(format="turtle")


_TARGETS = ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode")
_NON_CONSTRAINTS = {"name", "description", "message", "severity", "deactivated", "order", "group",
                    "path", *_TARGETS, "target"}


def _closure(graph, node) -> list:
    """The triples of a blank node and the blank nodes it leads to (an sh:sparql constraint)."""
    import rdflib

    out, todo, seen = [], [node], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for t in graph.triples((n, None, None)):
            out.append(t)
            if isinstance(t[2], rdflib.BNode):
                todo.append(t[2])
    return out


def shape_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or shapes_dir()).glob("*.ttl"))


def load_shapes(folder: Path | None = None) -> Shapes:
    """The shapes in ``shapes/*.ttl`` (or another folder)."""
    import rdflib

    g = rdflib.Graph()
    files = shape_files(folder)
    if not files:
        raise ValidationError(f"{folder or shapes_dir()}: no shapes (*.ttl) found")
    for path in files:
        g.parse(path, format="turtle")
    return Shapes(g)


# -- pySHACL ------------------------------------------------------------------------------------

def _pyshacl_results(data_graph, shacl_graph) -> list[ValidationResult]:
    import pyshacl
    import rdflib

    shn = rdflib.Namespace(SH_NS)
    _, report, _ = pyshacl.validate(
        data_graph, shacl_graph=shacl_graph, inference="none", advanced=False, meta_shacl=False,
        allow_infos=True, allow_warnings=True, inplace=True,
    )
    out = []
    for rep in report.subjects(rdflib.RDF.type, shn.ValidationReport):
        for r in report.objects(rep, shn.result):
            path = report.value(r, shn.resultPath)
            value = report.value(r, shn.value)
            messages = sorted(str(m) for m in report.objects(r, shn.resultMessage))
            out.append(ValidationResult(
                severity=str(report.value(r, shn.resultSeverity)).removeprefix(SH_NS),
                shape=str(report.value(r, shn.sourceShape)),
                focus=_rdflib_term_text(report.value(r, shn.focusNode)),
                path=_rdflib_path_text(report, path) if path is not None else None,
                value=_rdflib_term_text(value) if value is not None else None,
                message=messages[0] if messages else "",
                component=str(report.value(r, shn.sourceConstraintComponent)),
            ))
    return out


_worker_shapes = None


def _init_worker(shapes_turtle: str) -> None:
    global _worker_shapes
    import rdflib

    _worker_shapes = rdflib.Graph().parse(data=shapes_turtle, format="turtle")


def _add_ntriples(graph, ntriples: bytes):
    """Add N-Triples to an rdflib graph: parsed by pyoxigraph, each distinct term converted once
    (three times faster than rdflib's own N-Triples parser)."""
    import rdflib

    terms: dict = {}

    def term(t):
        r = terms.get(t)
        if r is None:
            if isinstance(t, NamedNode):
                r = rdflib.URIRef(t.value)
            elif isinstance(t, BlankNode):
                r = rdflib.BNode(t.value)
            elif t.language:
                r = rdflib.Literal(t.value, lang=t.language)
            elif t.datatype.value == XSD_STRING:
                r = rdflib.Literal(t.value)
            else:
                r = rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))
            terms[t] = r
        return r

    if ntriples:
        graph.addN((term(t.subject), term(t.predicate), term(t.object), graph)
                   for t in parse(ntriples, format=RdfFormat.N_TRIPLES))
    return graph


def _validate_batch(ntriples: bytes) -> tuple[list[ValidationResult], int]:
    """Node-local shapes over one batch of page graphs (N-Triples), in a worker; the results and
    the worker's peak memory so far (bytes)."""
    import resource

    import rdflib

    results = _pyshacl_results(_add_ntriples(rdflib.Graph(), ntriples), _worker_shapes)
    return results, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# -- reading the graph ---------------------------------------------------------------------------

def _batches(texts: Iterable[bytes], size: int, counts: Counter) -> Iterator[bytes]:
    batch: list[bytes] = []
    n = 0
    for text in texts:
        lines = text.count(b"\n")
        counts["graphs"] += 1
        counts["triples"] += lines
        batch.append(text)
        n += lines
        if n >= size:
            yield b"".join(batch)
            batch, n = [], 0
    if batch:
        yield b"".join(batch)


def _local_results(graph, shapes: Shapes, jobs: int, counts: Counter,
                   batch_triples: int) -> Iterator[tuple[list[ValidationResult], int]]:
    turtle = shapes.local_turtle()
    batches = _batches(graph.graph_texts(), batch_triples, counts)
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None)
    if jobs <= 1 or second is None:
        _init_worker(turtle)
        yield _validate_batch(first)
        if second is not None:
            yield _validate_batch(second)
        for b in batches:
            yield _validate_batch(b)
        return
    # forkserver, not fork: the parent holds an open Oxigraph store, whose background threads a
    # forked child would inherit in whatever state they were in
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(turtle,)) as pool:
        pending: deque = deque([pool.submit(_validate_batch, first), pool.submit(_validate_batch, second)])
        for b in batches:  # a bounded number in flight, so memory does not grow with the corpus
            pending.append(pool.submit(_validate_batch, b))
            while len(pending) >= jobs * 3:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


_PLACEHOLDER = re.compile(r"\{[$?]([A-Za-z_][A-Za-z0-9_]*)\}")


def _substitute(template: str, row: dict, base: str) -> str:
    if "{" not in template:
        return template

    def repl(m: re.Match) -> str:
        term = row.get(m.group(1))
        return display(str(term), base) if term is not None else m.group(0)
    return _PLACEHOLDER.sub(repl, template)


def _cross_page_results(graph, shapes: Shapes, base: str,
                        seconds: dict[str, float] | None = None) -> list[ValidationResult]:
    from tropekg.store.embedded import StoreError
    from tropekg.store.endpoint import EndpointError

    out = []
    subclasses = bool(graph.run(f"ASK {{ ?a <{RDFS_SUBCLASS_OF}> ?b }}").value)
    for c in shapes.sparql:
        started = time.perf_counter()
        try:
            rows = graph.run(c.query(subclasses))
        except (StoreError, EndpointError) as e:
            raise ValidationError(f"shape {c.shape}: its SPARQL constraint failed: {e}") from None
        for values in rows.rows:
            row = dict(zip(rows.columns, values))
            focus = row.get("this")
            if focus is None:
                continue
            path = row.get("path")
            value = row.get("value")
            out.append(ValidationResult(
                severity=c.severity, shape=c.shape, focus=str(focus),
                path=str(path) if path is not None else c.path,
                value=str(value) if value is not None else (str(focus) if c.path is None else None),
                message=_substitute(c.message, row, base), component=SPARQL_COMPONENT,
            ))
        if seconds is not None:
            key = "sparql " + c.shape.removeprefix(TKS_NS)
            seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - started
    return out


def _unique(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    """Each result once (a statement in two page graphs is found in both); the strings results
    share (shape, path, message, ...) stored once, as there can be millions of results."""
    seen, out = set(), []
    intern = sys.intern
    for r in results:
        k = (*r.key(), r.component, r.message)
        if k not in seen:
            seen.add(k)
            r.severity, r.shape, r.component = intern(r.severity), intern(r.shape), intern(r.component)
            r.message = intern(r.message)
            if r.path is not None:
                r.path = intern(r.path)
            out.append(r)
    return out


# -- validating ---------------------------------------------------------------------------------

def validate_graph(graph, *, shapes: Shapes | None = None, jobs: int | None = None,
                   batch_triples: int = BATCH_TRIPLES,
                   progress: Callable[[int], None] | None = None) -> ValidationReport:
    """Validate a :class:`~tropekg.store.embedded.GraphStore` or an :class:`~tropekg.store.endpoint.Endpoint` in
    two parts: node-local shapes per batch of page graphs, cross-page SPARQL over the whole."""
    shapes = shapes or load_shapes()
    jobs = jobs or os.cpu_count() or 1
    base = graph.base
    counts: Counter = Counter()
    results: list[ValidationResult] = []
    t0 = time.perf_counter()
    worker_maxrss = 0
    for batch, maxrss in _local_results(graph, shapes, jobs, counts, batch_triples):
        results.extend(batch)
        worker_maxrss = max(worker_maxrss, maxrss)
        if progress is not None:
            progress(counts["graphs"])
    t1 = time.perf_counter()
    seconds: dict[str, float] = {}
    results.extend(_cross_page_results(graph, shapes, base, seconds))
    t2 = time.perf_counter()
    return ValidationReport(
        results=_unique(results), shapes=shapes.info, graphs=counts["graphs"], triples=counts["triples"],
        mode="two-part", seconds={"node_local": t1 - t0, "cross_page": t2 - t1, **seconds}, base=base,
        worker_maxrss=worker_maxrss,
    )


def _graph_with_prepared_queries():
    """An rdflib graph that parses each query text once: pySHACL asks the same SPARQL constraint
    once per focus node, and parsing it again each time costs more than answering it."""
    import rdflib
    from rdflib.plugins.sparql import prepareQuery

    class PreparedQueryGraph(rdflib.Graph):
        _prepared: ClassVar[dict] = {}

        def query(self, query_object, *args, **kwargs):
            if isinstance(query_object, str):
                prepared = self._prepared.get(query_object)
                if prepared is None:
                    prepared = self._prepared[query_object] = prepareQuery(query_object)
                query_object = prepared
            return super().query(query_object, *args, **kwargs)

    return PreparedQueryGraph()


def validate_whole(graph, *, shapes: Shapes | None = None) -> ValidationReport:
    """pySHACL over the union of all graphs at once, every shape included: the reference the
    two-part validation is checked against, and fine for a page or a small corpus."""
    shapes = shapes or load_shapes()
    t0 = time.perf_counter()
    data = _graph_with_prepared_queries()
    graphs = 0
    for text in graph.graph_texts():
        graphs += 1
        _add_ntriples(data, text)
    results = _pyshacl_results(data, shapes.graph)
    return ValidationReport(
        results=_unique(results), shapes=shapes.info, graphs=graphs, triples=len(data), mode="whole",
        seconds={"whole": time.perf_counter() - t0}, base=graph.base,
    )


class _OpenedDataset:
    """Files loaded into a store for validating, removed again on close."""

    def __init__(self, paths: Iterable[Path], base: str | None = None):
        from tropekg.store.datasets import StoreError, dataset_files
        from tropekg.store.embedded import GraphStore

        self.tmp: str | None = None
        paths = [Path(p) for p in paths]
        try:
            files = dataset_files(paths)
            if not files:
                raise ValidationError("no input: give a build folder or RDF files")
            size = sum(f.stat().st_size for f in files)
            if size > _IN_MEMORY_LIMIT:
                self.tmp = tempfile.mkdtemp(prefix="tropekg-validate-")
                self.graph = GraphStore(Path(self.tmp) / "store", base=base)
            else:
                self.graph = GraphStore.in_memory(base=base)
            self.graph.load(paths)
        except StoreError as e:
            self.close()
            raise ValidationError(str(e)) from None

    def close(self) -> None:
        if self.tmp is not None:
            self.graph = None
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self.graph

    def __exit__(self, *exc) -> None:
        self.close()


def open_dataset(paths: Iterable[Path], base: str | None = None) -> _OpenedDataset:
    """A build folder or RDF files, loaded into a store (use as a context manager)."""
    return _OpenedDataset(paths, base)


def validate_build(out_dir: Path, *, jobs: int | None = None, base: str | None = None,
                   locate_from: str = "warning") -> ValidationReport:
    """Validate a build folder (its dataset.nq). Violations and warnings come with their sources;
    ``report.conforms`` is False when there is any violation."""
    out_dir = Path(out_dir)
    if not (out_dir / OUTPUT_FILES["nquads"]).is_file():
        raise ValidationError(f"{out_dir}: not a build folder (no {OUTPUT_FILES['nquads']}; "
                              "build with the nquads format)")
    with open_dataset([out_dir], base) as graph:
        report = validate_graph(graph, jobs=jobs)
        report.locate(graph, report.at_least(locate_from))
    return report


# -- provenance of results -----------------------------------------------------------------------

_PREFIXES = sparql_prologue()

_EXAMPLE_SOURCES = _PREFIXES + """SELECT ?focus ?g ?page ?line ?file WHERE {
  VALUES ?focus { %s }
  GRAPH ?g { ?focus tk:onPage ?page . OPTIONAL { ?focus tk:sourceLine ?line } }
  OPTIONAL { GRAPH ?g { ?g tk:sourcePath ?file } }
}"""

# the line, where there is one, is that of the first example behind a shortcut (trope -> work)
_STATEMENT_SOURCES = _PREFIXES + """SELECT ?focus ?path ?value ?g (SAMPLE(?topic) AS ?page)
    (SAMPLE(?path_) AS ?file) (MIN(?example_line) AS ?line) WHERE {
  VALUES (?focus ?path ?value) { %s }
  GRAPH ?g { ?focus ?path ?value }
  OPTIONAL { GRAPH ?g { ?g foaf:primaryTopic ?topic } }
  OPTIONAL { GRAPH ?g { ?g tk:sourcePath ?path_ } }
  OPTIONAL { GRAPH ?g { ?example tk:trope ?focus ; tk:work ?value ; tk:sourceLine ?example_line } }
} GROUP BY ?focus ?path ?value ?g"""

_NODE_SOURCES = _PREFIXES + """SELECT ?focus ?g ?page ?file WHERE {
  VALUES ?focus { %s }
  { GRAPH ?g { ?focus tk:describedBy ?g } }
  UNION { GRAPH ?g { ?focus a tk:PageGraph } FILTER (sameTerm(?g, ?focus)) }
  UNION { GRAPH ?g { ?focus a tk:WantedPage } }
  OPTIONAL { GRAPH ?g { ?g foaf:primaryTopic ?page } }
  OPTIONAL { GRAPH ?g { ?g tk:sourcePath ?file } }
}"""

_ANY_SOURCES = _PREFIXES + """SELECT DISTINCT ?focus ?g ?page ?file WHERE {
  VALUES ?focus { %s }
  GRAPH ?g { ?focus ?p ?o }
  OPTIONAL { GRAPH ?g { ?g foaf:primaryTopic ?page } }
  OPTIONAL { GRAPH ?g { ?g tk:sourcePath ?file } }
}"""

_CHUNK = 200
_MAX_SOURCES = 3


def _rows(graph, template: str, values: list[str]) -> list[dict]:
    out = []
    for i in range(0, len(values), _CHUNK):
        # the values are N-Triples terms written by pyoxigraph, so they stay terms in the query
        result = graph.run(template % " ".join(values[i:i + _CHUNK]))
        out.extend(dict(zip(result.columns, row)) for row in result.rows)
    return out


def _source(row: dict, base: str) -> Source:
    page = row.get("page")
    title = IriScheme(base).title_of(page.value) if page is not None else None
    line = row.get("line")
    file = row.get("file")
    return Source(graph=row["g"].value, page=str(title) if title else None,
                  file=file.value if file is not None else None,
                  line=int(line.value) if line is not None else None)


def locate(graph, results: list[ValidationResult], base: str = DEFAULT_BASE) -> None:
    """Trace results to page graphs: an example to its page and line; a statement to the graphs
    holding it (with the line of the example behind a shortcut); a resource to its own page."""
    def iri(text: str | None) -> bool:
        return text is not None and text.startswith("<")

    def add(found: dict, key, source: Source) -> None:
        lst = found.setdefault(key, [])
        if source not in lst:
            lst.append(source)

    todo = [r for r in results if not r.sources and iri(r.focus)]
    if not todo:
        return
    by_example: dict[str, list[Source]] = {}
    for row in _rows(graph, _EXAMPLE_SOURCES, sorted({r.focus for r in todo})):
        add(by_example, str(row["focus"]), _source(row, base))
    rest = [r for r in todo if r.focus not in by_example]
    statements = sorted({f"({r.focus} {r.path} {r.value})" for r in rest
                         if iri(r.path) and r.value is not None and not r.value.startswith("_:")})
    by_statement: dict[tuple, list[Source]] = {}
    for row in _rows(graph, _STATEMENT_SOURCES, statements):
        add(by_statement, (str(row["focus"]), str(row["path"]), str(row["value"])), _source(row, base))
    by_node: dict[str, list[Source]] = {}
    unplaced = sorted({r.focus for r in rest if (r.focus, r.path, r.value) not in by_statement})
    for row in _rows(graph, _NODE_SOURCES, unplaced):
        add(by_node, str(row["focus"]), _source(row, base))
    for row in _rows(graph, _ANY_SOURCES, [f for f in unplaced if f not in by_node]):
        if len(by_node.get(str(row["focus"]), [])) < _MAX_SOURCES:
            add(by_node, str(row["focus"]), _source(row, base))
    for r in todo:
        sources = (by_example.get(r.focus) or by_statement.get((r.focus, r.path, r.value))
                   or by_node.get(r.focus) or [])
        r.sources = sorted(sources, key=lambda s: (s.page or "", s.line or 0, s.graph))


# -- reports ------------------------------------------------------------------------------------

def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(report: ValidationReport) -> str:
    c = report.counts()
    verdict = "conforms" if report.conforms else "does not conform"
    return (f"{_plural(c['Violation'], 'violation')}, {_plural(c['Warning'], 'warning')}, "
            f"{_plural(c['Info'], 'info')} in {_plural(report.graphs, 'graph')} "
            f"({_plural(report.triples, 'statement')}): {verdict}")


def _limited(report: ValidationReport, results: list[ValidationResult], limit: int):
    groups: dict[str, list[ValidationResult]] = {}
    for r in results:
        groups.setdefault(r.shape, []).append(r)
    for shape, items in groups.items():
        yield shape, items, (items if limit <= 0 else items[:limit])


def printed(report: ValidationReport, min_severity: str = "info", limit: int = 0) -> list[ValidationResult]:
    """The results a text or table report shows: at or above the severity, ``limit`` per shape."""
    out = []
    for _, _, shown in _limited(report, report.at_least(min_severity), limit):
        out.extend(shown)
    return out


def format_text(report: ValidationReport, min_severity: str = "info", limit: int = 0) -> str:
    base = report.base
    results = report.at_least(min_severity)
    lines = [f"tropekg validate: {summary_line(report)}"]
    for shape, items, shown in _limited(report, results, limit):
        info = report.shapes.get(shape)
        name = info.name if info else shape
        lines.append("")
        lines.append(f"{items[0].severity}: {name} ({display(f'<{shape}>', base)}): {len(items)}")
        for r in sorted(shown, key=_by_place):
            where = "; ".join(s.describe() for s in r.sources) or "source unknown"
            statement = display(r.focus, base)
            if r.path:
                statement += f" {display(r.path, base)}"
            if r.value is not None and r.value != r.focus:
                statement += f" {_short(display(r.value, base))}"
            lines.append(f"  {where}: {statement}")
            lines.append(f"      {r.message}")
        if len(shown) < len(items):
            lines.append(f"  ... and {len(items) - len(shown)} more (--limit 0 lists them all)")
    hidden = [s for s in SEVERITIES if _SEVERITY_RANK[s] > _severity(min_severity)
              and report.counts()[s]]
    if hidden:
        lines.append("")
        lines.append(f"(not listed: {', '.join(s.lower() + 's' for s in hidden)}; "
                     f"see --min-severity)")
    return "\n".join(lines)


def _by_place(r: ValidationResult) -> tuple:
    first = r.sources[0] if r.sources else Source(graph="")
    return (first.page or "~", first.line or 0, r.focus, r.path or "", r.value or "")


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(report: ValidationReport, min_severity: str = "info", limit: int = 0) -> str:
    from tropekg.query.results import Rows, format_rows

    rows = []
    for r in printed(report, min_severity, limit):
        first = r.sources[0] if r.sources else None
        rows.append([
            Literal(r.severity), Literal(display(f"<{r.shape}>", report.base)),
            Literal(first.page or first.graph) if first else None,
            Literal(str(first.line)) if first and first.line is not None else None,
            term_of(r.focus), Literal(display(r.path, report.base)) if r.path else None,
            Literal(_short(display(r.value, report.base))) if r.value is not None else None,
            Literal(r.message),
        ])
    table = format_rows(Rows(["severity", "shape", "page", "line", "focus", "path", "value", "message"],
                             rows), "table", report.base)
    return f"{table}\n{summary_line(report)}"


def to_json(report: ValidationReport, min_severity: str = "info") -> dict:
    return {
        "conforms": report.conforms,
        "counts": {s.lower(): n for s, n in report.counts().items()},
        "graphs": report.graphs,
        "statements": report.triples,
        "mode": report.mode,
        "min_severity": min_severity.lower(),
        "results": [dict(r.to_json(report.base),
                         shape_name=report.shapes[r.shape].name if r.shape in report.shapes else None)
                    for r in report.at_least(min_severity)],
    }


def to_turtle(report: ValidationReport, min_severity: str = "info") -> str:
    """The report as a SHACL validation report graph; each result points to the page graphs
    behind it with prov:wasDerivedFrom and says where in rdfs:comment."""
    def sh(name: str) -> NamedNode:
        return NamedNode(SH_NS + name)

    rdf_type = NamedNode(RDF_TYPE)
    xsd_boolean = NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
    report_node = BlankNode()
    quads = [
        Quad(report_node, rdf_type, sh("ValidationReport")),
        Quad(report_node, sh("conforms"), Literal("true" if report.conforms else "false", datatype=xsd_boolean)),
    ]
    for r in report.at_least(min_severity):
        node = BlankNode()
        quads += [
            Quad(report_node, sh("result"), node),
            Quad(node, rdf_type, sh("ValidationResult")),
            Quad(node, sh("resultSeverity"), sh(r.severity)),
            Quad(node, sh("sourceShape"), NamedNode(r.shape)),
            Quad(node, sh("sourceConstraintComponent"), NamedNode(r.component)),
            Quad(node, sh("focusNode"), term_of(r.focus)),
            Quad(node, sh("resultMessage"), Literal(r.message)),
        ]
        if r.path:
            if r.path.startswith("^"):
                path_node = BlankNode()
                quads += [Quad(node, sh("resultPath"), path_node),
                          Quad(path_node, sh("inversePath"), term_of(r.path[1:]))]
            elif r.path.startswith("<"):
                quads.append(Quad(node, sh("resultPath"), term_of(r.path)))
        if r.value is not None:
            quads.append(Quad(node, sh("value"), term_of(r.value)))
        for s in r.sources:
            quads.append(Quad(node, NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"), NamedNode(s.graph)))
            quads.append(Quad(node, NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                              Literal(s.describe())))
    prefixes = {**prefixes_for(report.base), **REPORT_PREFIXES}
    return serialize([Triple(q.subject, q.predicate, q.object) for q in quads], format=RdfFormat.TURTLE,
                     prefixes=prefixes).decode("utf-8")


def format_report(report: ValidationReport, fmt: str, min_severity: str = "info", limit: int = 0) -> str:
    if fmt == "text":
        return format_text(report, min_severity, limit)
    if fmt == "table":
        return format_table(report, min_severity, limit)
    if fmt == "json":
        return json.dumps(to_json(report, min_severity), ensure_ascii=False, indent=1)
    if fmt == "turtle":
        return to_turtle(report, min_severity)
    raise ValueError(f"unknown report format {fmt!r}")


REPORT_FORMATS = ("text", "table", "turtle", "json")
