"""Running the validation: a backend (or build folder) and the shapes in, a report out, in two parts
(node-local shapes with pySHACL in parallel, SPARQL constraints once over the store)."""

from __future__ import annotations

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
from pathlib import Path
from typing import ClassVar

from pyoxigraph import (
    BlankNode,
    NamedNode,
    RdfFormat,
    parse,
)

from tropekg.build import OUTPUT_FILES
from tropekg.build.manifest import MANIFEST_FILE
from tropekg.rdf.namespaces import (
    SH_NS,
    TKS_NS,
)
from tropekg.validate.results import (
    BATCH_TRIPLES,
    IN_MEMORY_LIMIT,
    RDFS_SUBCLASS_OF,
    SPARQL_COMPONENT,
    XSD_STRING,
    ValidationError,
    ValidationReport,
    ValidationResult,
    display,
    rdflib_path_text,
    rdflib_term_text,
)
from tropekg.validate.shapes import Shapes, load_shapes

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
                focus=rdflib_term_text(report.value(r, shn.focusNode)),
                path=rdflib_path_text(report, path) if path is not None else None,
                value=rdflib_term_text(value) if value is not None else None,
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


def _cross_page_results(graph, shapes: Shapes, base: str, seconds: dict[str, float] | None = None,
                        done: Callable[[int], None] | None = None) -> list[ValidationResult]:
    from tropekg.store.embedded import StoreError
    from tropekg.store.endpoint import EndpointError

    out = []
    subclasses = bool(graph.run(f"ASK {{ ?a <{RDFS_SUBCLASS_OF}> ?b }}").value)
    for i, c in enumerate(shapes.sparql, start=1):
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
        if done is not None:
            done(i)
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
                   progress: Callable[[int, int], None] | None = None) -> ValidationReport:
    """Validate a :class:`~tropekg.store.embedded.GraphStore` or an :class:`~tropekg.store.endpoint.Endpoint` in
    two parts: node-local shapes per batch of page graphs, cross-page SPARQL over the whole.
    ``progress(done, total)`` counts the graphs validated, then the cross-page constraints run."""
    shapes = shapes or load_shapes()
    total = graph.graph_count() + len(shapes.sparql) if progress is not None else 0
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
            progress(counts["graphs"], max(total, counts["graphs"] + len(shapes.sparql)))
    t1 = time.perf_counter()
    seconds: dict[str, float] = {}

    def constraint_done(n: int) -> None:
        if progress is not None:
            progress(counts["graphs"] + n, max(total, counts["graphs"] + len(shapes.sparql)))

    results.extend(_cross_page_results(graph, shapes, base, seconds, constraint_done))
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

    def __init__(self, paths: Iterable[Path], base: str | None = None,
                 progress: Callable[[int, int], None] | None = None):
        from tropekg.store.datasets import StoreError, dataset_files, input_size
        from tropekg.store.embedded import GraphStore

        self.tmp: str | None = None
        paths = [Path(p) for p in paths]
        try:
            files = dataset_files(paths)
            if not files:
                raise ValidationError("no input: give a build folder or RDF files")
            size = sum(input_size(f) for f in files)
            if size > IN_MEMORY_LIMIT:
                self.tmp = tempfile.mkdtemp(prefix="tropekg-validate-")
                self.graph = GraphStore(Path(self.tmp) / "store", base=base)
            else:
                self.graph = GraphStore.in_memory(base=base)
            self.graph.load(paths, progress=progress)
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


def open_dataset(paths: Iterable[Path], base: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> _OpenedDataset:
    """A build folder or RDF files, loaded into a store (use as a context manager);
    ``progress(done, total)`` in bytes loaded."""
    return _OpenedDataset(paths, base, progress)


def validate_build(out_dir: Path, *, jobs: int | None = None, base: str | None = None,
                   locate_from: str = "warning") -> ValidationReport:
    """Validate a build folder (its dataset.nq). Violations and warnings come with their sources;
    ``report.conforms`` is False when there is any violation."""
    out_dir = Path(out_dir)
    if not (out_dir / OUTPUT_FILES["nquads"]).is_file() and not (out_dir / MANIFEST_FILE).is_file():
        raise ValidationError(f"{out_dir}: not a build folder (no {OUTPUT_FILES['nquads']}; "
                              "build with the nquads format)")
    with open_dataset([out_dir], base) as graph:
        report = validate_graph(graph, jobs=jobs)
        report.locate(graph, report.at_least(locate_from))
    return report
