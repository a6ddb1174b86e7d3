"""The vocabularies tropekg writes and reads: their namespace IRIs, prefixes, and IRIs written short.

In: a base IRI (the part of our IRIs a build may change). Out: the prefix table serialisers use,
the ``PREFIX`` lines queries start with, the few terms every step names (as pyoxigraph nodes), and
:func:`shorten`, which writes an IRI as people read it. Every other module takes its namespaces
from here, so ``tk:`` is spelt once.
"""

from __future__ import annotations

from functools import lru_cache

from pyoxigraph import NamedNode

from tropekg.titles import NAMESPACES

TK_NS = "https://w3id.org/tropekg/ontology#"
TKS_NS = "https://w3id.org/tropekg/shapes#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
OWL_NS = "http://www.w3.org/2002/07/owl#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA_NS = "https://schema.org/"
PROV_NS = "http://www.w3.org/ns/prov#"
FOAF_NS = "http://xmlns.com/foaf/0.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
SH_NS = "http://www.w3.org/ns/shacl#"
VOID_NS = "http://rdfs.org/ns/void#"
DCAT_NS = "http://www.w3.org/ns/dcat#"
WD_NS = "http://www.wikidata.org/entity/"
WDT_NS = "http://www.wikidata.org/prop/direct/"
DBR_NS = "http://dbpedia.org/resource/"
CC_NS = "http://creativecommons.org/ns#"

# The prefixes of the vocabularies (the base-dependent tkr:/tkg: come from :func:`prefixes_for`).
VOCABULARY_PREFIXES: dict[str, str] = {
    "tk": TK_NS,
    "skos": SKOS_NS,
    "schema": SCHEMA_NS,
    "prov": PROV_NS,
    "foaf": FOAF_NS,
    "dcterms": DCTERMS_NS,
    "rdf": RDF_NS,
    "rdfs": RDFS_NS,
    "owl": OWL_NS,
    "xsd": XSD_NS,
    "void": VOID_NS,
    "dcat": DCAT_NS,
    "wd": WD_NS,
    "wdt": WDT_NS,
    "dbr": DBR_NS,
    "cc": CC_NS,
}
# Prefixes of validation reports only.
REPORT_PREFIXES: dict[str, str] = {"sh": SH_NS, "tks": TKS_NS}

# Terms every step names.
RDF_TYPE = NamedNode(RDF_NS + "type")
RDFS_LABEL = NamedNode(RDFS_NS + "label")
RDFS_COMMENT = NamedNode(RDFS_NS + "comment")
RDFS_SUBCLASS_OF = NamedNode(RDFS_NS + "subClassOf")
SKOS_PREF_LABEL = NamedNode(SKOS_NS + "prefLabel")
SKOS_ALT_LABEL = NamedNode(SKOS_NS + "altLabel")
SKOS_DEFINITION = NamedNode(SKOS_NS + "definition")
SKOS_IN_SCHEME = NamedNode(SKOS_NS + "inScheme")
SKOS_BROADER = NamedNode(SKOS_NS + "broader")
SKOS_NARROWER = NamedNode(SKOS_NS + "narrower")
FOAF_IS_PRIMARY_TOPIC_OF = NamedNode(FOAF_NS + "isPrimaryTopicOf")
FOAF_PRIMARY_TOPIC = NamedNode(FOAF_NS + "primaryTopic")
PROV_ENTITY = NamedNode(PROV_NS + "Entity")
PROV_WAS_DERIVED_FROM = NamedNode(PROV_NS + "wasDerivedFrom")
XSD_STRING = NamedNode(XSD_NS + "string")
XSD_BOOLEAN = NamedNode(XSD_NS + "boolean")
# xsd:integer, not xsd:positiveInteger: Oxigraph stores derived integer types as xsd:integer, and a
# graph must read back from the store exactly as it was written.
XSD_INTEGER = NamedNode(XSD_NS + "integer")


@lru_cache(maxsize=8)
def prefixes_for(base: str) -> dict[str, str]:
    """Our prefixes for serialising: the vocabularies, ``tkr:``/``tkg:`` under ``base``, and one
    per wiki namespace, lower case (``main:WouldNotShootAGoodGuy``, ``film:TheDarkKnight``), so
    a resource reads as the wiki names it. Do not change the dict returned: it is shared."""
    table = {"tk": TK_NS, "tkr": f"{base}resource/", "tkg": f"{base}graph/",
             **{k: v for k, v in VOCABULARY_PREFIXES.items() if k != "tk"}}
    for ns in sorted({n.name for n in NAMESPACES.values()}):
        table.setdefault(ns.lower(), f"{base}resource/{ns}/")  # a vocabulary's prefix wins a clash
    return table


def sparql_prologue(base: str | None = None) -> str:
    """``PREFIX`` lines declaring the vocabularies (and ``tkr:``/``tkg:`` when ``base`` is given)."""
    table = prefixes_for(base) if base is not None else VOCABULARY_PREFIXES
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in table.items())


def shorten(iri: str, prefixes: dict[str, str]) -> str:
    """``iri`` as ``prefix:local`` under the longest matching namespace, else the IRI itself."""
    best = ""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns) and len(ns) > len(prefixes.get(best, "")):
            best = prefix
    return f"{best}:{iri[len(prefixes[best]):]}" if best else iri
