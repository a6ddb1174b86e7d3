"""The site in process (Starlette's test client over the ASGI app): what each page shows of the
graph, every spelling of a name reaching its page, content negotiation of resources, search
ranking, the hierarchy API on a cycle and a multi-parent trope, the SPARQL protocol, the saved
queries API and its OpenAPI description, and the safety rules (SERVICE never fetched, time limit,
row cap, Host check, headers, page text always text)."""

from __future__ import annotations

import csv
import http.server
import io
import json
import threading
import time
import warnings
from pathlib import Path
from xml.etree import ElementTree as ET

import lxml.html
import pytest
import rdflib
from pyoxigraph import Store

from tropekg.web.app import CONTENT_SECURITY_POLICY, create_app, open_site
from tropekg.web.query_safety import QueryRefused, check_query

from .web_site import (
    ALT_TITLE,
    DBPEDIA,
    EVIL_IMG,
    EVIL_LABEL,
    EVIL_SCRIPT,
    RES,
    WIKIDATA,
    planted_store,
    source_line,
)

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 but still drives httpx, which is what this project tests with
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    return planted_store(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def pages(store_path) -> Path:
    return store_path.parent / "pages"


@pytest.fixture(scope="module")
def client(store_path):
    with TestClient(create_app(store_path), base_url="http://127.0.0.1") as c:
        yield c


def page(client, url: str, status: int = 200):
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    return lxml.html.fromstring(r.text), r


def texts(doc, css: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in doc.cssselect(css)]


# -- pages -----------------------------------------------------------------------------------------

def test_the_trope_page_shows_what_its_page_says(client, pages):
    doc, r = page(client, "/resource/Main/WouldNotShootAGoodGuy")
    assert texts(doc, "h1") == ["Would Not Shoot a Good Guy"]
    assert "the people chasing him are not villains" in texts(doc, "p.description")[0]
    assert texts(doc, ".page-quote p")[0].startswith('"They have badges and bad information.')
    assert "Michael Westen" in texts(doc, ".page-quote footer")[0]
    # two super-tropes: a breadcrumb trail for each
    trails = [[a.text_content() for a in ol.cssselect("li")] for ol in doc.cssselect(".breadcrumbs ol")]
    assert sorted(trails) == [["Friend or Foe", "Would Not Shoot a Good Guy"],
                              ["Never Hurt an Innocent", "Would Not Shoot a Good Guy"]]
    assert texts(doc, "#super-tropes li") == ["Friend or Foe", "Never Hurt an Innocent"]
    assert texts(doc, "#sub-tropes li") == ["Deep Restraint"]
    related = dict(zip(texts(doc, "dl.related dt"), texts(doc, "dl.related dd")))
    assert related["See also"] == "Apologetic Attacker"
    assert ALT_TITLE in texts(doc, "p.alt")[0]
    # links out: the wiki, and Wikidata/DBpedia because the store links to them
    hrefs = [a.get("href") for a in doc.cssselect(".outlinks a")]
    assert "https://tvtropes.org/pmwiki/pmwiki.php/Main/WouldNotShootAGoodGuy" in hrefs
    assert WIKIDATA in hrefs and DBPEDIA in hrefs
    assert "/resource/Main/WouldNotShootAGoodGuy.ttl" in hrefs
    assert r.headers["vary"] == "Accept"


def test_examples_are_grouped_nested_badged_and_traced_to_their_line(client, pages):
    doc, _ = page(client, "/resource/Main/WouldNotShootAGoodGuy")
    groups = [g.cssselect("h3")[0].text.strip() for g in doc.cssselect(".example-group")]
    assert groups[:3] == ["Anime and Manga", "Film", "Live-Action TV"]  # the page's own folders first
    assert any("from work pages" in g for g in groups)  # then what work pages say of it
    dexter = next(li for li in doc.cssselect("li.example") if "Doakes" in li.text_content())
    assert dexter.cssselect(".mode")[0].text == "Subverted"
    assert "unstated" not in dexter.cssselect(".mode")[0].get("class")
    assert "somebody else does the killing" in dexter.cssselect(".spoiler")[0].text  # there, hidden by style
    line = source_line(pages, "Main/WouldNotShootAGoodGuy", "* Subverted in ''Series/{{Dexter}}''")
    assert f"line {line}" in dexter.cssselect(".source")[0].text_content()
    assert dexter.cssselect(".source a")[0].get("href").startswith("/resource/Main/WouldNotShootAGoodGuy#ex-")
    # a nested bullet sits under its parent, its spoiler hidden until clicked
    dark_knight = next(li for li in doc.cssselect("li.example")
                       if "Prewitt Building" in li.text_content() and li.getparent().get("class") == "example-list")
    nested = dark_knight.cssselect("ul.nested > li.example")
    assert len(nested) == 1 and nested[0].cssselect(".spoiler")[0].text.startswith("Once Batman takes the blame")
    straight = dark_knight.cssselect(".mode")[0]
    assert straight.text == "Straight" and "unstated" in straight.get("class")


def test_a_sub_trope_link_leads_to_its_page(client):
    doc, _ = page(client, "/resource/Main/NeverHurtAnInnocent")
    links = {a.text_content(): a.get("href") for a in doc.cssselect("#sub-tropes a")}
    assert links["Would Not Shoot a Good Guy"] == "/resource/Main/WouldNotShootAGoodGuy"
    deep, _ = page(client, "/resource/Main/DeepRestraint")
    trails = sorted(tuple(a.text_content() for a in ol.cssselect("li")) for ol in deep.cssselect(".breadcrumbs ol"))
    assert trails == [("Friend or Foe", "Would Not Shoot a Good Guy", "Deep Restraint"),
                      ("Never Hurt an Innocent", "Would Not Shoot a Good Guy", "Deep Restraint")]


def test_the_work_page_groups_its_tropes_by_mode_from_every_page(client, pages):
    doc, _ = page(client, "/resource/Film/TheDarkKnight")
    assert texts(doc, "h1") == ["The Dark Knight"]
    assert "Christopher Nolan" in texts(doc, "p.creators")[0]
    modes = [h.text.strip() for h in doc.cssselect(".example-group h3")]
    assert modes[0] == "Straight"
    examples = doc.cssselect("li.example")
    sources = {a.text_content() for li in examples for a in li.cssselect(".source a")}
    # what the work's own page says, and what trope pages say of it
    assert {"The Dark Knight", "Would Not Shoot a Good Guy", "Never Hurt an Innocent"} <= sources
    inverted = next(li for li in examples if "picks his targets" in li.text_content())
    assert inverted.cssselect(".mode")[0].text == "Inverted"
    line = source_line(pages, "Main/NeverHurtAnInnocent", "** [[InvertedTrope Inverted]]")
    assert f"line {line}" in inverted.cssselect(".source")[0].text_content()


def test_creator_index_and_wanted_pages(client):
    doc, _ = page(client, "/resource/Creator/ChristopherNolan")
    assert "The Dark Knight" in texts(doc, "#works li")
    doc, _ = page(client, "/resource/Main/PacifismTropes")
    listed = texts(doc, "ul.listed li")
    assert "Thou Shalt Not Kill" in listed and "Technical Pacifist" in listed
    doc, _ = page(client, "/resource/Main/TheHero")
    assert "No page in this graph describes" in texts(doc, "p.notice")[0]
    linked = " ".join(texts(doc, "ul.linked-from li"))
    assert "Would Not Shoot a Good Guy" in linked


def test_every_spelling_of_a_name_reaches_the_page(client):
    for spelling in ("Main/wouldnotshootagoodguy", "Main/Would Not Shoot a Good Guy", "Would Not Shoot a Good Guy",
                     "main.WouldNotShootAGoodGuy", ALT_TITLE):
        r = client.get(f"/resource/{spelling}", follow_redirects=False)
        assert r.status_code == 301 and r.headers["location"] == "/resource/Main/WouldNotShootAGoodGuy", spelling
    r = client.get("/resource/Main/wouldnotshootagoodguy.ttl", follow_redirects=False)
    assert r.headers["location"] == "/resource/Main/WouldNotShootAGoodGuy.ttl"
    doc, _ = page(client, "/resource/Main/NoSuchTropeAnywhere", status=404)
    assert "no page named" in texts(doc, "p.error")[0]


def test_an_example_iri_dereferences(client):
    doc, _ = page(client, "/resource/Main/DeepRestraint")
    href = doc.cssselect("li.example .source a")[0].get("href")
    anchor = href.split("#ex-")[1]
    ex, _ = page(client, f"/resource/Main/DeepRestraint/example/{anchor}")
    assert "Batman breaks a rifle" in ex.text_content()
    r = client.get(f"/resource/Main/DeepRestraint/example/{anchor}.ttl")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert (None, rdflib.URIRef("https://w3id.org/tropekg/ontology#sourceLine"), None) in g


# -- linked data -------------------------------------------------------------------------------------

@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                        ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_resources_answer_rdf_by_content_negotiation(client, accept, fmt):
    r = client.get("/resource/Main/WouldNotShootAGoodGuy", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert r.headers["vary"] == "Accept"
    g = rdflib.Graph().parse(data=r.text, format=fmt)
    trope = rdflib.URIRef(RES + "Main/WouldNotShootAGoodGuy")
    tk = rdflib.Namespace("https://w3id.org/tropekg/ontology#")
    assert (trope, tk.subTropeOf, rdflib.URIRef(RES + "Main/NeverHurtAnInnocent")) in g
    assert (trope, rdflib.SKOS.exactMatch, rdflib.URIRef(WIKIDATA)) in g
    # each statement once, however many page graphs state it
    assert len(list(g.triples((trope, rdflib.RDF.type, tk.Trope)))) == 1


def test_suffixes_and_preferences(client):
    ttl = client.get("/resource/Main/WouldNotShootAGoodGuy.ttl")
    assert ttl.headers["content-type"].startswith("text/turtle")
    jsonld = client.get("/resource/Main/WouldNotShootAGoodGuy.jsonld")
    assert jsonld.headers["content-type"].startswith("application/ld+json") and "@context" in jsonld.json()
    nt = client.get("/resource/Main/WouldNotShootAGoodGuy.nt")
    assert nt.headers["content-type"].startswith("application/n-triples")
    assert rdflib.Graph().parse(data=ttl.text, format="turtle").isomorphic(
        rdflib.Graph().parse(data=nt.text, format="nt"))
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/resource/Main/WouldNotShootAGoodGuy", headers={"Accept": browser}).headers[
        "content-type"].startswith("text/html")
    weighted = client.get("/resource/Main/WouldNotShootAGoodGuy",
                          headers={"Accept": "text/html;q=0.5, text/turtle"})
    assert weighted.headers["content-type"].startswith("text/turtle")
    assert client.get("/resource/Main/WouldNotShootAGoodGuy", headers={"Accept": "image/png"}).status_code == 406


# -- search --------------------------------------------------------------------------------------------

def test_search_ranks_names_then_descriptions(client):
    hits = client.get("/api/search", params={"q": "would not shoot a good guy"}).json()["hits"]
    assert hits[0]["path"] == "Main/WouldNotShootAGoodGuy" and hits[0]["match"] == "same name"
    hits = client.get("/api/search", params={"q": "good guy"}).json()["hits"]
    assert hits[0]["path"] == "Main/WouldNotShootAGoodGuy"
    # a word only a description holds finds the page, with the words marked in a snippet
    doc, _ = page(client, "/search?q=pursuers")
    first = doc.cssselect("ol.hits li")[0]
    assert first.cssselect("a")[0].text == "Would Not Shoot a Good Guy"
    assert [m.text for m in first.cssselect(".snippet mark")] == ["pursuers"]
    # names first: a trope named for the word beats one whose description uses it
    hits = client.get("/api/search", params={"q": "pacifist"}).json()["hits"]
    assert hits[0]["path"] == "Main/TechnicalPacifist"


def test_search_as_you_type_by_partial_title_and_alternative_title(client):
    titles = client.get("/api/search", params={"q": "would not sh", "titles": "1"}).json()["hits"]
    assert titles[0]["path"] == "Main/WouldNotShootAGoodGuy"
    squashed = client.get("/api/search", params={"q": "wouldnotsho", "titles": "1"}).json()["hits"]
    assert squashed[0]["path"] == "Main/WouldNotShootAGoodGuy"
    alt = client.get("/api/search", params={"q": "spare the bad", "titles": "1"}).json()["hits"]
    assert alt[0]["path"] == "Main/WouldNotShootAGoodGuy" and ALT_TITLE in alt[0]["altTitles"]
    # only titles: a description word is not a title
    assert client.get("/api/search", params={"q": "pursuers", "titles": "1"}).json()["hits"] == []
    # FTS5 syntax in the query is just text
    for q in ('"', "AND OR NOT", "name:*", "NEAR(a b)", "\x00", "a" * 5000):
        assert client.get("/api/search", params={"q": q}).status_code == 200


# -- the hierarchy ------------------------------------------------------------------------------------

def test_the_hierarchy_api_walks_down_lazily(client):
    roots = client.get("/api/hierarchy/children").json()
    names = [c["path"] for c in roots["children"]]
    assert {"Main/NeverHurtAnInnocent", "Main/FriendOrFoe"} <= set(names)
    assert "Main/CycleA" in names  # a cycle nothing sits above gets an entry point
    level2 = client.get("/api/hierarchy/children", params={"trope": "Main/NeverHurtAnInnocent"}).json()
    good_guy = next(c for c in level2["children"] if c["path"] == "Main/WouldNotShootAGoodGuy")
    assert good_guy["children"] == 1 and good_guy["parents"] == 2
    assert sorted(good_guy["parentPaths"]) == ["Main/FriendOrFoe", "Main/NeverHurtAnInnocent"]
    # reachable under each parent
    other = client.get("/api/hierarchy/children", params={"trope": "Main/FriendOrFoe"}).json()
    assert "Main/WouldNotShootAGoodGuy" in [c["path"] for c in other["children"]]
    level3 = client.get("/api/hierarchy/children", params={"trope": "Main/WouldNotShootAGoodGuy"}).json()
    assert [c["path"] for c in level3["children"]] == ["Main/DeepRestraint"]
    paged = client.get("/api/hierarchy/children", params={"trope": "Main/NeverHurtAnInnocent",
                                                          "limit": 1, "offset": 1}).json()
    assert paged["total"] == level2["total"] and paged["children"] == level2["children"][1:2]
    assert client.get("/api/hierarchy/children", params={"trope": "Main/Nope"}).status_code == 404


def test_cycles_do_not_loop(client):
    a = client.get("/api/hierarchy/children", params={"trope": "Main/CycleA"}).json()
    assert [c["path"] for c in a["children"]] == ["Main/CycleB"]
    b = client.get("/api/hierarchy/children", params={"trope": "Main/CycleB"}).json()
    assert sorted(c["path"] for c in b["children"]) == ["Main/CycleA", "Main/CycleChild"]
    paths = client.get("/api/hierarchy/paths", params={"trope": "Main/CycleChild"}).json()
    assert [[n["path"] for n in p] for p in paths["paths"]] == [["Main/CycleA", "Main/CycleB", "Main/CycleChild"]]
    deep = client.get("/api/hierarchy/paths", params={"trope": "deep restraint"}).json()
    assert len(deep["paths"]) == 2 and deep["complete"]


def test_the_neighbourhood_lists_parents_children_and_related(client):
    data = client.get("/api/neighbourhood", params={"trope": "Main/WouldNotShootAGoodGuy"}).json()
    assert data["centre"]["path"] == "Main/WouldNotShootAGoodGuy"
    by_relation = {}
    for n in data["neighbours"]:
        by_relation.setdefault(n["relation"], []).append(n["path"])
    assert sorted(by_relation["super-trope"]) == ["Main/FriendOrFoe", "Main/NeverHurtAnInnocent"]
    assert by_relation["sub-trope"] == ["Main/DeepRestraint"]
    assert by_relation["see also"] == ["Main/ApologeticAttacker"]


# -- SPARQL ---------------------------------------------------------------------------------------------

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_sparql_protocol_get_and_post(client):
    r = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+json")
    n = int(r.json()["results"]["bindings"][0]["n"]["value"])
    assert n > 1000
    form = client.post("/sparql", data={"query": COUNT}, headers={"Accept": "text/csv"})
    assert form.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(form.text))) == [["n"], [str(n)]]
    direct = client.post("/sparql", content=COUNT, headers={"Content-Type": "application/sparql-query",
                                                            "Accept": "text/tab-separated-values"})
    assert direct.text.splitlines()[0] == "?n"
    xml = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+xml"})
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    assert ET.fromstring(xml.content).find(".//r:literal", ns).text == str(n)
    ask = client.get("/sparql", params={"query": "ASK { ?s a <https://w3id.org/tropekg/ontology#Trope> }"})
    assert ask.json()["boolean"] is True
    construct = client.get("/sparql", headers={"Accept": "text/turtle"}, params={
        "query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"})
    assert len(rdflib.Graph().parse(data=construct.text, format="turtle")) == 5


