"""An endpoint's answers are untrusted: misbehaving HTTP servers on 127.0.0.1 (tests/hostile_http.py)
that redirect, trickle, never answer, echo credentials back, or answer HTML where SPARQL results
belong. Credentials stay with the endpoint, a redirected write is an error, every request ends by
its deadline, and every failure is one line a person can act on, secrets redacted."""

from __future__ import annotations

import base64
import time

import pytest
from click.testing import CliRunner

from tropekg.cli import cli
from tropekg.store.endpoint import Endpoint, EndpointError

from .hostile_http import http_server, send

EMPTY_RESULT = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
QUERY = "SELECT ?s WHERE { ?s ?p ?o }"
PASSWORD = "s3cret-pw"


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("TROPEKG_ENDPOINT_USER", "alice")
    monkeypatch.setenv("TROPEKG_ENDPOINT_PASSWORD", PASSWORD)
    return "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _one_clean_line(message: str) -> None:
    assert "\n" not in message and "internal error" not in message and "Traceback" not in message


# -- redirects ---------------------------------------------------------------------------------

def test_a_redirected_query_or_update_is_an_error_naming_where_it_points_never_a_get():
    with (http_server(lambda s, h: send(h, 200, {"Content-Type": "application/sparql-results+json"},
                                        EMPTY_RESULT)) as elsewhere,
          http_server(lambda s, h: send(h, 302, {"Location": elsewhere.origin + "/sparql"})) as origin):
        endpoint = Endpoint(origin.origin + "/sparql", origin.origin + "/update", retries=0)
        with pytest.raises(EndpointError, match="redirect") as query_error:
            endpoint.run(QUERY)
        with pytest.raises(EndpointError, match="redirect") as update_error:
            endpoint.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert elsewhere.seen == [], "a redirect was followed"
    assert [r.method for r in origin.seen] == ["POST", "POST"]
    for error in (query_error, update_error):
        assert elsewhere.origin + "/sparql" in str(error.value)  # the URL to use instead
        _one_clean_line(str(error.value))


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_graph_store_writes_that_are_redirected_are_errors(status, built):
    with (http_server(lambda s, h: send(h, 204)) as elsewhere,
          http_server(lambda s, h: send(h, status, {"Location": elsewhere.origin + "/store"})) as origin):
        endpoint = Endpoint(origin.origin + "/query", graph_store_url=origin.origin + "/store", retries=0)
        with pytest.raises(EndpointError, match=f"HTTP {status}, a redirect to {elsewhere.origin}/store"):
            endpoint.load([built])
        from pyoxigraph import NamedNode

        for method in ("POST", "DELETE"):
            with pytest.raises(EndpointError, match="redirect"):
                endpoint._graph_request(method, NamedNode("urn:g"), b"" if method == "POST" else None)
    assert elsewhere.seen == []


def test_a_load_whose_update_is_redirected_fails_instead_of_reporting_success(built):
    """The case the issue found: graphs PUT fine, the closing update redirected; before, urllib made
    it a GET without its body and the load printed "loaded ... graphs"."""
    def store_here_update_elsewhere(server, handler):
        if handler.path.startswith("/update"):
            send(handler, 302, {"Location": server.origin + "/elsewhere"})
        else:
            send(handler, 204)

    with http_server(store_here_update_elsewhere) as origin:
        result = _cli("load", str(built), "--endpoint", origin.origin + "/query",
                      "--update-url", origin.origin + "/update", "--graph-store-url", origin.origin + "/store")
    assert result.exit_code == 2
    assert "loaded" not in result.stdout
    assert "a redirect to" in result.stderr
    assert not any(r.method == "GET" for r in origin.seen)


def test_credentials_never_reach_another_origin_even_after_the_endpoint_accepted_them(credentials):
    """The endpoint asks for them, gets them, and then redirects: the other origin gets nothing."""
    def protected_then_redirect(target):
        def respond(server, handler):
            if handler.headers.get("Authorization") != credentials:
                send(handler, 401, {"WWW-Authenticate": 'Basic realm="kg"'})
            else:
                send(handler, 307, {"Location": target + "/sparql"})
        return respond

    with (http_server(lambda s, h: send(h, 401, {"WWW-Authenticate": 'Basic realm="kg"'})) as elsewhere,
          http_server(protected_then_redirect(elsewhere.origin)) as origin,
          pytest.raises(EndpointError, match="redirect") as error):
        Endpoint(origin.origin + "/sparql", retries=0).run(QUERY)
    assert credentials in [r.headers.get("Authorization") for r in origin.seen]
    assert elsewhere.seen == []
    assert PASSWORD not in str(error.value) and credentials.split()[1] not in str(error.value)


# -- one deadline per request ------------------------------------------------------------------

def _trickle_body(server, handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/sparql-results+json")
    handler.send_header("Content-Length", str(len(EMPTY_RESULT)))
    handler.end_headers()
    for byte in EMPTY_RESULT:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        if server.wait(0.3):
            return


def _trickle_headers(server, handler):
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
            b"X-Padding: " + b"x" * 100 + b"\r\n")
    for byte in head:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        if server.wait(0.3):
            return


def _never_answer(server, handler):
    server.wait(60)


@pytest.mark.parametrize("respond", [_trickle_body, _trickle_headers, _never_answer],
                         ids=["body-trickles", "headers-trickle", "never-answers"])
def test_every_request_ends_by_its_deadline_however_the_server_trickles(respond):
    with http_server(respond) as server:
        endpoint = Endpoint(server.origin + "/sparql", timeout=1.5, retries=3)
        started = time.monotonic()
        with pytest.raises(EndpointError, match=r"no complete answer within 1\.5 s") as error:
            endpoint.run(QUERY)
        took = time.monotonic() - started
    assert 1.4 < took < 3.0, f"took {took:.1f} s with a deadline of 1.5 s"
    assert len(server.seen) == 1, "a request that ran out of time was sent again"
    _one_clean_line(str(error.value))


def test_retries_of_a_refused_connection_stay_within_the_deadline():
    with http_server(lambda s, h: None) as server:
        origin = server.origin
    endpoint = Endpoint(origin + "/sparql", timeout=1.0, retries=10)  # the port is closed now
    started = time.monotonic()
    with pytest.raises(EndpointError, match="unreachable"):
        endpoint.run(QUERY)
    assert time.monotonic() - started < 1.5


def test_sparql_with_timeout_fails_on_time_on_a_server_that_never_answers():
    with http_server(_never_answer) as server:
        started = time.monotonic()
        result = _cli("sparql", QUERY, "--endpoint", server.origin + "/sparql", "--timeout", "1")
        took = time.monotonic() - started
    assert result.exit_code == 2
    assert "no complete answer within 1 s" in result.stderr and "--timeout" in result.stderr
    assert took < 3.0


def test_every_graph_command_takes_timeout():
    for command in (["load"], ["query", "run"], ["sparql"], ["validate"], ["analyze"], ["path"],
                    ["export"], ["viz", "hierarchy"], ["viz", "neighbourhood"]):
        result = _cli(*command, "--help")
        assert "--timeout SECONDS" in result.stdout, command


def test_a_load_stops_on_a_dead_server_saying_what_was_loaded(built):
    def dies_after_three(server, handler):
        if sum(1 for r in server.seen if r.method in ("PUT", "POST")) <= 3:
            send(handler, 204)
        else:
            server.wait(60)

    with http_server(dies_after_three) as server:
        started = time.monotonic()
        result = _cli("load", str(built), "--endpoint", server.origin + "/query",
                      "--graph-store-url", server.origin + "/store", "--timeout", "1")
        took = time.monotonic() - started
    assert result.exit_code == 2
    assert "no complete answer within 1 s" in result.stderr
    assert "loaded 3 graphs before it" in result.stderr and "run the load again" in result.stderr
    assert took < 4.0


def test_a_load_reports_its_progress_graph_by_graph(built):
    with http_server(lambda s, h: send(h, 204)) as server:
        done: list[tuple[int, int]] = []
        report = Endpoint(server.origin + "/query", graph_store_url=server.origin + "/store").load(
            [built], progress=lambda at, total: done.append((at, total)))
    # in bytes read, as every backend counts a load: up to the whole of the build's N-Quads
    assert [at for at, _ in done] == sorted(at for at, _ in done) and report.graphs_replaced > 5
    assert done[-1][0] == done[-1][1] == (built / "dataset.nq").stat().st_size
    graphs = {line.rsplit(" ", 2)[-2] for line in (built / "dataset.nq").read_text().splitlines() if line}
    assert report.graphs_replaced == len(graphs)  # every graph of the build, each PUT once


# -- what a server says is cut and redacted ----------------------------------------------------

def test_an_error_body_echoing_the_credentials_is_cut_and_redacted(credentials):
    def echo_headers(server, handler):
        if handler.headers.get("Authorization") is None:
            send(handler, 401, {"WWW-Authenticate": 'Basic realm="kg"'})
            return
        echoed = "".join(f"{name}: {value}\n" for name, value in handler.headers.items())
        body = (f"Authorization: {handler.headers['Authorization']}\n{echoed}"
                f"bad password {PASSWORD} for alice\n" + "x" * 100_000).encode()
        send(handler, 400, {"Content-Type": "text/plain"}, body)

    with http_server(echo_headers) as server, pytest.raises(EndpointError) as error:
        Endpoint(server.origin + "/sparql", retries=0).run(QUERY)
    message = str(error.value)
    assert PASSWORD not in message and credentials.split()[1] not in message
    assert "[redacted]" in message and "HTTP 400" in message
    assert len(message) < 600
    _one_clean_line(message)


def test_an_html_error_page_with_terminal_escapes_reads_as_text():
    page = (b"<!DOCTYPE html><html><head><title>Proxy Error</title><style>p{}</style></head><body>"
            b"<p>The upstream \x1b[31mserver\x1b[0m is down.</p><script>alert(1)</script></body></html>")
    with (http_server(lambda s, h: send(h, 502, {"Content-Type": "text/html"}, page)) as server,
          pytest.raises(EndpointError) as error):
        Endpoint(server.origin + "/sparql", retries=0).run(QUERY)
    message = str(error.value)
    assert "HTTP 502" in message and "Proxy Error" in message and "The upstream server is down." in message
    assert "<" not in message.split("HTTP 502", 1)[1] and "\x1b" not in message and "alert" not in message


# -- answers that are not SPARQL ---------------------------------------------------------------

NGINX = b"<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body><h1>Welcome</h1></body></html>"


@pytest.mark.parametrize("content_type,body,says", [
    ("text/html", NGINX, "an HTML page"),
    ("application/sparql-results+json", b'{"head": {"vars": [', "something else"),
    ("application/json", b'{"message": "not here"}', "something else"),
    ("application/sparql-results+json", b"", "an empty answer"),
])
def test_an_answer_that_is_not_sparql_results_says_what_came_back_and_what_url_to_use(content_type, body, says):
    def wrong_for_construct(server, handler):
        # the first query (does the default graph hold the named graphs?) is answered properly
        if b"CONSTRUCT" in server.seen[-1].body:
            send(handler, 200, {"Content-Type": content_type}, body)
        else:
            send(handler, 200, {"Content-Type": "application/sparql-results+json"}, EMPTY_RESULT)

    with http_server(lambda s, h: send(h, 200, {"Content-Type": content_type}, body)) as server:
        result = _cli("sparql", QUERY, "--endpoint", server.origin + "/")
    assert result.exit_code == 2, result.output
    assert f"answered {says}" in result.stderr and content_type in result.stderr
    assert "SPARQL query URL" in result.stderr and "http://HOST:7878/query" in result.stderr
    _one_clean_line(result.stderr.strip())
    if body.startswith(b"<!"):
        assert "Welcome to nginx!" in result.stderr

    with http_server(wrong_for_construct) as server:
        constructed = Endpoint(server.origin + "/", retries=0)
        if not body:  # an empty graph, as Turtle: a true answer to a CONSTRUCT
            assert constructed.run("CONSTRUCT WHERE { ?s ?p ?o }").triples == []
            return
        with pytest.raises(EndpointError, match=r"not RDF \(N-Triples or Turtle\)"):
            constructed.run("CONSTRUCT WHERE { ?s ?p ?o }")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/sparql", "data:,ASK", "javascript:alert(1)",
                                 "http://", "http://alice:pw@127.0.0.1:7878/query", "127.0.0.1:7878/query",
                                 "http://127.0.0.1:notaport/query"])
def test_only_http_urls_are_taken_and_nothing_is_read_from_them_first(url):
    result = _cli("sparql", "ASK {}", "--endpoint", url)
    assert result.exit_code == 2
    assert "root:" not in result.output and "internal error" not in result.output
    assert "URL" in result.stderr
    assert ":pw@" not in result.stderr
    with pytest.raises(EndpointError):
        Endpoint("http://127.0.0.1:7878/query", graph_store_url=url)
