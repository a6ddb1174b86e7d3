"""Pages that state more than a build holds at once: spooled to disk a chunk at a time, they give
the same graph (the same canonical N-Quads, byte for byte) as if held, from a fresh build, from the
cache and from parallel workers; and one such page's peak memory stays a bounded multiple of its
size (the full measurement is ``benchmarks/page_memory.py``)."""

from __future__ import annotations

import io
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
    monkeypatch.setattr(page_module, "HOLD", 1_400)
    monkeypatch.setattr(outputs_module, "WANTED_CHUNK", 500)
    monkeypatch.setattr(spool_module, "RUN_BYTES", 50_000)
    # and the merged graph: runs of a few lines, a subject's 1,500 mentions written in pieces
    monkeypatch.setattr(merged_module, "RUN_BYTES", 30_000)
    monkeypatch.setattr(merged_module, "BATCH_LINES", 200)


def _spool_files_made(monkeypatch) -> list[str]:
    """The names of the spool files the build makes from now on (nquads, run, refs ...)."""
    spooled: list[str] = []
    real = spool_module.SpoolFile.__init__

    def counting(self, folder, name):
        spooled.append(name)
        real(self, folder, name)

    monkeypatch.setattr(spool_module.SpoolFile, "__init__", counting)
    return spooled


