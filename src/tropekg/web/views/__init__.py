"""The site's pages, one module per kind: a request in, a response out.

Each module lists its ``routes``; the views read the :class:`~tropekg.web.app.Site` that the app
precomputed and hand plain data to the templates. Handlers are plain functions (not coroutines), so
Starlette runs them in its thread pool and a store read never blocks the event loop.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tropekg.web.catalogue import Entry


def site_of(request: Request):
    return request.app.state.site


def render(request: Request, template: str, context: dict, status_code: int = 200,
           headers: dict | None = None) -> Response:
    site = site_of(request)
    return site.templates.TemplateResponse(request, template, {"site": site, **context},
                                           status_code=status_code, headers=headers)


def resolve_or_404(request: Request, text: str | None, param: str = "trope") -> Entry:
    """The page a parameter names (any spelling); a 404 naming the parameter if none."""
    if not text:
        raise HTTPException(400, f"give ?{param}=Namespace/PageName")
    found = site_of(request).catalogue.resolve(text)
    if not found:
        raise HTTPException(404, f"no page named {text[:200]!r} in this graph")
    return found[0]


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"?{name}= must be a whole number, not {raw[:50]!r}") from None
    return min(max(value, low), high)
