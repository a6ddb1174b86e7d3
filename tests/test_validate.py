"""Tests for validation (tropekg.validate, ``tropekg validate``): the two-part validation finds what
pySHACL over the whole graph finds; the examples and the real page conform; reports name the page
and line behind a result; the command's exit codes, formats and severity filter."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

from tropekg.build import build
from tropekg.cli.validate import validate_command
from tropekg.store.embedded import GraphStore
from tropekg.validate import (
    ValidationError,
    format_text,
    load_shapes,
    validate_build,
    validate_graph,
    validate_whole,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "pages"
CASES = ROOT / "tests" / "shapes_cases"
TKS = "https://w3id.org/tropekg/shapes#"
TKR = "https://w3id.org/tropekg/resource/"


@pytest.fixture(scope="module")
def shapes():
    return load_shapes()


@pytest.fixture(scope="module")
def examples_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("examples-build")
    build([EXAMPLES], out, formats=("nquads",), jobs=1)
    return out


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory, corpus) -> Path:
    out = tmp_path_factory.mktemp("corpus-build")
    build([corpus], out, formats=("nquads",), jobs=1)
    return out


def run(*args: str):
    return CliRunner().invoke(validate_command, [str(a) for a in args])


# -- the two parts agree with pySHACL over everything ---------------------------------------------

def test_two_part_validation_equals_pyshacl_over_the_whole_graph(examples_build, corpus_build, shapes):
    """examples/ and the real page in one store (the real page replacing the example of the same
    name): focus node, path, value, severity and source shape agree, with the node-local part
    spread over a process pool in many small batches."""
    store = GraphStore.in_memory()
    store.load([examples_build])
    store.load([corpus_build])
    two_part = validate_graph(store, shapes=shapes, jobs=2, batch_triples=300)
    whole = validate_whole(store, shapes=shapes)
    assert two_part.graphs == whole.graphs >= 10
    assert two_part.key_set() == whole.key_set(), (
        f"only two-part: {sorted(two_part.key_set() - whole.key_set())}\n"
        f"only whole: {sorted(whole.key_set() - two_part.key_set())}")
    assert two_part.counts()["Info"] > 50


def test_two_part_validation_equals_pyshacl_on_all_cases_at_once(shapes):
    """Every violating case in one dataset (same-named page graphs merge): the shapes still see
    the same things both ways."""
    store = GraphStore.in_memory()
    store.load(sorted(CASES.glob("*.trig")))
    two_part = validate_graph(store, shapes=shapes, jobs=1, batch_triples=1)
    whole = validate_whole(store, shapes=shapes)
    assert two_part.key_set() == whole.key_set()
    assert two_part.counts()["Violation"] >= 50


# -- real pages --------------------------------------------------------------------------------------

def test_examples_conform(examples_build, shapes):
    store = GraphStore.in_memory()
    store.load([examples_build])
    report = validate_graph(store, shapes=shapes, jobs=1)
    report.locate(store)
    print(format_text(report, "warning"))  # the warnings, listed (pytest -s shows them)
    assert report.conforms, format_text(report, "violation")
    assert {r.shape for r in report.at_least("warning")} <= {TKS + "WantedHierarchyTropeShape"}
    # every example whose page states no mode is listed, with its page and line
    infos = report.at_least("info")
    assert infos and all(r.sources and r.sources[0].line for r in infos if r.severity == "Info")


def test_real_page_conforms_with_two_wanted_super_tropes(corpus_build):
    """Would Not Shoot a Good Guy, built alone: it conforms. A reader of the page sees it called a
    sub-trope of Friend or Foe and of Never Hurt an Innocent, neither of which is in the corpus:
    the two warnings."""
    report = validate_build(corpus_build, jobs=1)
    assert report.conforms, format_text(report, "violation")
    warnings = report.at_least("warning")
    assert {(r.focus, r.value) for r in warnings} == {
        (f"<{TKR}Main/WouldNotShootAGoodGuy>", f"<{TKR}Main/FriendOrFoe>"),
        (f"<{TKR}Main/WouldNotShootAGoodGuy>", f"<{TKR}Main/NeverHurtAnInnocent>"),
    }
    assert all(r.sources[0].file == "Main/WouldNotShootAGoodGuy.txt" for r in warnings)


# -- provenance of results -------------------------------------------------------------------------

def test_a_result_names_the_page_and_line_behind_it():
    store = GraphStore.in_memory()
    store.load([CASES / "ExampleShortcutShape.trig"])
    report = validate_graph(store, jobs=1)
    report.locate(store)
    (result,) = report.results
    assert [(s.page, s.line) for s in result.sources] == [("Main/Alpha", 5)]
    assert "Main/Alpha, line 5" in format_text(report)


def test_a_statement_is_traced_to_every_graph_holding_it():
    store = GraphStore.in_memory()
    store.load([CASES / "TropeHierarchyCycleShape.trig"])
    report = validate_graph(store, jobs=1)
    report.locate(store)
    pages = {r.focus.rsplit("/", 1)[1][:-1]: [s.page for s in r.sources] for r in report.results}
    # each link of the cycle is stated on the page of the trope it starts from
    assert pages == {"Alpha": ["Main/Alpha"], "Beta": ["Main/Beta"], "Gamma": ["Main/Gamma"]}


def test_validate_build_reports_violations_with_sources(tmp_path):
    quads = pyoxigraph.parse(path=str(CASES / "ExampleShortcutShape.trig"), format=pyoxigraph.RdfFormat.TRIG)
    (tmp_path / "dataset.nq").write_bytes(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS))
    report = validate_build(tmp_path, jobs=1)
    assert not report.conforms
    assert report.results[0].sources[0].line == 5


def test_validate_build_refuses_a_folder_that_is_not_a_build(tmp_path):
    with pytest.raises(ValidationError, match="not a build folder"):
        validate_build(tmp_path)


# -- the command -----------------------------------------------------------------------------------

def test_cli_exit_0_when_the_build_conforms(examples_build):
    result = run(examples_build)
    assert result.exit_code == 0, result.output
    assert "0 violations" in result.output and "conforms" in result.output


def test_cli_exit_1_and_names_page_and_line(tmp_path):
    result = run(CASES / "ExampleShortcutShape.trig")
    assert result.exit_code == 1, result.output
    assert "Violation: Example has its shortcut (tks:ExampleShortcutShape): 1" in result.output
    assert "Main/Alpha, line 5" in result.output
    assert "lacks tk:exemplifiedBy Film/Delta" in result.output


@pytest.mark.parametrize("args", [
    ["no/such/folder"],
    [],
    ["--store", "no/such/store"],
    ["--min-severity", "loud", "x.trig"],
], ids=["missing-path", "nothing-given", "missing-store", "bad-severity"])
def test_cli_exit_2_on_usage_or_input_errors(args):
    result = run(*args)
    assert result.exit_code == 2, result.output


def test_cli_exit_2_on_input_that_is_not_rdf_or_not_a_build(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    result = run(bad)
    assert result.exit_code == 2 and "not valid RDF" in result.output
    result = run(tmp_path)
    assert result.exit_code == 2 and "not a build folder" in result.output


def test_cli_exit_2_when_two_inputs_are_named(examples_build, tmp_path):
    result = run(examples_build, "--store", tmp_path / "kg.store")
    assert result.exit_code == 2 and "one of them" in result.output


def test_cli_min_severity_filters(corpus_build):
    everything = run(corpus_build, "--limit", "0")
    warnings = run(corpus_build, "--min-severity", "warning")
    assert everything.exit_code == warnings.exit_code == 0
    assert "Info: Mode not stated" in everything.output
    assert "more (--limit 0 lists them all)" not in everything.output
    limited = run(corpus_build, "--limit", "5")
    infos = int(re.search(r"Info: Mode not stated \(tks:UnstatedModeShape\): (\d+)", limited.output)[1])
    assert infos > 5 and f"... and {infos - 5} more (--limit 0 lists them all)" in limited.output
    assert "Warning: Sub- or super-trope without a page" in warnings.output
    assert "Info:" not in warnings.output and "not listed: infos" in warnings.output
    violations = run(corpus_build, "--min-severity", "violation", "--format", "json")
    assert json.loads(violations.output)["results"] == []


def test_cli_json_and_turtle_parse(tmp_path):
    case = CASES / "TropeHierarchyCycleShape.trig"
    out = run(case, "--format", "json")
    assert out.exit_code == 1
    data = json.loads(out.output)
    assert data["conforms"] is False and data["counts"] == {"violation": 3, "warning": 0, "info": 0}
    assert {r["sources"][0]["page"] for r in data["results"]} == {"Main/Alpha", "Main/Beta", "Main/Gamma"}
    out = run(case, "--format", "turtle")
    assert out.exit_code == 1
    triples = list(pyoxigraph.parse(out.output.encode(), format=pyoxigraph.RdfFormat.TURTLE))
    sh = "http://www.w3.org/ns/shacl#"
    results = [t for t in triples if t.predicate.value == sh + "result"]
    assert len(results) == 3
    assert any(t.object.value == sh + "ValidationReport" for t in triples)
    table = run(case, "--format", "table")
    assert table.exit_code == 1 and "(3 rows)" in table.output


def test_cli_validates_a_store(examples_build, tmp_path):
    path = tmp_path / "kg.store"
    store = GraphStore(path)
    store.load([examples_build])
    del store
    result = run("--store", path, "--min-severity", "warning")
    assert result.exit_code == 0, result.output
    # a copy with a broken shortcut: the store path reports it
    broken = tmp_path / "broken.store"
    shutil.copytree(path, broken)
    store = GraphStore(broken)
    shortcut = (f"<{TKR}Main/NeverHurtAnInnocent> <https://w3id.org/tropekg/ontology#exemplifiedBy> "
                f"<{TKR}Film/TheDarkKnight>")
    # from the page graphs and from the merged graph queries read
    store.store.update(f"DELETE WHERE {{ GRAPH ?g {{ {shortcut} }} }} ; DELETE DATA {{ {shortcut} }}")
    del store
    result = run("--store", broken, "--min-severity", "warning")
    assert result.exit_code == 1
    assert "Example has its shortcut" in result.output and "Main/NeverHurtAnInnocent, line 18" in result.output


def test_cli_validates_an_endpoint_the_same_as_a_store(tmp_path):
    """A SPARQL endpoint (the oxigraph server, union default graph) is validated through SPARQL
    alone, page graph by page graph, and finds what the store finds."""
    from .sparql_server import oxigraph_server

    location = tmp_path / "served"
    store = GraphStore(location)
    store.load([CASES / "ExampleShortcutShape.trig", CASES / "TropeHierarchyCycleShape.trig"])
    local = validate_graph(store, jobs=1)
    del store
    with oxigraph_server(location) as server:
        result = run("--endpoint", server.query_url, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    found = {(r["focus"], r["path"], r["value"], r["severity"], r["shape"]) for r in data["results"]}
    assert found == local.key_set()
    shortcut = [r for r in data["results"] if r["shape"] == TKS + "ExampleShortcutShape"]
    assert shortcut[0]["sources"][0]["line"] == 5
