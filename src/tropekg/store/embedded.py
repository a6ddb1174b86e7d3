"""The embedded graph store: built datasets in, an on-disk Oxigraph store that answers SPARQL out.

Loading replaces each page's named graph in one SPARQL update (a transaction), so a load killed at
any point leaves every page graph either as it was or as it is in the build, and running the load
again completes it. An empty store takes the fast path, pyoxigraph's bulk loader. Pages linked to but
described by no page are kept in one graph (``graph/_/wanted``) that a load merges rather than
replaces, dropping the pages that are now described.

Queries see the merged graph: the store's default graph holds every triple of the named graphs once
(Oxigraph's union default graph is a bag: a label several pages state would be counted and
returned once per page). Every change to a named graph keeps it so in the same transaction: the
triples only that graph stated leave the merged graph, its new triples enter it. A store filled
another way (an older tropekg, or pyoxigraph directly) gets its merged graph made on the first query
when it is writable, and is read as the union of its graphs when it is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, Triple, serialize

from tropekg.query.binding import bound_query_text, substitutions_for
from tropekg.query.saved import QueryError
from tropekg.query.syntax import describe_syntax_error
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
    first_syntax_error,
    format_of,
    input_size,
    open_input,
    quads_by_graph,
)
from tropekg.store.streaming import bulk_load_through_pipe, fill_merged_graph


def _insert_data(graph, quads: list[Quad]) -> str:
    """The INSERT DATA body for our own quads (serialised by pyoxigraph, so properly escaped)."""
    triples = serialize((Triple(q.subject, q.predicate, q.object) for q in quads),
                        format=RdfFormat.N_TRIPLES).decode("utf-8")
    if isinstance(graph, DefaultGraph):
        return f"INSERT DATA {{\n{triples}}}"
    return f"INSERT DATA {{ GRAPH {graph} {{\n{triples}}} }}"


def _leaving_merged(graph: NamedNode) -> str:
    """The update removing from the merged (default) graph the triples only ``graph`` states: run
    before ``graph`` changes, followed by :func:`_entering_merged`."""
    return (f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other != {graph}) }} }}")


def _entering_merged(graph: NamedNode) -> str:
    """The update copying ``graph``'s triples into the merged (default) graph."""
    return f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"


def _changing(graph: NamedNode, change: str) -> str:
    """One update (one transaction): ``change`` to ``graph``, the merged graph kept in step."""
    return f"{_leaving_merged(graph)} ;\n{change} ;\n{_entering_merged(graph)}"


