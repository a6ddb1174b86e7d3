"""A page too big to hold is read as a stream (:func:`tropekg.markup.extract.extract_lines`): its
tree is made a line at a time and let go, its examples and links are read again from the source
when asked for. It must say exactly what the whole-tree reading says, page model and N-Quads, on
every real page, every markup case and generated markup; and it must not hold the tree."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_markup_cases import load_cases
from tests.test_properties import markup
from tropekg.markup import tree as N
from tropekg.markup.parse import parse_text
from tropekg.markup.tokens import token_batches
from tropekg.model import Replayed
from tropekg.rdf.mapping import Provenance, page_quads
from tropekg.readers.source import title_from_path
from tropekg.titles import parse_title

CASES = Path(__file__).parent / "cases"
# a title of each kind a page can be, which decides how its lines are read
TITLES = ["Main/SomeTrope", "Main/TropesIndex", "Film/SomeFilm", "Creator/SomeCreator", "UsefulNotes/Topic"]
PROV = Provenance("x.txt", "0" * 64)


def _both(text: str, title: str):
    t = parse_title(title)
    return parse_text(text, t), parse_text(text, t, stream_at=0)


def _same(text: str, title: str) -> None:
    whole, streamed = _both(text, title)
    assert all(isinstance(x, Replayed) for x in (streamed.examples, streamed.links, streamed.mentions))
    assert json.dumps(streamed.to_json()) == json.dumps(whole.to_json()), (title, text)
    # read twice: the second reading says the same, and adds no warning
    assert json.dumps(streamed.to_json()) == json.dumps(whole.to_json())
    assert page_quads(streamed, PROV) == page_quads(whole, PROV)


def _case_texts() -> list[tuple[str, str]]:
    return [(case.text, case.title) for path in sorted(CASES.glob("*.txt")) for case in load_cases(path)]


def test_every_markup_case_reads_the_same_as_a_stream():
    cases = _case_texts()
    assert len(cases) > 100
    for text, title in cases:
        _same(text, title)
        for other in TITLES:  # the same text on a page of each kind
            _same(text, other)


def test_every_real_page_reads_the_same_as_a_stream(corpus):
    pages = sorted(corpus.glob("*/*.txt"))
    assert pages
    for path in pages:
        _same(path.read_text(encoding="utf-8"), str(title_from_path(path)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=markup, title=st.sampled_from(TITLES))
def test_generated_markup_reads_the_same_as_a_stream(text, title):
    _same(text, title)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=markup, size=st.integers(min_value=1, max_value=7))
def test_lines_taken_as_they_are_made_are_the_lines_of_the_whole_tree(text, size):
    """Whatever the batches the tokens come in, the lines handed over as the tree is built are
    the whole tree's lines, with their folders and index blocks, and the same warnings."""
    whole, warnings = N.build_tree_from_batches(token_batches(text))
    expected = [(repr(list(ln.node.walk())), ln.folder, ln.in_index) for ln in N.page_lines(whole)]
    tuples = [t for batch in token_batches(text) for t in batch]
    small = [tuples[i:i + size] for i in range(0, len(tuples), size)]
    got_warnings: list[N.Warning_] = []
    got = [(repr(list(ln.node.walk())), ln.folder, ln.in_index)
           for ln in N.iter_page_lines(iter(small), got_warnings)]
    assert got == expected
    assert got_warnings == warnings


def test_a_streamed_page_never_holds_its_tree():
    """Half-way through a page of 40,000 bullets (in folders and an index block), far fewer tree
    nodes are alive than the lines read so far made: each line is let go once handed over."""
    lines = ["A trope page.", "[[index]]", "* SomeIndexedTrope", "[[/index]]"]
    for f in range(4):
        lines.append(f"[[folder:Films {f}]]")
        lines += [f"* ''Film/Work{f}x{i}'': a hero spares TheVillain." for i in range(10_000)]
        lines.append("[[/folder]]")
    text = "\n".join(lines) + "\n"
    alive = []
    for n, _line in enumerate(N.iter_page_lines(token_batches(text), [])):
        if n == 25_000:
            gc.collect()
            alive.append(sum(1 for o in gc.get_objects() if type(o) is N.Node))
    # the lines read so far made 25,000 x 6 nodes; a few batches' worth may be waiting
    assert alive and alive[0] < 20_000, alive


def test_replayed_items_read_again_count_index_and_compare():
    made = []

    def make():
        made.append(1)
        return iter(["a", "b", "c"])

    items = Replayed(make, 3)
    assert len(items) == 3 and bool(items) and not made  # counted without reading
    assert list(items) == ["a", "b", "c"] and list(items) == ["a", "b", "c"] and len(made) == 2
    assert items[0] == "a" and items[-1] == "c" and items[1:] == ["b", "c"]
    with pytest.raises(IndexError):
        items[3]
    assert items == ["a", "b", "c"] and items != ["a", "b"] and items == Replayed(make, 3)
    assert not Replayed(lambda: iter(()), 0)


