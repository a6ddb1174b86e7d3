"""One HTTP exchange with a SPARQL endpoint, its answer untrusted: a request and a deadline in; the
answer's body and headers out, or a one-line account of what went wrong.

- One total deadline per request (:class:`Deadline`): connecting, the status line, the headers and
  the body all count, and when it passes the connection's socket is shut, so a server that never
  answers, or sends a byte every few seconds, fails on time instead of holding the command for
  minutes. urllib's own ``timeout`` bounds each socket operation only.
- No redirect is followed (:class:`RefuseRedirect`): urllib would turn a redirected update into a
  GET without its body that "succeeds", and a redirected query would lose its text. The answer is
  an error naming where the server points, so the user gives that URL instead.
- Only ``http:`` and ``https:`` (:func:`check_url`): no ``file:``, ``ftp:`` or ``data:`` handler is
  even installed, so ``file:///etc/passwd`` is never read.
- What the server says is cut and cleaned before it reaches a message (:func:`excerpt`): a few
  hundred characters of text (tags, control characters and runs of white space removed), with the
  password, any ``Authorization`` value and what we sent as one redacted, for servers that echo
  the request back.
"""

from __future__ import annotations

import base64
import re
import socket
import threading
import time
import urllib.parse
import urllib.request
from http.client import HTTPConnection, HTTPSConnection
from typing import Self

EXCERPT_CHARACTERS = 300
_READ_FOR_EXCERPT = 8192
REDACTED = "[redacted]"
_AUTHORIZATION_VALUE = re.compile(r"(?im)\b((?:proxy-)?authorization\b[\"']?\s*[:=]\s*).*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_HTML = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<!--)", re.IGNORECASE)


class Deadline:
    """The moment a request must be done by. Used as a context manager: sockets handed to
    :meth:`watch` are shut when it passes, which ends any read blocked on them."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._timer: threading.Timer | None = None

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def __enter__(self) -> Self:
        self._timer = threading.Timer(self.remaining(), self._expire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._sockets.clear()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                _shut(sock)
            else:
                self._sockets.append(sock)


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for a TLS socket: the blocked read sees the end of the
    # stream, while the TLS object the reading thread holds is left alone.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class _Watched(HTTPConnection):
    """A connection whose socket its request's deadline watches; each socket operation may take
    at most what is left of it."""

    deadline: Deadline | None = None

    def connect(self):
        if self.deadline is not None:
            self.timeout = max(self.deadline.remaining(), 0.001)
        super().connect()
        if self.deadline is not None:
            self.deadline.watch(self.sock)


class _WatchedHTTPS(HTTPSConnection, _Watched):
    """HTTPS: HTTPSConnection.connect calls _Watched.connect for the plain socket, which is
    watched before the TLS handshake, so a stalled handshake is cut too."""


def _connection_factory(cls, deadline: Deadline | None):
    def make(host, **kwargs):
        connection = cls(host, **kwargs)
        connection.deadline = deadline
        return connection
    return make


class DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_connection_factory(_Watched, getattr(req, "deadline", None)), req)


class DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_connection_factory(_WatchedHTTPS, getattr(req, "deadline", None)), req,
                            context=self._context)


class RefuseRedirect(urllib.request.HTTPRedirectHandler):
    """Leaves every 3xx answer an HTTPError, for the caller to report where it points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def http_handlers() -> list[urllib.request.BaseHandler]:
    """The handlers of an endpoint's opener apart from the credentials: proxies from the
    environment, http and https under a deadline, no redirect, errors as HTTPError. Nothing else:
    no file, ftp or data URLs."""
    return [urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), DeadlineHTTPHandler(),
            DeadlineHTTPSHandler(), urllib.request.HTTPDefaultErrorHandler(), RefuseRedirect(),
            urllib.request.HTTPErrorProcessor()]


def check_url(url: str, role: str) -> None:
    """A ValueError saying what to give when ``url`` is not an http(s) URL with a host, or holds
    credentials (they come from the environment, so they never show in a command line)."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"the {role} {url!r} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        shown = url if len(url) <= 80 else url[:79] + "…"
        raise ValueError(f"the {role} {shown!r} is not an http(s) URL: give the endpoint's address, "
                         f"e.g. http://127.0.0.1:7878/query") from None
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"the {role} holds a user or password: give the URL without it and put them "
                         f"in TROPEKG_ENDPOINT_USER and TROPEKG_ENDPOINT_PASSWORD")


def secrets_of(user: str | None, password: str | None) -> list[str]:
    """The strings no message may show: the password, as sent and as Basic sends it."""
    if not password:
        return []
    out = [password, urllib.parse.quote(password, safe=""),
           base64.b64encode(f"{user or ''}:{password}".encode()).decode()]
    return sorted({s for s in out if s}, key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with each secret and every Authorization value replaced by ``[redacted]``."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return _AUTHORIZATION_VALUE.sub(lambda m: m.group(1) + REDACTED, text)


def _text_of_html(data: bytes) -> str:
    import lxml.html

    try:
        root = lxml.html.document_fromstring(data)
    except (ValueError, lxml.etree.ParserError):
        return data.decode("utf-8", "replace")
    title = root.findtext(".//title") or ""
    for element in list(root.iter("script", "style", "head")):
        if element.getparent() is not None:
            element.drop_tree()
    return " ".join(part for part in (title, root.text_content()) if part)


def looks_like_html(data: bytes) -> bool:
    return bool(_HTML.match(data[:512]))


def excerpt(data: bytes, secrets: list[str], limit: int = EXCERPT_CHARACTERS) -> str:
    """A server's words fit for one line of a message: at most ``limit`` characters of text,
    secrets redacted, markup, control characters and terminal escapes removed."""
    data = data[:_READ_FOR_EXCERPT]
    raw = redact(data.decode("utf-8", "replace"), secrets)
    text = _text_of_html(raw.encode("utf-8")) if looks_like_html(data) else raw
    text = redact(text, secrets)
    text = _CONTROL.sub(" ", _ANSI.sub("", text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