def test_sparql_refuses_what_it_must(client, store_path):
    before = len(Store.read_only(str(store_path)))
    bad = client.get("/sparql", params={"query": "SELECT WHERE {"})
    assert bad.status_code == 400 and "not valid SPARQL" in bad.text
    assert client.post("/sparql", data={"update": "DROP ALL"}).status_code == 403
    assert client.post("/sparql", content="DROP ALL", headers={"Content-Type": "application/sparql-update"}).status_code == 403
    assert client.get("/sparql", params={"query": "DROP ALL"}).status_code == 400  # not a query
    assert client.get("/sparql", params={"query": COUNT, "default-graph-uri": "http://x/"}).status_code == 400
    assert client.get("/sparql", params={"query": COUNT}, headers={"Accept": "image/png"}).status_code == 406
    assert client.post("/sparql", content=COUNT, headers={"Content-Type": "text/plain"}).status_code == 415
    assert len(Store.read_only(str(store_path))) == before


def test_the_query_page_works_without_anything_from_elsewhere(client):
    doc, _ = page(client, "/sparql")
    assert "PREFIX tk: <https://w3id.org/tropekg/ontology#>" in doc.cssselect("#query")[0].text
    options = {o.get("value"): o.get("data-query") for o in doc.cssselect("#examples option") if o.get("value")}
    assert "works-for-trope" in options and "VALUES" in options["works-for-trope"]  # defaults bound
    doc, _ = page(client, "/sparql?query=" + "SELECT%20%3Fl%20WHERE%20%7B%20%3Chttps%3A%2F%2Fw3id.org%2Ftropekg%2Fresource%2FMain%2FEvilTrope%3E%20%3Chttp%3A%2F%2Fwww.w3.org%2F2004%2F02%2Fskos%2Fcore%23prefLabel%3E%20%3Fl%20%7D")
    assert texts(doc, "table.results td") == [EVIL_LABEL]
    assert not doc.cssselect("table.results script")
    for tag in doc.cssselect("script, link[rel=stylesheet], img"):
        assert (tag.get("src") or tag.get("href") or "").startswith("/static/")