class GraphStore:
    """An on-disk Oxigraph store holding tropekg datasets."""

    parallel_queries = True  # pyoxigraph answers queries from several threads, without the GIL

    def __init__(self, path: Path, read_only: bool = False, base: str | None = None):
        self.path = Path(path)
        self._base = base
        self.read_only = read_only
        self.union_only = False  # queries read the union of the named graphs (see load)
        try:
            if read_only:
                if not self.path.exists():
                    raise StoreError(f"{self.path}: no store here (load one with tropekg load)")
                self.store = Store.read_only(str(self.path))
            else:
                self.store = Store(str(self.path))
        except (OSError, RuntimeError) as e:  # RocksDB reports a folder that is no store as corruption
            raise StoreError(f"{self.path}: cannot open the store: {e}") from None

    @classmethod
    def in_memory(cls, base: str | None = None) -> GraphStore:
        self = cls.__new__(cls)
        self.path, self._base, self.store, self.read_only = Path(":memory:"), base, Store(), False
        self.union_only = False
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
             progress: Callable[[int, int], None] | None = None, merged: bool = True) -> LoadReport:
        """Load build folders or RDF files; ``progress(done, total)`` in bytes read.
        ``merged=False`` (an empty store that only validation reads, then throws away) skips
        making the merged graph, which costs more than the load: queries read the union of the
        named graphs instead, a bag, where validation's results are the same (it counts no
        statements, and keeps each result once)."""
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
            complete = True  # every triple loaded went into the merged graph as it loaded
            for f in files:
                with open_input(f) as opened:
                    reader = CountingReader(opened, total, progress, done)
                    try:
                        complete &= bulk_load_through_pipe(self.store, reader, format_of(f), merged=merged)
                    except SyntaxError as e:
                        # the loader read the merged graph's lines among the file's: its line
                        # numbers are not the file's, so the file itself says where it is wrong
                        raise StoreError(f"{f}: not valid RDF: {first_syntax_error(f) if merged else e}") from None
                    done = reader.done
            if not merged:
                self.union_only = True
            elif not complete:  # other formats, other spellings of N-Quads: filled from the store
                self._make_merged()
            self.store.flush()
            iris = IriScheme(self.base)  # RDF files that do not say their base: the data tells
            report.graphs_replaced = sum(1 for g in self.store.named_graphs()
                                         if isinstance(g, NamedNode) and iris.is_page_graph(g.value))
            # a build says how many quads it holds; counting a store's quads reads all of them
            built = built_quads(paths)
            report.quads = built if built is not None else len(self)
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
                    self.store.update(_changing(graph, f"DROP SILENT GRAPH {graph} ;\n"
                                                       + _insert_data(graph, quads)))
                elif isinstance(graph, DefaultGraph):
                    self.store.extend(quads)  # triples with no graph are part of the merged graph
                else:
                    self.store.update(_insert_data(graph, quads) + " ;\n" + _entering_merged(graph))
                if not isinstance(graph, DefaultGraph):
                    loaded.add(graph.value)
                report.graphs_replaced += not isinstance(graph, NamedNode) or iris.is_page_graph(graph.value)
                report.quads += len(quads)
            if prune:
                # the graphs under graph/_/ (wanted pages, the dataset's description, linksets)
                # are not pages: a build does not hold them all, so pruning leaves them alone
                stale = [g for g in self.store.named_graphs()
                         if isinstance(g, NamedNode) and iris.is_page_graph(g.value)
                         and g.value not in loaded]
                for g in stale:
                    self.store.update(_changing(g, f"DROP SILENT GRAPH {g}"))
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
        self.store.update(_changing(wanted, update + described_pages_not_wanted(iris)))

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple]) -> int:
        """Put ``triples`` in the named graph ``graph`` instead of what it held, in one transaction
        (a linkset that a rerun replaces). Returns the number of triples written."""
        triples = list(dict.fromkeys(triples))
        body = _insert_data(graph, [Quad(t.subject, t.predicate, t.object, graph) for t in triples])
        self.store.update(_changing(graph, f"DROP SILENT GRAPH {graph} ;\n{body}"))
        self.store.flush()
        return len(triples)

    def _make_merged(self) -> None:
        """Fill the merged graph from every named graph (the store adds each triple once)."""
        fill_merged_graph(self.store)

    def merged_ready(self) -> bool:
        """Whether queries can read the merged graph: it is there, or it could be made now."""
        if self.union_only:
            return False
        has_default = next(iter(self.store.quads_for_pattern(None, None, None, DefaultGraph())), None)
        if has_default is not None or next(iter(self.store.named_graphs()), None) is None:
            return True
        if self.read_only:
            return False
        self._make_merged()
        self.store.flush()
        return True

    def _count_wanted(self, iris: IriScheme) -> int:
        return sum(1 for _ in self.store.quads_for_pattern(
            None, RDF_TYPE, NamedNode(TK_NS + "WantedPage"), iris.wanted_graph))

    # -- querying ------------------------------------------------------------------------------
    def run(self, text: str, bindings: dict | None = None, *, prefixes: dict[str, str] | None = None,
            max_rows: int | None = None) -> Rows | Triples | Answer:
        """Run a query over the merged graph, parameters bound as pyoxigraph substitutions
        where those give the rows of the terms written in by hand, else by VALUES blocks
        (:mod:`tropekg.query.binding`). ``prefixes`` are declared for the query unless it declares
        them itself. A syntax error says where and what, never the parser's rule list. With
        ``max_rows``, at most that many rows (or triples) are read, and the answer says if it was
        cut."""
        union = not self.merged_ready()
        try:
            substitutions = substitutions_for(text, bindings or {})
            if substitutions is None:
                result = self.store.query(bound_query_text(text, bindings), use_default_graph_as_union=union,
                                          prefixes=prefixes)
            else:
                result = self.store.query(text, use_default_graph_as_union=union,
                                          substitutions=substitutions or None, prefixes=prefixes)
        except QueryError as e:
            raise StoreError(f"cannot bind the parameters: {e}") from None
        except SyntaxError as e:
            raise StoreError(f"the query is not valid SPARQL: "
                             f"{describe_syntax_error(text, str(e), prefixes)}") from None
        return to_answer(result, max_rows)

    def graph_texts(self) -> Iterator[bytes]:
        """Each graph as N-Triples: the triples loaded with no graph (those of the merged graph no
        named graph states), then every named graph."""
        if self.union_only:  # the default graph holds only what was loaded with no graph
            default = self.store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
        else:
            alone = self.store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o "
                                     "FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }")
            default = serialize(alone, format=RdfFormat.N_TRIPLES)
        if default:
            yield default
        for name in list(self.store.named_graphs()):
            yield self.store.dump(format=RdfFormat.N_TRIPLES, from_graph=name)

    def graph_count(self) -> int:
        """How many graphs :meth:`graph_texts` yields (for progress): the named graphs, and the
        triples loaded with no graph when the store keeps no merged graph and holds some (with a
        merged graph, finding those costs a pass over the store, and they are not counted)."""
        named = sum(1 for _ in self.store.named_graphs())
        if self.union_only:
            named += next(iter(self.store.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None
        return named

    def page_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, NamedNode))

    def __len__(self) -> int:
        """The quads of the named graphs (the merged default graph repeats them)."""
        if self.union_only:
            return len(self.store)
        merged = sum(1 for _ in self.store.quads_for_pattern(None, None, None, DefaultGraph()))
        return len(self.store) - merged

    def rdflib_dataset(self):
        """The store as an rdflib Dataset (through oxrdflib), for rdflib code and pyshacl."""
        import rdflib
        from oxrdflib import OxigraphStore

        self.merged_ready()
        return rdflib.Dataset(store=OxigraphStore(store=self.store), default_union=False)
