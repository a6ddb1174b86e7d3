"""Each triple once: the graph a query reads is a set, on the embedded store and on an endpoint.

Several pages state the same triple (a linked page's label and type, an inverse relation), so the
union of the page graphs repeats it once per page. What is compared: examples/pages built once;
the distinct triples of its dataset.nq (what graph.ttl holds) against what queries see: COUNT(*),
DESCRIBE of a trope, a label query, a CONSTRUCT of everything. On the embedded store (its merged
graph), on ``tropekg serve``'s server over that store, and on an Oxigraph server loaded through
the Graph Store Protocol with a union default graph (a bag: there DESCRIBE and CONSTRUCT are made
sets by the client, and the saved queries are written so repeats cannot show).
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from tropekg.query.saved import load_queries
from tropekg.store.embedded import GraphStore
from tropekg.store.endpoint import Endpoint

from .sparql_server import _free_port, oxigraph_server

R = "https://w3id.org/tropekg/resource/"
TK = "https://w3id.org/tropekg/ontology#"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
TROPE = f"<{R}Main/NeverHurtAnInnocent>"
LABEL = f"SELECT ?label WHERE {{ {TROPE} <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
TYPES = f"SELECT ?type WHERE {{ {TROPE} a ?type }}"  # every page linking to the trope types it


@pytest.fixture(scope="module")
def triples(built) -> set:
    """The distinct triples of the build (its page graphs merged), read from dataset.nq."""
    quads = list(parse(path=str(built / "dataset.nq"), format=RdfFormat.N_QUADS))
    distinct = {(q.subject, q.predicate, q.object) for q in quads}
    assert len(quads) > len(distinct) + 100, "the pages should repeat triples, or this tests nothing"
    return distinct


@pytest.fixture(scope="module")
def store_path(built, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("once") / "kg"
    GraphStore(path).load([built])
    return path


@pytest.fixture(scope="module")
def served(store_path):
    """``tropekg serve`` over the store (the site's SPARQL endpoint at /sparql), stopped by PID."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tropekg.cli", "serve", "--store", str(store_path),
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield Endpoint(url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def union_server(built, tmp_path_factory):
    with oxigraph_server(tmp_path_factory.mktemp("union")) as srv:
        endpoint = Endpoint(srv.query_url, srv.update_url, srv.graph_store_url)
        endpoint.load([built])
        yield endpoint


def _count(backend) -> int:
    return int(backend.run(COUNT).rows[0][0].value)


def _describe(backend) -> list:
    return backend.run(f"DESCRIBE {TROPE}").triples


def _typed_trope(triples) -> int:
    return sum(1 for t in triples if t.predicate.value.endswith("#type") and t.object.value == TK + "Trope")


def test_a_count_over_the_store_counts_each_triple_once(store_path, triples, built):
    store = GraphStore(store_path, read_only=True)
    assert _count(store) == len(triples)
    turtle = list(parse(path=str(built / "graph.ttl"), format=RdfFormat.TURTLE))
    assert len(turtle) == len(triples)  # the merged Turtle holds the same set


@pytest.mark.parametrize("backend", ["store", "served"])
def test_every_query_reads_each_triple_once(backend, store_path, served, triples):
    graph = GraphStore(store_path, read_only=True) if backend == "store" else served
    assert _count(graph) == len(triples)
    described = _describe(graph)
    assert _typed_trope(described) == 1 and len(described) == len(set(described))
    assert len(graph.run(LABEL).rows) == 1
    types = [str(row[0]) for row in graph.run(TYPES).rows]
    assert types and len(types) == len(set(types))
    everything = graph.run("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").triples
    assert len(everything) == len(triples)


def test_a_union_endpoint_gives_graph_answers_as_sets_and_saved_queries_without_repeats(union_server):
    described = _describe(union_server)
    assert _typed_trope(described) == 1 and len(described) == len(set(described))
    # the union default graph is a bag (a triple per graph stating it): a raw query repeats rows
    types = [str(row[0]) for row in union_server.run(TYPES).rows]
    assert len(types) > len(set(types))
    for name, query in load_queries().items():
        result = union_server.run(query.text, None if not query.params else {})
        rows = getattr(result, "rows", None)
        if rows is not None and name != "page-stats":
            assert len(rows) == len({tuple(map(str, r)) for r in rows}), f"{name} repeats rows"


def test_changing_a_page_graph_keeps_the_merged_graph_in_step(built, tmp_path):
    """Triples only a replaced page stated leave the merged graph; those other pages state stay."""
    from pyoxigraph import NamedNode, Triple

    store = GraphStore(tmp_path / "kg")
    store.load([built])
    before = _count(store)
    graph = NamedNode(R.replace("resource", "graph") + "Main/NeverHurtAnInnocent")
    own = int(store.run(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} "
                        f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {graph}) }} }}")
              .rows[0][0].value)
    assert own > 10
    stray = Triple(NamedNode(R + "x"), NamedNode(R + "y"), NamedNode(R + "z"))
    store.replace_graph(graph, [stray])
    assert _count(store) == before - own + 1
    assert not store.run(LABEL).rows  # only its page labelled it
    assert [str(r[0]) for r in store.run(TYPES).rows] == [f"<{TK}Trope>"]  # other pages type it
    store.load([built])  # the page graph is replaced again
    assert _count(store) == before
    assert not store.run(f"ASK {{ {stray} }}").value


