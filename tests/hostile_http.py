"""Misbehaving HTTP servers for tests: the standard library's server on 127.0.0.1, a free port, in a
thread, each request answered by a function the test gives (redirect, trickle, hang, echo, lie).
A server is stopped when its block ends: slow answers wait on an event that the end sets, so no
thread outlives the test."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    origin: str
    seen: list[Seen] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def wait(self, seconds: float) -> bool:
        """Sleep in a handler; True when the server is being stopped meanwhile."""
        return self.stopping.wait(seconds)


def send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str] | None = None,
         body: bytes = b"") -> None:
    handler.send_response(status)
    for name, value in {**(headers or {}), "Content-Length": str(len(body))}.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def http_server(respond: Callable[[Server, BaseHTTPRequestHandler], None]):
    """A server calling ``respond(server, handler)`` for each request (any method), after recording
    it in ``server.seen``."""
    state: Server

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
            try:
                respond(state, self)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should
            self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = Server(f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()
