"""Resource pages and linked data: ``/resource/{Namespace}/{PageName}`` answers a browser with the
page for the resource's kind (trope, work, creator, index, wanted, other; examples too) and other
clients with the triples about it, by content negotiation or a ``.ttl`` / ``.jsonld`` / ``.nt`` /
``.rdf`` suffix. Any spelling of a page's name (``Main/wouldnotshootagoodguy``, ``Would Not Shoot a
Good Guy``) redirects to the page's own IRI.
"""

from __future__ import annotations

from urllib.parse import quote

from pyoxigraph import NamedNode, RdfFormat, Triple, serialize
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tropekg.rdf.jsonld import triples_to_jsonld
from tropekg.rdf.namespaces import prefixes_for
from tropekg.web.catalogue import KIND_CREATOR, KIND_INDEX, KIND_TROPE, KIND_WANTED, KIND_WORK
from tropekg.web.result_formats import GRAPH_MEDIA, SUFFIXES, content_type, negotiate
from tropekg.web.views import int_param, render, site_of

TEMPLATES = {KIND_TROPE: "trope.html", KIND_WORK: "work.html", KIND_CREATOR: "work.html",
             KIND_INDEX: "index.html", KIND_WANTED: "wanted.html"}
MAX_TRIPLES = 20_000  # a description bigger than this is cut (the SPARQL endpoint gives the rest)
_RDF_FORMATS = {"turtle": RdfFormat.TURTLE, "nt": RdfFormat.N_TRIPLES, "rdfxml": RdfFormat.RDF_XML}


def describe_triples(store, iri: str) -> list[Triple]:
    """The statements about a resource (it as subject), each once however many graphs state it."""
    seen: dict[Triple, None] = {}
    for quad in store.quads_for_pattern(NamedNode(iri), None, None):
        seen.setdefault(Triple(quad.subject, quad.predicate, quad.object), None)
        if len(seen) >= MAX_TRIPLES:
            break
    return sorted(seen, key=lambda t: (t.predicate.value, str(t.object)))


def linked_data(triples: list[Triple], fmt: str, base: str) -> bytes:
    if fmt == "jsonld":
        return triples_to_jsonld(triples, base).encode("utf-8")
    prefixes = prefixes_for(base) if fmt == "turtle" else None
    return serialize(triples, format=_RDF_FORMATS[fmt], prefixes=prefixes)


def resource(request: Request) -> Response:
    site = site_of(request)
    path: str = request.path_params["path"]
    fmt = None
    for suffix, name in SUFFIXES.items():
        if path.endswith(suffix):
            path, fmt = path[: -len(suffix)], name
            break
    suffix = next((s for s, n in SUFFIXES.items() if n == fmt), "")
    if fmt is None:
        fmt = negotiate(request.headers.get("accept"), GRAPH_MEDIA, "html")
        if fmt is None:
            raise HTTPException(406, "this resource is available as text/html, text/turtle, "
                                     "application/ld+json, application/n-triples and application/rdf+xml")
    iri = site.catalogue.resource_prefix + path
    entry = site.catalogue.get(iri)
    is_example = entry is None and "/example/" in path
    if entry is None and not is_example:
        return _respell(request, path, suffix)
    if fmt != "html":
        triples = describe_triples(site.store, iri)
        if not triples:
            raise HTTPException(404, f"nothing is said about {path} in this graph")
        headers = {"Vary": "Accept", "Content-Type": content_type(fmt)}
        return Response(linked_data(triples, fmt, site.base), headers=headers)
    alternates = {name: f"/resource/{quote(path, safe='/')}{s}" for s, name in SUFFIXES.items()}
    if is_example:
        example = site.describer.example(iri)
        if example is None:
            raise HTTPException(404, f"no example {path} in this graph")
        return render(request, "example.html", {"x": example, "iri": iri, "alternates": alternates},
                      headers={"Vary": "Accept"})
    view = site.describer.page(entry, int_param(request, "examples", 1, 1, 100_000))
    template = TEMPLATES.get(entry.kind, "page.html")
    return render(request, template, {"view": view, "entry": entry, "iri": iri, "alternates": alternates},
                  headers={"Vary": "Accept"})


def _respell(request: Request, path: str, suffix: str) -> Response:
    """Another spelling of a page's name: redirect to the page, or say no page has that name."""
    site = site_of(request)
    found = site.catalogue.resolve(path)
    if len(found) == 1 or (found and "/" in path):
        target = f"/resource/{quote(found[0].path, safe='/')}{suffix}"
        return RedirectResponse(target, status_code=301)
    if found:
        return RedirectResponse(f"/search?q={quote(path, safe='')}", status_code=303)
    raise HTTPException(404, f"no page named {path[:200]!r} in this graph")


def ontology(request: Request) -> Response:
    """The ontology's own IRI answers with the shipped OWL file (Turtle)."""
    from tropekg.shipped import ontology_path

    return Response(ontology_path().read_bytes(), media_type="text/turtle; charset=utf-8")


routes = [
    Route("/resource/{path:path}", resource, methods=["GET", "HEAD"]),
    Route("/ontology", ontology, methods=["GET", "HEAD"]),
]
