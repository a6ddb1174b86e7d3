"""Pages that state more than a build holds at once: spooled to disk a chunk at a time, they give
the same graph (the same canonical N-Quads, byte for byte) as if held, from a fresh build, from the
cache and from parallel workers; and one such page's peak memory stays a bounded multiple of its
size (the full measurement is ``benchmarks/page_memory.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest

import tropekg.build.cache as cache_module
import tropekg.build.merged as merged_module
import tropekg.build.outputs as outputs_module
import tropekg.build.page as page_module
import tropekg.build.spool as spool_module
from tropekg.build import OUTPUT_FILES, PART_FILES, build
from tropekg.build.manifest import PartsReader

ROOT = Path(__file__).resolve().parents[1]
FORMATS = {"nquads": pyoxigraph.RdfFormat.N_QUADS, "trig": pyoxigraph.RdfFormat.TRIG,
           "turtle": pyoxigraph.RdfFormat.TURTLE, "jsonld": pyoxigraph.RdfFormat.JSON_LD}


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    """A trope page of 600 example bullets (about 8,000 quads), naming 300 works twice each, 300
    bullets apart (so what is said of a work comes again in a later chunk), and a page linking to
    1,500 pages no page describes; plus a small one."""
    root = tmp_path_factory.mktemp("big-pages")
    main = root / "Main"
    main.mkdir()
    bullets = "".join(f"* ''Film/BigWork{i % 300}'': a hero of {i} spares TheVillain{i % 7} [[spoiler:again]].\n"
                      for i in range(600))
    (main / "ManyExamples.txt").write_text(f"A trope with many examples. A SubTrope of TheHero.\n{bullets}")
    links = " ".join(f"LinkedTrope{i}" for i in range(1500))
    (main / "ManyLinks.txt").write_text(f"A trope that mentions a lot: {links}.\n")
    (main / "SmallTrope.txt").write_text("A small trope. See also ManyExamples.\n* ''Film/BigWork1'': yes.\n")
    return root


def _graphs(out: Path) -> dict[str, set]:
    def statements(name, fmt):
        return {str(q) for q in pyoxigraph.parse(path=str(out / OUTPUT_FILES[name]), format=fmt)}
    return {name: statements(name, fmt) for name, fmt in FORMATS.items()}


@pytest.fixture(scope="module")
def held(pages, tmp_path_factory) -> Path:
    """The pages built with everything held in memory, as before chunks."""
    out = tmp_path_factory.mktemp("held")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(page_module, "CHUNK", 10**9)
        mp.setattr(outputs_module, "WANTED_CHUNK", 0)
        build([pages], out, jobs=1, cache=False)
    return out


def _spooling(monkeypatch) -> None:
    """Chunks small enough that both big pages and the wanted pages' graph are spooled, and sort
    runs small enough that several are merged."""
    monkeypatch.setattr(page_module, "CHUNK", 700)
    monkeypatch.setattr(outputs_module, "WANTED_CHUNK", 500)
    monkeypatch.setattr(spool_module, "RUN_BYTES", 50_000)
    # and the merged graph: runs of a few lines, a subject's 1,500 mentions written in pieces
    monkeypatch.setattr(merged_module, "RUN_BYTES", 30_000)
    monkeypatch.setattr(merged_module, "BATCH_LINES", 200)


def test_a_spooled_page_gives_the_same_graph_as_a_held_one(pages, held, tmp_path, monkeypatch):
    _spooling(monkeypatch)
    spooled: list[str] = []
    real = spool_module.SpoolFile.__init__

    def counting(self, folder, name):
        spooled.append(name)
        real(self, folder, name)

    monkeypatch.setattr(spool_module.SpoolFile, "__init__", counting)
    out = tmp_path / "out"
    report = build([pages], out, jobs=1, cache=False)
    assert {"nquads", "trig", "triples", "references", "run", "wanted"} <= set(spooled)
    assert report.pages == 3 and report.wanted_pages > 1500
    nquads = OUTPUT_FILES["nquads"]
    assert (out / nquads).read_bytes() == (held / nquads).read_bytes()  # canonical: byte for byte
    # later chunks repeat the trope's typing (the mapper forgets what it stated a chunk ago): the
    # page's quads are counted once each, as when held
    held_report = json.loads((held / "report.json").read_text())
    assert report.quads == held_report["quads"] and report.triples == held_report["triples"]
    assert _graphs(out) == _graphs(held)
    version = out / os.readlink(out / ".current")
    assert sorted(p.name for p in version.iterdir()) == sorted([*OUTPUT_FILES.values(), *PART_FILES, "report.json"])


def test_spooled_pages_come_back_whole_from_the_cache_and_from_parallel_workers(pages, held, tmp_path,
                                                                                  monkeypatch):
    _spooling(monkeypatch)
    monkeypatch.setattr(cache_module, "_HOLD_LIMIT", 10_000)  # cache entries read a piece at a time
    out = tmp_path / "out"
    build([pages], out, jobs=2)
    read_back: list[set[type]] = []
    real = cache_module.read_entry

    def reading(path):
        result = real(path)
        read_back.append({type(block) for block in result.blocks.values()})
        return result

    monkeypatch.setattr(cache_module, "read_entry", reading)
    again = build([pages], out, jobs=2)
    assert again.cached == 3
    assert {spool_module.SpooledBlock} in read_back
    nquads = OUTPUT_FILES["nquads"]
    assert (out / nquads).read_bytes() == (held / nquads).read_bytes()
    assert _graphs(out) == _graphs(held)


def _without_files(data: bytes) -> bytes:
    """N-Quads without the description's list of merged files (a build of page parts has none)."""
    return b"\n".join(line for line in data.split(b"\n") if b"/distribution/" not in line)


