"""Where the graph lives: built datasets in, SPARQL answers out.

Two backends behind one protocol, :class:`GraphBackend`: the embedded on-disk Oxigraph store
(:mod:`.embedded`, the default) and any SPARQL 1.1 endpoint (:mod:`.endpoint`). Everything after
this step (queries, validation, analysis, exports) takes a ``GraphBackend`` and never asks which
one it holds. Both answer with the types of :mod:`.answers` and tell the base IRI of the graph they
hold, so a build made with any ``--base`` works without being told again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol

from pyoxigraph import NamedNode, Triple

from tropekg.store.answers import Answer, Rows, Triples
from tropekg.store.datasets import BackendError, LoadReport, StoreError


class GraphBackend(Protocol):
    """What every graph store tropekg talks to can do."""

    #: whether it answers queries from several threads at once (validation runs its two parts so)
    parallel_queries: bool

    @property
    def base(self) -> str:
        """The base IRI the graph held was built with."""
        ...

    def run(self, text: str, bindings: dict | None = None, *,
            prefixes: dict[str, str] | None = None) -> Rows | Triples | Answer:
        """Run a query over the merged graph (each triple of the page graphs once; an endpoint's
        union default graph), parameters bound (never pasted); ``prefixes`` are declared for it
        where the query does not declare them."""
        ...

    def load(self, paths: Iterable[Path], prune: bool = False,
             progress: Callable[[int, int], None] | None = None) -> LoadReport:
        """Load build folders or RDF files, each page graph replacing the one already there;
        ``progress(done, total)`` in bytes read."""
        ...

    def graph_count(self) -> int:
        """How many graphs :meth:`graph_texts` yields (for progress)."""
        ...

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple]) -> int:
        """Put ``triples`` in the named graph ``graph`` instead of what it held (a linkset a rerun
        replaces); returns the number of triples written."""
        ...

    def graph_texts(self) -> Iterator[bytes]:
        """Each graph as N-Triples, one at a time (for validation)."""
        ...


def open_backend(store: Path | None = None, endpoint: str | None = None, *, update_url: str | None = None,
                 graph_store_url: str | None = None, write: bool = False,
                 base: str | None = None, timeout: float | None = None) -> GraphBackend:
    """The embedded store at ``store`` or the endpoint at ``endpoint`` (exactly one of them);
    ``timeout`` is an endpoint's deadline for each request, in seconds (default 60)."""
    if (store is None) == (endpoint is None):
        raise ValueError("give a store path or an endpoint URL (one of them)")
    if endpoint is not None:
        from tropekg.store.endpoint import DEFAULT_TIMEOUT, Endpoint

        return Endpoint(endpoint, update_url, graph_store_url, base=base,
                        timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
    from tropekg.store.embedded import GraphStore

    return GraphStore(store, read_only=not write, base=base)


__all__ = ["Answer", "BackendError", "GraphBackend", "LoadReport", "Rows", "StoreError", "Triples",
           "open_backend"]
