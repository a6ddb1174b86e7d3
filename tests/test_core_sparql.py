"""Tests for the node-local shapes as SPARQL (tropekg.validate.core_sparql): on a planted violation
of every shape, on literals SPARQL and rdflib could read differently, and on a build read straight
from its dataset.nq, the results are pySHACL's, to the constraint component and the message; a
shape the module cannot write as SPARQL is left to pySHACL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tropekg.build import build
from tropekg.store.embedded import GraphStore
from tropekg.validate import load_shapes, open_dataset, validate_graph
from tropekg.validate.core_sparql import Unsupported, compile_shapes
from tropekg.validate.engine import _graph_of

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "shapes_cases"
SH = "http://www.w3.org/ns/shacl#"


@pytest.fixture(scope="module")
def shapes():
    return load_shapes()


def everything(report) -> set[tuple]:
    """What a report says, all of it: focus, path, value, severity, shape, component, message."""
    return {(*r.key(), r.component, r.message) for r in report.results}


def both_ways(store, shapes, **kw):
    sparql = validate_graph(store, shapes=shapes, node_local="sparql", **kw)
    pyshacl = validate_graph(store, shapes=shapes, node_local="pyshacl", **kw)
    return sparql, pyshacl


def test_every_node_local_shape_is_written_as_sparql(shapes):
    """No shape is left to pySHACL silently: every constraint of every node-local shape compiles."""
    checks = compile_shapes(shapes.local)
    compiled = {(c.shape, con.component) for c in checks for con in c.constraints}
    import rdflib

    shn = rdflib.Namespace(SH)
    wanted = set()
    for shape in set(shapes.local.subjects(shn.name, None)):
        for p in shapes.local.predicates(shape, None):
            name = str(p).removeprefix(SH)
            if name in ("minCount", "maxCount", "nodeKind", "class", "datatype", "pattern", "minInclusive",
                        "minLength", "languageIn", "in", "hasValue", "equals"):
                wanted.add((str(shape), SH + name[0].upper() + name[1:] + "ConstraintComponent"))
    assert wanted and wanted == compiled


@pytest.mark.parametrize("path", sorted(CASES.glob("*.trig")), ids=lambda p: p.stem)
def test_each_planted_violation_gives_pyshacls_results(path, shapes):
    store = GraphStore.in_memory()
    store.load([path])
    sparql, pyshacl = both_ways(store, shapes, jobs=1)
    assert everything(sparql) == everything(pyshacl)


def test_all_planted_violations_at_once_in_parallel_batches(shapes):
    store = GraphStore.in_memory()
    store.load(sorted(CASES.glob("*.trig")))
    sparql, pyshacl = both_ways(store, shapes, jobs=2, batch_triples=40)
    assert everything(sparql) == everything(pyshacl)
    assert sparql.counts()["Violation"] >= 50


def test_the_cases_plant_a_violation_of_every_component_the_shapes_use(shapes, odd_literals):
    """So the equality is shown for each kind of constraint the node-local shapes use."""
    used = {con.component for c in compile_shapes(shapes.local) for con in c.constraints}
    found = set()
    for path in [*sorted(CASES.glob("*.trig")), odd_literals]:
        store = GraphStore.in_memory()
        store.load([path])
        found |= {r.component for r in validate_graph(store, shapes=shapes, jobs=1).results}
    assert used <= found, used - found


# Literals whose reading could differ: not the canonical form, ill-typed, a language tag in
# capitals or with a region, a name ending in a newline (Python's $ matches before it, XPath's not).
ODD_LITERALS = [
    ("tk:sourceLine 7 ;", 'tk:sourceLine "07"^^xsd:integer ;'),
    ("tk:sourceLine 8 ;", 'tk:sourceLine "abc"^^xsd:integer ;'),
    ("tk:sourceLine 9 ;", 'tk:sourceLine "-3"^^xsd:integer ;'),
    ("tk:depth 2 ;", 'tk:depth " 2"^^xsd:integer ;'),
    ("tk:hasSpoiler true ;", 'tk:hasSpoiler "1"^^xsd:boolean ;'),
    ("tk:hasSpoiler false ;", 'tk:hasSpoiler "yes"^^xsd:boolean ;'),
    ('rdfs:label "Alpha"@en ;', 'rdfs:label "Alpha"@EN-gb ;'),
    ('skos:altLabel "The Alpha"@en ;', 'skos:altLabel "The Alpha"@fr ;'),
    ('skos:definition "A trope about the first letter."@en ;',
     'skos:definition "A trope about the first letter."^^xsd:string ;'),
    ('tk:wikiName "Main/Beta" ;', 'tk:wikiName "Main/Beta\\n" ;'),
    ('tk:wikiName "Film/Delta" ;', 'tk:wikiName "Film/Delta\\n\\n" ;'),
    ('tk:sourcePath "Main/Beta.txt" ;', 'tk:sourcePath "" ;'),
]


@pytest.fixture
def odd_literals(tmp_path) -> Path:
    text = (CASES / "conforming.trig").read_text(encoding="utf-8")
    for old, new in ODD_LITERALS:
        assert old in text, old
        text = text.replace(old, new, 1)
    odd = tmp_path / "odd.trig"
    odd.write_text(text, encoding="utf-8")
    return odd


def test_literals_sparql_and_rdflib_could_read_differently(odd_literals, shapes):
    store = GraphStore.in_memory()
    store.load([odd_literals])
    sparql, pyshacl = both_ways(store, shapes, jobs=1)
    assert everything(sparql) == everything(pyshacl)
    values = {r.value for r in sparql.results}
    # some are violations for both (the ill-typed, the French label, the second newline) ...
    assert '"abc"^^<http://www.w3.org/2001/XMLSchema#integer>' in values
    assert '"The Alpha"@fr' in values
    assert '"Film/Delta\\n\\n"' in values
    assert '""' in values  # an empty source path
    # ... and some are not: rdflib reads "07" as 7, Python's $ matches before one final newline
    assert not any(v and ("07" in v or "Main/Beta" in v) for v in values)


def test_a_shape_sparql_cannot_say_is_left_to_pyshacl(tmp_path):
    folder = tmp_path / "shapes"
    folder.mkdir()
    (folder / "or.ttl").write_text("""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix tk: <https://w3id.org/tropekg/ontology#> .
