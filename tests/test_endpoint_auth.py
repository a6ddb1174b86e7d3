"""Endpoint credentials go to the endpoint's own origin, as the answer to its challenge, and nowhere
else: real HTTP servers on 127.0.0.1 (the standard library's), one asking for Basic, one redirecting
to another port that asks for credentials. Digest is answered against Virtuoso (test_virtuoso.py)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tropekg.store.endpoint import Endpoint, EndpointError
from tropekg.store.endpoint_auth import OriginPasswords

EMPTY_RESULT = b'{"head": {"vars": []}, "results": {"bindings": []}}'
CHALLENGES = {"Basic": 'Basic realm="kg"',
              "Digest": 'Digest realm="kg", nonce="0123456789abcdef", qop="auth", algorithm="MD5"'}


@contextmanager
def http_server(respond: Callable[[BaseHTTPRequestHandler], None]):
    """A server on a free port calling ``respond`` for each request; yields its origin and the
    (method, path, Authorization header) of every request it received."""
    seen: list[tuple[str, str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append((self.command, self.path, self.headers.get("Authorization")))
            respond(self)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _send(handler, status: int, headers: dict[str, str], body: bytes = b"") -> None:
    handler.send_response(status)
    for name, value in {**headers, "Content-Length": str(len(body))}.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("TROPEKG_ENDPOINT_USER", "alice")
    monkeypatch.setenv("TROPEKG_ENDPOINT_PASSWORD", "s3cret-pw")
    return "Basic " + base64.b64encode(b"alice:s3cret-pw").decode()


def test_a_basic_challenge_from_the_endpoint_is_answered(credentials):
    def basic_protected(handler):
        if handler.headers.get("Authorization") == credentials:
            _send(handler, 200, {"Content-Type": "application/sparql-results+json"}, EMPTY_RESULT)
        else:
            _send(handler, 401, {"WWW-Authenticate": CHALLENGES["Basic"]})

    with http_server(basic_protected) as (origin, seen):
        assert Endpoint(origin + "/sparql", retries=0).run("SELECT * WHERE { ?s ?p ?o }").rows == []
    assert seen[0][2] is None  # nothing sent before the server asked
    assert credentials in [auth for _, _, auth in seen]


@pytest.mark.parametrize("scheme", sorted(CHALLENGES))
def test_credentials_never_follow_a_redirect_to_another_origin(credentials, scheme):
    """No redirect is followed at all (a redirected update would become a GET without its body):
    the other origin, which would ask for credentials, is never even asked."""
    with (http_server(lambda h: _send(h, 401, {"WWW-Authenticate": CHALLENGES[scheme]})) as (elsewhere, asked),
          http_server(lambda h: _send(h, 302, {"Location": elsewhere + "/sparql"})) as (origin, _)):
        endpoint = Endpoint(origin + "/sparql", origin + "/update", retries=0)
        with pytest.raises(EndpointError, match=f"HTTP 302, a redirect to {elsewhere}/sparql") as e:
            endpoint.run("SELECT * WHERE { ?s ?p ?o }")
        with pytest.raises(EndpointError, match="redirect"):
            endpoint.update("CLEAR ALL")
    assert asked == []
    assert "s3cret" not in str(e.value) and "\n" not in str(e.value)


def test_an_origin_is_scheme_host_and_port():
    passwords = OriginPasswords(["http://127.0.0.1:8890/sparql", None], "alice", "pw")
    assert passwords.find_user_password("SPARQL", "http://127.0.0.1:8890/sparql-auth") == ("alice", "pw")
    for other in ("https://127.0.0.1:8890/sparql", "http://127.0.0.1:8891/sparql", "http://localhost:8890/"):
        assert passwords.find_user_password("SPARQL", other) == (None, None)
    assert OriginPasswords(["http://h/q"], None, None).find_user_password(None, "http://h/q") == (None, None)
