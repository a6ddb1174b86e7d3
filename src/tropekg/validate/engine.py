"""Running the validation: a backend (or build folder) and the shapes in, a report out, in two parts
at once (node-local shapes as SPARQL, or with pySHACL, in parallel workers; SPARQL constraints once
over the store)."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import ClassVar

from pyoxigraph import (
    RdfFormat,
    Store,
    parse,
)

from tropekg.build import OUTPUT_FILES
from tropekg.build.manifest import MANIFEST_FILE
from tropekg.rdf.namespaces import (
    SH_NS,
    TKS_NS,
)
from tropekg.validate.core_sparql import Unsupported, compile_shapes, rdflib_term, run_checks
from tropekg.validate.results import (
    BATCH_TRIPLES,
    IN_MEMORY_LIMIT,
    RDFS_SUBCLASS_OF,
    SPARQL_COMPONENT,
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


# a worker's shapes: the node-local shapes graph, and the same as SPARQL (without and with
# subclass reasoning) or None, when pySHACL runs them
_worker_shapes: tuple | None = None


def _init_worker(shapes_turtle: str, engine: str = "sparql") -> None:
    global _worker_shapes
    import rdflib

    graph = rdflib.Graph().parse(data=shapes_turtle, format="turtle")
    checks = None
    if engine == "sparql":
        try:
            checks = (compile_shapes(graph, False), compile_shapes(graph, True))
        except Unsupported:
            checks = None
    _worker_shapes = (graph, checks)


def _add_ntriples(graph, ntriples: bytes, fmt: RdfFormat = RdfFormat.N_TRIPLES):
    """Add N-Triples to an rdflib graph: parsed by pyoxigraph, each distinct term converted once
    (three times faster than rdflib's own N-Triples parser)."""
    terms: dict = {}

    def term(t):
        r = terms.get(t)
        if r is None:
            r = terms[t] = rdflib_term(t)
        return r

    if ntriples:
        graph.addN((term(t.subject), term(t.predicate), term(t.object), graph)
                   for t in parse(ntriples, format=fmt))
    return graph


def _validate_batch(data: bytes, nquads: bool = False) -> tuple[list[ValidationResult], int, tuple[int, float]]:
    """Node-local shapes over one batch of page graphs (N-Triples, or N-Quads read from a build),
    in a worker; the results, the worker's peak memory so far (bytes) and its process id and CPU
    time so far (seconds). The batch's graphs are read as one graph, as the node-local shapes allow."""
    import resource

    import rdflib

    fmt = RdfFormat.N_QUADS if nquads else RdfFormat.N_TRIPLES
    shapes_graph, checks = _worker_shapes
    if checks is None:
        results = _pyshacl_results(_add_ntriples(rdflib.Graph(), data, fmt), shapes_graph)
    else:
        store = Store()
        if b"_:" in data:  # the loader would rename blank nodes; the parser keeps their names
            store.bulk_extend(parse(data, format=fmt))
        elif data:
            store.bulk_load(data, format=fmt)
        subclasses = bool(store.query(f"ASK {{ ?a <{RDFS_SUBCLASS_OF}> ?b }}", use_default_graph_as_union=True))
        results = run_checks(store, checks[subclasses])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return results, usage.ru_maxrss * 1024, (os.getpid(), usage.ru_utime + usage.ru_stime)


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


# a triple with no graph: a subject (IRI or blank node) and a predicate before the object
_SUBJECT_PREDICATE = re.compile(rb"^(?:<[^>]*>|_:\S+) <[^>]*>$")
_LANGUAGE_TAG_END = re.compile(rb'"@[A-Za-z0-9-]+$')


def _graph_of(line: bytes) -> bytes | None:
    """The graph of an N-Quads line as written (b"" for the default graph), None for a line
    that states nothing (blank, a comment). An IRI holds no space, '<' or '>', so the last term
    is the graph exactly when it is no literal's datatype and more than a subject and a predicate
    stand before it."""
    line = line.strip()
    if not line or line.startswith(b"#"):
        return None
    body = line[:-1].rstrip()  # without the final '.'
    if body.endswith(b'"') or _LANGUAGE_TAG_END.search(body):
        return b""  # a literal ends the line: the object
    if body.endswith(b">"):
        cut = body.rfind(b"<")
        if body[cut - 2:cut] == b"^^":
            return b""  # a literal's datatype
    else:
        cut = body.rfind(b" ") + 1  # a blank node
    last, before = body[cut:], body[:cut].rstrip()
    return b"" if _SUBJECT_PREDICATE.match(before) else last


def _lines(f) -> Iterator[bytes]:
    """The lines of a binary file object that may only read (a build's parts, through its
    manifest)."""
    rest = b""
    while chunk := f.read(1 << 20):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield line + b"\n"
    if rest:
        yield rest


def _build_batches(files: list[Path], size: int, counts: Counter) -> Iterator[bytes]:
    """A build's dataset.nq (or its parts, read through its manifest) in batches of whole graphs,
    read straight from the files: the build writes each page graph's quads together, so a batch
    ends where a graph does."""
    from tropekg.store.datasets import StoreError, open_input

    batch: list[bytes] = []
    for path in files:
        try:
            opened = open_input(path)
        except (OSError, StoreError) as e:
            raise ValidationError(f"{path}: cannot read it: {e}") from None
        with opened as f:
            lines = _lines(f)
            for line in lines:
                batch.append(line)
                if len(batch) >= size:
                    graph = _graph_of(line)
                    for more in lines:
                        g = _graph_of(more)
                        if g is not None and g != graph and graph is not None:
                            yield _counted(batch, counts)
                            batch = [more]
                            break
                        graph = g if graph is None else graph
                        batch.append(more)
        # a batch does not run on into another file: each file's graphs are its own
        if batch:
            yield _counted(batch, counts)
            batch = []


def _counted(lines: list[bytes], counts: Counter) -> bytes:
    counts["bytes"] += sum(map(len, lines))
    counts["triples"] += sum(1 for line in lines if line.strip()[:1] not in (b"", b"#"))
    return b"".join(lines)


def _local_results(graph, shapes: Shapes, jobs: int, counts: Counter, batch_triples: int,
                   engine: str = "sparql") -> Iterator[tuple[list[ValidationResult], int, tuple[int, float]]]:
    turtle = shapes.local_turtle()
    build_files = _BUILD_FILES.get(graph)
    if build_files is not None and engine == "sparql":
        # straight from the build's files: dumping each graph from an on-disk store again costs
        # as much as validating it
        from tropekg.store.datasets import input_size

        nquads = True
        counts["graphs"] += graph.graph_count()
        counts["bytes_total"] += sum(input_size(f) for f in build_files)
        batches = _build_batches(build_files, batch_triples, counts)
    else:
        nquads = False
        batches = _batches(graph.graph_texts(), batch_triples, counts)
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None)
    if jobs <= 1 or second is None:
        _init_worker(turtle, engine)
        yield _validate_batch(first, nquads)
        if second is not None:
            yield _validate_batch(second, nquads)
        for b in batches:
            yield _validate_batch(b, nquads)
        return
    # forkserver, not fork: the parent holds an open Oxigraph store, whose background threads a
    # forked child would inherit in whatever state they were in
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(turtle, engine)) as pool:
        pending: deque = deque([pool.submit(_validate_batch, first, nquads),
                                pool.submit(_validate_batch, second, nquads)])
        for b in batches:  # a bounded number in flight, so memory does not grow with the corpus
            pending.append(pool.submit(_validate_batch, b, nquads))
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
                        threads: int = 1, done: Callable[[int], None] | None = None) -> list[ValidationResult]:
    """The SPARQL constraints over the whole store, ``threads`` of them at once (pyoxigraph
    answers a query without holding the GIL), their results in the shapes' order;
    ``done(n)`` after the first n."""
    from concurrent.futures import ThreadPoolExecutor

    from tropekg.store.embedded import StoreError
    from tropekg.store.endpoint import EndpointError

    subclasses = bool(graph.run(f"ASK {{ ?a <{RDFS_SUBCLASS_OF}> ?b }}").value)

    def one(c) -> list[ValidationResult]:
        started = time.perf_counter()
        try:
            rows = graph.run(c.query(subclasses))
        except (StoreError, EndpointError) as e:
            raise ValidationError(f"shape {c.shape}: its SPARQL constraint failed: {e}") from None
        out = []
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

    found: list[ValidationResult] = []
    if threads <= 1:
        answers = map(one, shapes.sparql)
    else:
        pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cross-page")
        answers = pool.map(one, shapes.sparql)
    try:
        for i, rows in enumerate(answers, start=1):
            found.extend(rows)
            if done is not None:
                done(i)
    finally:
        if threads > 1:
            pool.shutdown()
    return found


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
                   progress: Callable[[int, int], None] | None = None,
                   node_local: str = "sparql") -> ValidationReport:
    """Validate a :class:`~tropekg.store.embedded.GraphStore` or an :class:`~tropekg.store.endpoint.Endpoint` in
    two parts: node-local shapes per batch of page graphs, cross-page SPARQL over the whole.
    ``progress(done, total)`` counts the graphs validated and the cross-page constraints run.
    ``node_local``: ``sparql`` runs the node-local shapes as SPARQL on each batch
    (:mod:`.core_sparql`; pySHACL where a shape uses what that does not know), ``pyshacl`` with
    pySHACL (the reference the tests compare with)."""
    shapes = shapes or load_shapes()
    total = graph.graph_count() + len(shapes.sparql) if progress is not None else 0
    jobs = jobs or os.cpu_count() or 1
    base = graph.base
    counts: Counter = Counter()
    results: list[ValidationResult] = []
    worker_maxrss = 0
    worker_cpu: dict[int, float] = {}
    seconds: dict[str, float] = {}
    failed: list[BaseException] = []
    t0 = time.perf_counter()
    told = {"local": 0, "cross": 0}
    telling = threading.Lock()

    def tell(**part: int) -> None:  # the two parts report from two threads
        with telling:
            told.update(part)
            done = told["local"] + told["cross"]
            progress(done, max(total, done, counts["graphs"] + len(shapes.sparql)))

    def constraint_done(n: int) -> None:
        if progress is not None:
            tell(cross=n)

    def node_local_part() -> None:
        nonlocal worker_maxrss
        try:
            for batch, maxrss, (pid, cpu) in _local_results(graph, shapes, jobs, counts, batch_triples,
                                                             node_local):
                results.extend(batch)
                worker_maxrss = max(worker_maxrss, maxrss)
                worker_cpu[pid] = cpu
                if progress is not None:
                    # read straight from a build: the graphs are counted ahead, the bytes as read
                    local_done = (int(counts["graphs"] * counts["bytes"] / counts["bytes_total"])
                                  if counts["bytes_total"] else counts["graphs"])
                    tell(local=local_done)
        except BaseException as e:  # noqa: BLE001 - raised again in the calling thread
            failed.append(e)
        seconds["node_local"] = time.perf_counter() - t0

    # The embedded store answers the cross-page queries (in Rust, without the GIL) while the
    # node-local part feeds its workers: the two parts share the cores. An endpoint is asked
    # one thing at a time.
    if getattr(graph, "parallel_queries", False):
        thread = threading.Thread(target=node_local_part, name="node-local shapes", daemon=True)
        thread.start()
        t1 = time.perf_counter()
        cross = _cross_page_results(graph, shapes, base, seconds, threads=max(1, min(jobs, 2)),
                                    done=constraint_done)
        seconds["cross_page"] = time.perf_counter() - t1
        thread.join()
    else:
        node_local_part()
        t1 = time.perf_counter()
        cross = []
        if not failed:
            cross = _cross_page_results(graph, shapes, base, seconds, done=constraint_done)
        seconds["cross_page"] = time.perf_counter() - t1
    if failed:
        raise failed[0]
    results.extend(cross)
    seconds = {"both_parts": time.perf_counter() - t0, "node_local": seconds.pop("node_local"),
               "cross_page": seconds.pop("cross_page"), **seconds}
    if os.getpid() not in worker_cpu:  # CPU time of the pool's workers, the node-local part's
        seconds["node_local_workers_cpu"] = sum(worker_cpu.values())
    return ValidationReport(
        results=_unique(results), shapes=shapes.info, graphs=counts["graphs"], triples=counts["triples"],
        mode="two-part", seconds=seconds, base=base, worker_maxrss=worker_maxrss,
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


# the build folders' dataset.nq files an opened dataset was loaded from, by id of its store
_BUILD_FILES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _OpenedDataset:
    """Files loaded into a store for validating, removed again on close. The store keeps no merged
    graph (validation reads the union of the graphs, with the same results, and making it costs
    more than the load). The node-local part reads a build folder's dataset.nq itself."""

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
            self.graph.load(paths, progress=progress, merged=False)
            if all(p.is_dir() for p in paths):
                _BUILD_FILES[self.graph] = files
        except StoreError as e:
            self.close()
            raise ValidationError(str(e)) from None

    def close(self) -> None:
        if getattr(self, "graph", None) is not None:
            _BUILD_FILES.pop(self.graph, None)
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
