"""A real SPARQL endpoint (Oxigraph's server on 127.0.0.1): loads through the Graph Store Protocol,
every saved query answers as it does on the embedded store, and nothing but data crosses over."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Literal

from tropekg.cli import cli
from tropekg.query.params import bind
from tropekg.query.results import Rows, Triples
from tropekg.query.saved import Param, SavedQuery, load_queries
from tropekg.store.embedded import GraphStore
from tropekg.store.endpoint import Endpoint, EndpointError, redact

from .sparql_server import oxigraph_server
from .wikidata_sample import link_sample

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def local(built, tmp_path_factory, wikidata) -> GraphStore:
    store = GraphStore(tmp_path_factory.mktemp("store") / "kg")
    store.load([built])
    link_sample(store, wikidata)
    return store


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with oxigraph_server(tmp_path_factory.mktemp("server")) as srv:
        yield srv


@pytest.fixture(scope="module")
def remote(server, built, wikidata) -> Endpoint:
    endpoint = Endpoint(server.query_url, server.update_url, server.graph_store_url)
    endpoint.load([built])
    link_sample(endpoint, wikidata)
    return endpoint


def _count(endpoint_or_store) -> int:
    return int(endpoint_or_store.run("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0].value)


def _comparable(result):
    if isinstance(result, Rows):
        return result.columns, sorted(tuple(str(v) for v in row) for row in result.rows)
    if isinstance(result, Triples):
        return sorted({str(t) for t in result.triples})
    return result.value


def test_loading_through_the_graph_store_protocol_gives_the_same_dataset(local, remote):
    assert _count(remote) == _count(local) > 1000


def test_a_reload_is_idempotent(remote, built):
    before = _count(remote)
    remote.load([built])
    assert _count(remote) == before


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_every_saved_query_answers_the_same_remotely_and_locally(name, local, remote):
    query = load_queries()[name]
    bindings = bind(query, {})
    here = local.run(query.text, bindings)
    there = remote.run(query.text, bindings)
    assert _comparable(here) == _comparable(there)
    if isinstance(here, Rows):
        assert here.rows, f"{name} returns no rows on examples/ with its defaults"


INJECTIONS = [
    '" } ; DROP ALL ; SELECT * WHERE { "',
    "'} DROP ALL {'",
    "> } DROP ALL #",
    "}}}} DROP ALL",
    'a\n} ; CLEAR ALL ; INSERT DATA { <http://e/x> <http://e/p> "1" }',
    'SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o }',
    "\u2028\u0085 odd line breaks",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injected_values_run_nothing_on_the_endpoint(remote, value):
    before = _count(remote)
    query = SavedQuery(
        name="needle", path=Path("needle.rq"), summary="", description="", tags=(), columns=("s",),
        params=(Param("needle", "string", default=""),), heavy=False,
        text="SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?needle }",
    )
    assert remote.run(query.text, bind(query, {"needle": value})).rows == []
    assert _count(remote) == before


def test_a_value_spelling_a_unicode_escape_is_refused_remotely(remote):
    with pytest.raises(EndpointError, match="escape"):
        remote.run("SELECT ?s WHERE { ?s ?p ?needle }", {"needle": Literal('\\u0022 } DROP ALL { \\u0022')})


def test_a_down_endpoint_is_one_clear_line_after_retries(monkeypatch):
    sleeps = []
    dead = Endpoint("http://127.0.0.1:1/query", retries=2, sleep=sleeps.append)
    with pytest.raises(EndpointError, match="unreachable") as e:
        dead.run("ASK {}")
    assert sleeps == [0.5, 1.0]  # backoff between the three tries
    assert "\n" not in str(e.value)


def test_credentials_never_appear_in_output(monkeypatch):
    monkeypatch.setenv("TROPEKG_ENDPOINT_USER", "alice")
    monkeypatch.setenv("TROPEKG_ENDPOINT_PASSWORD", "s3cret-pw")
    result = CliRunner().invoke(cli, ["sparql", "ASK {}", "--endpoint", "http://bob:hunter2@127.0.0.1:1/query"])
    assert result.exit_code == 2
    assert "s3cret-pw" not in result.output and "hunter2" not in result.output
    assert "Traceback" not in result.output
    assert redact("http://bob:hunter2@host:8080/q") == "http://host:8080/q"


def test_an_interrupted_load_names_what_is_missing_and_a_rerun_finishes(server, built, tmp_path):
    fresh = Endpoint(server.query_url, server.update_url, server.graph_store_url)
    fresh.update("DROP ALL")  # the shared server, cleared for this test
    calls = {"n": 0}
    real = fresh._graph_request

    def dying(method, graph, body=None):
        calls["n"] += 1
        if calls["n"] == 4:
            raise EndpointError(f"{method} of graph {graph}: endpoint unreachable (connection reset)")
        return real(method, graph, body)

    fresh._graph_request = dying
    with pytest.raises(EndpointError, match="not loaded: run the load again") as e:
        fresh.load([built])
    assert "graph/" in str(e.value)
    fresh._graph_request = real
    fresh.load([built])
    local = GraphStore.in_memory()
    local.load([built])
    assert _count(fresh) == _count(local)


def test_cli_runs_a_saved_query_against_the_endpoint(remote, server):
    result = CliRunner().invoke(cli, ["query", "run", "subtropes", "-p", "trope=Main/NeverHurtAnInnocent",
                                      "--endpoint", server.query_url, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "https://w3id.org/tropekg/resource/Main/ThouShaltNotKill" in result.output
