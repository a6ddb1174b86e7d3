"""``tropekg serve``: the local site over a store (see :mod:`tropekg.web`), served by uvicorn in
this process, so stopping this process by its PID stops the site and its query workers."""

from __future__ import annotations

import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path

import click

from tropekg.cli.common import fail

DEFAULT_PORT = 7878
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def allowed_host_names(host: str, extra: tuple[str, ...]) -> tuple[str, ...]:
    """The Host header values the site answers: loopback names, the bound address, and any named."""
    from tropekg.web.app import LOOPBACK_NAMES

    names = list(LOOPBACK_NAMES)
    if host not in WILDCARD_HOSTS:
        names.append(f"[{host}]" if ":" in host else host)  # an IPv6 address is bracketed in Host
    names.extend(e.strip().lower() for e in extra if e.strip())
    return tuple(dict.fromkeys(names))


@click.command("serve")
@click.option("--store", type=click.Path(path_type=Path), envvar="TROPEKG_STORE", required=True,
              help="The on-disk store to serve (opened read-only).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1 lets other machines read the graph.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser once it is up.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Another host name the site may be reached by (repeatable); every other Host "
                   "header is refused, which stops DNS-rebinding pages from reading it.")
@click.option("--query-timeout", type=click.FloatRange(0.5, 3600), default=30.0, show_default=True,
              help="Seconds a SPARQL or saved query may run before it is stopped.")
@click.option("--max-rows", type=click.IntRange(1, 10_000_000), default=10_000, show_default=True,
              help="Rows (or triples) a query answers at most.")
def serve_command(store, host, port, open_browser, allow_hosts, query_timeout, max_rows) -> None:
    """Browse the graph: a local site with a page for every trope, work and creator, the
    hierarchy, search, a SPARQL endpoint and the saved queries as an API.

    Read-only, bound to 127.0.0.1 unless told otherwise; resources dereference at
    /resource/Namespace/PageName (HTML, or Turtle/JSON-LD/N-Triples by content negotiation).

    \b
    Examples:
      tropekg serve --store out/kg.store
      tropekg serve --store kg.store --port 8080 --open
    """
    import uvicorn

    from tropekg.store import StoreError
    from tropekg.web.app import create_app, open_site

    # take the address first: a port in use is said at once, before the store is read
    listening = listen(host, port)
    port = listening.getsockname()[1]
    started = time.perf_counter()
    click.echo(f"reading {store} (the catalogue, hierarchy and search index)…", err=True)
    try:
        site = open_site(store, query_timeout=query_timeout, max_rows=max_rows)
    except StoreError as e:
        listening.close()
        fail(str(e))
    app = create_app(site=site, allowed_hosts=allowed_host_names(host, allow_hosts))
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in WILDCARD_HOSTS else shown_host}:{port}/"
    click.echo(f"{len(site.catalogue):,} pages, {site.hierarchy.edge_count:,} sub-trope links, "
               f"ready in {time.perf_counter() - started:.1f} s", err=True)
    if host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("127."):
        click.echo(f"tropekg: warning: listening on {host}: other machines can read the graph", err=True)
    click.echo(f"serving {url} (read-only); Ctrl-C stops it", err=True)
    sys.stderr.flush()
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[listening])


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to the address, or a one-line error saying why it cannot be."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        fail(f"cannot listen on {host}:{port}: {e.strerror}")
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        fail(f"cannot listen on {host}:{port}: {e.strerror} (is another server using it?)")
    return sock
