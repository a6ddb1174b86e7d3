"""A small wiki on 127.0.0.1 for the crawler's tests: a real HTTP/1.1 server in a thread.

In: routes (a URL path and what to answer: a page, a redirect, a busy or failing server, a slow or
endless answer, a picture, a huge body) and a robots.txt. Out: a running server at ``url`` that
logs every request (server-side monotonic time, path, User-Agent, connection) and counts the
connections open at once. Pages are HTML shaped like the site's (``div#main-article``, lists,
``a.twikilink`` links); the real pages of ``../shared/html/`` are served from there, never copied.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

WIKI = "/pmwiki/pmwiki.php/"
SHARED_HTML = Path(__file__).resolve().parents[2] / "shared" / "html"


@dataclass(frozen=True)
class Request:
    time: float         # time.monotonic() when the request line arrived
    path: str
    user_agent: str
    connection: int     # the client's port: one per connection


@dataclass
class Reply:
    """What to answer; ``body`` is sent after ``wait`` seconds, ``drip`` sends it a byte at a time."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    wait: float = 0.0
    drip: float = 0.0             # seconds between bytes
    declared_length: int | None = None  # a Content-Length that differs from the body's
    close_delimited: bool = False  # no Content-Length: the body ends when the connection does


Route = Callable[[int], Reply]   # the n-th request (from 1) to a path -> what to answer


def wiki_page(title: str, links: list[str] = (), *, canonical: str | None = None,
              extra: str = "", site: str = "") -> bytes:
    """A rendered page shaped like the site's: canonical link, og:url, the article with one bullet
    per link (``a.twikilink``, relative hrefs unless a link is a full URL), and site navigation."""
    ns, name = title.split("/")
    own = canonical if canonical is not None else f"{site}{WIKI}{title}"
    bullets = "\n".join(
        f'<li><a class="twikilink" href="{escape(_href(link))}">'
        f"{escape(link.rsplit('/', 1)[-1])}</a>: an example of it.</li>"
        for link in links
    )
    return f"""<!DOCTYPE html>
<html>
<head lang="en">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{escape(name)} - TV Tropes</title>
<link rel="canonical" href="{escape(own)}" />
<meta property="og:url" content="{escape(own)}" />
</head>
<body>
<nav><a href="{WIKI}Main/Tropes">Tropes</a> <a href="{WIKI}Main/Media">Media</a></nav>
<h1 class="entry-title"><strong>{escape(ns)} / </strong>{escape(name)}</h1>
<div id="main-article" class="article-content retro-folders">
<p>The page {escape(name)}, written for the crawler's tests.</p>
<h2>Examples:</h2>
<ul>
{bullets}
</ul>
{extra}
</div>
<div class="proper-ad-unit"><a href="{WIKI}Main/Advert">an advertisement</a></div>
</body>
</html>
""".encode()


def _href(link: str) -> str:
    return link if "://" in link or link.startswith("/") else WIKI + link


def page(body: bytes, content_type: str = "text/html; charset=utf-8") -> Route:
    return lambda n: Reply(body=body, content_type=content_type)


def shared_page(file_name: str) -> Route:
    """A real page from ``../shared/html/``, read when asked for, sent as the site sent it."""
    return lambda n: Reply(body=(SHARED_HTML / file_name).read_bytes(),
                           content_type="text/html; charset=ISO-8859-1")


def busy_then(body: bytes, retry_after: Callable[[], str] | None, status: int = 429) -> Route:
    """A busy answer (with its Retry-After, if any) to the first request, then the page."""
    def route(n: int) -> Reply:
        if n == 1:
            headers = {"Retry-After": retry_after()} if retry_after else {}
            return Reply(status=status, body=b"busy", content_type="text/plain", headers=headers)
        return Reply(body=body)
    return route


def http_date_in(seconds: float) -> str:
    return email.utils.formatdate(time.time() + seconds, usegmt=True)


def error_then(body: bytes, status: int = 500, times: int = 1) -> Route:
    return lambda n: (Reply(status=status, body=b"oops", content_type="text/plain") if n <= times
                      else Reply(body=body))


def status(code: int, content_type: str = "text/plain") -> Route:
    return lambda n: Reply(status=code, body=b"no", content_type=content_type)


def redirect(location: str, code: int = 301) -> Route:
    return lambda n: Reply(status=code, headers={"Location": location})


def slow(body: bytes, seconds: float) -> Route:
    return lambda n: Reply(body=body, wait=seconds)


def dripping(size: int, every: float) -> Route:
    """An answer that never stalls long enough for a read timeout, yet never ends in time."""
    return lambda n: Reply(body=b"<" + b"x" * (size - 1), drip=every)


class WikiServer:
    """``with WikiServer(routes, robots) as wiki:`` serves until the block ends."""

    def __init__(self, routes: dict[str, Route], robots: str | None = "",
                 stub_unknown: bool = False, on_request: Callable[[str], None] | None = None):
        self.routes = routes
        self.robots = robots
        self.stub_unknown = stub_unknown  # any other wiki page exists, with no links
        self.on_request = on_request
        self.log: list[Request] = []
        self.open_connections = 0
        self.most_open_connections = 0
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def requests(self, path: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    def count(self, path: str) -> int:
        return len(self.requests(path))

    def page_paths(self) -> list[str]:
        """The wiki page paths requested, in order (``Main/Foo``)."""
        return [r.path[len(WIKI):] for r in self.requests() if r.path.startswith(WIKI)]

    def reply(self, path: str, n: int) -> Reply:
        route = self.routes.get(path)
        if route is not None:
            return route(n)
        if path == "/robots.txt":
            if self.robots is None:
                return Reply(status=404, body=b"none", content_type="text/plain")
            return Reply(body=self.robots.encode(), content_type="text/plain")
        if self.stub_unknown and path.startswith(WIKI) and path.count("/") == 4:
            return Reply(body=wiki_page(path[len(WIKI):], site=self.url))
        return Reply(status=404, body=b"no such page", content_type="text/plain")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # a client that closes its connection mid-answer (as the crawler does on a refused
        # answer, and a killed crawler always) is part of the tests, not an error
        pass


def _handler_for(server: WikiServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so the client can reuse its one connection

        def setup(self) -> None:
            super().setup()
            with server._lock:
                server.open_connections += 1
                server.most_open_connections = max(server.most_open_connections,
                                                   server.open_connections)

        def finish(self) -> None:
            with server._lock:
                server.open_connections -= 1
            try:
                super().finish()
            except OSError:
                pass

        def log_message(self, *args) -> None:  # quiet tests
            pass

        def do_GET(self) -> None:
            with server._lock:
                server.log.append(Request(time.monotonic(), self.path,
                                          self.headers.get("User-Agent", ""), self.client_address[1]))
                n = sum(1 for r in server.log if r.path == self.path)
            if server.on_request is not None:
                server.on_request(self.path)
            reply = server.reply(self.path, n)
            try:
                self._send(reply)
            except OSError:  # the client left: a killed or refusing crawler
                self.close_connection = True

        def _send(self, reply: Reply) -> None:
            if reply.wait:
                time.sleep(reply.wait)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.close_delimited:
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                length = reply.declared_length if reply.declared_length is not None else len(reply.body)
                self.send_header("Content-Length", str(length))
            self.end_headers()
            if reply.drip:
                for i in range(len(reply.body)):
                    self.wfile.write(reply.body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(reply.drip)
            else:
                self.wfile.write(reply.body)
            if reply.declared_length is not None and reply.declared_length != len(reply.body):
                self.close_connection = True

    return Handler
