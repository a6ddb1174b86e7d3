"""A store that keeps its default graph apart from its named graphs (Oxigraph started without
``--union-default-graph``, Fuseki's default): every query there would find nothing, so tropekg says
so and what to do, never an empty answer that looks like "no data"."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tropekg.cli import cli
from tropekg.query.params import bind
from tropekg.query.saved import load_queries
from tropekg.store.endpoint import Endpoint, EndpointError

from .sparql_server import oxigraph_server

ADVICE = "oxigraph serve --union-default-graph"


@pytest.fixture(scope="module")
def apart(built, tmp_path_factory):
    """examples/ loaded into an Oxigraph server that does not serve the union as its default graph."""
    with oxigraph_server(tmp_path_factory.mktemp("apart"), union_default_graph=False) as server:
        report = Endpoint(server.query_url, server.update_url, server.graph_store_url).load([built])
        assert report.graphs_replaced == 11  # 9 pages, the wanted pages, the description: no union needed
        yield server


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_every_saved_query_refuses_rather_than_answers_nothing(apart, name):
    query = load_queries()[name]
    with pytest.raises(EndpointError, match="does not query the union of its named graphs") as e:
        Endpoint(apart.query_url).run(query.text, bind(query, {}))
    assert ADVICE in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("command", [
    ["query", "run", "subtropes", "-p", "trope=Main/NeverHurtAnInnocent", "--format", "csv"],
    ["analyze", "--format", "json"],
    ["validate"],
])
def test_commands_say_what_to_do_and_print_no_empty_result(apart, command):
    result = CliRunner().invoke(cli, [*command, "--endpoint", apart.query_url])
    assert result.exit_code == 2, result.output
    assert ADVICE in result.output and "Traceback" not in result.output
    assert result.stdout == ""  # no header of an empty table, no "conforms"


def test_an_empty_store_answers_empty_without_complaint(tmp_path):
    with oxigraph_server(tmp_path / "empty", union_default_graph=False) as server:
        assert Endpoint(server.query_url).run("SELECT ?s WHERE { ?s ?p ?o }").rows == []


def test_the_union_the_store_does_serve_passes_the_check(built, tmp_path):
    with oxigraph_server(tmp_path / "union") as server:
        endpoint = Endpoint(server.query_url, server.update_url, server.graph_store_url)
        endpoint.load([built])
        rows = endpoint.run("SELECT ?s WHERE { ?s a <https://w3id.org/tropekg/ontology#Trope> } LIMIT 1").rows
        assert len(rows) == 1
