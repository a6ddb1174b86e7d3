"""Which format an HTTP client gets: an ``Accept`` header in, a result or RDF format out, and the
writers the other modules lack (SPARQL XML results).

Content negotiation follows the client's ``Accept`` with python-mimeparse (q-values, wildcards); an
unreadable header counts as ``*/*``. A ``format=`` parameter overrides it, for links and forms.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

import mimeparse
from pyoxigraph import BlankNode, Literal, NamedNode

from tropekg.store import Answer, Rows

# Result formats of SELECT and ASK: media type -> our name (results.format_result's, plus xml).
SELECT_MEDIA = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
# Formats of CONSTRUCT and DESCRIBE results and of linked-data descriptions.
GRAPH_MEDIA = {
    "text/turtle": "turtle",
    "application/ld+json": "jsonld",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdfxml",
}
MEDIA_OF = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
    "jsonld": "application/ld+json", "nt": "application/n-triples", "rdfxml": "application/rdf+xml",
    "html": "text/html",
}
SUFFIXES = {".ttl": "turtle", ".jsonld": "jsonld", ".nt": "nt", ".rdf": "rdfxml"}


def negotiate(accept: str | None, offered: dict[str, str], default: str | None) -> str | None:
    """Our name of the best offered format for ``accept``; ``default`` (listed first among equals)
    when the client accepts anything; None when it accepts none of them."""
    if default is not None and default not in offered.values():
        offered = {**offered, MEDIA_OF[default]: default}
    # python-mimeparse prefers the later of equally good matches: the default goes last
    media = sorted(offered, key=lambda m: offered[m] == default)
    try:
        best = mimeparse.best_match(media, accept or "*/*")
    except (ValueError, mimeparse.MimeTypeParseException):
        best = mimeparse.best_match(media, "*/*")
    return offered.get(best) if best else None


def content_type(fmt: str) -> str:
    media = MEDIA_OF[fmt]
    return media + ("; charset=utf-8" if media.startswith("text/") or fmt in ("json", "jsonld") else "")


_SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


def xml_results(result: Rows | Answer) -> str:
    """SPARQL Query Results XML Format (what SPARQLWrapper and rdflib ask for by default)."""
    ET.register_namespace("", _SPARQL_RESULTS_NS)
    q = "{" + _SPARQL_RESULTS_NS + "}"
    root = ET.Element(q + "sparql")
    head = ET.SubElement(root, q + "head")
    if isinstance(result, Answer):
        ET.SubElement(root, q + "boolean").text = "true" if result.value else "false"
        return ET.tostring(root, encoding="unicode", xml_declaration=True)
    for name in result.columns:
        ET.SubElement(head, q + "variable", name=name)
    results = ET.SubElement(root, q + "results")
    for row in result.rows:
        solution = ET.SubElement(results, q + "result")
        for name, term in zip(result.columns, row):
            if term is None:
                continue
            binding = ET.SubElement(solution, q + "binding", name=name)
            if isinstance(term, NamedNode):
                ET.SubElement(binding, q + "uri").text = term.value
            elif isinstance(term, BlankNode):
                ET.SubElement(binding, q + "bnode").text = term.value
            elif isinstance(term, Literal):
                attrs = {}
                if term.language:
                    attrs["{http://www.w3.org/XML/1998/namespace}lang"] = term.language
                elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                    attrs["datatype"] = term.datatype.value
                ET.SubElement(binding, q + "literal", attrs).text = term.value
            else:  # an RDF-star triple term: written as its N-Triples text
                ET.SubElement(binding, q + "literal").text = str(term)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
