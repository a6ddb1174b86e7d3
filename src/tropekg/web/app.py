"""The site's application: an on-disk store in, a Starlette (ASGI) app out, served by uvicorn.

:func:`create_app` opens the store read-only, reads the catalogue, the hierarchy and the search
index once (seconds on the whole wiki), and wires the pages (``views/``), the templates
(``templates/``, Jinja2 with autoescaping) and the static files (``static/``, nothing from another
site). Safe by default: only the host names given are answered (DNS rebinding), every response
carries a Content-Security-Policy allowing nothing off the site, nothing sets a cookie, and queries
from outside run in worker processes with a time limit and a result cap (:mod:`.query_pool`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import jinja2
from pyoxigraph import Store
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from tropekg.query.saved import SavedQuery, load_queries
from tropekg.store import StoreError
from tropekg.store.embedded import GraphStore
from tropekg.web.catalogue import KIND_NAMES, SPELLINGS_WAIT, Catalogue, NotReady, read_catalogue
from tropekg.web.describe import Describer
from tropekg.web.hierarchy import TropeHierarchy, read_hierarchy
from tropekg.web.query_pool import QueryPool
from tropekg.web.search import SearchIndex, build_search_index

HERE = Path(__file__).resolve().parent
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")  # as Host headers write them
# Nothing off the site: no CDN, no remote fonts, no frames; scripts and styles only from files.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


@dataclass
class Site:
    """What every view reads: the store and what was precomputed from it at start-up."""

    store: Store
    store_path: Path
    base: str
    catalogue: Catalogue
    hierarchy: TropeHierarchy
    describer: Describer
    pool: QueryPool
    queries: dict[str, SavedQuery]
    templates: Jinja2Templates
    startup_seconds: dict[str, float] = field(default_factory=dict)
    _search: SearchIndex | None = None
    _search_ready: threading.Event = field(default_factory=threading.Event)
    _search_failed: str = ""

    def build_search(self) -> None:
        """The spellings and the search index (on a background thread at start-up)."""
        t = time.perf_counter()
        try:
            self.catalogue.index_spellings()
            self._search = build_search_index(self.store, self.catalogue)
        except Exception as e:  # noqa: BLE001 - said on every search rather than lost in a thread
            self._search_failed = f"the search index could not be built: {type(e).__name__}: {e}"
        self.startup_seconds["search (in the background)"] = time.perf_counter() - t
        self._search_ready.set()

    @property
    def search(self) -> SearchIndex:
        if not self._search_ready.wait(timeout=SPELLINGS_WAIT) or self._search is None:
            raise NotReady(self._search_failed or "the search index is still being built; try again in a moment")
        return self._search


class SecurityHeaders:
    """Adds the security headers to every response, errors and static files included, and drops
    any Set-Cookie a component might add: the site keeps no state about its visitors."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"set-cookie"]
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ServerTiming:
    """Says in a ``Server-Timing`` header how long the site took to produce each response (up to
    its headers: pages are rendered whole before they are sent), so a client can measure the
    server's side alone (``benchmarks/web_bench.py`` does)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_timing(message):
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"server-timing", f"app;dur={took:.1f}".encode())]}
            await send(message)

        await self.app(scope, receive, send_with_timing)


def _resource_href(path: str | None) -> str:
    return "/resource/" + quote(path, safe="/") if path else "#"


def _external_href(url: str | None) -> str | None:
    """Only http(s) links leave the site; anything else in the data (javascript:, data:) is no link."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,  # every value is text; markup comes from the template files only
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["resource_href"] = _resource_href
    env.filters["external_href"] = _external_href
    env.filters["url_param"] = lambda v: quote(str(v), safe="")
    env.globals["KIND_NAMES"] = KIND_NAMES
    return Jinja2Templates(env=env)


def open_site(store_path: Path, *, base: str | None = None, query_timeout: float = 30.0,
              max_rows: int = 10_000, workers: int = 2) -> Site:
    """Open the store read-only and precompute what the pages need; a StoreError if it cannot.

    The catalogue and the hierarchy are read before this returns (every page needs them); the
    spellings and the search index are built on a background thread, and a search or a look-up
    by display title waits for them, so the site answers within seconds of starting."""
    store_path = Path(store_path)
    if not store_path.exists():
        raise StoreError(f"{store_path}: no store here (load one with tropekg load)")
    timings: dict[str, float] = {}
    t = time.perf_counter()
    graph = GraphStore(store_path, read_only=True, base=base)
    store, base = graph.store, graph.base  # the base the store's page graphs were built with
    timings["open"] = time.perf_counter() - t
    t = time.perf_counter()
    catalogue = read_catalogue(store, base)
    timings["catalogue"] = time.perf_counter() - t
    t = time.perf_counter()
    hierarchy = read_hierarchy(store, catalogue)
    timings["hierarchy"] = time.perf_counter() - t
    pool = QueryPool(store_path, base, workers=workers, timeout=query_timeout, max_rows=max_rows)
    site = Site(store, store_path, base, catalogue, hierarchy, Describer(store, catalogue, hierarchy),
                pool, load_queries(), make_templates(), timings)
    threading.Thread(target=site.build_search, name="tropekg-search-index", daemon=True).start()
    return site


def create_app(store_path: Path | None = None, *, site: Site | None = None,
               allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES, **options) -> Starlette:
    """The site's ASGI application over an on-disk store (or an already opened :class:`Site`)."""
    from tropekg.web.views import hierarchy, home, resource, saved_queries, search, sparql

    if site is None:
        if store_path is None:
            raise ValueError("give the store's path or an opened site")
        site = open_site(store_path, **options)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        site.pool.start()
        try:
            yield
        finally:
            site.pool.close()

    routes = [
        *home.routes, *resource.routes, *hierarchy.routes, *search.routes, *sparql.routes,
        *saved_queries.routes,
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(ServerTiming),
        Middleware(SecurityHeaders),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts), www_redirect=False),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error, NotReady: _not_ready,
                                        Exception: _server_error})
    app.state.site = site
    return app


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.url.path.startswith(("/api/", "/sparql"))


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if wants_html(request):
        from tropekg.web.views import render

        return render(request, "error.html", {"status": exc.status_code, "message": exc.detail},
                      status_code=exc.status_code)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    return PlainTextResponse(str(exc.detail) + "\n", status_code=exc.status_code)


async def _not_ready(request: Request, exc: NotReady) -> Response:
    return await _http_error(request, HTTPException(503, str(exc)))


async def _server_error(request: Request, exc: Exception) -> Response:
    # one line, never a traceback: the visitor learns that it failed, not how the code is laid out
    return PlainTextResponse(f"internal error: {type(exc).__name__}\n", status_code=500)
