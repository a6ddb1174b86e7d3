"""A second real SPARQL engine: Virtuoso Open Source 7 (tests/virtuoso_server.py, one server for the
session). examples/ is loaded with ``tropekg load --endpoint`` through Virtuoso's Graph Store
endpoint, which asks for HTTP Digest; then every saved-query case, ``analyze``, ``export`` and
``validate`` must answer there exactly as on the embedded store, and a partial answer (Virtuoso's
row and time limits) must be an error, never a shorter result."""

from __future__ import annotations

import json
import os

import networkx as nx
import pytest
import rdflib
from click.testing import CliRunner
from pyoxigraph import RdfFormat, parse
from rdflib.compare import isomorphic

from tropekg.cli import cli
from tropekg.query.params import bind
from tropekg.store.embedded import GraphStore
from tropekg.store.endpoint import Endpoint, EndpointError

from .test_queries import CASES, SAVED, _diff_message, _masked, result_table
from .wikidata_sample import link_sample

PAGES = "https://w3id.org/tropekg/graph/"


def _credentials(server) -> dict[str, str]:
    return {"TROPEKG_ENDPOINT_USER": server.user, "TROPEKG_ENDPOINT_PASSWORD": server.password}


def _load_args(server, built) -> list[str]:
    return ["load", str(built), "--endpoint", server.query_url, "--update-url", server.update_url,
            "--graph-store-url", server.graph_store_url]


@pytest.fixture(scope="module")
def local(built, tmp_path_factory, wikidata) -> GraphStore:
    store = GraphStore(tmp_path_factory.mktemp("virtuoso-local") / "kg")
    store.load([built])
    link_sample(store, wikidata)
    return store


@pytest.fixture(scope="module")
def remote(virtuoso, built, wikidata) -> Endpoint:
    """examples/ loaded into Virtuoso by the CLI; queried anonymously, as /sparql allows."""
    result = CliRunner().invoke(cli, _load_args(virtuoso, built), env=_credentials(virtuoso))
    assert result.exit_code == 0, result.output
    assert "loaded 11 graphs" in result.output  # 9 pages, the wanted pages, the description
    # the Wikidata linkset too, PUT through the Graph Store Protocol (the saved queries using it)
    saved = {k: os.environ.get(k) for k in _credentials(virtuoso)}
    os.environ.update(_credentials(virtuoso))
    try:
        link_sample(Endpoint(virtuoso.query_url, virtuoso.update_url, virtuoso.graph_store_url), wikidata)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Endpoint(virtuoso.query_url)


