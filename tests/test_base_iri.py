"""The base IRI travels with the data: a build made with any --base loads, queries, validates and
analyses without being told the base again; and the IRI scheme is a value, never module state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tropekg.build import BuildConfig, build
from tropekg.build.discover import SourceFile
from tropekg.build.page import build_page
from tropekg.cli import cli
from tropekg.rdf.iris import DEFAULT_BASE, IriScheme, base_of_page_graph
from tropekg.store.embedded import GraphStore
from tropekg.titles import parse_title

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "pages"
BASE = "https://example.org/kg/"


@pytest.fixture(scope="module")
def other_base(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("other-base")
    build([EXAMPLES], out / "out", jobs=1, base=BASE)
    result = CliRunner().invoke(cli, ["load", str(out / "out"), "--store", str(out / "kg")])
    assert result.exit_code == 0, result.output
    return out


def test_the_report_records_the_base(other_base):
    assert json.loads((other_base / "out" / "report.json").read_text())["base"] == BASE


def test_load_counts_the_wanted_pages_under_the_builds_base(tmp_path):
    build([EXAMPLES], tmp_path / "out", jobs=1, base=BASE)
    result = CliRunner().invoke(cli, ["load", str(tmp_path / "out"), "--store", str(tmp_path / "kg")])
    assert "49 wanted pages" in result.output, result.output


def test_saved_queries_find_rows_under_another_base(other_base):
    result = CliRunner().invoke(cli, ["query", "run", "works-for-trope", "-p", "trope=Main/WouldNotShootAGoodGuy",
                                      "--store", str(other_base / "kg"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = result.output.strip().splitlines()[1:]
    assert len(rows) >= 5 and all(row.startswith(BASE + "resource/") for row in rows)


def test_the_store_tells_its_base(other_base):
    assert GraphStore(other_base / "kg", read_only=True).base == BASE


def test_analyze_export_and_validate_read_the_base_back(other_base, tmp_path):
    runner = CliRunner()
    analysed = runner.invoke(cli, ["analyze", "--store", str(other_base / "kg"), "--format", "json"])
    assert analysed.exit_code == 0, analysed.output
    report = json.loads(analysed.output)
    assert report["kinds"]["Trope"]["total"] == 25 and report["hierarchy"]["edges"] == 4
    exported = runner.invoke(cli, ["export", "--store", str(other_base / "kg"), "--view", "hierarchy",
                                   "-o", str(tmp_path / "h.csv")])
    assert exported.exit_code == 0, exported.output
    assert "Main/ThouShaltNotKill" in (tmp_path / "h.csv").read_text()
    for target in ([str(other_base / "out")], ["--store", str(other_base / "kg")]):
        checked = runner.invoke(cli, ["validate", *target, "--format", "json"])
        assert checked.exit_code == 0, checked.output
        results = json.loads(checked.output)["results"]
        pages = {s["page"] for r in results for s in r["sources"]}
        assert "Film/TheDarkKnight" in pages, pages  # sources located under the build's own base


def test_base_of_page_graph():
    assert base_of_page_graph(BASE + "graph/Main/Foo") == BASE
    assert base_of_page_graph("https://x.org/kg#graph/Main/Foo") == "https://x.org/kg#"
    assert base_of_page_graph(BASE + "graph/Infograph/Foo") == BASE
    assert base_of_page_graph(BASE + "resource/Main/Foo") is None


def test_a_page_maps_by_the_scheme_it_is_given_not_by_an_earlier_build(tmp_path):
    """An earlier build in the same process (with its own page spellings) does not change how a
    page maps afterwards: the spellings come with the configuration."""
    pages = tmp_path / "pages"
    (pages / "Main").mkdir(parents=True)
    (pages / "Main" / "SomeTrope.txt").write_text("A trope.\n\n* ''Film/CallOfDuty'': shown.\n")
    (pages / "Film").mkdir()
    (pages / "Film" / "CallofDuty.txt").write_text("A film.\n")
    build([pages], tmp_path / "out", jobs=1)
    assert "resource/Film/CallofDuty>" in (tmp_path / "out" / "dataset.nq").read_text()
    src = SourceFile(pages / "Main" / "SomeTrope.txt", "Main/SomeTrope.txt", parse_title("Main/SomeTrope"))
    alone = build_page(src, src.path.read_bytes(), BuildConfig.for_build(DEFAULT_BASE, {}))
    assert b"resource/Film/CallOfDuty>" in alone.blocks["nquads"]
    assert b"resource/Film/CallofDuty>" not in alone.blocks["nquads"]
    assert IriScheme(BASE).title_of(BASE + "resource/Main/Foo") == parse_title("Main/Foo")
