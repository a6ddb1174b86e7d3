"""Builds without merged files (page parts and a manifest), rebuilds that write only what changed,
and a build that loads its store while it runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

from tropekg.build import OUTPUT_FILES, PART_FILES, REPORT_FILE, build
from tropekg.build import cache as cache_module
from tropekg.build import page as page_module
from tropekg.build.manifest import MANIFEST_FILE, PartsReader
from tropekg.build.output_folder import published
from tropekg.cli import cli
from tropekg.store.embedded import GraphStore

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "pages"


def _parts_bytes(out: Path) -> bytes:
    with PartsReader(out) as reader:
        chunks = []
        while chunk := reader.read(997):  # small reads cross page boundaries
            chunks.append(chunk)
    return b"".join(chunks)


def _store_quads(path: Path) -> set[str]:
    store = pyoxigraph.Store.read_only(str(path))
    return {str(q) for q in store}


@pytest.fixture
def pages(tmp_path) -> Path:
    folder = tmp_path / "pages"
    shutil.copytree(EXAMPLES, folder)
    return folder


def test_page_parts_read_back_as_the_merged_dataset_byte_for_byte(tmp_path, pages):
    merged = tmp_path / "merged"
    build([pages], merged, jobs=1)
    parts = tmp_path / "parts"
    report = build([pages], parts, jobs=1, merged=False)
    assert sorted(p.name for p in parts.iterdir() if not p.name.startswith(".")) == sorted([*PART_FILES, REPORT_FILE])
    assert set(report.outputs) == {"manifest", "report"}
    # the same bytes, but for the description's list of merged files (a parts build has none);
    # its counts of the merged graph are the same without writing it
    def without_files(data: bytes) -> bytes:
        return b"\n".join(line for line in data.split(b"\n") if b"/distribution/" not in line)

    assert without_files(_parts_bytes(parts)) == without_files((merged / OUTPUT_FILES["nquads"]).read_bytes())
    assert b"void#triples" in _parts_bytes(parts)
    assert _parts_bytes(merged) == (merged / OUTPUT_FILES["nquads"]).read_bytes()  # every build has them
    # a load and a validation read the parts as they read dataset.nq
    GraphStore(tmp_path / "a").load([parts])
    GraphStore(tmp_path / "b").load([merged])
    assert {q for q in _store_quads(tmp_path / "a") if "/distribution/" not in q} == \
           {q for q in _store_quads(tmp_path / "b") if "/distribution/" not in q}


def test_a_rebuild_without_merged_files_reads_and_writes_only_the_changed_page(tmp_path, pages, monkeypatch):
    out = tmp_path / "out"
    build([pages], out, jobs=1, merged=False)
    before = {p for p in (out / ".cache").rglob("*") if p.is_file()}
    page = pages / "Main" / "FriendOrFoe.txt"
    page.write_text(page.read_text() + "* ''Film/RushHour'': a new example bullet.\n")
    parsed, entries_read = [], []
    real_parse, real_read = page_module.parse_bytes, cache_module.read_entry
    monkeypatch.setattr(page_module, "parse_bytes",
                        lambda data, source, title, **kw: parsed.append(str(title)) or real_parse(data, source, title, **kw))
    monkeypatch.setattr(cache_module, "read_entry", lambda path: entries_read.append(path) or real_read(path))
    again = build([pages], out, jobs=1, merged=False)
    assert parsed == ["Main/FriendOrFoe"]
    # unchanged pages come from the manifest: their parts are neither read nor written
    assert not before & set(entries_read)
    # ... and the previous version's parts are all kept, untouched, for a load still reading it
    assert {p: p.stat().st_ino for p in before} == {p: p.stat().st_ino for p in before if p.exists()}
    assert len({p for p in (out / ".cache").rglob("*") if p.is_file()} - before) == 1
    assert again.cached == again.pages - 1
    fresh = tmp_path / "fresh"
    clean = build([pages], fresh, jobs=1, cache=False, merged=False)
    assert _parts_bytes(out) == _parts_bytes(fresh)
    assert (again.quads, again.examples, again.wanted_pages) == (clean.quads, clean.examples, clean.wanted_pages)
    # the parts of the old version of the page are gone once a newer version replaced the one
    # that replaced it
    build([pages], out, jobs=1, merged=False)
    assert len([p for p in (out / ".cache").rglob("*") if p.is_file()]) == again.pages


def test_a_page_that_starts_failing_is_wanted_again_as_in_a_fresh_build(tmp_path, pages):
    out = tmp_path / "out"
    build([pages], out, jobs=1, merged=False)
    linked = pages / "Main" / "FriendOrFoe.txt"  # other pages link to it
    linked.write_bytes(linked.read_bytes() + b"\n* a \x00 byte\n")
    again = build([pages], out, jobs=1, merged=False)
    assert [f["path"] for f in again.failed] == [str(linked)]
    fresh = tmp_path / "fresh"
    build([pages], fresh, jobs=1, cache=False, merged=False)
    assert _parts_bytes(out) == _parts_bytes(fresh)
    assert b"<https://w3id.org/tropekg/resource/Main/FriendOrFoe> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " \
           b"<https://w3id.org/tropekg/ontology#WantedPage>" in (out / "graphs.nq").read_bytes()


def test_a_merged_build_after_a_parts_build_and_back(tmp_path, pages):
    out = tmp_path / "out"
    build([pages], out, jobs=1)
    build([pages], out, jobs=1, merged=False)
    assert not (out / OUTPUT_FILES["nquads"]).exists()  # an older dataset.nq is not this build's
    build([pages], out, jobs=1)
    assert _parts_bytes(out) == (out / OUTPUT_FILES["nquads"]).read_bytes()


def test_a_damaged_manifest_or_a_missing_part_is_a_clear_error(tmp_path, pages):
    out = tmp_path / "out"
    build([pages], out, jobs=1, merged=False)
    entry = next(p for p in (out / ".cache").rglob("*") if p.is_file())
    entry.unlink()
    result = CliRunner().invoke(cli, ["load", str(out), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "cannot be read" in result.output and "build the folder again" in result.output
    (out / MANIFEST_FILE).write_text("{not json")
    result = CliRunner().invoke(cli, ["load", str(out), "--store", str(tmp_path / "s2")])
    assert result.exit_code == 2
    assert "manifest.json: missing or not written" in result.output
    # and the next build reads the entries that are left, builds the missing page, and is whole again
    again = build([pages], out, jobs=1, merged=False)
    assert again.cached == again.pages - 1
    build([pages], tmp_path / "fresh", jobs=1, cache=False, merged=False)
    assert _parts_bytes(out) == _parts_bytes(tmp_path / "fresh")


def test_build_with_store_loads_while_building(tmp_path, pages):
    out, store = tmp_path / "out", tmp_path / "kg.store"
    result = CliRunner().invoke(cli, ["build", str(pages), "-o", str(out), "--no-merged", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "as the pages were built" in result.output
    GraphStore(tmp_path / "ref").load([out])
    assert _store_quads(store) == _store_quads(tmp_path / "ref")
    assert not list(tmp_path.glob(".kg.store.loading-*"))
    # a store that holds data already: each page graph is replaced after the build
    page = pages / "Main" / "FriendOrFoe.txt"
    page.write_text(page.read_text().replace("Friend or Foe", "Friend or Foe (edited)"))
    result = CliRunner().invoke(cli, ["build", str(pages), "-o", str(out), "--no-merged", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "loaded 9 graphs" in result.output
    GraphStore(tmp_path / "ref2").load([out])
    assert _store_quads(store) == _store_quads(tmp_path / "ref2")


def test_a_build_that_fails_leaves_no_store(tmp_path):
    empty_pages = tmp_path / "pages" / "Main"
    empty_pages.mkdir(parents=True)
    (empty_pages / "Broken.txt").write_bytes(b"\x00")
    store = tmp_path / "kg.store"
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "pages"), "-o", str(tmp_path / "out"),
                                      "--store", str(store)])
    assert result.exit_code == 2
    assert "no page could be built" in result.output
    assert not store.exists()
    assert not list(tmp_path.glob(".kg.store.loading-*"))


def test_no_merged_with_formats_is_a_usage_error(tmp_path, pages):
    result = CliRunner().invoke(cli, ["build", str(pages), "-o", str(tmp_path / "o"), "--no-merged",
                                      "--format", "turtle"])
    assert result.exit_code == 2
    assert "leave out --format" in result.output


def test_load_reports_progress_in_bytes_up_to_the_whole(tmp_path, pages):
    out = tmp_path / "out"
    build([pages], out, jobs=1, merged=False)
    for store in (tmp_path / "fresh", tmp_path / "fresh"):  # a bulk load, then a reload
        seen: list[tuple[int, int]] = []

        def progress(done: int, total: int, seen=seen) -> None:
            seen.append((done, total))

        GraphStore(store).load([out], progress=progress)
        assert seen, "no progress reported"
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        assert seen[-1][0] == seen[-1][1] == PartsReader(out).size


def test_a_page_that_fails_now_is_wanted_by_the_pages_rebuilt_beside_it(tmp_path):
    """A rebuild in which a page fails that did not before reads the unchanged pages' full links
    again from their entries; the links of the pages rebuilt now to the failed page are kept too,
    so the wanted graph is a fresh build's."""
    src = tmp_path / "pages"
    (src / "Main").mkdir(parents=True)

    def write(name: str, text: str) -> None:
        (src / "Main" / name).write_text(text)

    write("AlphaTrope.txt", "Alpha. See also ZetaTrope.\n\n!!Examples\n* ''Film/Movie1'': x\n")
    write("BetaTrope.txt", "Beta. See also AlphaTrope.\n\n!!Examples\n* ''Film/Movie3'': yes.\n")
    write("GammaTrope.txt", "Gamma.\n\n!!Examples\n* ''Film/KnownFilm'': ok.\n")
    out = tmp_path / "out"
    build([src], out, jobs=1, merged=False)
    write("BetaTrope.txt", "Beta changed. SubTrope of AlphaTrope.\n\n!!Examples\n* ''Film/Movie3'': yes.\n")
    write("AlphaTrope.txt", "bad\x00")
    report = build([src], out, jobs=1, merged=False)
    assert [f["path"] for f in report.failed] == [str(src / "Main" / "AlphaTrope.txt")]
    rebuilt = published(out, "graphs.nq").read_bytes()
    fresh = tmp_path / "fresh"
    build([src], fresh, jobs=1, merged=False)
    assert rebuilt == published(fresh, "graphs.nq").read_bytes()
    assert b"/resource/Main/AlphaTrope>" in rebuilt  # wanted: Beta links to it, and it failed