def _stored(path: Path) -> tuple[set[str], set[str]]:
    """The store's named-graph quads and its default graph's triples, as text."""
    from pyoxigraph import DefaultGraph, Store

    store = Store.read_only(str(path))
    named, default = set(), set()
    for q in store.quads_for_pattern(None, None, None):
        if isinstance(q.graph_name, DefaultGraph):
            default.add(f"{q.subject} {q.predicate} {q.object}")
        else:
            named.add(str(q))
    return named, default


def test_a_bulk_load_makes_the_merged_graph_as_it_loads_the_quads(built, tmp_path):
    """The first load into an empty store writes each quad's triple into the default graph as it
    goes (no second pass over the store): the merged graph is then exactly the named graphs'
    distinct triples, as filling it from the store gives."""
    from pyoxigraph import Store

    from tropekg.store.streaming import fill_merged_graph

    loaded = tmp_path / "loaded"
    GraphStore(loaded).load([built])
    filled = tmp_path / "filled"
    store = Store(str(filled))
    store.bulk_load(path=str(built / "dataset.nq"), format=RdfFormat.N_QUADS)
    fill_merged_graph(store)
    store.flush()
    del store
    named, default = _stored(loaded)
    assert (named, default) == _stored(filled)
    assert default and len(default) < len(named)  # pages repeat triples: the merged graph is smaller


def test_n_quads_spelt_otherwise_still_give_the_whole_merged_graph(tmp_path):
    """Lines the fast path does not read (tabs, a comment, a triple with no graph, a literal that
    holds what looks like a graph, a blank-node graph) are loaded as they are, and the merged graph
    is filled from the store: never a triple missing, never one made up."""
    from tropekg.store.streaming import with_merged_lines

    text = (b'<http://e/s> <http://e/p> "a <http://e/g> ." <http://e/g1> .\n'
            b"<http://e/s>\t<http://e/p>\t<http://e/o>\t<http://e/g2> .\n"
            b"# a comment\n"
            b"<http://e/s> <http://e/p> <http://e/o3> .\n"
            b'_:b <http://e/p> "x y"@en _:g .\n'
            b"<http://e/s> <http://e/p> <http://e/o4> <http://e/g1> .")  # no final newline
    lines, left = with_merged_lines(text.rsplit(b"\n", 1)[0] + b"\n")
    assert left == 3  # the tab-separated line, the comment and the triple
    assert b'<http://e/s> <http://e/p> "a <http://e/g> ." .\n' in lines
    assert b'_:b <http://e/p> "x y"@en .\n' in lines
    source = tmp_path / "odd.nq"
    source.write_bytes(text)
    GraphStore(tmp_path / "kg").load([source])
    named, default = _stored(tmp_path / "kg")
    assert len(named) == 4  # the triple with no graph is in the default graph only
    assert default == {'<http://e/s> <http://e/p> "a <http://e/g> ."', "<http://e/s> <http://e/p> <http://e/o>",
                       "<http://e/s> <http://e/p> <http://e/o3>", "<http://e/s> <http://e/p> <http://e/o4>",
                       next(d for d in default if d.endswith('"x y"@en'))}