def _graph_sizes(graph) -> dict[str, int]:
    """Triples per page graph (Virtuoso's own graphs left out)."""
    rows = graph.run("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows
    return {g.value: int(n.value) for g, n in rows if g.value.startswith(PAGES)}


# -- loading -------------------------------------------------------------------------------------

def test_load_answers_the_digest_challenge_and_gives_the_same_graphs(local, remote):
    sizes = _graph_sizes(remote)
    assert sizes == _graph_sizes(local)
    assert len(sizes) == 12 and sum(sizes.values()) > 1000  # and the linkset


@pytest.mark.parametrize("password", [None, "not-the-password"])
def test_without_the_right_credentials_virtuoso_refuses_the_load_in_one_line(virtuoso, built, password):
    env = {"TROPEKG_ENDPOINT_USER": None if password is None else virtuoso.user,
           "TROPEKG_ENDPOINT_PASSWORD": password}
    result = CliRunner().invoke(cli, _load_args(virtuoso, built), env=env)
    assert result.exit_code == 2
    assert "HTTP 401" in result.output and "run the load again" in result.output
    assert "Traceback" not in result.output and "not-the-password" not in result.output


def test_a_reload_replaces_each_pages_graph_and_prune_drops_the_rest(virtuoso, built, local, remote,
                                                                      monkeypatch):
    monkeypatch.setenv("TROPEKG_ENDPOINT_USER", virtuoso.user)
    monkeypatch.setenv("TROPEKG_ENDPOINT_PASSWORD", virtuoso.password)
    writer = Endpoint(virtuoso.query_url, virtuoso.update_url, virtuoso.graph_store_url)
    page = PAGES + "Main/ThouShaltNotKill"
    # through /sparql-auth, which asks for Digest as the graph store does
    writer.update(f'INSERT DATA {{ GRAPH <{page}> {{ <urn:x:stray> <urn:x:p> "left over" }} '
                  f'GRAPH <{PAGES}Main/NoLongerBuilt> {{ <urn:x:gone> <urn:x:p> "stale" }} }}')
    assert remote.run("ASK { <urn:x:stray> ?p ?o }").value
    result = CliRunner().invoke(cli, [*_load_args(virtuoso, built), "--prune"], env=_credentials(virtuoso))
    assert result.exit_code == 0, result.output
    assert "pruned 1" in result.output
    assert not remote.run("ASK { <urn:x:stray> ?p ?o }").value
    assert not remote.run("ASK { <urn:x:gone> ?p ?o }").value
    assert _graph_sizes(remote) == _graph_sizes(local)


# -- queries -------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c.path.stem for c in CASES])
def test_every_saved_query_case_answers_on_virtuoso_as_on_the_embedded_store(case, local, remote):
    query = SAVED[case.query]
    bindings = bind(query, case.params)
    columns, rows = result_table(remote.run(query.text, bindings))
    # the same rows in the same order, the cells an expected file leaves open included
    assert (columns, rows) == result_table(local.run(query.text, bindings))
    masked = _masked(case, rows)
    assert columns == case.columns and masked == case.rows, _diff_message(case, columns, masked)


def test_ask_answers_true_and_false(remote):
    # Virtuoso 7.2 answers ASK with a one-column table rather than a boolean
    assert remote.run("ASK { ?s <https://w3id.org/tropekg/ontology#subTropeOf> ?o }").value is True
    assert remote.run("ASK { <urn:x:nothing> ?p ?o }").value is False


def test_a_result_cut_at_the_row_limit_is_an_error_not_a_shorter_answer(virtuoso, remote):
    limited = Endpoint(virtuoso.query_url + "?maxrows=5")  # Virtuoso's per-request ResultSetMaxRows
    with pytest.raises(EndpointError, match="cut the answer at its limit of 5 rows"):
        limited.run("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert len(limited.run("SELECT ?s WHERE { ?s a <https://w3id.org/tropekg/ontology#Film> } LIMIT 3").rows) == 3
    result = CliRunner().invoke(cli, ["sparql", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", limited.query_url])
    assert result.exit_code == 2 and "ResultSetMaxRows" in result.output and "Traceback" not in result.output


def test_a_result_cut_at_the_time_limit_is_an_error_not_a_shorter_answer(virtuoso, remote):
    hasty = Endpoint(virtuoso.query_url + "?timeout=10")  # milliseconds: an "anytime" query
    with pytest.raises(EndpointError, match="time limit"):
        hasty.run("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")


# -- analyze, export, validate --------------------------------------------------------------------

def _both(local, remote, *args):
    """The command's result on the embedded store and on Virtuoso."""
    results = [CliRunner().invoke(cli, [*args, *where])
               for where in (["--store", str(local.path)], ["--endpoint", remote.query_url])]
    for result in results:
        assert result.exit_code == 0, result.output
    return results


def test_analyze_gives_the_same_report(local, remote):
    here, there = _both(local, remote, "analyze", "--format", "json")
    assert json.loads(there.stdout) == json.loads(here.stdout)
    assert json.loads(here.stdout)["kinds"]["Trope"]["total"] > 10


def test_validate_gives_the_same_report(local, remote):
    here, there = _both(local, remote, "validate", "--format", "json")
    report = json.loads(there.stdout)
    assert report == json.loads(here.stdout)
    assert report["graphs"] == 12  # 9 pages, wanted pages, description, linkset; none of Virtuoso's own


@pytest.mark.parametrize("fmt", ["nq", "trig", "turtle", "nt", "jsonld"])
def test_export_writes_the_same_statements(local, remote, tmp_path, fmt):
    here, there = tmp_path / f"local.{fmt}", tmp_path / f"remote.{fmt}"
    for out, where in ((here, ["--store", str(local.path)]), (there, ["--endpoint", remote.query_url])):
        result = CliRunner().invoke(cli, ["export", "--format", fmt, "-o", str(out), *where])
        assert result.exit_code == 0, result.output
    if fmt in ("nq", "trig"):
        rdf_format = RdfFormat.N_QUADS if fmt == "nq" else RdfFormat.TRIG
        quads = [sorted(map(str, parse(path=p, format=rdf_format))) for p in (here, there)]
        assert quads[0] == quads[1] and len(quads[0]) > 1000
    else:
        rdflib_format = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt]
        graphs = [rdflib.Graph().parse(p, format=rdflib_format) for p in (here, there)]
        assert isomorphic(*graphs) and len(graphs[0]) > 1000


@pytest.mark.parametrize("view", ["hierarchy", "cooccurrence", "bipartite", "related"])
def test_export_draws_the_same_views(local, remote, tmp_path, view):
    graphs = []
    for where in (["--store", str(local.path)], ["--endpoint", remote.query_url]):
        out = tmp_path / f"{len(graphs)}.graphml"
        result = CliRunner().invoke(cli, ["export", "--view", view, "--format", "graphml", "-o", str(out), *where])
        assert result.exit_code == 0, result.output
        graphs.append(nx.read_graphml(out))
    here, there = graphs

    def edges(g):
        return sorted((tuple(sorted((u, v))), sorted(d.items())) for u, v, d in g.edges(data=True))

    assert dict(there.nodes(data=True)) == dict(here.nodes(data=True)) and len(here) > 3
    assert edges(there) == edges(here)
