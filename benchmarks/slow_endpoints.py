"""How long tropekg waits for endpoints that misbehave: the figures of the README's Reliability table.

Starts servers on 127.0.0.1 that trickle one byte of their answer every 10 s, never answer, or
(for ``load``) accept three graphs and then stop answering, and runs the real ``tropekg``
commands against them as subprocesses with the default ``--timeout`` (60 s; ``--timeout N`` to
change it, ``--quick`` for 3 s). Prints how long each command took, its exit code and the last line
it printed.

    python benchmarks/slow_endpoints.py            # about 3 minutes: three cases at the default deadline
    python benchmarks/slow_endpoints.py --quick    # about 10 s
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile_http import http_server, send

TROPEKG = [sys.executable, "-m", "tropekg.cli"]
RESULT = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'


def trickle(server, handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/sparql-results+json")
    handler.send_header("Content-Length", str(len(RESULT)))
    handler.end_headers()
    for byte in RESULT:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        if server.wait(10):
            return


def never(server, handler):
    server.wait(3600)


def dies_after_three(server, handler):
    if sum(1 for r in server.seen if r.method == "PUT") <= 3:
        send(handler, 204)
    else:
        server.wait(3600)


def run(label: str, args: list[str]) -> None:
    started = time.monotonic()
    done = subprocess.run([*TROPEKG, *args], capture_output=True, text=True, check=False)
    took = time.monotonic() - started
    last = (done.stderr.strip().splitlines() or [""])[-1]
    print(f"{label:44s} {took:6.1f} s  exit {done.returncode}  {last[:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, help="--timeout for the commands (default: theirs, 60 s)")
    parser.add_argument("--quick", action="store_true", help="--timeout 3")
    args = parser.parse_args()
    timeout = ["--timeout", str(3 if args.quick else args.timeout)] if args.quick or args.timeout else []
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    with http_server(trickle) as server:
        run("sparql, one byte every 10 s", ["sparql", query, "--endpoint", server.origin + "/q", *timeout])
    with http_server(never) as server:
        run("sparql, never answers", ["sparql", query, "--endpoint", server.origin + "/q", *timeout])
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        subprocess.run([*TROPEKG, "build", str(ROOT / "examples" / "pages"), "-o", str(out), "-q", "-j", "1"],
                       check=True)
        with http_server(dies_after_three) as server:
            run("load, server dead after 3 graphs", ["load", str(out), "--endpoint", server.origin + "/q",
                                                     "--graph-store-url", server.origin + "/store", *timeout])


if __name__ == "__main__":
    main()