@prefix tks: <https://w3id.org/tropekg/shapes#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
tks:DepthOrLine a sh:NodeShape ;
    sh:targetClass tk:Example ;
    sh:name "Shallow or early" ;
    sh:message "An example is shallow or early." ;
    sh:or ( [ sh:path tk:depth ; sh:maxInclusive 1 ] [ sh:path tk:sourceLine ; sh:maxInclusive 7 ] ) .
""", encoding="utf-8")
    shapes = load_shapes(folder)
    with pytest.raises(Unsupported):
        compile_shapes(shapes.local)
    store = GraphStore.in_memory()
    store.load([CASES / "conforming.trig"])
    sparql, pyshacl = both_ways(store, shapes, jobs=1)
    assert everything(sparql) == everything(pyshacl)
    assert {r.component for r in sparql.results} == {SH + "OrConstraintComponent"}


def test_graph_of_an_nquads_line():
    assert _graph_of(b"<s> <p> <o> .\n") == b""
    assert _graph_of(b"<s> <p> <o> <g> .\n") == b"<g>"
    assert _graph_of(b"_:a <p> _:b .\n") == b""
    assert _graph_of(b"_:a <p> _:b _:g .\n") == b"_:g"
    assert _graph_of(b'<s> <p> "a <b> c" .\n') == b""
    assert _graph_of(b'<s> <p> "x y <z> ."^^<dt> .\n') == b""
    assert _graph_of(b'<s> <p> "x"^^<dt> <g> .\n') == b"<g>"
    assert _graph_of(b'<s> <p> "x"@en-GB .\n') == b""
    assert _graph_of(b'<s> <p> "x"@en <g> .\n') == b"<g>"
    assert _graph_of(b"\n") is None
    assert _graph_of(b"# a comment\n") is None


@pytest.mark.parametrize("merged", [True, False], ids=["dataset.nq", "parts-through-manifest"])
def test_a_build_read_from_its_file_gives_what_its_graphs_give(tmp_path, shapes, corpus, merged):
    """The node-local part reads a build folder's dataset.nq (or its page parts, through its
    manifest) itself, in batches that end where a graph does; the results, graphs and statements
    are those of the graphs read from the store."""
    out = tmp_path / "out"
    if merged:
        build([ROOT / "examples" / "pages", corpus], out, formats=("nquads",), jobs=1)
    else:
        build([ROOT / "examples" / "pages", corpus], out, jobs=1, merged=False)
        assert not (out / "dataset.nq").exists()
    with open_dataset([out]) as graph:
        from_file = validate_graph(graph, shapes=shapes, jobs=2, batch_triples=50)
    store = GraphStore.in_memory()
    store.load([out])
    from_store = validate_graph(store, shapes=shapes, jobs=1, node_local="pyshacl")
    assert everything(from_file) == everything(from_store)
    assert (from_file.graphs, from_file.triples) == (from_store.graphs, from_store.triples)
    assert from_file.counts()["Info"] > 50
    assert re.fullmatch(r"\d+\.\d+", f"{from_file.seconds['both_parts']:.1f}")