def test_spooled_pages_as_page_parts_read_back_as_the_held_dataset(pages, held, tmp_path, monkeypatch):
    """Without merged files a spooled page's parts (its shared triples, its own counts, its
    links, a piece at a time) give the dataset a held build gives, counts of the merged graph
    included; and a rebuild that takes every page from the manifest gives it again."""
    _spooling(monkeypatch)
    monkeypatch.setattr(cache_module, "_HOLD_LIMIT", 10_000)
    out = tmp_path / "out"
    report = build([pages], out, jobs=2, merged=False)
    assert report.wanted_pages > 1500

    def parts() -> bytes:
        with PartsReader(out) as reader:
            return reader.read()

    expected = _without_files((held / OUTPUT_FILES["nquads"]).read_bytes())
    assert _without_files(parts()) == expected
    again = build([pages], out, jobs=1, merged=False)
    assert again.cached == 3 and _without_files(parts()) == expected


def test_a_page_of_link_bullets_builds_in_bounded_memory(tmp_path):
    """12,000 one-link bullets (250 KB, 160,000 quads) took over 700 times their size to build
    before pages were spooled, 590 times before the tree was let go as read and the buffers made
    smaller; now about 180 times, most of it the build's fixed buffers (a chunk of 20,000 quads,
    a run of the merged graph's sort), which a bigger page does not grow (at 4 MB, about 40 times:
    see benchmarks/page_memory.py). The bound leaves a third for noise."""
    main = tmp_path / "pages" / "Main"
    main.mkdir(parents=True)
    (main / "Tiny.txt").write_text("A trope page.\n")
    (main / "Bullets.txt").write_text("A trope page.\n" + "".join(f"* ''Film/W{i:06d}'' x\n" for i in range(12_000)))

    def peak(page: Path) -> int:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        proc = subprocess.Popen([sys.executable, "-m", "tropekg.cli", "build", str(page), "-o",
                                 str(tmp_path / f"out-{page.stem}"), "-q", "--jobs", "1", "--no-cache"], env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        return usage.ru_maxrss * 1024

    size = (main / "Bullets.txt").stat().st_size
    assert (peak(main / "Bullets.txt") - peak(main / "Tiny.txt")) / size < 250


def test_a_text_too_long_for_a_store_is_cut_with_a_warning(tmp_path, monkeypatch):
    """Oxigraph's parser refuses a literal over 16 MB: a 30 MB example line built, but its dataset
    could not be loaded (and the merged graph could not be written). Text over the limit is cut in
    the graph, never in the page model, and the page says so."""
    import tropekg.rdf.mapping as mapping_module

    assert mapping_module.LITERAL_LIMIT * 4 + 100 < 16 * 2**20  # even all 4-byte UTF-8, under the limit
    monkeypatch.setattr(mapping_module, "LITERAL_LIMIT", 2_000)
    main = tmp_path / "pages" / "Main"
    main.mkdir(parents=True)
    (main / "LongExample.txt").write_text("A trope.\n* ''Film/LongFilm'': " + "a hero spares the villain " * 400 + "\n")
    out = tmp_path / "out"
    report = build([tmp_path / "pages"], out, jobs=1)
    [warning] = report.page_warnings["Main/LongExample"]
    assert warning["line"] == 2 and "cut to its first 2,000" in warning["message"]
    texts = [q.object.value for q in pyoxigraph.parse(path=str(out / OUTPUT_FILES["nquads"]),
                                                     format=pyoxigraph.RdfFormat.N_QUADS)
             if q.predicate.value.endswith("#text")]
    assert len(texts) == 1 and len(texts[0]) == 2_000 + len(" [...]") and texts[0].endswith(" [...]")
