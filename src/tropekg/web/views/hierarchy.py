"""The hierarchy explorer and the neighbourhood view, and the JSON API they load lazily.

``/hierarchy`` shows the entry points of the sub-trope hierarchy; each expansion asks
``/api/hierarchy/children?trope=...`` for one level (paged), so the page works the same on 30,000
tropes as on ten. ``/api/hierarchy/paths`` gives every path from an entry point down to a trope
(to reveal a search hit in the tree), ``/neighbourhood`` draws a trope with its super-, sub- and
related tropes and re-centres on a click through ``/api/neighbourhood``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tropekg.analysis.reader import RELATIONS
from tropekg.web.catalogue import TK
from tropekg.web.describe import RELATION_INVERSE_NAMES
from tropekg.web.views import int_param, render, resolve_or_404, site_of

MAX_CHILDREN = 500
MAX_NEIGHBOURS = 48
OTHER_PARENTS_LISTED = 5


def node(site, iri: str) -> dict:
    """What the tree and the neighbourhood show of a trope."""
    entry = site.catalogue.get(iri)
    h = site.hierarchy
    parents = h.parents_of(iri)
    return {
        "path": entry.path if entry else site.catalogue.path_of(iri),
        "label": site.catalogue.label(iri),
        "described": bool(entry and entry.described),
        "children": len(h.children_of(iri)),
        "parents": len(parents),
        "parentPaths": [site.catalogue.path_of(p) for p in parents[:OTHER_PARENTS_LISTED]],
        "parentLabels": [site.catalogue.label(p) for p in parents[:OTHER_PARENTS_LISTED]],
    }


def explorer(request: Request) -> Response:
    site = site_of(request)
    reveal = request.query_params.get("trope", "")
    return render(request, "hierarchy.html", {"reveal": reveal, "roots": len(site.hierarchy.roots)})


def children_api(request: Request) -> Response:
    site = site_of(request)
    limit = int_param(request, "limit", 200, 1, MAX_CHILDREN)
    offset = int_param(request, "offset", 0, 0, 10_000_000)
    text = request.query_params.get("trope")
    if text:
        entry = resolve_or_404(request, text)
        iri, listed = entry.iri, site.hierarchy.children_of(entry.iri)
        parent = node(site, iri)
    else:
        iri, listed, parent = None, site.hierarchy.roots, None
    page = listed[offset: offset + limit]
    return JSONResponse({
        "trope": parent, "total": len(listed), "offset": offset,
        "children": [node(site, c) for c in page],
    })


def paths_api(request: Request) -> Response:
    site = site_of(request)
    entry = resolve_or_404(request, request.query_params.get("trope"))
    found = site.hierarchy.paths_to(entry.iri)
    return JSONResponse({
        "trope": node(site, entry.iri),
        "inHierarchy": entry.iri in site.hierarchy,
        "complete": found.complete,
        "paths": [[node(site, n) for n in path] for path in found.paths],
    })


def neighbourhood_data(site, iri: str) -> dict:
    h = site.hierarchy
    neighbours: list[dict] = []
    for p in h.parents_of(iri):
        neighbours.append({**node(site, p), "relation": "super-trope"})
    for c in h.children_of(iri):
        neighbours.append({**node(site, c), "relation": "sub-trope"})
    from pyoxigraph import NamedNode

    subject = NamedNode(iri)
    related: dict[str, str] = {}
    for local, name in RELATIONS.items():
        for q in site.store.quads_for_pattern(subject, NamedNode(TK + local), None):
            if isinstance(q.object, NamedNode) and q.object.value != iri:
                related.setdefault(q.object.value, name)
        for q in site.store.quads_for_pattern(None, NamedNode(TK + local), subject):
            if q.subject.value != iri:
                related.setdefault(q.subject.value, RELATION_INVERSE_NAMES[local])
    listed = {n["path"] for n in neighbours}
    for other, relation in sorted(related.items(), key=lambda kv: site.catalogue.label(kv[0]).casefold()):
        if site.catalogue.path_of(other) not in listed:
            neighbours.append({**node(site, other), "relation": relation})
    return {"centre": node(site, iri), "neighbours": neighbours[:MAX_NEIGHBOURS],
            "more": max(0, len(neighbours) - MAX_NEIGHBOURS)}


def neighbourhood_api(request: Request) -> Response:
    site = site_of(request)
    entry = resolve_or_404(request, request.query_params.get("trope"))
    return JSONResponse(neighbourhood_data(site, entry.iri))


def neighbourhood(request: Request) -> Response:
    entry = resolve_or_404(request, request.query_params.get("trope"))
    return render(request, "neighbourhood.html", {"entry": entry})


routes = [
    Route("/hierarchy", explorer),
    Route("/api/hierarchy/children", children_api),
    Route("/api/hierarchy/paths", paths_api),
    Route("/neighbourhood", neighbourhood),
    Route("/api/neighbourhood", neighbourhood_api),
]
