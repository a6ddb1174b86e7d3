"""The embedded graph store: built datasets in, an on-disk Oxigraph store that answers SPARQL out.

Loading replaces each page's named graph in one SPARQL update (a transaction), so a load killed at
any point leaves every page graph either as it was or as it is in the build, and running the load
again completes it. An empty store takes the fast path, pyoxigraph's bulk loader. Pages linked to but
described by no page are kept in one graph (``graph/_/wanted``) that a load merges rather than
replaces, dropping the pages that are now described. Queries see the union of all graphs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, Triple, serialize

from tropekg.query.binding import bound_query_text, substitutions_for
from tropekg.query.saved import QueryError
from tropekg.rdf.iris import IriScheme
from tropekg.rdf.namespaces import RDF_TYPE, TK_NS
from tropekg.store.answers import Answer, Rows, Triples, to_answer
from tropekg.store.datasets import (
    CountingReader,
    LoadReport,
    StoreError,
    base_told_by,
    build_base,
    built_quads,
    dataset_files,
    described_pages_not_wanted,
    format_of,
    input_size,
    open_input,
    quads_by_graph,
)
from tropekg.store.streaming import bulk_load_through_pipe


def _insert_data(graph, quads: list[Quad]) -> str:
    """The INSERT DATA body for our own quads (serialised by pyoxigraph, so properly escaped)."""
    triples = serialize((Triple(q.subject, q.predicate, q.object) for q in quads),
                        format=RdfFormat.N_TRIPLES).decode("utf-8")
    if isinstance(graph, DefaultGraph):
        return f"INSERT DATA {{\n{triples}}}"
    return f"INSERT DATA {{ GRAPH {graph} {{\n{triples}}} }}"


class GraphStore:
    """An on-disk Oxigraph store holding tropekg datasets."""

    def __init__(self, path: Path, read_only: bool = False, base: str | None = None):
        self.path = Path(path)
        self._base = base
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
    def in_memory(cls, base: str | None = None) -> GraphStore:
        self = cls.__new__(cls)
        self.path, self._base, self.store = Path(":memory:"), base, Store()
        return self

    @property
    def base(self) -> str:
        """The base IRI of the graph held: as given, else as the loaded build says, else as its
        page graphs' IRIs tell (the default base for an empty store)."""
        if self._base is None:
            self._base = base_told_by(self.run)
        return self._base

    # -- loading -------------------------------------------------------------------------------
    def load(self, paths: Iterable[Path], prune: bool = False,
             progress: Callable[[int, int], None] | None = None) -> LoadReport:
        """Load build folders or RDF files; ``progress(done, total)`` in bytes read."""
        paths = [Path(p) for p in paths]
        files = dataset_files(paths)
        empty = self._is_empty()
        given = build_base(paths)
        if given is not None:
            if not empty and given != self.base:
                raise StoreError(f"the store holds a graph built with base {self.base}; "
                                 f"this build has base {given}: load it into another store")
            self._base = given
        report = LoadReport(sources=[str(f) for f in files])
        if empty:
            report.bulk = True
            total = sum(input_size(f) for f in files)
            done = 0
            for f in files:
                with open_input(f) as opened:
                    reader = CountingReader(opened, total, progress, done)
                    try:
                        bulk_load_through_pipe(self.store, reader, format_of(f))
                    except SyntaxError as e:
                        raise StoreError(f"{f}: not valid RDF: {e}") from None
                    done = reader.done
            self.store.flush()
            iris = IriScheme(self.base)  # RDF files that do not say their base: the data tells
            report.graphs_replaced = sum(1 for g in self.store.named_graphs() if g != iris.wanted_graph)
            # a build says how many quads it holds; counting a store's quads reads all of them
            built = built_quads(paths)
            report.quads = built if built is not None else len(self.store)
        else:
            iris = IriScheme(self.base)
            wanted = iris.wanted_graph
            loaded: set[str] = set()
            incoming_wanted: list[Quad] = []
            for graph, quads in quads_by_graph(files, progress):
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
            if prune:
                stale = [g for g in self.store.named_graphs()
                         if isinstance(g, NamedNode) and g.value.startswith(iris.page_graph_prefix)
                         and g != wanted and g.value not in loaded]
                for g in stale:
                    self.store.remove_graph(g)
                report.graphs_pruned = len(stale)
            self._merge_wanted(iris, incoming_wanted, replace=prune)
        report.base = iris.base
        report.wanted_pages = self._count_wanted(iris)
        self.store.flush()
        return report

    def _is_empty(self) -> bool:
        return next(iter(self.store.quads_for_pattern(None, None, None)), None) is None

    def _merge_wanted(self, iris: IriScheme, incoming: list[Quad], replace: bool) -> None:
        wanted = iris.wanted_graph
        update = f"DROP SILENT GRAPH {wanted} ;\n" if replace else ""
        if incoming:
            update += _insert_data(wanted, incoming) + " ;\n"
        # a wanted page that some loaded page now describes is wanted no more
        self.store.update(update + described_pages_not_wanted(iris))

    def _count_wanted(self, iris: IriScheme) -> int:
        return sum(1 for _ in self.store.quads_for_pattern(
            None, RDF_TYPE, NamedNode(TK_NS + "WantedPage"), iris.wanted_graph))

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
        return to_answer(result)

    def graph_texts(self) -> Iterator[bytes]:
        """Each graph as N-Triples: a non-empty default graph, then every named graph."""
        default = self.store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
        if default:
            yield default
        for name in list(self.store.named_graphs()):
            yield self.store.dump(format=RdfFormat.N_TRIPLES, from_graph=name)

    def graph_count(self) -> int:
        """How many graphs :meth:`graph_texts` yields (for progress)."""
        default = next(iter(self.store.quads_for_pattern(None, None, None, DefaultGraph())), None)
        return sum(1 for _ in self.store.named_graphs()) + (default is not None)

    def page_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, NamedNode))

    def __len__(self) -> int:
        return len(self.store)

    def rdflib_dataset(self):
        """The store as an rdflib Dataset (through oxrdflib), for rdflib code and pyshacl."""
        import rdflib
        from oxrdflib import OxigraphStore

        return rdflib.Dataset(store=OxigraphStore(store=self.store), default_union=True)
