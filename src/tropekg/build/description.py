"""The dataset describes itself: a build's counts and outputs in, the quads of its VoID and DCAT
description out, in a named graph of its own (``{base}graph/_/dataset``) loaded with the data.

It says what the dataset is (title, description, the source site), what may be done with it (the
text of TV Tropes is licensed CC BY-NC-SA 3.0: the licence and the attribution it asks for), what
it holds (triples, entities, classes with their entity counts, properties, the vocabularies used),
where it is (each output file as a DCAT distribution with its media type; the SPARQL endpoint when
the build is told one) and which tropekg made it. Nothing in it depends on the clock, so the same
pages give the same description.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad

from tropekg import __version__
from tropekg.build.merged import MergedCounts
from tropekg.rdf.iris import IriScheme
from tropekg.rdf.namespaces import (
    PROV_ENTITY,
    VOCABULARY_PREFIXES,
    XSD_INTEGER,
    shorten,
)

SOURCE_SITE = "https://tvtropes.org/"
LICENSE = "https://creativecommons.org/licenses/by-nc-sa/3.0/"
TITLE = "TropeKG: storytelling tropes read from TV Tropes"
RIGHTS = ("The text this graph is read from is TV Tropes' (https://tvtropes.org/), licensed under "
          "Creative Commons Attribution-NonCommercial-ShareAlike 3.0 Unported (CC BY-NC-SA 3.0). You "
          "may share and adapt the graph for non-commercial purposes, crediting TV Tropes and linking "
          "to the licence and to the pages (each resource's foaf:isPrimaryTopicOf), and you must "
          "share what you make from it under the same licence.")
MEDIA_TYPES = {  # output format -> IANA media type
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
}

# Every predicate the description states (a test checks each is covered by a SHACL shape).
PREDICATES = (
    "rdf:type", "dcterms:title", "dcterms:description", "dcterms:source", "dcterms:license",
    "dcterms:rights", "cc:attributionName", "cc:attributionURL", "void:triples", "void:entities",
    "void:distinctSubjects", "void:classes", "void:properties", "void:uriSpace", "void:vocabulary",
    "void:classPartition", "void:class", "dcat:distribution", "dcat:mediaType", "void:sparqlEndpoint",
    "tk:tropekgVersion",
)


def _term(prefixed: str) -> NamedNode:
    prefix, local = prefixed.split(":", 1)
    return NamedNode(VOCABULARY_PREFIXES[prefix] + local)


def _count(n: int) -> Literal:
    return Literal(str(n), datatype=XSD_INTEGER)


def _vocabularies(counts: MergedCounts) -> list[str]:
    """The namespaces of the vocabularies whose terms the data uses as predicates or classes."""
    used = set()
    for iri in (*counts.properties, *counts.classes):
        for ns in VOCABULARY_PREFIXES.values():
            if iri.startswith(ns):
                used.add(ns)
    return sorted(used)


def description_quads(iris: IriScheme, counts: MergedCounts, files: dict[str, str], pages: int,
                      kinds: dict[str, int], sparql_endpoint: str | None = None) -> list[Quad]:
    """The VoID/DCAT description of a build (see the module doc)."""
    g, d = iris.description_graph, iris.dataset
    out: list[Quad] = []

    def add(s, p: str, o) -> None:
        out.append(Quad(s, _term(p), o, g))

    kinds_text = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    add(d, "rdf:type", _term("void:Dataset"))
    add(d, "rdf:type", _term("dcat:Dataset"))
    add(d, "rdf:type", PROV_ENTITY)
    add(d, "dcterms:title", Literal(TITLE, language="en"))
    add(d, "dcterms:description", Literal(
        f"A knowledge graph read from {pages} pages of the TV Tropes wiki ({kinds_text}): tropes as "
        "SKOS concepts with their sub-trope hierarchy and related tropes, works by medium, creators, "
        "and every example of a trope in a work with how the work plays it, each traced to the page "
        "and line it came from. Each page's statements are in a named graph of their own.",
        language="en"))
    add(d, "dcterms:source", NamedNode(SOURCE_SITE))
    add(d, "dcterms:license", NamedNode(LICENSE))
    add(d, "dcterms:rights", Literal(RIGHTS, language="en"))
    add(d, "cc:attributionName", Literal("TV Tropes"))
    add(d, "cc:attributionURL", NamedNode(SOURCE_SITE))
    add(d, "tk:tropekgVersion", Literal(__version__))
    # the counts are of the merged graph the pages give, this description aside
    add(d, "void:triples", _count(counts.triples))
    add(d, "void:entities", _count(counts.entities))
    add(d, "void:distinctSubjects", _count(counts.subjects))
    add(d, "void:classes", _count(len(counts.classes)))
    add(d, "void:properties", _count(len(counts.properties)))
    add(d, "void:uriSpace", Literal(f"{iris.base}resource/"))
    for ns in _vocabularies(counts):
        add(d, "void:vocabulary", NamedNode(ns))
    prefixes = {**VOCABULARY_PREFIXES}
    for cls in sorted(counts.classes):
        part = NamedNode(f"{d.value}/class/{shorten(cls, prefixes)}")
        add(d, "void:classPartition", part)
        add(part, "void:class", NamedNode(cls))
        add(part, "void:entities", _count(counts.classes[cls]))
    for fmt, name in files.items():  # output format -> its file name
        dist = NamedNode(f"{d.value}/distribution/{name}")
        add(d, "dcat:distribution", dist)
        add(dist, "rdf:type", _term("dcat:Distribution"))
        add(dist, "dcterms:title", Literal(name))
        add(dist, "dcat:mediaType", NamedNode("https://www.iana.org/assignments/media-types/" + MEDIA_TYPES[fmt]))
    if sparql_endpoint:
        add(d, "void:sparqlEndpoint", NamedNode(sparql_endpoint))
    out.sort(key=lambda q: q.subject.value)  # each subject's statements together (stable)
    return out
