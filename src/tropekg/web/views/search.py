"""Search: ``/search?q=...`` (a page of ranked hits) and ``/api/search?q=...`` (JSON, for the
search-as-you-type boxes; ``titles=1`` matches names and alternative titles only)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tropekg.web.views import int_param, render, site_of


def search_page(request: Request) -> Response:
    site = site_of(request)
    q = request.query_params.get("q", "").strip()
    hits = site.search.search(q, limit=int_param(request, "limit", 50, 1, 200)) if q else []
    return render(request, "search.html", {"q": q, "hits": hits})


def search_api(request: Request) -> Response:
    site = site_of(request)
    q = request.query_params.get("q", "")
    titles_only = request.query_params.get("titles", "") in ("1", "true", "yes")
    hits = site.search.search(q, limit=int_param(request, "limit", 10, 1, 100), titles_only=titles_only)
    return JSONResponse({"q": q, "hits": [{
        "path": h.entry.path, "label": h.entry.label, "kind": h.entry.kind, "kindName": h.entry.kind_name,
        "described": h.entry.described, "altTitles": h.entry.alt_titles, "match": h.why,
        "inHierarchy": h.entry.iri in site.hierarchy,
    } for h in hits]})


routes = [Route("/search", search_page), Route("/api/search", search_api)]
