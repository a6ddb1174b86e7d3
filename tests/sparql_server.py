"""A real SPARQL server for tests: the oxigraph PyPI package's server on 127.0.0.1, a free port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Server:
    query_url: str
    update_url: str
    graph_store_url: str
    pid: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_executable() -> str:
    exe = Path(sys.executable).parent / "oxigraph"
    return str(exe) if exe.exists() else (shutil.which("oxigraph") or "oxigraph")


@contextmanager
def oxigraph_server(location: Path, *, union_default_graph: bool = True):
    """Start ``oxigraph serve`` over ``location``; stop it by its PID when done. Without
    ``union_default_graph`` the server keeps its default graph apart from the named graphs, as
    Oxigraph does unless told otherwise."""
    port = _free_port()
    union = ["--union-default-graph"] if union_default_graph else []
    proc = subprocess.Popen(
        [oxigraph_executable(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
         *union],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"oxigraph server exited: {proc.stderr.read().decode()[:500]}")
            try:
                urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("oxigraph server did not start within 30 s") from None
                time.sleep(0.1)
        yield Server(f"{base}/query", f"{base}/update", f"{base}/store", proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
