"""The forms people hold pages in: folders of saved pages with any names, files named after the
site's addresses (wget), gzip-compressed pages (scrapers' caches), web archives (WARC), the
crawler's aliases, and one rule for two inputs that are the same page.

Every fixture is written here at test time: gzip files with Python's gzip, WARC files with warcio's
writer (the library real crawls use), from the shared real pages in ``../shared/html`` (never
copied into the repository) and small hand-written pages.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tropekg.build import OUTPUT_FILES, build, discover
from tropekg.cli import cli
from tropekg.markup.parse import parse_file, parse_records
from tropekg.readers import PageError, reader_for
from tropekg.readers.aliases import read_aliases
from tropekg.readers.compressed import gunzip_file

REPO_ROOT = Path(__file__).resolve().parents[1]
HTML = REPO_ROOT.parent / "shared" / "html"
SITE = "https://tvtropes.org/pmwiki/pmwiki.php/"
TK = "https://w3id.org/tropekg/ontology#"
RES = "https://w3id.org/tropekg/resource/"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
CANONICAL = re.compile(rb'<link rel="canonical" href="[^"]*pmwiki\.php/([A-Za-z0-9]+)/([A-Za-z0-9]+)"')


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML / "README.md").is_file():
        pytest.skip(f"real rendered pages not found at {HTML} (a checkout outside the shared setup)")
    return HTML


def shared_pages(html_dir: Path) -> dict[str, bytes]:
    """The shared pages by the title each names for itself."""
    out = {}
    for path in sorted(html_dir.glob("*.html")):
        data = path.read_bytes()
        m = CANONICAL.search(data)
        out[f"{m.group(1).decode()}/{m.group(2).decode()}"] = data
    return out


def small_page(title: str, text: str = "A page.", canonical: bool = True) -> bytes:
    """A hand-written rendered page (a trope page with one example)."""
    link = f'<link rel="canonical" href="{SITE}{title}">' if canonical else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8">{link}<title>{title} - TV Tropes</title>'
            f'</head><body><div id="main-article"><p>{text}</p><h2>Examples:</h2><ul><li>'
            f'<a class="twikilink" href="/pmwiki/pmwiki.php/Film/RushHour">Rush Hour</a>: used.</li></ul>'
            f"</div></body></html>").encode()


# -- writing web archives as crawlers do -----------------------------------------------------------

def chunked(body: bytes, size: int = 7000) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def write_warc(path: Path, records: list[dict], *, per_record_gzip: bool = True) -> Path:
    """A WARC file of the given records: each a dict with ``url``, and ``type`` (response by
    default), ``status``, ``headers``, ``body``, ``date``."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=per_record_gzip)
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tropekg tests"}))
    for r in records:
        kind = r.get("type", "response")
        if kind == "request":
            http = StatusAndHeaders(f"GET {r['url']} HTTP/1.1", [("Host", "tvtropes.org")], is_http_request=True)
            body = b""
        else:
            headers = r.get("headers", [("Content-Type", "text/html; charset=UTF-8")])
            http = StatusAndHeaders(r.get("status", "200 OK"), headers, protocol="HTTP/1.1")
            body = r.get("body", b"")
        record = writer.create_warc_record(r["url"], kind, payload=io.BytesIO(body), http_headers=http,
                                           warc_headers_dict={"WARC-Date": r.get("date", "2021-06-01T10:00:00Z")})
        writer.write_record(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


def archive_of_shared_pages(path: Path, pages: dict[str, bytes]) -> Path:
    """The shared pages in a WARC as a crawl stores them, with a page sent chunked and gzip-encoded,
    and the records a crawl also holds: a request, a redirect, an image, another site, a 404."""
    records = []
    for i, (title, data) in enumerate(sorted(pages.items())):
        if i == 0:
            records.append({"url": SITE + title, "body": chunked(gzip.compress(data)),
                            "headers": [("Content-Type", "text/html; charset=ISO-8859-1"),
                                        ("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")]})
        else:
            records.append({"url": SITE + title, "body": data})
        records.append({"type": "request", "url": SITE + title})
    records += [
        {"url": SITE + "Main/FriendOrFoeTrope", "status": "301 Moved Permanently",
         "headers": [("Location", "/pmwiki/pmwiki.php/Main/FriendOrFoe")]},
        {"url": "https://tvtropes.org/img/logo.png", "body": b"\x89PNG\r\n", "headers": [("Content-Type", "image/png")]},
        {"url": SITE + "Main/Feed", "body": b"{}", "headers": [("Content-Type", "application/json")]},
        {"url": SITE + "Main/FriendOrFoe?action=edit", "body": small_page("Main/FriendOrFoe", "An edit form.")},
        {"url": "https://example.org/pmwiki/pmwiki.php/Main/HomePage", "body": small_page("Main/HomePage")},
        {"url": SITE + "Main/NoSuchPage", "status": "404 Not Found", "body": b"<html>gone</html>"},
    ]
    return write_warc(path, records)


def _store(out: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(out / OUTPUT_FILES["nquads"]), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def _objects(store: pyoxigraph.Store, subject: str, predicate: str) -> list[str]:
    return sorted(q.object.value for q in store.quads_for_pattern(
        pyoxigraph.NamedNode(subject), pyoxigraph.NamedNode(predicate), None))


def _source_paths(store: pyoxigraph.Store) -> dict[str, str]:
    rows = store.query(f"""PREFIX tk: <{TK}> SELECT ?page ?path WHERE {{ GRAPH ?g {{
        ?g tk:sourcePath ?path ; <http://xmlns.com/foaf/0.1/primaryTopic> ?page }} }}""")
    return {r["page"].value.removeprefix(RES): r["path"].value for r in rows}


# -- a folder of pages with any names ---------------------------------------------------------------

def test_pages_with_any_name_are_known_by_their_bytes(html_dir, tmp_path):
    pages = shared_pages(html_dir)
    folder = tmp_path / "saved"
    folder.mkdir()
    for i, data in enumerate(pages.values()):
        # no suffix, a misleading one, a browser's name with spaces
        name = (f"page{i}", f"page{i}.txt", f"Saved Page ({i}).htm", f"p{i}.dat")[i % 4]
        (folder / name).write_bytes(data)
    (folder / "notes.md").write_text("# not a page\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    out = tmp_path / "out"
    report = build([folder], out, jobs=1)
    assert report.failed == [] and report.pages == len(pages)
    assert set(_source_paths(_store(out))) == set(pages)


def test_hidden_folders_are_not_inputs(tmp_path):
    folder = tmp_path / "crawl"
    (folder / "Main").mkdir(parents=True)
    (folder / "Main" / "Alpha.html").write_bytes(small_page("Main/Alpha"))
    (folder / ".crawl").mkdir()
    (folder / ".crawl" / "Beta.html").write_bytes(small_page("Main/Beta"))
    (folder / ".crawl" / "state.sqlite").write_bytes(b"SQLite format 3\x00")
    found = discover([folder])
    assert [str(s.title) for s in found.sources] == ["Main/Alpha"] and found.failed == []


# -- files named after the site's addresses ---------------------------------------------------------

def test_a_wget_mirror_is_read(html_dir, tmp_path):
    """``wget -r`` saves https://tvtropes.org/pmwiki/pmwiki.php/Main/Foo as a file Foo in a folder
    Main in a folder pmwiki.php; with --adjust-extension as Foo.html; a query address as a name."""
    pages = shared_pages(html_dir)
    mirror = tmp_path / "tvtropes.org"
    for i, (title, data) in enumerate(sorted(pages.items())):
        ns, name = title.split("/")
        target = mirror / "pmwiki" / "pmwiki.php" / ns / (name + (".html" if i % 2 else ""))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    # pages that do not name themselves take the title from the address they were saved under
    (mirror / "pmwiki" / "pmwiki.php" / "Main" / "Alpha").write_bytes(small_page("Main/Alpha", canonical=False))
    (mirror / "pmwiki" / "pmwiki.php?title=Main.Beta").write_bytes(small_page("Main/Beta", canonical=False))
    (mirror / "pmwiki" / "pmwiki.php@n=Film.Gamma&action=view").write_bytes(
        small_page("Film/Gamma", canonical=False))
    # wiki source saved under an address-like path
    (mirror / "pmwiki" / "pmwiki.php" / "Main" / "Delta.txt").write_text("A trope.\n\n!!Examples:\n* RushHour: used.\n")
    out = tmp_path / "out"
    report = build([mirror], out, jobs=1)
    assert report.failed == []
    paths = _source_paths(_store(out))
    assert set(paths) == set(pages) | {"Main/Alpha", "Main/Beta", "Film/Gamma", "Main/Delta"}
    assert paths["Main/Alpha"] == "pmwiki/pmwiki.php/Main/Alpha"
    assert paths["Film/Gamma"] == "pmwiki/pmwiki.php@n=Film.Gamma&action=view"
    assert parse_file(mirror / "pmwiki" / "pmwiki.php?title=Main.Beta").title.name == "Beta"


# -- gzip-compressed pages ----------------------------------------------------------------------------

def test_gzip_pages_give_the_same_page_models_as_the_plain_files(html_dir, tmp_path):
    for i, path in enumerate(sorted(html_dir.glob("*.html"))):
        data = path.read_bytes()
        # tropescraper-style caches name files by a hash, with or without a suffix
        packed = tmp_path / (f"{path.name}.gz" if i % 2 else f"{i:08x}")
        packed.write_bytes(gzip.compress(data, mtime=0))
        assert reader_for(packed).name == "gzip-page"
        assert parse_file(packed).to_json() == parse_file(path).to_json()


def test_a_gzip_build_equals_the_plain_build_but_for_the_source_path(html_dir, tmp_path):
    plain, packed = tmp_path / "plain", tmp_path / "packed"
    plain.mkdir()
    packed.mkdir()
    for path in sorted(html_dir.glob("*.html")):
        (plain / path.name).write_bytes(path.read_bytes())
        (packed / path.name).write_bytes(gzip.compress(path.read_bytes(), mtime=0))  # .html, but gzip
    (packed / "Main").mkdir()
    source = b"A trope.\n\n!!Examples:\n* RushHour: used.\n"
    (plain / "Main.Delta").write_bytes(source)
    (packed / "Main" / "Delta.txt.gz").write_bytes(gzip.compress(source, mtime=0))
    a, b = build([plain], tmp_path / "a", jobs=1), build([packed], tmp_path / "b", jobs=1)
    assert a.failed == b.failed == [] and a.pages == b.pages == 8 and a.quads == b.quads
    # the same quads except the source path (tk:sourceSha256 is of the page's bytes, decompressed)
    def without_paths(out: Path) -> list[bytes]:
        return [q for q in (out / OUTPUT_FILES["nquads"]).read_bytes().splitlines() if b"#sourcePath>" not in q]
    assert without_paths(tmp_path / "a") == without_paths(tmp_path / "b")
    assert _source_paths(_store(tmp_path / "b"))["Main/Delta"] == "Main/Delta.txt.gz"


def test_a_gzip_bomb_is_refused_naming_the_file(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    bomb = folder / "Main.Bomb.html.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:  # a page's start, then 64 MB of blanks in ~64 KB
        f.write(small_page("Main/Bomb").split(b"<body>")[0] + b"<body>")
        for _ in range(64):
            f.write(b" " * (1024 * 1024))
    assert bomb.stat().st_size < 200_000
    (folder / "Main.Alpha.html").write_bytes(small_page("Main/Alpha"))
    with pytest.raises(PageError) as e:
        gunzip_file(bomb)
    assert str(e.value).startswith(str(bomb)) and "gzip bomb" in str(e.value)
    report = build([folder], tmp_path / "out", jobs=1)
    assert report.pages == 1
    assert [(f["path"], "gzip bomb" in f["reason"]) for f in report.failed] == [(str(bomb), True)]
    result = CliRunner().invoke(cli, ["parse", str(bomb)])
    assert result.exit_code == 2 and f"{bomb}: decompresses to more than" in result.stderr
    assert "Traceback" not in result.output


def test_damaged_gzip_pages_say_why(tmp_path):
    whole = gzip.compress(small_page("Main/Alpha"), mtime=0)
    (tmp_path / "truncated.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "garbage.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"not deflate at all" * 10)
    found = discover([tmp_path])
    reasons = {Path(f["path"]).name: f["reason"] for f in found.failed}
    assert "truncated" in reasons["truncated.gz"]
    assert "damaged" in reasons["garbage.gz"] or "not a gzip" in reasons["garbage.gz"]


# -- web archives ---------------------------------------------------------------------------------------

def test_a_warc_gives_the_same_page_models_as_the_plain_files(html_dir, tmp_path):
    pages = shared_pages(html_dir)
    archive = archive_of_shared_pages(tmp_path / "crawl.warc.gz", pages)
    records = list(parse_records(archive))
    assert [r.error for r in records] == [None] * len(pages)
    by_title = {str(r.page.title): r for r in records}
    assert set(by_title) == set(pages)
    for path in sorted(html_dir.glob("*.html")):
        plain = parse_file(path)
        record = by_title[str(plain.title)]
        assert record.origin == f"{archive}#{SITE}{plain.title}"
        assert record.page.to_json() == plain.to_json(), path.name


def test_a_warc_builds_each_page_with_its_own_address(html_dir, tmp_path):
    pages = shared_pages(html_dir)
    archive = archive_of_shared_pages(tmp_path / "in" / "crawl.warc.gz", pages)
    archive.parent.joinpath("stray.txt.bak").write_text("not a page")
    out = tmp_path / "out"
    report = build([archive.parent], out, jobs=1)
    assert report.failed == [] and report.pages == len(pages)
    store = _store(out)
    assert _source_paths(store) == {t: f"crawl.warc.gz#{SITE}{t}" for t in pages}
    (summary,) = report.archives
    assert summary["pages"] == len(pages) and summary["aliases"] == 1
    assert summary["skipped"] == {
        "a request record, not a response": len(pages), "a warcinfo record, not a response": 1,
        "HTTP status 404": 1, "not HTML (application/json)": 1, "not a wiki page's address": 2,
        "another view of a page (an address with a query)": 1}
    # the redirect is another name of its target
    friend = RES + "Main/FriendOrFoe"
    assert _objects(store, friend, TK + "alternativeWikiName") == ["Main/FriendOrFoeTrope"]
    assert "Friend or Foe Trope" in _objects(store, friend, SKOS_ALT)
    # the command line names the archive and what it skipped
    result = CliRunner().invoke(cli, ["build", str(archive), "-o", str(tmp_path / "cli"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert f"archive:       {archive}: {len(pages)} pages, 1 redirects, {len(pages) + 6} other records" in result.stdout


def test_the_parse_command_reads_every_page_of_a_warc(html_dir, tmp_path):
    pages = shared_pages(html_dir)
    archive = archive_of_shared_pages(tmp_path / "crawl.warc", pages)
    result = CliRunner().invoke(cli, ["parse", "--summary", str(archive)])
    assert result.exit_code == 0, result.output
    assert sorted(line.split("\t")[0] for line in result.stdout.splitlines()) == sorted(pages)
    as_json = CliRunner().invoke(cli, ["parse", str(archive)])
    decoder, text, models = json.JSONDecoder(), as_json.stdout, []
    while text.strip():
        model, end = decoder.raw_decode(text.lstrip())
        models.append(model)
        text = text.lstrip()[end:]
    assert sorted(m["title"] for m in models) == sorted(pages)


def _renamed_copies(pages: dict[str, bytes], copies: int) -> list[tuple[str, bytes]]:
    out = []
    for title, data in sorted(pages.items()):
        for i in range(copies):
            new = f"{title}Copy{i}"
            out.append((new, data.replace(f'pmwiki.php/{title}"'.encode(), f'pmwiki.php/{new}"'.encode())))
    return out


def test_a_warc_build_is_the_same_in_parallel_and_from_the_cache(html_dir, tmp_path):
    copies = _renamed_copies(shared_pages(html_dir), 2)
    archive = write_warc(tmp_path / "many.warc", [{"url": SITE + t, "body": d} for t, d in copies],
                         per_record_gzip=False)
    one, two = tmp_path / "one", tmp_path / "two"
    first = build([archive], one, jobs=1, cache=False)
    second = build([archive], two, jobs=2)
    assert first.failed == second.failed == [] and first.pages == len(copies) == 14
    for fmt in ("nquads", "turtle"):
        assert (one / OUTPUT_FILES[fmt]).read_bytes() == (two / OUTPUT_FILES[fmt]).read_bytes()
    again = build([archive], two, jobs=2)
    assert again.cached == 14 and (two / OUTPUT_FILES["nquads"]).read_bytes() == (one / OUTPUT_FILES["nquads"]).read_bytes()


def test_damaged_archives_keep_the_pages_before_the_damage(tmp_path):
    records = [{"url": SITE + f"Main/Page{i}", "body": small_page(f"Main/Page{i}")} for i in range(4)]
    whole = write_warc(tmp_path / "whole.warc.gz", records).read_bytes()
    cut = tmp_path / "cut" / "cut.warc.gz"
    cut.parent.mkdir()
    cut.write_bytes(whole[: int(len(whole) * 0.8)])
    report = build([cut.parent], tmp_path / "out", jobs=1)
    assert 1 <= report.pages < 4
    (failure,) = report.failed
    assert failure["path"] == str(cut) and "WARC" in failure["reason"]
    # a WARC compressed whole cannot be read record by record: says how to fix it
    single = write_warc(tmp_path / "single" / "one-stream.warc.gz", records, per_record_gzip=False)
    single.write_bytes(gzip.compress(single.read_bytes()))  # one gzip stream over the whole file
    found = discover([single.parent])
    assert any("warcio recompress" in f["reason"] for f in found.failed), found.failed
    # a file named .warc that is not one
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "fake.warc").write_bytes(b"hello, not an archive\n")
    found = discover([tmp_path / "fake"])
    assert [f["path"] for f in found.failed] == [str(tmp_path / "fake" / "fake.warc")]
    assert "not a readable WARC file" in found.failed[0]["reason"]


def test_an_oversized_record_body_is_refused(tmp_path):
    big = small_page("Main/Big").replace(b"A page.", b"x" * (21 * 1024 * 1024))
    archive = write_warc(tmp_path / "big.warc.gz", [{"url": SITE + "Main/Big", "body": big},
                                                    {"url": SITE + "Main/Small", "body": small_page("Main/Small")}])
    report = build([archive], tmp_path / "out", jobs=1)
    assert report.pages == 1
    (failure,) = report.failed
    assert failure["path"] == f"{archive}#{SITE}Main/Big" and "more than" in failure["reason"]


# -- the same page twice ----------------------------------------------------------------------------------

def test_which_input_wins_when_two_are_the_same_page(tmp_path):
    source = tmp_path / "source"
    (source / "Main").mkdir(parents=True)
    (source / "Main" / "Alpha.txt").write_text("The markup.\n\n!!Examples:\n* RushHour: used.\n")
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "alpha.html").write_bytes(small_page("Main/Alpha", "A saved file."))
    (saved / "alpha-packed").write_bytes(gzip.compress(small_page("Main/Alpha", "A packed file."), mtime=0))
    archive = write_warc(tmp_path / "crawl.warc.gz", [
        {"url": SITE + "Main/Alpha", "body": small_page("Main/Alpha", "Older capture."), "date": "2020-01-01T00:00:00Z"},
        {"url": SITE + "Main/Alpha", "body": small_page("Main/Alpha", "Newer capture."),
         "date": "2021-01-01T00:00:00.5Z"},
        {"url": SITE + "Main/alpha", "body": small_page("Main/Alpha", "Same day, earlier."), "date": "2021-01-01T00:00:00Z"},
    ])

    def kept(*inputs: Path) -> tuple[str, list[str]]:
        found = discover(list(inputs))
        (src,) = found.sources
        assert all(f["reason"] == f"a second input for page Main/Alpha (kept: {src.where})" for f in found.failed)
        return src.where, sorted(f["path"] for f in found.failed)

    # wiki source beats any rendered page, whatever the order of the inputs
    for order in ((source, saved, archive), (archive, saved, source)):
        where, losers = kept(*order)
        assert where == str(source / "Main" / "Alpha.txt") and len(losers) == 5
    # then the newest archive record (fractions of a second count), before any undated file
    where, losers = kept(saved, archive)
    assert where == f"{archive}#{SITE}Main/Alpha"
    assert str(saved / "alpha.html") in losers and f"{archive}#{SITE}Main/alpha" in losers
    # then the input given first, then the path
    assert kept(saved)[0] == str(saved / "alpha-packed")
    other = tmp_path / "other"
    other.mkdir()
    (other / "zzz.html").write_bytes(small_page("Main/Alpha", "Another copy."))
    assert kept(other, saved)[0] == str(other / "zzz.html")
    assert kept(saved, other)[0] == str(saved / "alpha-packed")
    # the build reads the kept one and lists the other naming both
    report = build([saved, archive], tmp_path / "out", jobs=1)
    assert report.pages == 1 and len(report.failed) == 4
    page = parse_file(saved / "alpha.html")
    assert page.description == "A saved file."
    store = _store(tmp_path / "out")
    assert _objects(store, RES + "Main/Alpha", "http://www.w3.org/2004/02/skos/core#definition") == ["Newer capture."]


# -- aliases --------------------------------------------------------------------------------------------------

def test_the_crawlers_aliases_become_other_names(tmp_path):
    pages = tmp_path / "pages"
    (pages / "Main").mkdir(parents=True)
    for name in ("Alpha", "Beta"):
        (pages / "Main" / f"{name}.html").write_bytes(small_page(f"Main/{name}"))
    (pages / "aliases.tsv").write_text(
        "Main/OldAlpha\tMain/Alpha\n"            # kept
        "Main/AlphaTrope\tMain/OldAlpha\n"       # a chain, followed to Main/Alpha
        "Main/OldBeta\tMain/Beta\n"
        "Main/OldBeta\tMain/Alpha\n"             # 4: the same alias elsewhere: the first kept
        "Main/Gone\tMain/NotBuilt\n"             # a page not in the build: not an error
        "Main/Beta\tMain/Alpha\n"                # 6: a page of its own
        "Main/Loop1\tMain/Loop2\nMain/Loop2\tMain/Loop1\n"  # 7, 8: a circle
        "just one field\n"                       # 9
        "Main/Bad Name\tMain/Alpha\n"            # 10
        "Main/Self\tMain/Self\n"                 # 11
        "# a comment\n\n")
    out = tmp_path / "out"
    report = build([pages], out, jobs=1)
    assert report.failed == [] and report.aliases == 3
    store = _store(out)
    assert _objects(store, RES + "Main/Alpha", TK + "alternativeWikiName") == ["Main/AlphaTrope", "Main/OldAlpha"]
    assert _objects(store, RES + "Main/Alpha", SKOS_ALT) == ["Alpha Trope", "Old Alpha"]
    assert _objects(store, RES + "Main/Beta", TK + "alternativeWikiName") == ["Main/OldBeta"]
    warned = {(w["line"], w["message"].split(";")[0]) for w in report.input_warnings}
    aliases_tsv = str(pages / "aliases.tsv")
    assert {w["path"] for w in report.input_warnings} == {aliases_tsv}
    assert warned == {
        (4, "Main/OldBeta is said to lead to Main/Alpha, but " + aliases_tsv + ":3 says Main/Beta"),
        (6, "Main/Beta is a page of its own"),
        (7, "Main/Loop1 leads in a circle of aliases"),
        (8, "Main/Loop2 leads in a circle of aliases"),
        (9, "expected an alias title, a tab and a page title"),
        (10, "'Main/Bad Name' is not a page title (Namespace/PageName)"),
        (11, "Main/Self is given as an alias of itself"),
    }
    result = CliRunner().invoke(cli, ["build", str(pages), "-o", str(tmp_path / "cli"), "--jobs", "1"])
    assert result.exit_code == 0 and f"tropekg: warning: {aliases_tsv}:9: expected" in result.stderr
    assert "aliases:       3 other names" in result.stdout
    # the graph with aliases validates against the shapes
    from tropekg.validate import validate_build
    assert validate_build(out, jobs=1).conforms


@pytest.mark.parametrize(("data", "says"), [
    (b"Main/A\tMain/B\n\x00\x01", "NUL"),
    (b"Main/Caf\xe9\tMain/B\n", "not UTF-8"),
])
def test_an_aliases_file_that_is_not_text_is_refused_whole(tmp_path, data, says):
    (tmp_path / "aliases.tsv").write_bytes(data)
    aliases, warnings = read_aliases(tmp_path / "aliases.tsv")
    assert aliases == [] and len(warnings) == 1 and says in warnings[0][1]


def test_a_build_reads_what_the_crawler_wrote(tmp_path):
    """The crawler's own writer, so the two cannot drift apart."""
    from tropekg.readers.crawl import PageFolder

    pages = tmp_path / "pages"
    (pages / "Main").mkdir(parents=True)
    (pages / "Main" / "NewName.html").write_bytes(small_page("Main/NewName"))
    PageFolder(pages).write_aliases([("Main/OldName", "Main/NewName")])
    report = build([pages], tmp_path / "out", jobs=1)
    assert report.failed == [] and report.aliases == 1
    page = json.loads(CliRunner().invoke(cli, ["parse", str(pages / "Main" / "NewName.html")]).stdout)
    assert page["aliases"] == []  # parse reads one page; the build gives it its other names
    assert _objects(_store(tmp_path / "out"), RES + "Main/NewName", TK + "alternativeWikiName") == ["Main/OldName"]


def test_shared_pages_in_every_form_at_once(html_dir, tmp_path):
    """A plain folder, the same pages gzipped and in a WARC: one page each, the others reported.
    Between the plain and the gzipped files the input given first is kept, and the graph is the
    plain folder's; a dated archive record beats both."""
    pages = shared_pages(html_dir)
    packed = tmp_path / "packed"
    packed.mkdir()
    for path in html_dir.glob("*.html"):
        (packed / (path.name + ".gz")).write_bytes(gzip.compress(path.read_bytes(), mtime=0))
    plain = tmp_path / "plain"
    shutil.copytree(html_dir, plain, ignore=shutil.ignore_patterns("README.md"))
    archive = archive_of_shared_pages(tmp_path / "crawl.warc.gz", pages)
    alone = build([plain], tmp_path / "alone", jobs=1)
    mixed = build([plain, packed], tmp_path / "mixed", jobs=1)
    assert mixed.pages == alone.pages == len(pages) and len(mixed.failed) == len(pages)
    assert (tmp_path / "alone" / "dataset.nq").read_bytes() == (tmp_path / "mixed" / "dataset.nq").read_bytes()
    with_archive = build([plain, packed, archive], tmp_path / "with-archive", jobs=1)
    assert with_archive.pages == len(pages) and len(with_archive.failed) == 2 * len(pages)
    assert set(_source_paths(_store(tmp_path / "with-archive")).values()) == {
        f"{tmp_path.name}/crawl.warc.gz#{SITE}{t}" for t in pages}  # a file given alone: its folder and name