class CountingServer:
    """A real HTTP server on 127.0.0.1 that counts the requests it gets and answers like an endpoint."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                hits.append(self.path)
                body = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"fetched"}}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_service_is_refused_and_nothing_is_fetched(client):
    with CountingServer() as target:
        url = target.url
        # the control: pyoxigraph itself would fetch it, so a missing check would show here
        try:
            list(Store().query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?x ?y ?z }} }}"))
        except (OSError, RuntimeError, SyntaxError):
            pass
        assert len(target.hits) == 1
        target.hits.clear()
        attempts = [
            f"SELECT * WHERE {{ SERVICE <{url}> {{ ?x ?y ?z }} }}",
            f"select * where {{ service silent <{url}> {{ ?x ?y ?z }} }}",
            f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SeRvIcE <{url}> {{ ?s ?y ?z }} }} }} LIMIT 1",
            f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?x ?y ?z }} }}",
            f"SELECT * WHERE {{ ?s ?p true SERVICE<{url}>{{ ?x ?y ?z }} }}",
            f'SELECT * WHERE {{ ?s ?p """a\\"""" SERVICE <{url}> {{ ?x ?y ?z }} "" ?p ?o }}',
            f"PREFIX x: <{url}> SELECT * WHERE {{ SERVICE x: {{ ?x ?y ?z }} }}",
            f"SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?x ?y ?z }} }}",
        ]
        for query in attempts:
            for send in (lambda q: client.get("/sparql", params={"query": q}),
                         lambda q: client.post("/sparql", data={"query": q}),
                         lambda q: client.post("/sparql", content=q, headers={"Content-Type": "application/sparql-query"})):
                r = send(query)
                assert r.status_code in (400, 403), (query, r.status_code, r.text)
        doc, r = page(client, "/sparql?query=" + f"SELECT * WHERE {{ SERVICE <{url}> {{ ?x ?y ?z }} }}", status=403)
        assert "SERVICE is refused" in texts(doc, "#query-error")[0]
        time.sleep(0.2)
        assert target.hits == []
    # the word in a string, an IRI, a comment or a variable is fine
    for ok in ('SELECT ?service WHERE { ?service ?p "SERVICE <x>" } # SERVICE',
               "SELECT * WHERE { ?s <http://example.org/service> ?o }"):
        check_query(ok)
    with pytest.raises(QueryRefused):
        check_query("PREFIX ex: <http://e/> SELECT * { ?s ex:service ?o }")  # refused: cannot tell safely


def test_a_slow_query_is_stopped_and_the_site_goes_on(store_path):
    site = open_site(store_path, query_timeout=1.0, workers=1)
    with TestClient(create_app(site=site), base_url="http://127.0.0.1") as c:
        before = site.pool.worker_pids()
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        started = time.monotonic()
        r = c.get("/sparql", params={"query": slow})
        assert r.status_code == 503 and "time limit" in r.text
        assert time.monotonic() - started < 8
        after = site.pool.worker_pids()
        assert after and not set(after) & set(before)  # the slow worker was killed, a new one started
        assert not Path(f"/proc/{before[0]}").exists() or "Z" in Path(f"/proc/{before[0]}/stat").read_text().split()[2]
        assert c.get("/sparql", params={"query": COUNT}).status_code == 200


def test_results_are_capped(store_path):
    site = open_site(store_path, max_rows=5, workers=1)
    with TestClient(create_app(site=site), base_url="http://127.0.0.1") as c:
        r = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert len(r.json()["results"]["bindings"]) == 5 and r.headers["x-result-truncated"] == "true"
        small = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
        assert "x-result-truncated" not in small.headers
        doc, _ = page(c, "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D")
        assert "Only the first 5 rows" in texts(doc, "#results .notice")[0]


# -- saved queries ------------------------------------------------------------------------------------

def test_saved_queries_are_listed_with_their_parameters(client):
    listed = {q["name"]: q for q in client.get("/api/queries").json()["queries"]}
    wft = listed["works-for-trope"]
    assert wft["url"] == "/api/queries/works-for-trope"
    assert wft["params"] == [{"name": "trope", "type": "trope", "default": "Main/ThouShaltNotKill",
                              "example": "Main/WouldNotShootAGoodGuy", "description": "the trope",
                              "required": False}]


def test_a_saved_query_runs_with_bound_parameters(client):
    r = client.get("/api/queries/works-for-trope", params={"trope": "Main/WouldNotShootAGoodGuy"})
    assert r.status_code == 200
    works = {b["work"]["value"] for b in r.json()["results"]["bindings"]}
    assert RES + "Film/TheDarkKnight" in works and RES + "Series/BurnNotice" in works
    as_csv = client.get("/api/queries/works-for-trope", params={"trope": "Main/WouldNotShootAGoodGuy"},
                        headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {row["work"] for row in rows} == works
    assert client.get("/api/queries/works-for-trope", params={"trope": "Main/WouldNotShootAGoodGuy",
                                                              "format": "csv"}).text == as_csv.text
    bad = client.get("/api/queries/works-for-trope", params={"trope": "Film/TheDarkKnight"})
    assert bad.status_code == 400 and "not a trope page" in bad.json()["error"]
    injected = client.get("/api/queries/works-for-trope", params={"trope": "Main/X> } DROP ALL #"})
    assert injected.status_code == 400 and "not a page title" in injected.json()["error"]
    assert client.get("/api/queries/works-for-trope", params={"nope": "1"}).status_code == 400
    assert client.get("/api/queries/no-such-query").status_code == 404
    construct = client.get("/api/queries/trope-neighbourhood", params={"trope": "Main/WouldNotShootAGoodGuy"},
                           headers={"Accept": "text/turtle"})
    assert len(rdflib.Graph().parse(data=construct.text, format="turtle")) > 0


def test_the_openapi_description_is_valid_and_names_every_query(client):
    from openapi_spec_validator import validate

    doc = client.get("/api/openapi.json").json()
    validate(doc)
    listed = [q["name"] for q in client.get("/api/queries").json()["queries"]]
    assert sorted(p.removeprefix("/api/queries/") for p in doc["paths"] if p.startswith("/api/queries/")) == sorted(listed)
    op = doc["paths"]["/api/queries/works-for-trope"]["get"]
    trope = next(p for p in op["parameters"] if p["name"] == "trope")
    assert trope["schema"]["default"] == "Main/ThouShaltNotKill"
    assert {"application/sparql-results+json", "text/csv"} <= set(op["responses"]["200"]["content"])


# -- safety ---------------------------------------------------------------------------------------------

def test_the_host_header_is_checked(store_path, client):
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "evil.example:7878"}).status_code == 400
    for host in ("127.0.0.1:7878", "localhost:7878", "[::1]:7878", "localhost"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host


def test_every_response_has_the_policy_and_no_cookie(client):
    for url in ("/", "/resource/Main/WouldNotShootAGoodGuy", "/resource/Main/WouldNotShootAGoodGuy.ttl",
                "/static/site.css", "/api/queries", "/resource/Main/Nope", "/sparql?query=SELECT"):
        r = client.get(url, headers={"Accept": "text/html"})
        assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in r.headers
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "http" not in CONTENT_SECURITY_POLICY


def test_page_text_is_always_text(client):
    for url in ("/resource/Main/EvilTrope", "/resource/Film/TheDarkKnight", "/search?q=evil",
                "/resource/Main/NeverHurtAnInnocent"):
        r = client.get(url, headers={"Accept": "text/html"})
        assert EVIL_SCRIPT not in r.text and "<img src=x" not in r.text, url
    doc, r = page(client, "/resource/Main/EvilTrope")
    assert texts(doc, "h1") == [EVIL_LABEL]
    assert EVIL_SCRIPT in texts(doc, "p.description")[0] and EVIL_IMG in texts(doc, "p.description")[0]
    assert "&lt;script&gt;" in r.text
    assert [s.get("src") for s in doc.cssselect("script")] == ["/static/site.js"]
    assert not doc.cssselect("img") and not doc.cssselect("main b")
    # a javascript: URL in the data is never a link
    assert not [a for a in doc.cssselect("a") if (a.get("href") or "").lower().startswith("javascript")]
    hits = client.get("/api/search", params={"q": "evil", "titles": "1"}).json()["hits"]
    assert hits[0]["label"] == EVIL_LABEL  # JSON carries it raw: the page's script writes it as text


def test_the_store_is_opened_read_only(client):
    site = client.app.state.site
    with pytest.raises((OSError, RuntimeError), match="read-write"):
        site.store.update("DROP ALL")


def test_serve_help_and_a_missing_store():
    from click.testing import CliRunner

    from tropekg.cli import cli

    help_text = CliRunner().invoke(cli, ["serve", "--help"]).output
    assert "tropekg serve --store out/kg.store" in help_text and "--port" in help_text and "--open" in help_text
    result = CliRunner().invoke(cli, ["serve", "--store", "/nonexistent/kg.store"])
    assert result.exit_code == 2 and "no store here" in result.stderr
    assert "Traceback" not in result.output



def test_serve_says_when_its_port_is_taken(store_path):
    import socket

    from click.testing import CliRunner

    from tropekg.cli import cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--store", str(store_path), "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "reading" not in result.stderr


def test_json_errors_for_the_api(client):
    r = client.get("/api/hierarchy/children", params={"trope": "Main/Nope"})
    assert r.status_code == 404 and "no page named" in r.json()["error"]
    r = client.get("/api/hierarchy/children", params={"limit": "many"})
    assert r.status_code == 400 and json.loads(r.text)["error"].startswith("?limit=")


def test_the_names_serve_answers_to():
    from tropekg.cli.serve import allowed_host_names

    assert allowed_host_names("127.0.0.1", ()) == ("127.0.0.1", "localhost", "[::1]")
    assert allowed_host_names("0.0.0.0", ("Kg.Example.Org",)) == ("127.0.0.1", "localhost", "[::1]", "kg.example.org")
    assert allowed_host_names("192.168.1.5", ())[-1] == "192.168.1.5"
    assert allowed_host_names("::", ()) == ("127.0.0.1", "localhost", "[::1]")
    assert allowed_host_names("fe80::1", ())[-1] == "[fe80::1]"


def test_a_search_before_the_index_is_built_says_so(store_path, monkeypatch):
    import threading

    from tropekg.web import app as web_app

    monkeypatch.setattr(web_app, "SPELLINGS_WAIT", 0.2)
    monkeypatch.setattr(web_app.Site, "build_search", lambda self: None)  # never finishes
    site = open_site(store_path, workers=1)
    assert isinstance(site._search_ready, threading.Event) and not site._search_ready.is_set()
    with TestClient(create_app(site=site), base_url="http://127.0.0.1") as c:
        r = c.get("/api/search", params={"q": "good guy"})
        assert r.status_code == 503 and "still being built" in r.json()["error"]
        # pages reached by their own title do not wait for it
        assert c.get("/resource/Main/WouldNotShootAGoodGuy").status_code == 200


def test_the_ontology_iri_answers_with_the_ontology(client):
    r = client.get("/ontology")
    assert r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/tropekg/ontology#Trope"), rdflib.RDF.type, rdflib.OWL.Class) in g
