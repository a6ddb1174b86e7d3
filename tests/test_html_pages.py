"""Rendered HTML pages: the real ones in ``../shared/html`` read as their README says, every trope
bullet of a work page found, the hand-written cases in ``tests/html_cases``, and builds of HTML
(alone and with markup) that agree with the markup reader and are deterministic.

The real pages are never copied here; the tests read them from the shared folder (and skip with a
reason where it is absent, as the markup corpus tests do).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from lxml import etree

from tests.test_markup_cases import load_cases, mismatches
from tropekg.build import OUTPUT_FILES, build
from tropekg.cli import cli
from tropekg.markup import tree as N
from tropekg.markup.html import read_article
from tropekg.markup.parse import parse_bytes, parse_file
from tropekg.readers.html import decode_html, html_title, looks_like_html, wiki_title
from tropekg.readers.source import PageError
from tropekg.titles import parse_title

REPO_ROOT = Path(__file__).resolve().parents[1]
HTML = REPO_ROOT.parent / "shared" / "html"
CORPUS = REPO_ROOT.parent / "shared" / "corpus"
CASES_DIR = Path(__file__).parent / "html_cases"
TK = "https://w3id.org/tropekg/ontology#"
RES = "https://w3id.org/tropekg/resource/"


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML / "README.md").is_file():
        pytest.skip(f"real rendered pages not found at {HTML} (a checkout outside the shared setup)")
    return HTML


def read(html_dir: Path, name: str):
    path = html_dir / name
    return parse_file(path), read_article(path.read_bytes(), str(path))


def top_bullets(tree: N.Node) -> list[N.Node]:
    return [n for n in tree.walk() if n.kind == N.BULLET and n.depth == 1]


def count(tree: N.Node, kind: str) -> int:
    return sum(1 for n in tree.walk() if n.kind == kind)


def words(nodes: list[N.Node]) -> str:
    return " ".join(N.plain_text(nodes).split())


def headers(tree: N.Node) -> list[str]:
    return [words(n.children) for n in tree.walk() if n.kind == N.HEADER]


def folders(tree: N.Node) -> list[str]:
    return [n.value for n in tree.walk() if n.kind == N.FOLDER]


def relations(page) -> dict[str, list[str]]:
    return {k: [str(t) for t in v] for k, v in page.relations.items() if v}


def no_trope_warnings(page) -> list:
    return [w for w in page.warnings if "names no trope" in w.message]


# -- what the README says of each page ------------------------------------------------------------

def test_every_shared_page_is_checked(html_dir):
    """A page added to the shared folder needs its README facts checked here too."""
    assert {p.name for p in html_dir.glob("*.html")} == set(CHECKED)


def test_modesty_blaise(html_dir):
    page, art = read(html_dir, "Literature.ModestyBlaise.html")
    assert (str(page.title), page.kind, page.label) == ("Literature/ModestyBlaise", "work", "Modesty Blaise")
    assert headers(art.tree) == ["This series provides examples of:"]
    assert len(top_bullets(art.tree)) == 180
    top = [ex for ex in page.examples if ex.depth == 1]
    nested = [ex for ex in page.examples if ex.depth > 1]
    assert (len(top), len(nested)) == (167, 27)  # the 13 book bullets are the description's
    assert "Sabre-Tooth (1966)" in page.description
    assert all(ex.parent is not None and ex.trope == _parent(page, ex).trope for ex in nested)
    assert count(art.tree, N.SPOILER) == 14 and sum(ex.spoiler for ex in page.examples) == 14
    assert not no_trope_warnings(page)
    modes = {str(ex.trope): ex.mode for ex in top}
    assert {t: modes[t] for t in EXPECTED_MODES} == EXPECTED_MODES
    (good_guy,) = [ex for ex in top if str(ex.trope) == "Main/WouldNotShootAGoodGuy"]
    assert not good_guy.mode_stated and "I Had a Date with Lady Janet" in good_guy.text
    assert page.quote.startswith('"The most complex') and page.quote_attribution.startswith("Jennifer K. Stuller")
    # the list is split into several <ul> with advertisements between them: still one list, in order
    positions = [(ex.line, ex.column) for ex in page.examples]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert len({ex.line for ex in page.examples}) == 1  # the site wrote the whole list on one line


EXPECTED_MODES = {
    "Main/DoubleStandard": "Averted", "Main/WhatMeasureIsAMook": "Averted", "Main/Flynning": "Discussed",
    "Main/InsaneEqualsViolent": "Discussed", "Main/LeaveBehindAPistol": "Discussed",
    "Main/MoralDissonance": "Lampshaded", "Main/AgonizingStomachWound": "Invoked",
    "Main/MistreatmentInducedBetrayal": "Invoked", "Main/WouldNotShootAGoodGuy": "Straight",
}


def _parent(page, ex):
    before = page.examples[: page.examples.index(ex)]
    return next(p for p in reversed(before) if p.depth < ex.depth)


def test_science_fiction_omnibus(html_dir):
    page, art = read(html_dir, "Literature.AScienceFictionOmnibus.html")
    assert (str(page.title), page.kind) == ("Literature/AScienceFictionOmnibus", "work")
    assert folders(art.tree) == ["Penguin Science Fiction", "More Penguin Science Fiction",
                                 "Yet More Penguin Science Fiction", "Stories added in the 2007 remake"]
    assert len(top_bullets(art.tree)) == 48 + 16
    assert headers(art.tree)[-1] == "Examples of tropes in this work:"
    top = [ex for ex in page.examples if ex.depth == 1]
    assert (len(top), len(page.examples) - len(top)) == (16, 9)
    assert sum(ex.spoiler for ex in page.examples) == 2
    assert not no_trope_warnings(page)  # the story lists come before the examples' header
    # stories that have no page yet are a.createlink: links all the same
    assert {"Literature/SoleSolution", "Creator/WardMoore"} <= {str(link.target) for link in page.links}
    (sing_song,) = [ex for ex in top if str(ex.trope) == "Main/MockingSingSong"]
    assert "you can't catch me!" in sing_song.text  # the quote in its div.indent is the bullet's


def test_a_bouquet(html_dir):
    page, art = read(html_dir, "Literature.ABouquet.html")
    assert (str(page.title), page.kind, page.label) == ("Literature/ABouquet", "work", "A Bouquet")
    assert len(top_bullets(art.tree)) == 30
    assert headers(art.tree) == ["List of poems:", "A Bouquet of Tropes:"]
    top = [ex for ex in page.examples if ex.depth == 1]
    assert (len(top), len(page.examples) - len(top)) == (17, 17)
    assert '"The Treasure": Easter' in page.description  # the poems are described, not examples
    assert count(art.tree, N.NOTE) == 1
    assert "Wedding Shirts\": The heroine" in page.description
    assert "(Thymus is called" in page.description  # the note stays in its line, in parentheses
    assert not no_trope_warnings(page)


def test_a_widow_in_waiting(html_dir):
    page, art = read(html_dir, "Literature.AWidowInWaiting.html")
    assert (str(page.title), page.kind) == ("Literature/AWidowInWaiting", "work")
    assert headers(art.tree) == ["This novel provides examples of:"]  # bare text, not an h2
    assert len(top_bullets(art.tree)) == 9
    assert [str(ex.trope) for ex in page.examples] == [
        "Main/DreamingOfThingsToCome", "Main/LoveBeforeFirstSight", "Main/MakingASplash",
        "Main/MeaningfulRename", "Main/NoPronunciationGuide", "Main/PlayingWithFire", "Main/TitleDrop",
        "Main/TranslationConvention",
    ]
    # "Irish Names" names a useful-notes page, not a trope: said, not made a trope
    (warning,) = no_trope_warnings(page)
    assert warning.line == page.examples[0].line  # the whole list is on one line of the file
    modes = {str(ex.trope): (ex.mode, ex.mode_stated) for ex in page.examples}
    assert modes["Main/NoPronunciationGuide"] == ("Averted", True)  # "averted" links AvertedTrope
    rename = next(ex for ex in page.examples if str(ex.trope) == "Main/MeaningfulRename")
    assert "Seán and Gráinne (The Irish versions of their names)" in rename.text  # entities decoded
    assert all(link.target.namespace != "Https" for link in page.links)  # absolute hrefs read right
    assert "Creator/AnneBWalsh" in [str(t) for t in page.creators]


def test_the_dresden_files(html_dir):
    page, art = read(html_dir, "Literature.TheDresdenFiles.html")
    assert (str(page.title), page.kind, page.label) == ("Literature/TheDresdenFiles", "work", "The Dresden Files")
    assert len(top_bullets(art.tree)) == 28
    assert page.examples == []
    assert not no_trope_warnings(page)  # the links to its trope sub-pages are no mistake
    targets = {str(link.target) for link in page.links}
    assert {"TheDresdenFiles/TropesAToM", "TheDresdenFiles/TropesNToZ", "Literature/StormFront"} <= targets
    assert page.quote_attribution == "Harry Dresden"


def test_never_hurt_an_innocent(html_dir):
    page, art = read(html_dir, "Main.NeverHurtAnInnocent.html")
    assert (str(page.title), page.kind, page.label) == ("Main/NeverHurtAnInnocent", "trope", "Never Hurt an Innocent")
    assert relations(page) == {
        "subTropeOf": ["Main/AffablyEvil"],
        "superTropeOf": ["Main/WouldntHurtAChild", "Main/WouldntHitAGirl", "Main/WouldNotShootACivilian",
                         "Main/KickThemWhileTheyAreDown", "Main/WouldNotShootAGoodGuy"],
        "seeAlso": ["Main/ALighterShadeOfGrey", "Main/PunchClockVillain"],
        "contrast": ["Main/ShootTheMedicFirst", "Main/YouCantMakeAnOmelette"],
    }
    mentions = {str(t) for t in page.mentions}
    assert {"Main/HitmanWithAHeart", "Main/AntiVillain", "Main/BloodKnight"} <= mentions
    assert not mentions & {"Main/SubTrope", "Main/OppositeTropes", "Main/AffablyEvil"}
    names = folders(art.tree)
    assert len(names) == 13 and names[0] == "Anime and Manga" and names[-1] == "Western Animation"
    assert count(art.tree, N.SPOILER) == 26
    assert {ex.folder for ex in page.examples} == set(names)
    assert all(ex.trope == page.title for ex in page.examples)
    assert page.quote.startswith('"Stay your blade') and page.quote_attribution.startswith("Assassin's Creed")


def test_friend_or_foe(html_dir):
    page, art = read(html_dir, "Main.FriendOrFoe.html")
    assert (str(page.title), page.kind, page.label) == ("Main/FriendOrFoe", "trope", "Friend or Foe")
    assert relations(page) == {
        "superTropeOf": ["Main/CavalryBetrayal"],
        "seeAlso": ["Main/AloneWithPrisonerPloy", "Main/RightHandVersusLeftHand"],
        "contrast": ["Main/FriendlyFireproof"],
    }
    assert "Main/SuperTrope" not in {str(t) for t in page.mentions}
    assert len(folders(art.tree)) == 15
    top = [ex for ex in page.examples if ex.depth == 1]
    assert (len(top), len(page.examples) - len(top)) == (142, 92)
    assert count(art.tree, N.SPOILER) == 15
    # a line per bullet on this page, so the parent of a nested example is its parent's line
    nested = [ex for ex in page.examples if ex.depth > 1]
    assert all(ex.parent == _parent(page, ex).line for ex in nested)
    works = Counter(ex.work.namespace for ex in page.examples if ex.work)
    assert works["Anime"] and works["Film"] and works["VideoGame"]
    # the page declares iso-8859-1 but its site menu holds UTF-8 bytes: read as UTF-8, and said
    assert any("bytes are UTF-8" in w.message for w in page.warnings)


CHECKED = {
    "Literature.ModestyBlaise.html", "Literature.AScienceFictionOmnibus.html", "Literature.ABouquet.html",
    "Literature.AWidowInWaiting.html", "Literature.TheDresdenFiles.html", "Main.NeverHurtAnInnocent.html",
    "Main.FriendOrFoe.html",
}


# -- every trope bullet of a work page --------------------------------------------------------------

WORK_PAGES = ["Literature.ModestyBlaise.html", "Literature.AScienceFictionOmnibus.html",
              "Literature.ABouquet.html", "Literature.AWidowInWaiting.html"]


def bullets_as_read(path: Path) -> tuple[list[str | None], int]:
    """A reading of a work page's example bullets straight from its DOM, apart from the reader: the
    bullets after the header announcing the examples; each one's trope is the Main/ page its text
    opens with, followed by a colon (None where it opens otherwise); and how many Main/ links those
    bullets hold, which a scraper taking every /Main/ link would count as tropes."""
    root = etree.fromstring(decode_html(path.read_bytes(), str(path))[0], etree.HTMLParser())
    (article,) = root.xpath("//div[@id='main-article']")
    lower = "translate(., 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
    marker = article.xpath(f".//h2[contains({lower}, 'examples of') or contains({lower}, 'tropes')]"
                           " | .//text()[contains(., 'provides examples of')]")[-1]
    after = marker if isinstance(marker, etree._Element) else marker.getparent()
    items = [li for li in article.iter("li") if not list(li.iterancestors("li"))
             and li.sourceline >= after.sourceline and _follows(after, li)]
    tropes: list[str | None] = []
    main_links = 0
    for li in items:
        main_links += sum(1 for a in li.iter("a") if "/Main/" in (a.get("href") or ""))
        first = li[0] if len(li) else None
        if (first is not None and first.tag == "a" and not (li.text or "").strip()
                and (first.tail or "").lstrip().startswith(":") and "/Main/" in first.get("href")):
            tropes.append(str(wiki_title(first.get("href"))))
        else:
            tropes.append(None)
    return tropes, main_links


def _follows(marker: etree._Element, el: etree._Element) -> bool:
    order = {e: i for i, e in enumerate(marker.getroottree().iter())}
    return order[el] > order[marker]


@pytest.mark.parametrize("name", WORK_PAGES)
def test_every_trope_bullet_of_a_work_page_is_found(html_dir, name):
    page = parse_file(html_dir / name)
    expected, main_links = bullets_as_read(html_dir / name)
    found = [str(ex.trope) for ex in page.examples if ex.depth == 1]
    assert found == [t for t in expected if t is not None]
    assert len(no_trope_warnings(page)) == expected.count(None)
    # a scraper taking every /Main/ link of these bullets as a trope is right for fewer of them
    naive_share = len(found) / main_links
    assert naive_share < 0.95
    print(f"{name}: {len(found)}/{len(expected)} bullets' tropes found; "
          f"every-/Main/-link scraper right for {naive_share:.0%} of its {main_links} links")


# -- hand-written cases -----------------------------------------------------------------------------

CASES = [case for path in sorted(CASES_DIR.glob("*.txt")) for case in load_cases(path)]


def test_there_are_html_cases():
    assert len(CASES) >= 12


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_html_case(case):
    title = parse_title(case.title) if case.title != "Main/ExampleTrope" else None
    page = parse_bytes(case.text.encode("utf-8"), f"{case.file}.txt:{case.line}", title).to_json()
    problems = mismatches(case.expected, page)
    assert not problems, f"{case.file}.txt:{case.line} ({case.name}):\n  " + "\n  ".join(problems)


# -- detection, decoding, titles ---------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html>\n<html>", b"\xef\xbb\xbf  <html lang=en>", b"<!-- saved -->\n<!doctype HTML>",
    b"<?xml version='1.0'?><html>", "<html>".encode("utf-16"), b"\n\n<head><title>x</title>",
])
def test_html_is_known_by_its_bytes(data):
    assert looks_like_html(data)


@pytest.mark.parametrize("data", [
    b"* ''Film/Foo'': <b>bold</b> in markup", b"[[quoteright:350:<html>]]", b"", b"\x00\x01<html>",
    b"Some text <html> later",
])
def test_markup_and_other_bytes_are_not_html(data):
    assert not looks_like_html(data)


def test_iso_8859_1_is_read_as_windows_1252():
    page = (b'<html><head><meta charset="iso-8859-1"><link rel="canonical" href="/pmwiki/pmwiki.php/Main/Foo">'
            b'</head><body><div id="main-article"><p>It\x92s \x93quoted\x94 \x96 caf\xe9 &#150; &hellip;</p>'
            b"</div></body></html>")
    text, warnings = decode_html(page, "x")
    assert "It\u2019s \u201cquoted\u201d \u2013 caf\u00e9" in text and warnings == []
    parsed = parse_bytes(page, "x")
    assert parsed.description == "It\u2019s \u201cquoted\u201d \u2013 caf\u00e9 \u2013 \u2026"


def test_a_page_names_itself_whatever_its_file_is_called(html_dir, tmp_path):
    data = (html_dir / "Main.FriendOrFoe.html").read_bytes()
    assert str(html_title(data)) == "Main/FriendOrFoe"
    renamed = tmp_path / "saved page (1).htm"
    renamed.write_bytes(data)
    assert str(parse_file(renamed).title) == "Main/FriendOrFoe"


def test_og_url_when_there_is_no_canonical_link():
    page = parse_bytes(b'<!DOCTYPE html><html><head><meta property="og:url" '
                       b'content="https://tvtropes.org/pmwiki/pmwiki.php/Film/RushHour">'
                       b'<meta property="og:title" content="Rush Hour"></head><body>'
                       b'<div id="main-article"><p>A film.</p></div></body></html>', "x")
    assert (str(page.title), page.kind, page.label) == ("Film/RushHour", "work", "Rush Hour")


@pytest.mark.parametrize(("data", "says"), [
    (b"<!DOCTYPE html><html><body><div id='main-article'><p>x</p></div></body></html>", "names no wiki page"),
    ((b"<!DOCTYPE html><html><head><link rel='canonical' href='/pmwiki/pmwiki.php/Main/A'></head>"
      b"<body><p>x</p></body></html>"), "no div#main-article"),
    (b"<!DOCTYPE html><html>\n<p>\x00</p></html>", "NUL"),
    (b"<!DOCTYPE html>", "no content"),
])
def test_a_page_that_cannot_be_read_says_why(data, says):
    with pytest.raises(PageError) as e:
        parse_bytes(data, "saved.html")
    assert says in str(e.value) and str(e.value).startswith("saved.html")


# -- the command line and the build ----------------------------------------------------------------

def test_parse_command_reads_html_with_any_name(html_dir, tmp_path):
    saved = tmp_path / "page"
    saved.write_bytes((html_dir / "Main.NeverHurtAnInnocent.html").read_bytes())
    runner = CliRunner()
    result = runner.invoke(cli, ["parse", str(saved)])
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert (page["title"], page["label"], page["altTitles"]) == (
        "Main/NeverHurtAnInnocent", "Never Hurt an Innocent", [])
    assert set(page["examples"][0]) >= {"line", "column", "trope", "work", "mode"}
    piped = runner.invoke(cli, ["parse", "-", "--summary"], input=saved.read_bytes())
    assert piped.exit_code == 0 and piped.stdout.startswith("Main/NeverHurtAnInnocent\ttrope\t101 examples")


@pytest.fixture(scope="module")
def html_build(tmp_path_factory, html_dir):
    out = tmp_path_factory.mktemp("html-build")
    report = build([html_dir], out, jobs=1)
    return report, out


def query(store: pyoxigraph.Store, sparql: str):
    return store.query(sparql, use_default_graph_as_union=True)


def _store(out: Path) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(out / OUTPUT_FILES["nquads"]), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def test_build_of_the_shared_pages(html_build):
    report, out = html_build
    assert report.failed == [] and report.pages == 7
    assert report.kinds == {"trope": 2, "work": 5}
    assert report.examples == 194 + 25 + 34 + 8 + 101 + 234
    store = _store(out)
    label = next(store.quads_for_pattern(pyoxigraph.NamedNode(RES + "Main/NeverHurtAnInnocent"),
                                         pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None))
    assert label.object.value == "Never Hurt an Innocent"
    parents = list(query(store, f"""PREFIX tk: <{TK}>
        SELECT (COUNT(*) AS ?n) WHERE {{ ?e tk:parentExample ?p ; tk:onPage <{RES}Literature/ModestyBlaise> .
            ?e tk:trope ?t . ?p tk:trope ?t }}"""))
    assert int(parents[0]["n"].value) == 27  # nested examples find their parents on a one-line list
    provenance = dict(query(store, f"""PREFIX tk: <{TK}>
        SELECT ?page ?path WHERE {{ GRAPH ?g {{ ?g tk:sourcePath ?path ; <http://xmlns.com/foaf/0.1/primaryTopic> ?page }} }}"""))
    assert provenance[pyoxigraph.NamedNode(RES + "Main/FriendOrFoe")].value == "Main.FriendOrFoe.html"


def test_a_build_of_html_is_deterministic(html_build, html_dir, tmp_path):
    _, out = html_build
    again = tmp_path / "again"
    build([html_dir], again, jobs=2, cache=False)
    for fmt in ("nquads", "turtle"):
        assert (out / OUTPUT_FILES[fmt]).read_bytes() == (again / OUTPUT_FILES[fmt]).read_bytes()


def test_a_trope_stated_on_a_work_page_and_on_the_trope_page_agrees(html_dir, tmp_path):
    if not (CORPUS / "Main" / "WouldNotShootAGoodGuy.txt").is_file():
        pytest.skip(f"markup corpus not found at {CORPUS}")
    out = tmp_path / "mixed"
    report = build([html_dir, CORPUS], out, jobs=1)
    assert report.failed == [] and report.pages == 8
    store = _store(out)
    rows = list(query(store, f"""PREFIX tk: <{TK}>
        SELECT ?page ?line WHERE {{ ?e tk:trope <{RES}Main/WouldNotShootAGoodGuy> ;
            tk:work <{RES}Literature/ModestyBlaise> ; tk:onPage ?page ; tk:sourceLine ?line }}
        ORDER BY ?page"""))
    assert [(r["page"].value, int(r["line"].value)) for r in rows] == [
        (RES + "Literature/ModestyBlaise", 456), (RES + "Main/WouldNotShootAGoodGuy", 53)]
    # the hierarchy agrees too: the HTML trope page lists it as a sub-trope, the markup page says so
    ask = f"""PREFIX tk: <{TK}> ASK {{ GRAPH <https://w3id.org/tropekg/graph/%s> {{
        <{RES}Main/WouldNotShootAGoodGuy> tk:subTropeOf <{RES}Main/NeverHurtAnInnocent> }} }}"""
    assert query(store, ask % "Main/NeverHurtAnInnocent") and query(store, ask % "Main/WouldNotShootAGoodGuy")
