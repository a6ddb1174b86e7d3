"""The saved query library (queries/*.rq) run against the example pages.

Each query's ``#+`` header is checked (summary, description, tags, typed params with defaults, and
columns that are what the query projects), then the query is run the way ``tropekg query run`` runs
it (:mod:`tropekg.query.saved` binds the parameters, :class:`tropekg.store.embedded.GraphStore` queries the union
of the page graphs) on the graph built from examples/pages, and its rows are compared with
tests/expected_queries/NAME.CASE.tsv. Those rows were worked out by reading the example pages, not
copied from query output; the comments in each file cite the page lines they come from. Adding a
case needs no code: a new .tsv file is picked up.

Expected file format: ``#`` lines are comments, except ``# params: name=value ...`` (shell-quoted),
which overrides the defaults. The first other line names the columns, tab-separated; each further
line is one row, in the query's order. Terms are written ``tkr:Main/Foo`` (resources), ``wd:Q1`` (Wikidata items), ``dbr:Foo`` (DBpedia),
``tk:Straight`` (ontology terms), ``tkg:Main/Foo`` (page graphs), ``"text"@en`` or ``"text"``
(literals), bare numbers and booleans, ``-`` for an unbound value, and ``*`` for a value not checked
here (one the pages do not decide, such as a triple count). A CONSTRUCT query's file lists triples
(subject, predicate, object), compared as a set.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from pyoxigraph import Literal, NamedNode

from tropekg.build import build
from tropekg.query.params import bind
from tropekg.query.results import Rows, Triples
from tropekg.query.saved import PARAM_TYPES, load_queries
from tropekg.store.embedded import GraphStore

from .wikidata_sample import link_sample

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
EXPECTED = Path(__file__).resolve().parent / "expected_queries"
BASE = "https://w3id.org/tropekg/"
RESOURCE = BASE + "resource/"
GRAPH = BASE + "graph/"
TK = "https://w3id.org/tropekg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"

REQUIRED = {
    "subtropes", "supertropes", "hierarchy-roots", "works-for-trope", "averted-in", "tropes-of-work",
    "co-occurring-tropes", "similar-works", "top-tropes-by-medium", "mode-distribution",
    "related-tropes", "wanted-pages", "spoiler-examples", "creators-of-works", "trope-neighbourhood",
}

SAVED = load_queries(QUERIES)


def raw_header(name: str) -> dict:
    """The header as YAML says it, before the loader fills in defaults for missing keys."""
    text = SAVED[name].text
    lines = [line[2:].removeprefix(" ") for line in text.splitlines() if line.startswith("#+")]
    return yaml.safe_load("\n".join(lines))


def body(name: str) -> str:
    """The query without its comment lines."""
    return "\n".join(line for line in SAVED[name].text.splitlines() if not line.lstrip().startswith("#"))


# -- writing terms as in the expected files ------------------------------------------------------------

def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def render(term) -> str:
    if term is None:
        return "-"
    if isinstance(term, NamedNode):
        for prefix, ns in (("tkr:", RESOURCE), ("tkg:", GRAPH), ("tk:", TK),
                           ("wd:", "http://www.wikidata.org/entity/"), ("dbr:", "http://dbpedia.org/resource/")):
            if term.value.startswith(ns):
                return prefix + term.value[len(ns):]
        return f"<{term.value}>"
    if isinstance(term, Literal):
        if term.language:
            return _quoted(term.value) + "@" + term.language
        dt = term.datatype.value
        if dt in (XSD + "integer", XSD + "boolean"):
            return term.value
        if dt == XSD + "string":
            return _quoted(term.value)
        return _quoted(term.value) + f"^^<{dt}>"
    return str(term)


def result_table(result) -> tuple[list[str], list[tuple[str, ...]]]:
    if isinstance(result, Triples):
        rows = sorted({(render(t.subject), render(t.predicate), render(t.object)) for t in result.triples})
        return ["subject", "predicate", "object"], rows
    assert isinstance(result, Rows), result
    return list(result.columns), [tuple(render(v) for v in row) for row in result.rows]


def format_table(columns: list[str], rows: list[tuple[str, ...]]) -> str:
    return "\n".join(["\t".join(columns), *("\t".join(r) for r in rows)])


# -- expected cases --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    query: str
    name: str
    path: Path
    params: dict[str, str]
    columns: list[str]
    rows: list[tuple[str, ...]]


def load_case(path: Path) -> Case:
    query, _, name = path.stem.partition(".")
    params: dict[str, str] = {}
    table: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            directive = line[1:].strip()
            if directive.startswith("params:"):
                for item in shlex.split(directive[len("params:"):]):
                    k, _, v = item.partition("=")
                    params[k] = v
            continue
        if line.strip():
            table.append(line.split("\t"))
    columns, rows = table[0], [tuple(r) for r in table[1:]]
    for r in rows:
        assert len(r) == len(columns), f"{path}: row {r} has {len(r)} fields for {len(columns)} columns"
    return Case(query, name, path, params, columns, rows)


CASES = [load_case(p) for p in sorted(EXPECTED.glob("*.tsv"))]


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("examples-build")
    build([ROOT / "examples" / "pages"], out, formats=("nquads",), jobs=1)
    return out / "dataset.nq"


@pytest.fixture(scope="session")
def store(dataset, wikidata) -> GraphStore:
    """The example pages, linked to the Wikidata-shaped sample (tests/wikidata_sample.py)."""
    s = GraphStore.in_memory()
    s.load([dataset])
    link_sample(s, wikidata)
    return s


def run(store: GraphStore, name: str, params: dict[str, str] | None = None):
    q = SAVED[name]
    return store.run(q.text, bind(q, params or {}))


def _masked(case: Case, rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The actual rows with the cells the case leaves unchecked (``*``) blanked the same way."""
    if len(rows) != len(case.rows):
        return rows
    return [tuple("*" if e == "*" else a for a, e in zip(row, exp)) for row, exp in zip(rows, case.rows)]


