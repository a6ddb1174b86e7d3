"""Errors a person can act on: each case of issue 16's section 5 says what is wrong and what to do,
in one line, never a traceback, "internal error" or a parser's list of grammar rules; and the
conveniences that spare the errors (our usual prefixes declared, pages named as people write them,
the default a left-out parameter took, said)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tropekg.cli import cli
from tropekg.query.saved import load_queries
from tropekg.store.embedded import GraphStore

from .hostile_http import http_server, send

ROOT = Path(__file__).resolve().parents[1]
PARSER_INTERNALS = ("expected one of", "Prefix not found", "['%']", "\\u{", "LATERAL")


@pytest.fixture(scope="module")
def store(built, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "kg"
    GraphStore(path).load([built])
    return path


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _tropekg(*args: str | bytes) -> subprocess.CompletedProcess:
    """The real command in a process of its own: what a person sees, bytes and all."""
    env = {**os.environ, "TROPEKG_DEBUG": ""}
    return subprocess.run([sys.executable, "-m", "tropekg.cli", *args], capture_output=True, env=env,
                          timeout=120, check=False)


def test_parse_of_a_missing_file_says_it_does_not_exist():
    result = _cli("parse", "/tmp/nope-tropekg-test.txt")
    assert result.exit_code == 2
    assert "/tmp/nope-tropekg-test.txt" in result.stderr and "No such file" in result.stderr
    assert "title" not in result.stderr


# -- SPARQL syntax errors ----------------------------------------------------------------------

@pytest.mark.parametrize(("query", "where", "what"), [
    ("SELECT ?x WHERE { ?x foo:bar ?y }", "line 1, column 22", "the prefix foo: is not declared"),
    ("SELECT ?x WHERE { ?x ?p ?y  LIMIT 2", "line 1, column 17", "'{' is never closed"),
    ("SELECT ?x WHERE { ?x ?p ?y . FILTER(?x = ) } LIMIT 2", "line 1, column 30", "at 'FILTER(?x = ) } LIMIT 2'"),
    ("SELECT ?x\nWHERE {\n  ?x ?p ?o\n  FILTER(foo(?x))\n}", "line 4, column 3", "at 'FILTER(foo(?x))'"),
    ("SELECT (COUNT(?x) ?n) WHERE { ?x ?p ?o }", "line 1, column 19", "at '?n) WHERE { ?x ?p ?o }'"),
    ("SELECT ?x WHERE { ?x ?p ?o } ORDER ?x", "line 1, column 30", "at 'ORDER ?x'"),
    ('SELECT ?x WHERE { ?x rdfs:label "open }', "line 1, column 33", "a string that does not end"),
    ("SELECT ?x WHERE { ?x a <http://a b> }", "line 1, column", "an IRI there is not valid"),
])
def test_a_sparql_syntax_error_says_where_and_what_without_the_parsers_rule_list(store, query, where, what):
    result = _cli("sparql", query, "--store", str(store))
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.startswith("tropekg: error: the query is not valid SPARQL: ")
    assert where in message and what in message, message
    assert not any(internal in message for internal in PARSER_INTERNALS), message
    assert "\n" not in message


def test_an_update_sent_to_sparql_is_read_only_and_never_reaches_an_endpoint(store):
    result = _cli("sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "--store", str(store))
    assert result.exit_code == 2 and "read-only" in result.stderr and "CONSTRUCT" not in result.stderr
    with http_server(lambda s, h: send(h, 204)) as server:
        result = _cli("sparql", "DELETE WHERE { ?s ?p ?o }", "--endpoint", server.origin + "/sparql")
    assert result.exit_code == 2 and "read-only" in result.stderr
    assert server.seen == []


# -- our usual prefixes ------------------------------------------------------------------------

USUAL = ("tk", "tkr", "tkg", "rdf", "rdfs", "owl", "xsd", "skos", "schema", "prov", "foaf", "dcterms")


def test_ad_hoc_queries_need_no_prefix_lines_for_our_usual_prefixes(store):
    used = " ".join(f"OPTIONAL {{ ?s {p}:x ?o{i} }}" for i, p in enumerate(USUAL))
    assert _cli("sparql", f"SELECT ?s WHERE {{ ?s ?p ?o {used} }} LIMIT 1", "--store", str(store)).exit_code == 0
    result = _cli("sparql", "SELECT ?sub WHERE { ?sub tk:subTropeOf ?super . ?super rdfs:label "
                            '"Thou Shalt Not Kill"@en } ORDER BY ?sub', "--store", str(store), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "resource/Main/TechnicalPacifist" in result.stdout  # a sub-trope the examples state
    label = _cli("sparql", r"SELECT ?l WHERE { tkr:Main\/ThouShaltNotKill rdfs:label ?l }", "--store", str(store))
    assert "Thou Shalt Not Kill" in label.stdout


def test_a_prefix_the_query_declares_is_its_own(store):
    result = _cli("sparql", "PREFIX tk: <urn:other#> SELECT ?s WHERE { ?s tk:subTropeOf ?o }", "--store", str(store))
    assert result.exit_code == 0 and "(0 rows)" in result.stdout


def test_an_endpoint_gets_the_usual_prefixes_declared_in_the_text_it_is_sent():
    empty = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
    with http_server(lambda s, h: send(h, 200, {"Content-Type": "application/sparql-results+json"}, empty)) as server:
        result = _cli("sparql", "PREFIX skos: <urn:mine#> SELECT ?s WHERE { ?s rdfs:label ?l ; skos:x ?y }",
                      "--endpoint", server.origin + "/sparql")
    assert result.exit_code == 0, result.output
    import urllib.parse

    sent = urllib.parse.parse_qs(server.seen[-1].body.decode())["query"][0]
    assert sent.startswith("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
    assert "skos: <http://www.w3.org/2004/02/skos" not in sent and "PREFIX tk:" not in sent


# -- saved queries and their parameters --------------------------------------------------------

def test_a_parameter_left_out_says_which_default_it_took(store):
    query = load_queries()["works-for-trope"]
    (default,) = [p.default for p in query.params if p.name == "trope"]
    result = _cli("query", "run", "works-for-trope", "--store", str(store))
    assert result.exit_code == 0
    assert f"trope not given: using its default, trope={default}" in result.stderr
    given = _cli("query", "run", "works-for-trope", "-p", f"trope={default}", "--store", str(store))
    assert "default" not in given.stderr


@pytest.mark.parametrize("spelling", ["Main/thoushaltnotkill", "Thou Shalt Not Kill", "thou shalt not kill",
                                      "ThouShaltNotKill", "main.ThouShaltNotKill", "thoushaltnotkill"])
def test_page_parameters_accept_any_case_and_the_display_title(store, spelling):
    exact = _cli("query", "run", "works-for-trope", "-p", "trope=Main/ThouShaltNotKill", "--store", str(store))
    result = _cli("query", "run", "works-for-trope", "-p", f"trope={spelling}", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert result.stdout == exact.stdout and "(0 rows)" not in exact.stdout
    if spelling not in ("ThouShaltNotKill",):
        assert "is Main/ThouShaltNotKill" in result.stderr or spelling == "main.ThouShaltNotKill"


def test_a_work_is_found_by_its_display_title_among_works_only(store):
    result = _cli("query", "run", "creators-of-works", "-p", "work=the dark knight", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "work=the dark knight is Film/TheDarkKnight" in result.stderr


def test_a_page_parameter_naming_nothing_says_so(store):
    result = _cli("query", "run", "works-for-trope", "-p", "trope=Thou Shalt Not Kil", "--store", str(store))
    assert result.exit_code == 2 and "no trope page in the graph has the title or name" in result.stderr
    result = _cli("query", "run", "works-for-trope", "-p", "trope=Main/NoSuchTrope", "--store", str(store))
    assert result.exit_code == 0 and "Main/NoSuchTrope: no such trope page in the graph" in result.stderr


def test_query_list_shows_tags_and_an_unknown_tag_says_so():
    listed = _cli("query", "list")
    tags = sorted({t for q in load_queries().values() for t in q.tags})
    assert "tags: " in listed.stdout and all(t in listed.stdout for t in tags)
    unknown = _cli("query", "list", "--tag", "nosuchtag")
    assert unknown.exit_code == 2
    assert "no saved query has the tag 'nosuchtag'" in unknown.stderr and tags[0] in unknown.stderr
    assert _cli("query", "list", "--tag", tags[0]).exit_code == 0


def test_a_parameter_value_that_is_not_utf8_is_a_usage_error(store):
    in_process = _cli("query", "run", "find-tropes", "-p", "search=caf\udce9", "--store", str(store))
    assert in_process.exit_code == 2 and "not valid UTF-8" in in_process.output
    real = _tropekg("query", "run", "find-tropes", "-p", b"search=caf\xe9", "--store", str(store))
    assert real.returncode == 2
    assert b"not valid UTF-8" in real.stderr and b"Traceback" not in real.stderr
    query = _tropekg("sparql", b'SELECT * WHERE { ?s ?p "caf\xe9" }', "--store", str(store))
    assert query.returncode == 2 and b"not valid UTF-8" in query.stderr


# -- serve -------------------------------------------------------------------------------------

def test_serve_that_cannot_start_never_says_it_is_serving(store, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = _cli("serve", "--store", str(store), "--port", str(port))
    assert busy.exit_code == 2 and "serving" not in busy.output
    assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr
    not_a_store = tmp_path / "junk"
    not_a_store.mkdir()
    (not_a_store / "CURRENT").write_text("junk\n")
    bad = _cli("serve", "--store", str(not_a_store), "--port", "0")
    assert bad.exit_code == 2 and "serving" not in bad.output and "cannot open the store" in bad.stderr
    for port in ("http", "70000"):
        wrong = _cli("serve", "--store", str(store), "--port", port)
        assert wrong.exit_code == 2 and "serving" not in wrong.output and "--port" in wrong.stderr


# -- none of them ends in a traceback ----------------------------------------------------------

def test_no_case_ends_in_a_traceback_or_an_internal_error(store, tmp_path):
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "CURRENT").write_text("junk\n")
    cases = [
        ("parse", "/tmp/nope-tropekg-test.txt"),
        ("sparql", "SELECT ?x WHERE { ?x foo:bar ?y }", "--store", str(store)),
        ("sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "--store", str(store)),
        ("sparql", "ASK {}", "--store", str(junk)),
        ("sparql", "ASK {}", "--endpoint", "file:///etc/passwd"),
        ("query", "list", "--tag", "nosuchtag"),
        ("query", "run", "works-for-trope", "-p", "trope=Nowhere Near", "--store", str(store)),
    ]
    for args in cases:
        done = _tropekg(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr, (args, done.stderr)
        assert done.stderr.decode().count("\n") == 1, (args, done.stderr)
