"""Tests for the OWL ontology (ontology/tropekg.ttl), its JSON-LD context and vocab.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib import namespace as rdflib_namespace
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS

from tropekg.rdf import vocab_codegen
from tropekg.shipped import context_path, ontology_path

TK = Namespace("https://w3id.org/tropekg/ontology#")
SCHEMA = Namespace("https://schema.org/")
# Plain namespaces: pytest probes module attributes, which makes rdflib's open
# DefinedNamespaces (XSD, SDO) emit warnings.
XSD = Namespace(str(rdflib_namespace.XSD))
PROV = Namespace("http://www.w3.org/ns/prov#")
VANN = Namespace("http://purl.org/vocab/vann/")
ONTOLOGY = URIRef("https://w3id.org/tropekg/ontology")
PACKAGE_DIR = Path(vocab_codegen.__file__).resolve().parents[1]

# IRIs other code relies on: renaming or dropping one of these must fail a test.
CONTRACT_CLASSES = {
    "Trope", "Work", "Creator", "UsefulNotesTopic", "TropeIndex", "OtherPage", "Example",
    "PlayingWithMode", "PageGraph", "WantedPage",
}
CONTRACT_SCHEMES = {"TropeScheme", "PlayingWithScheme"}
CONTRACT_OBJECT_PROPERTIES = {
    "subTropeOf", "superTropeOf", "seeAlso", "compareWith", "contrastWith",
    "notToBeConfusedWith", "sisterTropeOf", "exemplifiedBy", "exemplifies", "avertedIn",
    "averts", "trope", "work", "mode", "mentions", "parentExample", "onPage", "describedBy",
    "lists", "creator", "creatorOf", "quoteSource",
}
CONTRACT_DATATYPE_PROPERTIES = {
    "modeStated": XSD.boolean,
    "text": RDF.langString,
    "hasSpoiler": XSD.boolean,
    "folder": XSD.string,
    "sourceLine": XSD.integer,
    "depth": XSD.integer,
    "wikiName": XSD.string,
    "alternativeWikiName": XSD.string,
    "namespace": XSD.string,
    "quote": RDF.langString,
    "quoteAttribution": RDF.langString,
    "sourcePath": XSD.string,
    "sourceSha256": XSD.string,
    "tropekgVersion": XSD.string,
}
INVERSE_PAIRS = {
    ("subTropeOf", "superTropeOf"),
    ("exemplifiedBy", "exemplifies"),
    ("avertedIn", "averts"),
    ("creator", "creatorOf"),
}
SYMMETRIC = {"compareWith", "contrastWith", "notToBeConfusedWith", "sisterTropeOf"}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return vocab_codegen.load_ontology(ontology_path())


@pytest.fixture(scope="module")
def context() -> dict:
    with context_path().open(encoding="utf-8") as f:
        return json.load(f)["@context"]


def _tsv_rows(name: str) -> list[dict[str, str]]:
    with (PACKAGE_DIR / name).open(encoding="utf-8", newline="") as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _typed(graph: Graph, rdf_type: URIRef) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, rdf_type) if str(s).startswith(str(TK))}


def _local(term: URIRef) -> str:
    return str(term)[len(str(TK)) :]


def _has_en(graph: Graph, subject: URIRef, predicate: URIRef) -> bool:
    return any(
        isinstance(o, Literal) and o.language == "en" and str(o).strip()
        for o in graph.objects(subject, predicate)
    )


# (a) parsing ---------------------------------------------------------------------------


def test_parses_with_rdflib_and_pyoxigraph(graph: Graph) -> None:
    quads = list(
        pyoxigraph.parse(path=str(ontology_path()), format=pyoxigraph.RdfFormat.TURTLE)
    )
    assert len(graph) > 100
    assert len(quads) == len(graph)


def test_header(graph: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in graph
    assert graph.value(ONTOLOGY, OWL.versionIRI) == URIRef(
        "https://w3id.org/tropekg/ontology/0.1.0"
    )
    assert str(graph.value(ONTOLOGY, OWL.versionInfo)) == "0.1.0"
    assert graph.value(ONTOLOGY, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert _has_en(graph, ONTOLOGY, DCTERMS.title)
    assert _has_en(graph, ONTOLOGY, DCTERMS.description)
    assert str(graph.value(ONTOLOGY, VANN.preferredNamespacePrefix)) == "tk"
    assert str(graph.value(ONTOLOGY, VANN.preferredNamespaceUri)) == str(TK)


# (b) vocab.py --------------------------------------------------------------------------


def test_vocab_in_sync() -> None:
    assert vocab_codegen.check(), "run: python -m tropekg.rdf.vocab_codegen"


def test_vocab_check_detects_stale_file(tmp_path: Path) -> None:
    text = vocab_codegen.generate()
    stale = tmp_path / "vocab.py"
    stale.write_text(text.replace("    Trope: URIRef", "    Tropes: URIRef"), encoding="utf-8")
    assert not vocab_codegen.check(vocab_path=stale)
    assert vocab_codegen.main(["--check"]) == 0
    assert not vocab_codegen.check(vocab_path=tmp_path / "missing.py")


def test_vocab_is_closed_and_complete(graph: Graph) -> None:
    from tropekg.rdf.vocab import TK as VOCAB

    declared = vocab_codegen.declared_terms(graph)
    for name, iri in declared.items():
        assert getattr(VOCAB, name) == iri
        assert VOCAB[name] == iri
    with pytest.raises(AttributeError):
        _ = VOCAB.Tropee
    with pytest.raises(AttributeError):
        _ = VOCAB.exemplifiedby
    assert set(vocab_codegen.declared_terms(graph)) >= (
        CONTRACT_CLASSES
        | CONTRACT_SCHEMES
        | CONTRACT_OBJECT_PROPERTIES
        | set(CONTRACT_DATATYPE_PROPERTIES)
    )


def test_render_tracks_ontology_changes(graph: Graph) -> None:
    changed = Graph()
    for triple in graph:
        changed.add(triple)
    changed.add((TK.brandNewTerm, RDF.type, OWL.ObjectProperty))
    assert "    brandNewTerm: URIRef" in vocab_codegen.render(changed)
    assert "brandNewTerm" not in vocab_codegen.render(graph)


# (c) documentation and declarations ----------------------------------------------------


def test_contract_terms_have_their_types(graph: Graph) -> None:
    assert {_local(t) for t in _typed(graph, OWL.Class)} >= CONTRACT_CLASSES
    assert {_local(t) for t in _typed(graph, SKOS.ConceptScheme)} == CONTRACT_SCHEMES
    assert {_local(t) for t in _typed(graph, OWL.ObjectProperty)} == CONTRACT_OBJECT_PROPERTIES
    datatype_properties = _typed(graph, OWL.DatatypeProperty)
    assert {_local(t) for t in datatype_properties} == set(CONTRACT_DATATYPE_PROPERTIES)
    for name, datatype in CONTRACT_DATATYPE_PROPERTIES.items():
        assert graph.value(TK[name], RDFS.range) == datatype, name


def test_every_property_is_documented(graph: Graph) -> None:
    properties = _typed(graph, OWL.ObjectProperty) | _typed(graph, OWL.DatatypeProperty)
    assert properties
    for prop in properties:
        for predicate in (RDFS.label, RDFS.comment):
            assert _has_en(graph, prop, predicate), f"{prop} lacks {predicate}"
        for predicate in (RDFS.domain, RDFS.range):
            assert graph.value(prop, predicate) is not None, f"{prop} lacks {predicate}"
        assert graph.value(prop, RDFS.isDefinedBy) == ONTOLOGY, prop


def test_every_class_and_individual_is_documented(graph: Graph) -> None:
    things = (
        _typed(graph, OWL.Class)
        | _typed(graph, OWL.NamedIndividual)
        | _typed(graph, SKOS.ConceptScheme)
    )
    assert len(things) > 50
    for thing in things:
        assert _has_en(graph, thing, RDFS.label), f"{thing} lacks rdfs:label"
        assert _has_en(graph, thing, RDFS.comment), f"{thing} lacks rdfs:comment"
        assert graph.value(thing, RDFS.isDefinedBy) == ONTOLOGY, thing


def test_property_kinds_do_not_overlap(graph: Graph) -> None:
    object_properties = _typed(graph, OWL.ObjectProperty)
    datatype_properties = _typed(graph, OWL.DatatypeProperty)
    assert not object_properties & datatype_properties
    assert not (object_properties | datatype_properties) & _typed(graph, OWL.Class)
    for prop in datatype_properties:
        assert graph.value(prop, RDFS.range) in {
            XSD.boolean, XSD.string, XSD.integer, RDF.langString,
        }, prop
    for prop in object_properties:
        rng = graph.value(prop, RDFS.range)
        assert rng == OWL.Thing or (rng, RDF.type, OWL.Class) in graph, prop


def test_every_tk_iri_used_is_declared(graph: Graph) -> None:
    """A misspelt tk: term anywhere in the file shows up as an undeclared IRI."""
    declared = set(vocab_codegen.declared_terms(graph).values())
    used = {
        node
        for triple in graph
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(str(TK))
    }
    assert used - declared == set()


def test_core_alignments(graph: Graph) -> None:
    expected = [
        (TK.Trope, RDFS.subClassOf, SKOS.Concept),
        (TK.Work, RDFS.subClassOf, SCHEMA.CreativeWork),
        (TK.Creator, RDFS.subClassOf, PROV.Agent),
        (TK.Example, RDFS.subClassOf, PROV.Entity),
        (TK.PageGraph, RDFS.subClassOf, PROV.Entity),
        (TK.PlayingWithMode, RDFS.subClassOf, SKOS.Concept),
        (TK.subTropeOf, RDFS.subPropertyOf, SKOS.broader),
        (TK.superTropeOf, RDFS.subPropertyOf, SKOS.narrower),
        (TK.creator, RDFS.subPropertyOf, DCTERMS.creator),
        (TK.creator, RDFS.subPropertyOf, SCHEMA.creator),
        (TK.exemplifiedBy, RDFS.domain, TK.Trope),
        (TK.exemplifiedBy, RDFS.range, TK.Work),
        (TK.avertedIn, RDFS.domain, TK.Trope),
        (TK.avertedIn, RDFS.range, TK.Work),
        (TK.mode, RDFS.range, TK.PlayingWithMode),
        (TK.describedBy, RDFS.range, TK.PageGraph),
        (TK.lists, RDFS.domain, TK.TropeIndex),
    ]
    for name in ("compareWith", "contrastWith", "notToBeConfusedWith", "sisterTropeOf"):
        expected.append((TK[name], RDFS.subPropertyOf, SKOS.related))
    for triple in expected:
        assert triple in graph, triple
    # rdfs:seeAlso is an annotation property in OWL 2: an object property under it is not OWL 2 DL
    assert (TK.seeAlso, RDFS.subPropertyOf, RDFS.seeAlso) not in graph
    # schema.org alignments must name real schema.org classes.
    for cls in graph.transitive_subjects(RDFS.subClassOf, TK.Work):
        for parent in graph.objects(cls, RDFS.subClassOf):
            if str(parent).startswith(str(SCHEMA)):
                assert _local_schema(parent) in rdflib_namespace.SDO, parent


def _local_schema(term: URIRef) -> str:
    return str(term)[len(str(SCHEMA)) :]


def test_averted_is_excluded_from_exemplified_by(graph: Graph) -> None:
    for prop in (TK.exemplifiedBy, TK.avertedIn):
        comment = str(graph.value(prop, RDFS.comment))
        assert "does not count as tk:exemplifiedBy" in comment, prop
        assert "tk:Example" in comment, prop


# (d) media classes and playing-with modes ----------------------------------------------


def test_every_work_namespace_has_its_class(graph: Graph) -> None:
    rows = [row for row in _tsv_rows("data/namespaces.tsv") if row["role"] == "work"]
    assert len(rows) > 20
    classes = set()
    for row in rows:
        assert row["class"], row
        cls = TK[row["class"]]
        classes.add(cls)
        assert (cls, RDF.type, OWL.Class) in graph, cls
        assert (cls, RDFS.subClassOf, TK.Work) in graph, cls
    # ...and no medium class without a namespace.
    assert set(graph.subjects(RDFS.subClassOf, TK.Work)) == classes


@pytest.mark.parametrize(
    ("medium", "schema_class"),
    [
        ("Film", "Movie"),
        ("Series", "TVSeries"),
        ("VideoGame", "VideoGame"),
        ("Literature", "Book"),
        ("ComicBook", "ComicSeries"),
        ("Podcast", "PodcastSeries"),
        ("Website", "WebSite"),
        ("Franchise", "CreativeWorkSeries"),
    ],
)
def test_medium_schema_alignment(graph: Graph, medium: str, schema_class: str) -> None:
    assert (TK[medium], RDFS.subClassOf, SCHEMA[schema_class]) in graph


def test_every_mode_is_a_concept_in_the_scheme(graph: Graph) -> None:
    modes = [row["mode"] for row in _tsv_rows("markup/data/modes.tsv")]
    assert len(modes) == 20
    for name in modes:
        mode = TK[name]
        for rdf_type in (OWL.NamedIndividual, TK.PlayingWithMode, SKOS.Concept):
            assert (mode, RDF.type, rdf_type) in graph, (mode, rdf_type)
        assert (mode, SKOS.inScheme, TK.PlayingWithScheme) in graph, mode
        assert _has_en(graph, mode, SKOS.definition), mode
        assert _has_en(graph, mode, SKOS.prefLabel), mode
    # ...and no mode individual that modes.tsv does not know.
    assert set(graph.subjects(RDF.type, TK.PlayingWithMode)) == {TK[m] for m in modes}
    assert (TK.PlayingWithScheme, RDF.type, SKOS.ConceptScheme) in graph
    assert (TK.TropeScheme, RDF.type, SKOS.ConceptScheme) in graph


def test_modes_are_all_different(graph: Graph) -> None:
    modes = set(graph.subjects(RDF.type, TK.PlayingWithMode))
    groups = [
        set(Collection(graph, graph.value(node, OWL.distinctMembers)))
        for node in graph.subjects(RDF.type, OWL.AllDifferent)
    ]
    assert modes in groups


# (e) JSON-LD context -------------------------------------------------------------------


def _expand_term(context: dict, name: str) -> str:
    definition = context[name]
    iri = definition if isinstance(definition, str) else definition["@id"]
    prefix, _, local = iri.partition(":")
    if prefix in context and isinstance(context[prefix], str) and not local.startswith("//"):
        return context[prefix] + local
    return iri


def test_context_maps_every_term(graph: Graph, context: dict) -> None:
    declared = vocab_codegen.declared_terms(graph)
    for name, iri in declared.items():
        assert name in context, f"context lacks {name}"
        assert _expand_term(context, name) == str(iri), name
    # ...and maps no tk: IRI the ontology does not declare.
    for name, definition in context.items():
        if name.startswith("@") or not isinstance(definition, (str, dict)):
            continue
        if isinstance(definition, dict) and "@id" not in definition:
            continue
        iri = _expand_term(context, name)
        if iri.startswith(str(TK)) and iri != str(TK):
            assert URIRef(iri) in declared.values(), name


def test_context_coercions_follow_the_ontology(graph: Graph, context: dict) -> None:
    for prop in _typed(graph, OWL.ObjectProperty):
        assert context[_local(prop)].get("@type") in ("@id", "@vocab"), prop
    for prop in _typed(graph, OWL.DatatypeProperty):
        definition = context[_local(prop)]
        rng = graph.value(prop, RDFS.range)
        if rng == RDF.langString:
            assert definition.get("@language") == "en", prop
            assert "@type" not in definition, prop
        elif rng == XSD.string:
            # Plain strings are xsd:string; coercing would stop compaction from using the term.
            assert "@type" not in definition and "@language" not in definition, prop
        else:
            assert definition.get("@type") == "xsd:" + str(rng)[len(str(XSD)) :], prop
    for name in ("tk", "skos", "schema", "prov", "foaf", "dcterms", "rdfs", "owl", "xsd", "tkr"):
        assert name in context, name
    assert context["tk"] == str(TK)
    assert context["tkr"] == "https://w3id.org/tropekg/resource/"
    assert context["schema"] == str(SCHEMA)


def _no_network(url: str, options: dict | None = None) -> dict:
    raise AssertionError(f"JSON-LD processing tried to fetch {url}")


def test_expansion_gives_the_expected_iris(context: dict) -> None:
    from pyld import jsonld

    doc = {
        "@context": context,
        "@graph": [
            {
                "@id": "tkr:Main/MentorOccupationalHazard",
                "@type": "Trope",
                "label": "Mentor Occupational Hazard",
                "wikiName": "Main/MentorOccupationalHazard",
                "subTropeOf": "tkr:Main/DeathOfAMentor",
                "exemplifiedBy": "tkr:Film/StarWars",
                "isPrimaryTopicOf": (
                    "https://tvtropes.org/pmwiki/pmwiki.php/Main/MentorOccupationalHazard"
                ),
                "describedBy": "tkr:graph/Main/MentorOccupationalHazard",
            },
            {
                "@id": "tkr:example/1",
                "@type": "Example",
                "trope": "tkr:Main/MentorOccupationalHazard",
                "work": "tkr:Film/StarWars",
                "mode": "Averted",
                "modeStated": True,
                "hasSpoiler": False,
                "sourceLine": 12,
                "depth": 1,
                "text": "The mentor survives.",
                "folder": "Films — Live-Action",
            },
            {
                "@id": "tkr:graph/Main/MentorOccupationalHazard",
                "@type": "PageGraph",
                "sourceSha256": "ab" * 32,
                "wasDerivedFrom": (
                    "https://tvtropes.org/pmwiki/pmwiki.php/Main/MentorOccupationalHazard"
                ),
                "primaryTopic": "tkr:Main/MentorOccupationalHazard",
            },
        ],
    }
    options = {"documentLoader": _no_network}
    nquads = jsonld.to_rdf(doc, {**options, "format": "application/n-quads"})
    got = Graph().parse(data=nquads, format="nt")

    R = Namespace("https://w3id.org/tropekg/resource/")
    FOAF = Namespace("http://xmlns.com/foaf/0.1/")
    trope, film, example = R["Main/MentorOccupationalHazard"], R["Film/StarWars"], R["example/1"]
    page_graph = R["graph/Main/MentorOccupationalHazard"]
    url = URIRef("https://tvtropes.org/pmwiki/pmwiki.php/Main/MentorOccupationalHazard")
    expected = {
        (trope, RDF.type, TK.Trope),
        (trope, RDFS.label, Literal("Mentor Occupational Hazard", lang="en")),
        (trope, TK.wikiName, Literal("Main/MentorOccupationalHazard")),
        (trope, TK.subTropeOf, R["Main/DeathOfAMentor"]),
        (trope, TK.exemplifiedBy, film),
        (trope, FOAF.isPrimaryTopicOf, url),
        (trope, TK.describedBy, page_graph),
        (example, RDF.type, TK.Example),
        (example, TK.trope, trope),
        (example, TK.work, film),
        (example, TK.mode, TK.Averted),
        (example, TK.modeStated, Literal(True)),
        (example, TK.hasSpoiler, Literal(False)),
        (example, TK.sourceLine, Literal("12", datatype=XSD.integer)),
        (example, TK.depth, Literal("1", datatype=XSD.integer)),
        (example, TK.text, Literal("The mentor survives.", lang="en")),
        (example, TK.folder, Literal("Films — Live-Action")),
        (page_graph, RDF.type, TK.PageGraph),
        (page_graph, TK.sourceSha256, Literal("ab" * 32)),
        (page_graph, PROV.wasDerivedFrom, url),
        (page_graph, FOAF.primaryTopic, trope),
    }
    assert set(got) == expected

    expanded = jsonld.expand(doc, options)
    example_node = next(n for n in expanded if n["@id"] == str(example))
    assert example_node[str(TK.mode)] == [{"@id": str(TK.Averted)}]


# (f) inverses and symmetry -------------------------------------------------------------


def test_inverse_pairs_are_declared_both_ways(graph: Graph) -> None:
    declared = set(graph.subject_objects(OWL.inverseOf))
    assert declared, "no owl:inverseOf at all"
    for a, b in declared:
        assert (b, OWL.inverseOf, a) in graph, f"{b} owl:inverseOf {a} missing"
        assert graph.value(a, RDFS.domain) == graph.value(b, RDFS.range), (a, b)
        assert graph.value(a, RDFS.range) == graph.value(b, RDFS.domain), (a, b)
    named = {(_local(a), _local(b)) for a, b in declared}
    for a, b in INVERSE_PAIRS:
        assert (a, b) in named and (b, a) in named, (a, b)


def test_symmetric_properties(graph: Graph) -> None:
    assert {_local(p) for p in _typed(graph, OWL.SymmetricProperty)} == SYMMETRIC
    assert (TK.seeAlso, RDF.type, OWL.SymmetricProperty) not in graph
    for name in SYMMETRIC:
        assert graph.value(TK[name], RDFS.domain) == graph.value(TK[name], RDFS.range)


# (g) OWL 2 DL ------------------------------------------------------------------------------


def test_every_term_is_declared_with_one_kind(graph: Graph) -> None:
    """OWL 2 DL: every class and property the axioms use is declared, each with one kind (an IRI
    both an object and an annotation property, say, is punning DL forbids)."""
    kinds = {OWL.Class: "class", OWL.ObjectProperty: "object property",
             OWL.DatatypeProperty: "datatype property", OWL.AnnotationProperty: "annotation property"}
    declared: dict[URIRef, set[str]] = {}
    for kind, name in kinds.items():
        for term in graph.subjects(RDF.type, kind):
            if isinstance(term, URIRef):
                declared.setdefault(term, set()).add(name)
    punned = {t: k for t, k in declared.items() if len(k) > 1}
    assert not punned, punned
    builtin = (str(OWL), str(RDF), str(RDFS), str(XSD))
    for s, p, o in graph:
        if p in (RDFS.subClassOf,) and isinstance(o, URIRef) and not str(o).startswith(builtin):
            assert declared.get(o) == {"class"}, f"{o} is used as a class but not declared one"
        if p == RDFS.subPropertyOf:
            assert isinstance(o, URIRef) and declared.get(o) == declared.get(s), (s, o)
        if p == RDF.type and isinstance(o, URIRef) and not str(o).startswith(builtin):
            assert declared.get(o) == {"class"}, f"{o} is used as a type but not declared a class"
        if isinstance(p, URIRef) and not str(p).startswith(builtin) and p not in declared:
            raise AssertionError(f"{p} is used but not declared")


def test_owlready2_reads_it_without_repairs_and_hermit_finds_it_consistent(graph, tmp_path, capfd):
    """A real OWL 2 DL toolchain: owlready2 loads the ontology (it prints a warning for each term
    it has to repair, such as punning) and HermiT (Java) classifies it: consistent, and no class
    is unsatisfiable."""
    import shutil

    import owlready2

    assert shutil.which("java"), "HermiT needs Java: make test installs default-jre-headless"
    path = tmp_path / "tropekg.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    warnings = [line for line in capfd.readouterr().err.splitlines() if "Owlready2" in line]
    assert not warnings, warnings
    assert len(list(onto.classes())) > 50
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []
