"""``tropekg link wikidata`` against a local Oxigraph server holding a Wikidata-shaped sample
(tests/wikidata_sample.py: what it holds is listed there), on examples/pages built once: the
links and what comes with them, the ambiguity report, a rerun replacing the linkset, ``load
--prune`` leaving it alone, our graph on an endpoint too, and the client's manners (User-Agent,
retries with backoff, Retry-After, the deadline) against a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from click.testing import CliRunner
from pyoxigraph import NamedNode

from tropekg.cli import cli
from tropekg.link import LinkError, WikidataClient, dbpedia_resource, link_wikidata
from tropekg.store.embedded import GraphStore
from tropekg.store.endpoint import Endpoint

from .sparql_server import _free_port, oxigraph_server
from .wikidata_sample import ITEMS_WITH_ID, write_sample_store

R = "https://w3id.org/tropekg/resource/"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
DBR = "http://dbpedia.org/resource/"
LINKSET = "https://w3id.org/tropekg/graph/_/linkset/wikidata"
SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def _text(term) -> str:
    if isinstance(term, NamedNode):
        return term.value
    return f"{term.value}@{term.language}" if term.language else str(term)


def linkset(backend) -> set[tuple[str, str, str]]:
    rows = backend.run(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{LINKSET}> {{ ?s ?p ?o }} }}").rows
    return {(s.value, p.value, _text(o)) for s, p, o in rows}


@pytest.fixture
def store(built, tmp_path) -> GraphStore:
    s = GraphStore(tmp_path / "kg")
    s.load([built])
    return s


def client(server, **options) -> WikidataClient:
    return WikidataClient(server.query_url, contact="tests@example.org", **{"page_size": 3, **options})


def test_pages_are_linked_to_their_items_and_dbpedia(store, wikidata):
    c = client(wikidata)
    report = link_wikidata(store, c)
    got = linkset(store)
    # a work and a creator are the items (owl:sameAs), found whatever the identifier's case
    assert (R + "Film/TheDarkKnight", SAME_AS, WD + "Q900001") in got
    assert (R + "Film/TheDarkKnight", SAME_AS, DBR + "The_Dark_Knight_(film)") in got
    assert (R + "Creator/ChristopherNolan", SAME_AS, WD + "Q900002") in got
    assert (R + "Series/BurnNotice", SAME_AS, WD + "Q900003") in got
    assert not any(s == R + "Series/BurnNotice" and o.startswith(DBR) for s, _, o in got)  # no article
    # a trope is a concept, as the item is: skos:exactMatch; an index only seeAlso
    assert (R + "Main/ThouShaltNotKill", EXACT, WD + "Q900004") in got
    assert (R + "Main/ThouShaltNotKill", EXACT, DBR + "Thou_shalt_not_kill") in got
    assert (R + "Main/PacifismTropes", SEE_ALSO, DBR + "What_Is_Pacifism%3F") in got
    # a page examples/ only links to (wanted) is linked too
    assert (R + "Film/Inception", SAME_AS, WD + "Q900007") in got
    # the item's English label, classes and, for a work, its earliest publication date
    assert (WD + "Q900001", LABEL, "The Dark Knight@en") in got
    assert not any(s == WD + "Q900001" and p == LABEL and o.endswith("@de") for s, p, o in got)
    assert {o for s, p, o in got if s == WD + "Q900003" and p == WDT + "P31"} == {
        WD + "Q5398426", WD + "Q21191270"}
    dates = {o for s, p, o in got if s == WD + "Q900001" and p == WDT + "P577"}
    assert dates == {'"2008-07-14T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'}
    assert not any(s == WD + "Q900002" and p == WDT + "P577" for s, p, _ in got)  # a creator
    # nothing of the items no page names, nor of those without the identifier
    assert not any(WD + "Q900008" in (s, o) or WD + "Q999" in (s, o) for s, _, o in got)
    assert report.items == ITEMS_WITH_ID
    assert c.requests >= 1 + ITEMS_WITH_ID // 3  # a count, then pages of three items
    # queries read the links without naming the graph: they are in the merged graph
    assert store.run(f"ASK {{ <{R}Film/TheDarkKnight> <{SAME_AS}> <{WD}Q900001> }}").value
    # and the linkset conforms to its shapes (shapes/linkset.ttl)
    from tropekg.validate import validate_graph

    results = validate_graph(store, jobs=1).results
    linkset_shapes = ("Link", "Item", "ExactMatch", "SameAs")
    assert not [r for r in results if any(n in r.shape for n in linkset_shapes)]


def test_ambiguities_are_reported_and_not_linked(store, wikidata):
    report = link_wikidata(store, client(wikidata))
    ls = report.linkset
    assert ls.ambiguous_ids == {"Main/NeverHurtAnInnocent": [WD + "Q900005", WD + "Q900006"]}
    assert ls.shared_items == {WD + "Q900010": ["Main/FriendOrFoe", "Main/TechnicalPacifist"]}
    assert ls.bad_ids == ["Main/Not A Title!"]
    assert ls.unmatched == ["Main/WouldNotShootAGoodGuy"]
    got = linkset(store)
    for page in ("Main/NeverHurtAnInnocent", "Main/FriendOrFoe", "Main/TechnicalPacifist"):
        assert not any(s == R + page for s, _, _ in got), page
    text = report.summary()
    assert "Main/NeverHurtAnInnocent: on Q900005, Q900006" in text
    assert "Q900010 names Main/FriendOrFoe, Main/TechnicalPacifist" in text
    assert "matched:       6 of our pages" in text and "unmatched:     1 pages" in text


def test_a_rerun_replaces_the_linkset(store, tmp_path, built):
    location = write_sample_store(tmp_path / "wd")
    with oxigraph_server(location) as server:
        link_wikidata(store, client(server))
        first = linkset(store)
        # Wikidata changes: The Dark Knight loses its identifier, Casablanca's page is ours now
        Endpoint(server.query_url, server.update_url).update(
            f'DELETE DATA {{ <{WD}Q900001> <{WDT}P6839> "film/thedarkknight" }} ; '
            f'INSERT DATA {{ <{WD}Q900012> <{WDT}P6839> "Film/TheDarkKnight" }}')
        link_wikidata(store, client(server))
    second = linkset(store)
    assert (R + "Film/TheDarkKnight", SAME_AS, WD + "Q900001") in first
    assert not any(o.startswith(WD + "Q900001") or s == WD + "Q900001" for s, _, o in second)
    assert (R + "Film/TheDarkKnight", SAME_AS, WD + "Q900012") in second
    assert {t for t in first if "TheDarkKnight" not in t[0] and "Q900001" not in t[0]
            and "source" not in t[1] and "void#triples" not in t[1]} <= second
    # the merged graph follows: the old link is gone from what queries read
    assert not store.run(f"ASK {{ ?page ?link <{WD}Q900001> }}").value
    # a rebuilt graph loaded with --prune keeps the linkset (it is no page of the build)
    report = store.load([built], prune=True)
    assert report.graphs_pruned == 0 and linkset(store) == second


def test_our_graph_on_an_endpoint_is_linked_through_the_graph_store_protocol(built, wikidata, tmp_path):
    with oxigraph_server(tmp_path / "ours") as ours:
        graph = Endpoint(ours.query_url, ours.update_url, ours.graph_store_url)
        graph.load([built])
        link_wikidata(graph, client(wikidata))
        got = linkset(graph)
    assert (R + "Film/TheDarkKnight", SAME_AS, WD + "Q900001") in got


def test_the_command_links_reports_and_writes_json(built, wikidata, tmp_path):
    store_path = tmp_path / "kg"
    GraphStore(store_path).load([built])
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["link", "wikidata", "--store", str(store_path), "--wikidata",
                                      wikidata.query_url, "--page-size", "2", "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "matched:       6 of our pages" in result.output
    assert f"triples to {LINKSET}" in result.output
    data = json.loads(out.read_text())
    assert {"page": "Film/TheDarkKnight", "item": WD + "Q900001"} in data["links"]
    assert data["ambiguousIdentifiers"] == {"Main/NeverHurtAnInnocent": [WD + "Q900005", WD + "Q900006"]}
    # read back by the query command
    result = CliRunner().invoke(cli, ["query", "run", "wikidata-links", "--store", str(store_path),
                                      "--format", "csv"])
    assert result.exit_code == 0 and "Q900001" in result.output


def test_the_command_refuses_without_a_contact_and_fails_cleanly_when_unreachable(built, tmp_path):
    store_path = tmp_path / "kg"
    GraphStore(store_path).load([built])
    result = CliRunner(env={"TROPEKG_CONTACT": None}).invoke(
        cli, ["link", "wikidata", "--store", str(store_path)])
    assert result.exit_code == 2 and "--contact" in result.output
    closed = f"http://127.0.0.1:{_free_port()}/query"
    result = CliRunner().invoke(cli, ["link", "wikidata", "--store", str(store_path), "--wikidata", closed,
                                      "--deadline", "2", "--quiet"])
    assert result.exit_code == 2, result.output
    assert "unreachable" in result.output or "deadline" in result.output
    assert "Traceback" not in result.output
    assert not GraphStore(store_path, read_only=True).run(f"ASK {{ GRAPH <{LINKSET}> {{ ?s ?p ?o }} }}").value


# -- the client's manners, against a real HTTP server ----------------------------------------------

EMPTY = b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "0"}}]}}'


class _Flaky(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, dict, bytes]]] = []  # what to answer next, in order
    seen: ClassVar[list[dict]] = []  # the headers of each request

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).seen.append(dict(self.headers))
        status, headers, body = type(self).answers.pop(0) if type(self).answers else (200, {}, EMPTY)
        self.send_response(status)
        for k, v in {"Content-Type": "application/sparql-results+json", **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Flaky.answers, _Flaky.seen = [], []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


class _Clock:
    def __init__(self):
        self.now, self.slept = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_busy_answers_are_retried_with_backoff_and_retry_after(flaky):
    _Flaky.answers = [(503, {}, b"busy"), (429, {"Retry-After": "7"}, b"slow down"), (500, {}, b"oops")]
    clock = _Clock()
    c = WikidataClient(flaky, contact="me@example.org", clock=clock, sleep=clock.sleep)
    assert c.items() == []
    assert clock.slept == [1.0, 7.0, 4.0]  # backoff 1, 2 (Retry-After says 7), 4
    agent = _Flaky.seen[0]["User-Agent"]
    assert agent.startswith("tropekg/") and "me@example.org" in agent


def test_the_deadline_stops_the_run(flaky):
    _Flaky.answers = [(503, {"Retry-After": "100"}, b"busy")]
    clock = _Clock()
    c = WikidataClient(flaky, contact="me@example.org", deadline=50, clock=clock, sleep=clock.sleep)
    with pytest.raises(LinkError, match="deadline"):
        c.items()
    assert clock.slept == []  # it does not wait past the deadline


def test_an_answer_that_is_not_sparql_results_is_a_clear_error(flaky):
    _Flaky.answers = [(200, {"Content-Type": "text/html"}, b"<html>maintenance</html>")]
    with pytest.raises(LinkError, match="not SPARQL JSON results"):
        WikidataClient(flaky, contact="me@example.org").items()
    _Flaky.answers = [(400, {}, b"Parse error: bad query\nmore")]
    with pytest.raises(LinkError, match="HTTP 400: Parse error: bad query"):
        WikidataClient(flaky, contact="me@example.org").items()


@pytest.mark.parametrize(("title", "iri"), [
    ("The Dark Knight (film)", DBR + "The_Dark_Knight_(film)"),
    ("What Is Pacifism?", DBR + "What_Is_Pacifism%3F"),
    ("Pokémon", DBR + "Pokémon"),
    ("AC/DC", DBR + "AC/DC"),
    ("100% Orange Juice", DBR + "100%25_Orange_Juice"),
    ("Say \"hi\" <now>", DBR + "Say_%22hi%22_%3Cnow%3E"),
    ("", None),
    ("tab\there", None),
])
def test_dbpedia_names_an_article_as_dbpedia_does(title, iri):
    assert dbpedia_resource(title) == iri

