"""Tests for the SHACL shapes (shapes/*.ttl): each shape sees a graph that violates it and nothing
else, a conforming graph passes, the shapes graph is valid SHACL, every shape explains itself, and
every predicate the mapper emits is checked by some shape.

The cases are data: ``tests/shapes_cases/*.trig``, each starting with a ``#+`` header (YAML after
the ``#+``) naming the shape it violates, the severity, and a fragment of the message a reader sees.
Adding a case needs no code. Each case is validated both ways (pySHACL over the whole graph, and the
two-part validation: node-local shapes per page graph plus cross-page SPARQL over the store) and the
two must agree.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
import rdflib
import yaml
from rdflib import RDF, RDFS, Namespace, URIRef

from tropekg.rdf.mapping import emitted_predicates
from tropekg.shipped import ontology_path
from tropekg.store.embedded import GraphStore
from tropekg.validate import load_shapes, validate_graph, validate_whole

CASES = Path(__file__).resolve().parent / "shapes_cases"
SH = Namespace("http://www.w3.org/ns/shacl#")
TK = Namespace("https://w3id.org/tropekg/ontology#")
TKS = Namespace("https://w3id.org/tropekg/shapes#")
PREFIXES = {
    "rdf": str(RDF), "rdfs": str(RDFS), "tk": str(TK), "tks": str(TKS),
    "skos": "http://www.w3.org/2004/02/skos/core#", "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#", "dcterms": "http://purl.org/dc/terms/",
    "void": "http://rdfs.org/ns/void#", "dcat": "http://www.w3.org/ns/dcat#",
    "cc": "http://creativecommons.org/ns#", "owl": "http://www.w3.org/2002/07/owl#",
    "wdt": "http://www.wikidata.org/prop/direct/",
}
# Parameters of a shape that check nothing by themselves.
NOT_CONSTRAINTS = {SH[n] for n in ("name", "description", "message", "severity", "deactivated", "order",
                                   "group", "targetClass", "targetSubjectsOf", "targetObjectsOf",
                                   "targetNode", "path", "property")}


def expand(name: str) -> str:
    prefix, local = name.split(":", 1)
    return PREFIXES[prefix] + local


def header(path: Path) -> dict:
    text = "\n".join(line[3:] if line.startswith("#+ ") else "" for line in path.read_text("utf-8").splitlines()
                     if line.startswith("#+"))
    return yaml.safe_load(text) or {}


CASE_FILES = sorted(p for p in CASES.glob("*.trig") if p.name != "conforming.trig")


@pytest.fixture(scope="module")
def shapes():
    return load_shapes()


def both_ways(path: Path, shapes):
    store = GraphStore.in_memory()
    store.load([path])
    return validate_graph(store, shapes=shapes, jobs=1), validate_whole(store, shapes=shapes)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_violates_exactly_its_shape(path, shapes):
    case = header(path)
    expected = expand(case["shape"])
    two_part, whole = both_ways(path, shapes)
    found = {r.shape for r in two_part.results}
    assert found == {expected}, f"{path.name}: expected only {case['shape']}, got {sorted(found)}"
    assert two_part.key_set() == whole.key_set(), (
        f"{path.name}: the two validations differ: only two-part {two_part.key_set() - whole.key_set()}, "
        f"only whole {whole.key_set() - two_part.key_set()}")
    for result in two_part.results + whole.results:
        assert result.severity == case["severity"]
        assert case["message"] in result.message, f"{path.name}: message was {result.message!r}"
    assert two_part.conforms == (case["severity"] != "Violation")


def test_conforming_graph_passes(shapes):
    path = CASES / "conforming.trig"
    two_part, whole = both_ways(path, shapes)
    expected = {expand(s) for s in header(path)["expect"]}
    assert two_part.conforms and whole.conforms
    assert {r.shape for r in two_part.results} == expected
    assert two_part.key_set() == whole.key_set()


def test_every_shape_that_checks_something_has_a_case(shapes):
    g = shapes.graph
    checking = set()
    for shape in shapes.info:
        params = {p for p in g.predicates(URIRef(shape), None) if str(p).startswith(str(SH))}
        if params - NOT_CONSTRAINTS:
            checking.add(shape)
    covered = {expand(header(p)["shape"]) for p in CASE_FILES}
    assert checking - covered == set(), "shapes with no violating case in tests/shapes_cases"
    assert covered - checking == set()


def test_shapes_graph_is_valid_shacl(shapes):
    # meta_shacl validates the shapes graph against the SHACL-SHACL shapes first, and fails if it
    # does not conform
    conforms, _, text = pyshacl.validate(rdflib.Graph(), shacl_graph=shapes.graph, meta_shacl=True,
                                         inference="none")
    assert conforms, text


def test_every_shape_has_a_name_a_description_and_a_message(shapes):
    g = shapes.graph
    named = {s for s in g.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)} | {
        s for s in g.subjects(RDF.type, SH.PropertyShape) if isinstance(s, URIRef)}
    assert named, "no shapes found"
    for shape in named:
        assert g.value(shape, SH.name), f"{shape} has no sh:name"
        assert g.value(shape, SH.description), f"{shape} has no sh:description"
        constraints = list(g.objects(shape, SH.sparql))
        if constraints:  # a SPARQL-based shape keeps its message on the constraint
            assert all(g.value(c, SH.message) for c in constraints), f"{shape}: a constraint has no sh:message"
        else:
            assert g.value(shape, SH.message), f"{shape} has no sh:message"
    # the property shapes of a node shape are shapes too, and are named
    for prop in g.objects(None, SH.property):
        assert isinstance(prop, URIRef), "an anonymous property shape: name it, so reports can say which"


def covered_predicates(g) -> set[URIRef]:
    paths = set()
    for path in g.objects(None, SH.path):
        if isinstance(path, URIRef):
            paths.add(path)
        else:
            paths.update(o for o in g.objects(path, SH.inversePath) if isinstance(o, URIRef))
    return paths


def prefixed(iri: URIRef) -> str:
    for prefix, ns in PREFIXES.items():
        if str(iri).startswith(ns):
            return f"{prefix}:{str(iri)[len(ns):]}"
    return str(iri)


def test_every_emitted_predicate_is_covered_by_a_shape(shapes):
    from tropekg.build.description import PREDICATES as DESCRIPTION_PREDICATES
    from tropekg.link.wikidata import PREDICATES as LINKSET_PREDICATES

    covered = {prefixed(p) for p in covered_predicates(shapes.graph)}
    # the mapper's, the dataset description's and the linkset's
    missing = (emitted_predicates() | set(DESCRIPTION_PREDICATES) | set(LINKSET_PREDICATES)) - covered
    assert not missing, f"predicates the mapper emits that no shape checks: {sorted(missing)}"


def test_every_predicate_in_the_conforming_case_and_the_goldens_is_covered(shapes):
    covered = covered_predicates(shapes.graph)
    golden = Path(__file__).resolve().parent / "golden"
    for path in [CASES / "conforming.trig", *sorted(golden.glob("*.trig"))]:
        used = {URIRef(q.predicate.value) for q in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TRIG)}
        assert used - covered == set(), f"{path.name}: predicates no shape checks"


def test_shapes_follow_the_ontology(shapes):
    """Medium classes and playing-with modes are listed in the shapes (no reasoning is needed to
    validate), so the lists must stay equal to the ontology's."""
    ont = rdflib.Graph().parse(ontology_path())
    g = shapes.graph
    media = set(ont.subjects(RDFS.subClassOf, TK.Work))
    assert media and set(g.objects(TKS.WorkShape, SH.targetClass)) == media | {TK.Work}
    assert set(g.objects(TKS.WorkMediumShape, SH.targetClass)) == media
    modes = set(ont.subjects(RDF.type, TK.PlayingWithMode))
    listed = set(rdflib.collection.Collection(g, g.value(TKS.PlayingWithModeShape, SH["in"])))
    assert listed == modes
    # every tk: term the shapes use is defined in the ontology
    used = {t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(str(TK))}
    defined = set(ont.subjects())
    assert used - defined == set()


def test_sparql_constraints_are_read_out_for_the_store(shapes):
    names = {c.shape.removeprefix(str(TKS)) for c in shapes.sparql}
    assert {"TropeHierarchyCycleShape", "ExampleShortcutShape", "AvertedInBackedShape",
            "ExemplifiedByBackedShape", "ExampleWorkKindShape", "SelfRelationShape",
            "SubSuperContradictionShape", "WantedHierarchyTropeShape", "DanglingReferenceShape"} <= names
    # the node-local part holds no SPARQL, and none of the cross-page shapes
    assert not list(shapes.local.triples((None, SH.sparql, None)))
    for c in shapes.sparql:
        assert not list(shapes.local.triples((URIRef(c.shape), None, None)))
        assert "PREFIX tk:" in c.query()