def _diff_message(case: Case, columns, rows) -> str:
    expected, actual = set(case.rows), set(rows)
    parts = [f"{case.path.name}: rows differ"]
    parts += ["only in expected:", *("  " + "\t".join(r) for r in case.rows if r not in actual)]
    parts += ["only in actual:", *("  " + "\t".join(r) for r in rows if r not in expected)]
    if expected == actual:
        parts.append("(the same rows in another order)")
    parts += ["actual, in the file's format:", format_table(columns, rows)]
    return "\n".join(parts)


# -- tests: the headers ----------------------------------------------------------------------------

def test_the_library_has_the_required_queries():
    assert len(SAVED) >= 15
    assert REQUIRED <= set(SAVED), f"missing: {sorted(REQUIRED - set(SAVED))}"


@pytest.mark.parametrize("name", sorted(SAVED))
def test_header_documents_the_query(name):
    h = raw_header(name)
    path = SAVED[name].path
    for key in ("summary", "description", "tags", "params", "columns", "heavy"):
        assert key in h, f"{path}: the header has no {key!r}"
    assert isinstance(h["summary"], str) and h["summary"].strip()
    assert isinstance(h["description"], str) and len(h["description"].split()) >= 10
    assert isinstance(h["tags"], list) and h["tags"] and all(isinstance(t, str) for t in h["tags"])
    assert isinstance(h["columns"], list) and h["columns"]
    assert isinstance(h["heavy"], bool)
    for p in h["params"]:
        # a null default makes a parameter optional: unset, it stays unbound and matches anything
        assert {"name", "type", "default", "example", "description"} <= set(p), f"{path}: param {p}"
        assert p["type"] in PARAM_TYPES, f"{path}: param {p['name']} has unknown type {p['type']!r}"


@pytest.mark.parametrize("name", sorted(SAVED))
def test_every_param_is_used(name):
    for p in SAVED[name].params:
        assert re.search(rf"[?$]{re.escape(p.name)}\b", body(name)), f"{SAVED[name].path}: {p.name} is unused"


@pytest.mark.parametrize("name", sorted(SAVED))
def test_query_is_ordered_and_keeps_params_out_of_limit(name):
    text = body(name)
    assert re.search(r"\bORDER BY\b", text), f"{SAVED[name].path}: no ORDER BY"
    assert not re.search(r"\b(LIMIT|OFFSET)\s+[?$]", text), f"{SAVED[name].path}: a variable in LIMIT/OFFSET"


@pytest.mark.parametrize("name", sorted(SAVED))
def test_only_provenance_queries_look_into_named_graphs(name):
    """Queries read the union of the page graphs; naming graphs is for questions about sources."""
    if re.search(r"\bGRAPH\b", body(name)):
        assert "provenance" in SAVED[name].tags, f"{SAVED[name].path}: GRAPH, but not tagged provenance"


@pytest.mark.parametrize("name", sorted(SAVED))
def test_columns_are_the_projected_variables(name, store):
    q = SAVED[name]
    result = run(store, name)
    if q.form == "SELECT":
        assert list(q.columns) == result.columns
    else:
        assert isinstance(result, Triples) and list(q.columns) == ["subject", "predicate", "object"]


# -- tests: the rows ----------------------------------------------------------------------------------

def test_every_query_has_an_expected_default_case():
    cased = {c.query for c in CASES if c.name == "default"}
    assert set(SAVED) <= cased, f"no tests/expected_queries/NAME.default.tsv for {sorted(set(SAVED) - cased)}"
    assert {c.query for c in CASES} <= set(SAVED), "an expected file names no saved query"


@pytest.mark.parametrize("case", CASES, ids=[c.path.stem for c in CASES])
def test_rows(case, store):
    assert case.name == "default" or case.params, f"{case.path}: a case other than the default sets no params"
    columns, rows = result_table(run(store, case.query, case.params))
    assert columns == case.columns, f"{case.path}: columns"
    rows = _masked(case, rows)
    assert rows == case.rows, _diff_message(case, columns, rows)


def test_page_stats_counts_the_triples_of_each_graph(dataset, store):
    """page-stats' triple counts, which its expected file leaves unchecked, against the N-Quads."""
    per_graph: dict[str, int] = {}
    for line in dataset.read_text(encoding="utf-8").splitlines():
        graph = line.rstrip(" .").rsplit(" ", 1)[-1]
        per_graph[graph] = per_graph.get(graph, 0) + 1
    result = run(store, "page-stats")
    page, triples = result.columns.index("page"), result.columns.index("triples")
    assert result.rows
    for row in result.rows:
        graph = "<" + GRAPH + row[page].value[len(RESOURCE):] + ">"
        assert int(row[triples].value) == per_graph[graph], row[page]
