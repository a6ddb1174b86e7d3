"""The embedded graph store: built datasets in, an on-disk Oxigraph store that answers SPARQL out.

Loading replaces each page's named graph in one SPARQL update (a transaction), so a load killed at
any point leaves every page graph either as it was or as it is in the build, and running the load
again completes it. An empty store takes the fast path, pyoxigraph's bulk loader. Pages linked to but
described by no page are kept in one graph (``graph/_/wanted``) that a load merges rather than
replaces, dropping the pages that are now described. Queries see the union of all graphs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    parse,
    serialize,
)

from tropekg.build import OUTPUT_FILES, WANTED_GRAPH, finish_commit
from tropekg.query.binding import bound_query_text, substitutions_for
from tropekg.query.results import Answer, Rows, Triples
from tropekg.query.saved import QueryError
from tropekg.rdf.mapping import DEFAULT_BASE

_FORMATS_BY_SUFFIX = {
    ".nq": RdfFormat.N_QUADS, ".trig": RdfFormat.TRIG, ".nt": RdfFormat.N_TRIPLES,
    ".ttl": RdfFormat.TURTLE, ".jsonld": RdfFormat.JSON_LD,
}
TK = "https://w3id.org/tropekg/ontology#"


class StoreError(Exception):
    """The store cannot be opened or an input cannot be loaded; the message names which."""


@dataclass
class LoadReport:
    graphs_replaced: int = 0
    graphs_pruned: int = 0
    quads: int = 0
    bulk: bool = False
    wanted_pages: int = 0
    sources: list[str] = field(default_factory=list)


def dataset_files(paths: Iterable[Path]) -> list[Path]:
    """The RDF files to load: a build folder means its dataset.nq."""
    out = []
    for p in paths:
        if p.is_dir():
            finish_commit(p)  # a build killed while putting its outputs in place is completed first
            nq = p / OUTPUT_FILES["nquads"]
            if not nq.is_file():
                raise StoreError(f"{p}: not a build folder (no {OUTPUT_FILES['nquads']}; run tropekg build)")
            out.append(nq)
        elif p.is_file():
            if p.suffix not in _FORMATS_BY_SUFFIX:
                raise StoreError(f"{p}: unknown RDF file type (use .nq, .trig, .nt, .ttl or .jsonld)")
            out.append(p)
        else:
            raise StoreError(f"{p}: no such file or folder")
    return out


def _quads_by_graph(files: list[Path]) -> Iterator[tuple[object, list[Quad]]]:
    for path in files:
        fmt = _FORMATS_BY_SUFFIX[path.suffix]
        try:
            for graph, quads in groupby(parse(path=str(path), format=fmt), key=lambda q: q.graph_name):
                yield graph, list(quads)
        except SyntaxError as e:
            raise StoreError(f"{path}: not valid RDF: {e}") from None


def _insert_data(graph, quads: list[Quad]) -> str:
    """The INSERT DATA body for our own quads (serialised by pyoxigraph, so properly escaped)."""
    triples = serialize((Triple(q.subject, q.predicate, q.object) for q in quads),
                        format=RdfFormat.N_TRIPLES).decode("utf-8")
    if isinstance(graph, DefaultGraph):
        return f"INSERT DATA {{\n{triples}}}"
    return f"INSERT DATA {{ GRAPH {graph} {{\n{triples}}} }}"


class GraphStore:
    """An on-disk Oxigraph store holding tropekg datasets."""

    def __init__(self, path: Path, read_only: bool = False, base: str = DEFAULT_BASE):
        self.path = Path(path)
        self.base = base
        try:
            if read_only:
                if not self.path.exists():
                    raise StoreError(f"{self.path}: no store here (load one with tropekg load)")
                self.store = Store.read_only(str(self.path))
            else:
                self.store = Store(str(self.path))
        except OSError as e:
            raise StoreError(f"{self.path}: cannot open the store: {e}") from None

    @classmethod
    def in_memory(cls, base: str = DEFAULT_BASE) -> GraphStore:
        self = cls.__new__(cls)
        self.path, self.base, self.store = Path(":memory:"), base, Store()
        return self

    # -- loading -------------------------------------------------------------------------------
    def load(self, paths: Iterable[Path], prune: bool = False,
             progress: Callable[[int], None] | None = None) -> LoadReport:
        files = dataset_files(paths)
        report = LoadReport(sources=[str(f) for f in files])
        wanted = NamedNode(self.base + WANTED_GRAPH)
        page_prefix = self.base + "graph/"
        if self._is_empty():
            report.bulk = True
            for f in files:
                try:
                    self.store.bulk_load(path=str(f), format=_FORMATS_BY_SUFFIX[f.suffix])
                except SyntaxError as e:
                    raise StoreError(f"{f}: not valid RDF: {e}") from None
            self.store.flush()
            report.graphs_replaced = sum(1 for g in self.store.named_graphs() if g != wanted)
            report.quads = len(self.store)
        else:
            loaded: set[str] = set()
            incoming_wanted: list[Quad] = []
            for graph, quads in _quads_by_graph(files):
                if graph == wanted:
                    incoming_wanted.extend(quads)
                    continue
                # a graph met twice in one load (interleaved input) is replaced the first time only
                replace = (not isinstance(graph, DefaultGraph) and graph.value not in loaded
                           and self.store.contains_named_graph(graph))
                if replace:
                    self.store.update(f"DROP SILENT GRAPH {graph} ;\n" + _insert_data(graph, quads))
                else:
                    self.store.extend(quads)  # one transaction too, and faster than an update
                if not isinstance(graph, DefaultGraph):
                    loaded.add(graph.value)
                report.graphs_replaced += 1
                report.quads += len(quads)
                if progress is not None:
                    progress(report.graphs_replaced)
            if prune:
                stale = [g for g in self.store.named_graphs()
                         if isinstance(g, NamedNode) and g.value.startswith(page_prefix)
                         and g != wanted and g.value not in loaded]
                for g in stale:
                    self.store.remove_graph(g)
                report.graphs_pruned = len(stale)
            self._merge_wanted(wanted, incoming_wanted, replace=prune)
        report.wanted_pages = self._count_wanted()
        self.store.flush()
        return report

    def _is_empty(self) -> bool:
        return next(iter(self.store.quads_for_pattern(None, None, None)), None) is None

    def _merge_wanted(self, wanted: NamedNode, incoming: list[Quad], replace: bool) -> None:
        update = f"DROP SILENT GRAPH {wanted} ;\n" if replace else ""
        if incoming:
            update += _insert_data(wanted, incoming) + " ;\n"
        # a wanted page that some loaded page now describes is wanted no more
        update += (f"DELETE {{ GRAPH {wanted} {{ ?page ?p ?o }} }} WHERE {{ GRAPH {wanted} {{ ?page ?p ?o }} "
                   f"GRAPH ?page_graph {{ ?page <{TK}describedBy> ?described }} }}")
        self.store.update(update)

    def _count_wanted(self) -> int:
        wanted = NamedNode(self.base + WANTED_GRAPH)
        return sum(1 for _ in self.store.quads_for_pattern(
            None, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(TK + "WantedPage"), wanted))

    # -- querying ------------------------------------------------------------------------------
    def run(self, text: str, bindings: dict | None = None) -> Rows | Triples | Answer:
        """Run a query over the union of all graphs, parameters bound as pyoxigraph substitutions
        where those give the rows of the terms written in by hand, else by VALUES blocks
        (:mod:`tropekg.query.binding`)."""
        try:
            substitutions = substitutions_for(text, bindings or {})
            if substitutions is None:
                result = self.store.query(bound_query_text(text, bindings), use_default_graph_as_union=True)
            else:
                result = self.store.query(text, use_default_graph_as_union=True,
                                          substitutions=substitutions or None)
        except QueryError as e:
            raise StoreError(f"cannot bind the parameters: {e}") from None
        except SyntaxError as e:
            raise StoreError(f"the query is not valid SPARQL: {e}") from None
        return to_result(result)

    def page_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, NamedNode))

    def __len__(self) -> int:
        return len(self.store)

    def rdflib_dataset(self):
        """The store as an rdflib Dataset (through oxrdflib), for rdflib code and pyshacl."""
        import rdflib
        from oxrdflib import OxigraphStore

        return rdflib.Dataset(store=OxigraphStore(store=self.store), default_union=True)


def to_result(result) -> Rows | Triples | Answer:
    """pyoxigraph query results as tropekg's result types."""
    if isinstance(result, QuerySolutions):
        columns = [v.value for v in result.variables]
        return Rows(columns, [[solution[c] for c in columns] for solution in result])
    if isinstance(result, QueryBoolean):
        return Answer(bool(result))
    return Triples(list(result))