def test_a_spooled_page_gives_the_same_graph_as_a_held_one(pages, held, tmp_path, monkeypatch):
    _spooling(monkeypatch)
    spooled = _spool_files_made(monkeypatch)
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
    smaller; then about 180 times, most of it the build's fixed buffers (a chunk of quads, a run
    of the merged graph's sort), which a bigger page does not grow (at 4 MB, read as a stream,
    under 20 times: see benchmarks/page_memory.py). The bound leaves a third for noise."""
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


def test_a_page_linking_to_many_wanted_pages_is_not_held_by_the_main_process(pages, held, tmp_path, monkeypatch):
    """A row's links past HELD_REFS go to a spool file, and every link on its way to the wanted
    graph is sorted on disk: the outputs and the manifest are the bytes a held build gives."""
    monkeypatch.setattr(outputs_module, "HELD_REFS", 100)
    monkeypatch.setattr(spool_module, "RUN_BYTES", 20_000)  # the links' sort spills several runs
    spooled = _spool_files_made(monkeypatch)
    out = tmp_path / "out"
    build([pages], out, jobs=1, cache=False)
    assert "refs" in spooled and spooled.count("run") > 3
    for name in (OUTPUT_FILES["nquads"], "graphs.nq", "manifest.json"):
        assert (out / name).read_bytes() == (held / name).read_bytes(), name
    manifest = json.loads((out / "manifest.json").read_text())
    [row] = [r for r in manifest["pages"] if r[0] == "Main/ManyLinks"]
    assert len(row[8]) >= 1500
    version = out / os.readlink(out / ".current")
    assert not (version / ".spool").exists()  # the spooled links go once the manifest is written


def test_the_manifest_is_written_a_row_at_a_time_as_one_json_document(tmp_path):
    from tropekg.build.manifest import Manifest, PageRow

    rows = [PageRow("Main/A", "k" * 64, 10, 20, "trope", 5, 1, [{"line": 2, "message": "é \"x\""}],
                    [("main/b", "Main/B", "Trope"), ("film/c", "Film/C", None)], {"triples": 3}),
            PageRow("Main/Z", "z" * 64, -1, 0, "work", 0, 0, [], [], {}, 7, 8)]
    manifest = Manifest(tmp_path / ".cache", rows, ["main/q"], "cfg")
    doc = {"format": 3, "pages": [r.to_json() for r in rows]}
    written = io.BytesIO()
    manifest.write(written)
    data = written.getvalue()
    parsed = json.loads(data)
    assert parsed["pages"] == doc["pages"] and parsed["failed_keys"] == ["main/q"]
    assert data == json.dumps(parsed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def test_wanted_links_keep_the_first_spelling_and_the_best_class(tmp_path, monkeypatch):
    """As the dict they replace: per key, the spelling of its first link (page order, then link
    order) and the class of :func:`_better_class`, keys in order, whatever the runs spilled."""
    monkeypatch.setattr(spool_module, "RUN_BYTES", 200)
    wanted = outputs_module._WantedRefs(tmp_path / "spool")
    wanted.add(1, [("main/zed", "Main/Zed", None), ("film/a", "Film/A", "Film"), ("main/b", "Main/b", "Trope")])
    wanted.add(0, [("main/b", "Main/B", None), ("main/b", "Main/BB", "Creator")])
    wanted.add(2, [("main/zed", "Main/ZED", "Trope")] + [(f"main/x{i:03d}", f"Main/X{i:03d}", None)
                                                         for i in range(50)])
    items = list(wanted.items())
    assert [k for k, _, _ in items] == sorted(k for k, _, _ in items) and len(items) == 53
    found = {k: (s, c) for k, s, c in items}
    assert found["main/b"] == ("Main/B", "Creator")   # row 0 first; Creator beats Trope and None
    assert found["main/zed"] == ("Main/Zed", "Trope")
    assert found["film/a"] == ("Film/A", "Film")
    assert not list((tmp_path / "spool").glob("*.run"))  # the runs are gone once read


def test_a_page_under_the_hold_limit_gives_the_bytes_of_one_chunk(tmp_path, monkeypatch):
    """A page of 14,000 quads is mapped 5,000 at a time but held and serialised whole: every
    output, TriG included, is the bytes of mapping it in one chunk."""
    main = tmp_path / "pages" / "Main"
    main.mkdir(parents=True)
    lines = ["A trope where things happen.", "", "!!Examples:"]
    for i in range(250):
        lines.append(f"* ''Film/MovieNumber{i}'': The hero does SomeThing{i} and OtherThing{i % 50}.")
        lines.append(f"** ''Series/ShowNumber{i}'': also it happens.")
    (main / "FooTrope.txt").write_text("\n".join(lines) + "\n")
    outs = {}
    chunked = page_module.CHUNK
    for name, chunk in (("chunked", chunked), ("whole", 10**9)):
        monkeypatch.setattr(page_module, "CHUNK", chunk)
        report = build([tmp_path / "pages"], tmp_path / name, jobs=1, cache=False)
        outs[name] = tmp_path / name
    assert chunked * 2 < report.quads <= page_module.HOLD
    for fmt in OUTPUT_FILES.values():
        assert (outs["chunked"] / fmt).read_bytes() == (outs["whole"] / fmt).read_bytes(), fmt


def test_a_row_with_many_links_leaves_them_to_its_cache_entry(pages, held, tmp_path, monkeypatch):
    """Past INLINE_LINKS a row's links are not written in the manifest (a rebuild reads the
    manifest whole): a rebuild taking the page from the manifest reads them from its entry, as
    they are used, and gives the held build's dataset and wanted pages again."""
    import tropekg.build.manifest as manifest_module

    monkeypatch.setattr(manifest_module, "INLINE_LINKS", 100)
    monkeypatch.setattr(outputs_module, "HELD_REFS", 100)
    out = tmp_path / "out"
    build([pages], out, jobs=1, merged=False)
    rows = {r[0]: r for r in json.loads((out / "manifest.json").read_text())["pages"]}
    assert rows["Main/ManyLinks"][8] is None and rows["Main/SmallTrope"][8] is not None
    read: list[Path] = []
    real = cache_module.references_in

    def reading(path):
        read.append(Path(path))
        return real(path)

    monkeypatch.setattr(cache_module, "references_in", reading)
    again = build([pages], out, jobs=1, merged=False)
    left = {cache_module.entry_path(out / cache_module.CACHE_DIR, r[1]) for r in rows.values() if r[8] is None}
    assert again.cached == 3 and set(read) == left and len(read) == len(left) == 2  # ManyExamples too
    with PartsReader(out) as reader:
        assert _without_files(reader.read()) == _without_files((held / OUTPUT_FILES["nquads"]).read_bytes())
    assert _without_files((out / "graphs.nq").read_bytes()) == _without_files((held / "graphs.nq").read_bytes())
    # an entry damaged since: the page is built again from its source
    entry = cache_module.entry_path(out / cache_module.CACHE_DIR, rows["Main/ManyLinks"][1])
    os.chmod(entry, 0o644)
    entry.write_bytes(b"not an entry\n")
    third = build([pages], out, jobs=1, merged=False)
    assert third.cached == 2
    assert _without_files((out / "graphs.nq").read_bytes()) == _without_files((held / "graphs.nq").read_bytes())
    # and one that cannot give its links once the build has taken it is a clear error
    monkeypatch.setattr(cache_module, "references_in", lambda path: None)
    with pytest.raises(outputs_module.BuildError, match="cannot be read: build again with --no-cache"):
        build([pages], out, jobs=1, merged=False)
