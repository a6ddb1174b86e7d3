"""Every build describes itself (VoID and DCAT, in graph ``graph/_/dataset``), loaded with the
data: licence and attribution, counts that are the data's, each output file with its media type,
the source site, the tropekg version, the SPARQL endpoint when told, and nothing from the clock.
Checked on examples/pages: the counts against the build's own N-Quads."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from tropekg import __version__
from tropekg.build import build
from tropekg.store.embedded import GraphStore
from tropekg.validate import validate_build

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/tropekg/"
DESCRIPTION = f"{BASE}graph/_/dataset"
TK = "https://w3id.org/tropekg/ontology#"
PREFIXES = """PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX cc: <http://creativecommons.org/ns#>
PREFIX tk: <https://w3id.org/tropekg/ontology#>
"""
ENDPOINT = "http://127.0.0.1:7878/query"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("described")
    build([ROOT / "examples" / "pages"], folder, jobs=1, sparql_endpoint=ENDPOINT)
    return folder


@pytest.fixture(scope="module")
def store(out) -> GraphStore:
    s = GraphStore.in_memory()
    s.load([out])
    return s


def value(store, query: str):
    rows = store.run(PREFIXES + query).rows
    assert len(rows) == 1, rows
    return rows[0][0]


def test_the_description_is_a_graph_of_the_build_and_is_loaded_with_it(out, store):
    graphs = {q.graph_name.value for q in parse(path=str(out / "dataset.nq"), format=RdfFormat.N_QUADS)}
    assert DESCRIPTION in graphs
    assert value(store, "SELECT ?d WHERE { ?d a void:Dataset , dcat:Dataset }").value == BASE + "dataset"


def test_it_states_the_licence_and_the_attribution(store):
    assert value(store, "SELECT ?l WHERE { ?d a void:Dataset ; dcterms:license ?l }").value == \
        "https://creativecommons.org/licenses/by-nc-sa/3.0/"
    assert value(store, "SELECT ?n WHERE { ?d a void:Dataset ; cc:attributionName ?n }").value == "TV Tropes"
    assert value(store, "SELECT ?u WHERE { ?d a void:Dataset ; cc:attributionURL ?u }").value == "https://tvtropes.org/"
    assert value(store, "SELECT ?s WHERE { ?d a void:Dataset ; dcterms:source ?s }").value == "https://tvtropes.org/"
    rights = value(store, "SELECT ?r WHERE { ?d a void:Dataset ; dcterms:rights ?r }").value
    assert "CC BY-NC-SA 3.0" in rights and "non-commercial" in rights and "same licence" in rights
    assert value(store, "SELECT ?v WHERE { ?d a void:Dataset ; tk:tropekgVersion ?v }").value == __version__


def test_the_counts_are_the_datas(out, store):
    quads = list(parse(path=str(out / "dataset.nq"), format=RdfFormat.N_QUADS))
    data = {(q.subject, q.predicate, q.object) for q in quads if q.graph_name.value != DESCRIPTION}
    count = lambda p: int(value(store, f"SELECT ?n WHERE {{ ?d a void:Dataset ; void:{p} ?n }}").value)
    assert count("triples") == len(data)
    assert count("distinctSubjects") == len({s for s, _, _ in data})
    assert count("entities") == len({s for s, _, _ in data if s.value.startswith(BASE + "resource/")})
    assert count("properties") == len({p for _, p, _ in data})
    typed = {(s, o) for s, p, o in data if p.value.endswith("#type")}
    assert count("classes") == len({o for _, o in typed})
    tropes = int(value(store, "SELECT ?n WHERE { ?d void:classPartition [ void:class tk:Trope ; void:entities ?n ] }").value)
    assert tropes == sum(1 for _, o in typed if o.value == TK + "Trope") > 20
    vocabularies = {r[0].value for r in store.run(PREFIXES + "SELECT ?v WHERE { ?d void:vocabulary ?v }").rows}
    assert {TK, "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/prov#"} <= vocabularies


def test_each_output_file_is_a_distribution_with_its_media_type(store):
    rows = store.run(PREFIXES + "SELECT ?name ?type WHERE { ?d a void:Dataset ; dcat:distribution ?f . "
                                "?f dcterms:title ?name ; dcat:mediaType ?type } ORDER BY ?name").rows
    iana = "https://www.iana.org/assignments/media-types/"
    assert [(n.value, t.value.removeprefix(iana)) for n, t in rows] == [
        ("dataset.nq", "application/n-quads"), ("dataset.trig", "application/trig"),
        ("graph.jsonld", "application/ld+json"), ("graph.ttl", "text/turtle")]


def test_the_endpoint_is_named_when_told_and_only_then(store, tmp_path):
    assert value(store, "SELECT ?e WHERE { ?d void:sparqlEndpoint ?e }").value == ENDPOINT
    build([ROOT / "examples" / "pages"], tmp_path, formats=("nquads",), jobs=1)
    plain = GraphStore.in_memory()
    plain.load([tmp_path])
    assert not plain.run(PREFIXES + "ASK { ?d void:sparqlEndpoint ?e }").value
    files = plain.run(PREFIXES + "SELECT ?name WHERE { ?d dcat:distribution/dcterms:title ?name }").rows
    assert [r[0].value for r in files] == ["dataset.nq"]  # only the files this build wrote


def test_same_pages_same_description(out, tmp_path):
    build([ROOT / "examples" / "pages"], tmp_path, jobs=1, sparql_endpoint=ENDPOINT, cache=False)
    for name in ("dataset.nq", "dataset.trig", "graph.ttl", "graph.jsonld"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_the_description_conforms_to_its_shapes(out):
    report = validate_build(out, jobs=1)
    assert not [r for r in report.results if "Dataset" in r.shape or "Distribution" in r.shape
                or "ClassPartition" in r.shape]
