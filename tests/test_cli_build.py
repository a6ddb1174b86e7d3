"""Tests for ``tropekg build``, run in process with click's CliRunner: outputs, options, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import tropekg.build.outputs as outputs_module
from tropekg.build import OUTPUT_FILES, PART_FILES, REPORT_FILE
from tropekg.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "pages"
ALL_OUTPUTS = sorted([*OUTPUT_FILES.values(), REPORT_FILE, *PART_FILES])


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))  # the cache and lock are not outputs


def test_build_writes_every_output(runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", str(EXAMPLES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _names(out) == ALL_OUTPUTS
    report = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    assert report["pages"] == len(list(EXAMPLES.rglob("*.txt")))
    assert report["failed"] == []
    assert "pages read:    9" in result.output
    for name in OUTPUT_FILES.values():
        assert str(out / name) in result.output
        assert (out / name).stat().st_size > 0


def test_format_picks_outputs(runner, tmp_path):
    result = runner.invoke(cli, ["build", str(EXAMPLES), "-o", str(tmp_path),
                                 "--format", "nquads", "--format", "turtle"])
    assert result.exit_code == 0, result.output
    assert _names(tmp_path) == sorted([OUTPUT_FILES["nquads"], OUTPUT_FILES["turtle"], REPORT_FILE, *PART_FILES])


def test_unknown_format_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(cli, ["build", str(EXAMPLES), "-o", str(tmp_path), "--format", "rdfxml"])
    assert result.exit_code == 2
    assert "rdfxml" in result.output


def test_quiet_prints_nothing(runner, tmp_path):
    result = runner.invoke(cli, ["build", str(EXAMPLES), "-o", str(tmp_path), "--quiet"])
    assert result.exit_code == 0
    assert result.output == ""
    assert _names(tmp_path) == ALL_OUTPUTS


def test_jobs_do_not_change_the_dataset(runner, tmp_path):
    for jobs in ("1", "2"):
        result = runner.invoke(cli, ["build", str(EXAMPLES), "-o", str(tmp_path / jobs), "-q", "--jobs", jobs])
        assert result.exit_code == 0, result.output
    for name in OUTPUT_FILES.values():
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_jobs_must_be_positive(runner, tmp_path):
    result = runner.invoke(cli, ["build", str(EXAMPLES), "-o", str(tmp_path), "--jobs", "0"])
    assert result.exit_code == 2


def test_base_moves_resources_and_graphs(runner, tmp_path):
    base = "http://example.org/kg/"
    result = runner.invoke(cli, ["build", str(EXAMPLES), "-o", str(tmp_path), "-q", "--base", base,
                                 "--format", "nquads"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / OUTPUT_FILES["nquads"]).read_text(encoding="utf-8")
    assert f"<{base}resource/Main/WouldNotShootAGoodGuy> " in text
    assert f" <{base}graph/Main/WouldNotShootAGoodGuy> .\n" in text
    assert "https://w3id.org/tropekg/resource/" not in text


def test_single_file_with_title(runner, tmp_path):
    page = tmp_path / "page.txt"
    shutil.copy(EXAMPLES / "Main" / "FriendOrFoe.txt", page)
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", str(page), "--title", "Main/FriendOrFoe", "-o", str(out), "-q",
                                 "--format", "nquads"])
    assert result.exit_code == 0, result.output
    assert "<https://w3id.org/tropekg/graph/Main/FriendOrFoe>" in (out / OUTPUT_FILES["nquads"]).read_text()


def test_missing_path_is_an_input_error(runner, tmp_path):
    missing = tmp_path / "no-such-folder"
    result = runner.invoke(cli, ["build", str(missing), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert str(missing) in result.output
    assert not (tmp_path / "out").exists()


def test_no_pages_is_an_input_error(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(cli, ["build", str(tmp_path / "empty"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no page files" in result.output


def test_unwritable_output_is_an_input_error(runner, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    result = runner.invoke(cli, ["build", str(EXAMPLES), "-o", str(tmp_path / "a-file" / "out")])
    assert result.exit_code == 2
    assert "cannot write the output folder" in result.output


def test_failed_page_exits_3_and_is_reported(runner, tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(EXAMPLES, pages)
    bad = pages / "Main" / "BrokenPage.txt"
    bad.write_bytes(b"Fine first line\nthen a NUL \x00 byte\n")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", str(pages), "-o", str(out), "-q"])
    assert result.exit_code == 3
    assert f"page failed: {bad}:2: not a text file (it holds NUL bytes)" in result.output
    assert _names(out) == ALL_OUTPUTS
    report = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    assert report["failed"] == [{"path": str(bad), "line": 2, "reason": "not a text file (it holds NUL bytes)"}]
    assert report["pages"] == len(list(EXAMPLES.rglob("*.txt")))
    nquads = (out / OUTPUT_FILES["nquads"]).read_text(encoding="utf-8")
    assert "graph/Main/BrokenPage>" not in nquads
    for page in EXAMPLES.rglob("*.txt"):
        assert f"<https://w3id.org/tropekg/graph/{page.parent.name}/{page.stem}> .\n" in nquads, page


def test_a_failing_build_leaves_previous_outputs(runner, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert runner.invoke(cli, ["build", str(EXAMPLES), "-o", str(out), "-q"]).exit_code == 0
    before = {name: (out / name).read_bytes() for name in _names(out)}

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure while writing JSON-LD")

    monkeypatch.setattr(outputs_module, "jsonld_header", boom)
    result = runner.invoke(cli, ["build", str(EXAMPLES), "-o", str(out), "-q", "--base", "http://example.org/"])
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert {name: (out / name).read_bytes() for name in _names(out)} == before


def test_help_documents_the_build_options(runner):
    result = runner.invoke(cli, ["build", "--help"])
    assert result.exit_code == 0
    for option in ("--format", "--jobs", "--quiet", "--base", "--out"):
        assert option in result.output
