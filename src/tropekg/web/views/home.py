"""The front page: what the graph holds (pages by kind, the hierarchy's size), a search box, and
the ways in (hierarchy, search, SPARQL, saved queries)."""

from __future__ import annotations

from collections import Counter

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tropekg.web.catalogue import KIND_NAMES
from tropekg.web.views import render, site_of


def home(request: Request) -> Response:
    site = site_of(request)
    kinds = Counter(e.kind for e in site.catalogue.by_iri.values())
    counts = [(KIND_NAMES[k], kinds[k]) for k in KIND_NAMES if kinds.get(k)]
    roots = [site.describer.link(r) for r in site.hierarchy.roots[:40]]
    return render(request, "home.html", {"counts": counts, "roots": roots,
                                         "root_count": len(site.hierarchy.roots)})


routes = [Route("/", home)]
