"""Property-based tests: the parser never raises on any text, every line it reports exists, and a
build of generated pages reads back as the same graph from every output."""

from __future__ import annotations

import string
from pathlib import Path

import pyoxigraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tropekg.build import OUTPUT_FILES, build
from tropekg.markup.parse import parse_text
from tropekg.titles import Title

TITLE = Title("Main", "PropertyPage")

# Pieces of real markup, to build text that exercises every construct and their broken forms.
PIECES = [
    "[[", "]]", "{{", "}}", "''", "'''", "@@", "[=", "=]", "%%", "\\\\", "\n", "\r\n", "\t", " ",
    "* ", "** ", "*** ", "+ ", "! ", "!! ", "----", "-> ", "--> ", "[[spoiler:", "[[note]]", "[[/note]]",
    "[[labelnote:L]]", "[[/labelnote]]", "[[folder:Film]]", "[[/folder]]", "[[foldercontrol]]",
    "[[AC:", "[[index]]", "[[/index]]", "[[strike:", "[[quoteright:350:", "[[caption-width-right:350:",
    "[[noreallife]]", "TheHero", "Film/RushHour", "Series.Dexter", "{{averted|Trope}}", "{{Worthy Opponent}}s",
    "Film/{{Title With Spaces}}", "[[InvertedTrope inverted]]", "[[http://example.org x]]", "@/Troper",
    "#anchor", "A SubTrope of ", "See also ", "Contrast ", "Averted in ", "''Film/Salt''", "AaA", "A2",
    "Zig-zagged", "\u00e9", "\x00", "\ufeff", "<script>", "\"", "'",
]

markup = st.lists(st.sampled_from(PIECES) | st.text(alphabet=string.ascii_letters + " .,", max_size=8),
                  max_size=60).map("".join)


def _check_lines(text: str) -> None:
    page = parse_text(text, TITLE)
    lines = text.count("\n") + 1
    for item in (*page.links, *page.examples, *page.warnings):
        assert 1 <= item.line <= lines, (item, text)
    for ex in page.examples:
        assert ex.parent is None or 1 <= ex.parent < ex.line


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_parsing_never_raises_on_arbitrary_text(text):
    _check_lines(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markup)
def test_parsing_never_raises_on_markup_shaped_text(text):
    _check_lines(text)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(pages=st.lists(markup, min_size=1, max_size=4))
def test_a_build_of_generated_pages_reads_back_the_same_from_every_output(tmp_path_factory, pages):
    root = tmp_path_factory.mktemp("pages")
    (root / "Main").mkdir()
    for i, text in enumerate(pages):
        (root / "Main" / f"GeneratedPage{i}.txt").write_bytes(text.replace("\x00", "").encode("utf-8", "replace"))
    out = tmp_path_factory.mktemp("out")
    build([root], out, jobs=1, cache=False)

    def triples(path: Path, fmt) -> set[str]:
        return {str(pyoxigraph.Triple(q.subject, q.predicate, q.object)) if isinstance(q, pyoxigraph.Quad) else str(q)
                for q in pyoxigraph.parse(path=str(path), format=fmt)}

    merged = triples(out / OUTPUT_FILES["nquads"], pyoxigraph.RdfFormat.N_QUADS)
    assert triples(out / OUTPUT_FILES["turtle"], pyoxigraph.RdfFormat.TURTLE) == merged
    assert triples(out / OUTPUT_FILES["trig"], pyoxigraph.RdfFormat.TRIG) == merged
    assert triples(out / OUTPUT_FILES["jsonld"], pyoxigraph.RdfFormat.JSON_LD) == merged