def test_a_big_page_is_streamed_and_says_what_it_would_say_held():
    """Past STREAM_AT a page is streamed by default: the same model and N-Quads as held."""
    from tropekg.markup import parse as parse_module

    bullets = "".join(f"* ''Film/W{i:05d}'': {'Averted' if i % 3 == 0 else 'a hero'} with TheVillain{i % 5}.\n"
                      f"** [[spoiler:nested]] in Series/Show{i % 4}\n" for i in range(3_000))
    text = f"A trope. A SubTrope of TheHero, see also TheVillain.\n!!Films\n{bullets}"
    title = parse_title("Main/BigTrope")
    assert len(text) < parse_module.STREAM_AT  # made big by lowering the threshold below it
    held = parse_text(text, title)
    streamed = parse_text(text, title, stream_at=len(text))
    assert isinstance(streamed.examples, Replayed) and len(streamed.examples) == 6_000
    assert json.dumps(streamed.to_json()) == json.dumps(held.to_json())
    assert page_quads(streamed, PROV) == page_quads(held, PROV)


def test_a_streamed_page_is_freed_as_soon_as_it_is_let_go():
    """Its replayed examples and links do not hold the page (a cycle would keep a page's
    200,000 mentions alive until the next collection, while the build writes the outputs)."""
    from tropekg.model import Page

    def pages() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is Page)

    text = "A trope. See also TheHero.\n* ''Film/Foo'': yes.\n"
    gc.collect()
    before = pages()
    gc.disable()
    try:
        page = parse_text(text, parse_title("Main/SomeTrope"), stream_at=0)
        assert len(page.examples) == 1 and len(page.links) == 2 and pages() == before + 1
        del page
        assert pages() == before, "the page outlived its last reference"
    finally:
        gc.enable()


def test_a_page_written_a_piece_at_a_time_is_the_json_of_its_model():
    """``tropekg parse`` writes a page with :meth:`Page.json_text` (links, examples and titles
    turned into JSON as they are written): the text of ``json.dumps`` of the model, held or
    streamed."""
    for text, title in _case_texts()[::7]:
        whole, streamed = _both(text, title)
        expected = json.dumps(whole.to_json(), ensure_ascii=False, indent=2)
        assert "".join(whole.json_text()) == expected
        assert "".join(streamed.json_text()) == expected


# -- rendered pages --------------------------------------------------------------------------------

def _same_html(data: bytes, source: str, title=None, path=None) -> None:
    from tropekg.markup.html import parse_html

    whole = parse_html(data, source, title, path)
    streamed = parse_html(data, source, title, path, stream_at=0)
    assert all(isinstance(x, Replayed) for x in (streamed.examples, streamed.links, streamed.mentions))
    assert json.dumps(streamed.to_json()) == json.dumps(whole.to_json()), source
    assert page_quads(streamed, PROV) == page_quads(whole, PROV)


def test_every_real_rendered_page_reads_the_same_as_a_stream():
    from tests.test_html_pages import HTML

    pages = sorted(HTML.glob("*.html"))
    assert pages, HTML
    for path in pages:
        _same_html(path.read_bytes(), str(path), path=path)


def test_every_rendered_case_reads_the_same_as_a_stream():
    from tests.test_html_pages import CASES

    assert len(CASES) >= 12
    for case in CASES:
        title = parse_title(case.title) if case.title != "Main/ExampleTrope" else None
        for each in (title, *map(parse_title, TITLES)):
            _same_html(case.text.encode("utf-8"), case.id, each)


def test_a_streamed_rendered_page_never_holds_its_tree():
    from lxml import etree

    from tropekg.markup.html import iter_article_lines

    items = "".join(f'<li><em><a class="twikilink" href="/pmwiki/pmwiki.php/Film/W{i:05d}">W</a></em> x'
                    f'<ul><li>nested {i}</li></ul></li>\n' for i in range(20_000))
    folder = ('<div class="folderlabel">Films</div><div class="folder"><ul>' + items + "</ul></div>")
    article = etree.fromstring(f'<div id="main-article"><p>A trope.</p>{folder}</div>', etree.HTMLParser())
    article = article.find(".//div[@id='main-article']")
    alive = []
    for n, _line in enumerate(iter_article_lines(article, {}, [])):
        if n == 25_000:
            gc.collect()
            alive.append(sum(1 for o in gc.get_objects() if type(o) is N.Node))
    assert alive and alive[0] < 5_000, alive  # 25,000 lines read made over 100,000 nodes
