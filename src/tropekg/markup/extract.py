"""The page model from the page tree: what a reader would say the page states.

In: the tree of :mod:`tropekg.markup.tree` and the page's title. Out: a :class:`tropekg.model.Page` with the
page's kind, description, quote, the relations its prose states, its examples (work, medium, mode,
spoiler, mentions, nesting, line) and the pages an index lists. Phrases that state relations and modes
come from the data tables ``data/relations.tsv`` and ``data/modes.tsv``.
"""

from __future__ import annotations

import csv
import hashlib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from tropekg.markup import tree as N
from tropekg.model import (
    CREATOR,
    INDEX,
    OTHER,
    STRAIGHT,
    TROPE,
    WORK,
    Example,
    Link,
    Page,
    Replayed,
    Warning,
)
from tropekg.titles import CREATOR as ROLE_CREATOR
from tropekg.titles import TROPE as ROLE_TROPE
from tropekg.titles import WORK as ROLE_WORK
from tropekg.titles import Title, spaced


def _read_table(name: str) -> list[dict[str, str]]:
    with open(Path(__file__).with_name("data") / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader((ln for ln in f if not ln.startswith("#")), delimiter="\t"))


@dataclass(frozen=True, slots=True)
class _Phrase:
    relation: str
    pattern: re.Pattern[str]
    opening: bool
    source: str  # the pattern as the table writes it (``pattern`` may start with a lookahead)


def _first_letter(pattern: str) -> str | None:
    """The letter every match of ``pattern`` starts with, when the pattern is a word boundary, a
    letter that must be there, and no alternation at its top level (``\\bsee\\s+also\\b``); else None."""
    if not re.match(r"\\b[A-Za-z](?![?*{])", pattern):
        return None
    depth, i = 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 1
        elif c == "[":  # a class: its brackets and bars are characters
            i = pattern.index("]", i + 2 if pattern[i + 1:i + 2] in ("]", "^") else i + 1)
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return None
        i += 1
    return pattern[2]


def _skipping(patterns: list[str]) -> str | None:
    """A lookahead for the first letters of the patterns, to put before their alternation. A
    case-insensitive pattern is tried at every position of the text either way (the engine's skip
    to a leading character does not fold case), but with it a position without one of those letters
    fails in one step instead of in each alternative. The lookahead is compiled with the same flags
    as the patterns, so it folds case as their letters do, and it asks only what each alternative
    asks first: the matches are the same. None when some pattern does not start with a letter."""
    letters = [_first_letter(p) for p in patterns]
    if not letters or None in letters:
        return None
    return "(?=[" + "".join(sorted(set(letters))) + "])"  # type: ignore[arg-type]


def _phrase_pattern(pattern: str) -> re.Pattern[str]:
    skip = _skipping([pattern])
    return re.compile(f"{skip}(?:{pattern})" if skip else pattern, re.IGNORECASE)


_RELATION_ROWS = _read_table("relations.tsv")
_PHRASES = tuple(
    _Phrase(row["relation"], _phrase_pattern(row["pattern"]), row["where"] == "opening", row["pattern"])
    for row in _RELATION_ROWS if row["where"] != "list"
)


def _any_phrase(phrases: tuple[_Phrase, ...]) -> re.Pattern[str] | None:
    """Any of the phrases, in one pattern: where it first matches, none of them matches before.
    None (each phrase searched on its own) when a phrase has a group (a backreference would count
    groups across them all) or a flag of its own that cannot be joined."""
    if not phrases or any(phrase.pattern.groups for phrase in phrases):
        return None
    try:
        patterns = [phrase.source for phrase in phrases]
        any_of = "|".join(f"(?:{pattern})" for pattern in patterns)
        skip = _skipping(patterns)
        return re.compile(f"{skip}(?:{any_of})" if skip else any_of, re.IGNORECASE)
    except re.error:
        return None


_ANY_PHRASE = _any_phrase(_PHRASES)
# "Some subtropes denote ...:" followed by bullets: the phrase governs each bullet's leading link.
_LIST_PHRASES = tuple(
    (row["relation"], _phrase_pattern(row["pattern"]))
    for row in _RELATION_ROWS if row["where"] == "list"
)
# an opening phrase starts a sentence or a parenthesis ("(contrast X)"), or follows and/also/but
_OPENING_BEFORE = re.compile(r"(?:^|[.!?;:(]\s*|\b(?:and|also|but)\s+)$", re.IGNORECASE)

_MODE_ROWS = _read_table("modes.tsv")
MODES: tuple[str, ...] = tuple(row["mode"] for row in _MODE_ROWS)
# A link to one of these pages states a mode ({{averted|Trope}}, [[InvertedTrope inverted]]).
MODE_PAGES: dict[str, str] = {
    Title("Main", page).key: row["mode"]
    for row in _MODE_ROWS for page in row["pages"].split(",") if page
}
_KEYWORDS = sorted(
    ((kw.strip(), row["mode"]) for row in _MODE_ROWS for kw in row["keywords"].split("|") if kw),
    key=lambda kv: -len(kv[0]),
)
_KEYWORD_MODE = {kw.casefold(): mode for kw, mode in _KEYWORDS}
_KW_ALT = "|".join(re.escape(kw) for kw, _ in _KEYWORDS)
# "Averted in ...", "Totally and completely averted in ...", "Subverted:", "Played straight ..."
# Used with .match, at the bullet's start or just after the work's name ("''Film/Foo'': Inverted.").
_OPENING_MODE = re.compile(
    r"\W*(?:(?:[a-z]+ly|and|also|but|then|both|very|this\s+is|it'?s|is)\s+)*(" + _KW_ALT + r")\b",
    re.IGNORECASE,
)
# A cheap test before that pattern, which costs a microsecond an example: the first word its match
# would start with. The pattern's words all start with letters (\W* skips to the first word) and
# each is followed by a space or a non-letter (\s+, \b): a first word of ASCII letters followed by
# an ASCII non-letter must be an "-ly" word, one of these words, or the first word of a keyword.
# Any other first word (a digit, a letter outside ASCII, which case folding may map onto one of
# the pattern's) is left to the pattern; so is every text when a keyword is not ASCII starting
# with a letter (None: no test).
_MODE_LEAD_WORDS = frozenset(
    {"and", "also", "but", "then", "both", "very", "this", "it", "its", "is"}
    | {re.match(r"[a-z]*", kw.lower()).group() for kw, _ in _KEYWORDS}  # type: ignore[union-attr]
) if all(kw.isascii() and kw[:1].isalpha() for kw, _ in _KEYWORDS) else None
_FIRST_WORD = re.compile(r"\W*([A-Za-z]*)(.?)", re.DOTALL)


def _may_open_with_mode(text: str, pos: int) -> bool:
    """False when :data:`_OPENING_MODE` cannot match at ``pos`` (see above); True when it may."""
    if _MODE_LEAD_WORDS is None:
        return True
    m = _FIRST_WORD.match(text, pos)
    word, after = m.group(1, 2)  # type: ignore[union-attr]
    if not word or (after and not after.isascii()):
        return True
    word = word.lower()
    return word in _MODE_LEAD_WORDS or (len(word) > 2 and word.endswith("ly"))
# "... in which this trope is inverted regularly", "The trope is played straight"
_TROPE_IS_MODE = re.compile(
    r"\b(?:this|the)\s+trope\s+is\s+(?:(?:played|being)\s+)?(" + _KW_ALT + r")\b", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")

# Pages whose links state a relation ("A SubTrope of ...") are not themselves related or mentioned.
_RELATION_WORDS = {Title("Main", p).key for p in (
    "SubTrope", "SuperTrope", "SisterTrope", "SeeAlso", "CompareAndContrast", "NotToBeConfusedWith",
    "Trope", "Tropes", "OppositeTropes",
)}


# -- flattening inline content ------------------------------------------------------------------

@dataclass(slots=True)
class _Span:
    """A link as it sits in a line's visible text."""

    title: Title
    start: int
    end: int
    italic: bool
    spoiler: bool
    whole_italic: bool  # the link is all an italic span holds: ''Film/Foo''


# Node kinds as module names: read per node in the walks below, an attribute of the tree module
# each time would be a measurable part of them
_SHOWN_AS_IS = frozenset({N.TEXT, N.ESCAPED, N.URL, N.HANDLE})
_LINK, _POTHOLE, _LINKS = N.LINK, N.POTHOLE, frozenset({N.LINK, N.POTHOLE})
_TEXT, _COMMENT, _DIRECTIVE, _SPOILER, _ITALIC, _NOTE = N.TEXT, N.COMMENT, N.DIRECTIVE, N.SPOILER, N.ITALIC, N.NOTE


def _flatten(nodes: list[N.Node]) -> tuple[str, list[_Span], bool]:
    """Visible text of inline nodes, the links in it, and whether a spoiler is among them."""
    parts: list[str] = []
    spans: list[_Span] = []
    spoiler_seen = [False]
    _visit(nodes, False, False, False, parts, spans, spoiler_seen, 0)
    return "".join(parts), spans, spoiler_seen[0]


def _visit(nodes: list[N.Node], italic: bool, spoiler: bool, sole: bool, parts: list[str],
           spans: list[_Span], spoiler_seen: list[bool], length: int) -> int:
    """Adds the visible text of ``nodes`` to ``parts`` and their links to ``spans``; ``length`` is
    the length of the text so far, and the length after them is returned (one function called
    once per level, not a closure per line: this runs for every example of every page)."""
    for node in nodes:
        kind = node.kind
        if kind in _SHOWN_AS_IS:
            value = node.value
            if value:
                parts.append(value)
                length += len(value)
        elif kind == _LINK:
            value = node.value if node.value is not None else spaced(node.title.name)
            parts.append(value)
            spans.append(_Span(node.title, length, length + len(value), italic, spoiler, sole))
            length += len(value)
        elif kind == _POTHOLE:
            start = length
            if node.children:
                length = _visit(node.children, italic, spoiler, False, parts, spans, spoiler_seen, length)
            if length == start:  # [[Target]] with no shown text
                value = spaced(node.title.name)
                parts.append(value)
                length += len(value)
            spans.append(_Span(node.title, start, length, italic, spoiler, sole))
        elif kind == _COMMENT or kind == _DIRECTIVE:
            continue
        elif kind == _SPOILER:
            spoiler_seen[0] = True
            length = _visit(node.children, italic, True, False, parts, spans, spoiler_seen, length)
        elif kind == _ITALIC:
            significant = [c for c in node.children if not (c.kind == _TEXT and not (c.value or "").strip())]
            only = len(significant) == 1 and significant[0].kind in _LINKS
            length = _visit(node.children, True, spoiler, only, parts, spans, spoiler_seen, length)
        elif kind == _NOTE:
            parts.append(" (")
            length = _visit(node.children, italic, spoiler, False, parts, spans, spoiler_seen, length + 2)
            parts.append(")")
            length += 1
        elif node.children:
            length = _visit(node.children, italic, spoiler, False, parts, spans, spoiler_seen, length)
    return length


# Text longer than this is cleaned a piece at a time (see _clean).
_CLEAN_PIECE = 1 << 16
_SPACE = re.compile(r"\s")  # exactly the characters str.split() splits at


def _clean(text: str) -> str:
    """Each run of whitespace one space, none at either end: ``" ".join(text.split())``, done a
    piece at a time on long text, whose list of words would take ten times its size (an example
    bullet can be a 30 MB line); pieces are cut at whitespace, so the result is the same."""
    if len(text) <= _CLEAN_PIECE:
        # already clean: no whitespace but single spaces inside (every other whitespace character
        # is unprintable), which is most text, and a scan is cheaper than splitting into words
        if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
            return text
        return " ".join(text.split())
    pieces: list[str] = []
    start, n = 0, len(text)
    while start < n:
        end = start + _CLEAN_PIECE
        if end < n:
            m = _SPACE.search(text, end)
            end = m.start() if m else n
        piece = " ".join(text[start:end].split())
        if piece:
            pieces.append(piece)
        start = end
    return " ".join(pieces)


# -- modes ----------------------------------------------------------------------------------------

def _mode_of(text: str, spans: list[_Span], subject: _Span | None) -> str | None:
    """The mode a bullet states, if it states one."""
    m = _OPENING_MODE.match(text) if _may_open_with_mode(text, 0) else None
    if m is None and subject is not None and not text[: subject.start].strip():
        # "''Film/Foo'': Averted." names the work first; the keyword opens what is said of it
        m = _OPENING_MODE.match(text, subject.end) if _may_open_with_mode(text, subject.end) else None
    if m:
        return _KEYWORD_MODE[m.group(1).casefold()]
    limit = None  # where the first sentence ends: found only when a link to a mode page is met
    for span in spans:
        mode = MODE_PAGES.get(span.title.key)
        if mode:
            if limit is None:
                first_end = _SENTENCE_END.search(text)
                limit = first_end.start() if first_end else len(text)
            if span.start < limit or (subject is not None and span.start < subject.start):
                return mode
    # "... this trope is ...": no such sentence without the word (a lower-cased "trope" is found
    # where the case-insensitive pattern would match: its letters have no other case forms)
    m = _TROPE_IS_MODE.search(text) if "trope" in text.lower() else None
    if m:
        return _KEYWORD_MODE[m.group(1).casefold()]
    return None


def _is_mode_page(title: Title) -> bool:
    return title.key in MODE_PAGES


# -- relations in prose ----------------------------------------------------------------------------

def _relations_in(text: str, spans: list[_Span]) -> list[tuple[str, _Span]]:
    """(relation, link) for each link a relation phrase governs in this paragraph: the nearest phrase
    before the link, if no sentence ends between the two. Sorted positions and bisection keep this
    linear-logarithmic in the paragraph's size (a paragraph may hold thousands of links)."""
    found: list[tuple[int, int, str]] = []  # phrase start, phrase end, relation
    # one scan for all the phrases says whether, and from where, to look for each of them
    first = _ANY_PHRASE.search(text) if _ANY_PHRASE is not None else None
    if _ANY_PHRASE is not None and first is None:
        return []
    from_pos = first.start() if first is not None else 0
    for phrase in _PHRASES:
        for m in phrase.pattern.finditer(text, from_pos):
            # only the few characters before the phrase can make it an opening one
            if phrase.opening and not _OPENING_BEFORE.search(text, max(0, m.start() - 80), m.start()):
                continue
            found.append((m.start(), m.end(), phrase.relation))
    if not found:
        return []
    # "Compare [[X to be sure]]": the phrase's optional "to"/"with" may be the first word of a
    # link's shown text; the phrase then ends where that link starts, and governs it.
    starts = [s.start for s in spans]
    for k, (start, end, relation) in enumerate(found):
        i = bisect_right(starts, start)
        if i < len(spans) and spans[i].start < end < spans[i].end:
            found[k] = (start, spans[i].start, relation)
    found.sort(key=lambda f: (f[1], f[0]))
    phrase_ends = [end for _, end, _ in found]
    nearest: list[tuple[int, int, str]] = []  # of the phrases ending by found[i]'s end, the last to start
    for f in found:
        nearest.append(f if not nearest or f[0] >= nearest[-1][0] else nearest[-1])
    sentence_ends = [e.end() for e in _SENTENCE_END.finditer(text)]
    out: list[tuple[str, _Span]] = []
    for k, span in enumerate(spans):
        if span.title.role != ROLE_TROPE or span.title.key in _RELATION_WORDS:
            continue
        i = bisect_right(phrase_ends, span.start + 1) - 1
        if i < 0:
            continue
        _, end, relation = nearest[i]
        j = bisect_left(sentence_ends, end)
        if j < len(sentence_ends) and sentence_ends[j] <= span.start:
            continue  # the phrase's sentence ended before the link
        previous = spans[k - 1] if k else None
        if (previous is not None and previous.end > end
                and not _LIST_JOINER.match(text, previous.end, span.start)
                and not _LIST_COMMA.search(text, max(previous.end, span.start - 40), span.start)):
            # "See also X, when ... despite [[Y a total willingness]], and Z": the phrase governs
            # the links it lists, not one that prose between them names in passing
            continue
        out.append((relation, span))
    return out


# What comes before the next item of a list after some words on the last one: ", and Z"
_LIST_COMMA = re.compile(r"[,;]\s*(?:(?:and|or|plus|as\s+well\s+as)\s+)?\Z", re.IGNORECASE)
# What sits between two links of one list: commas, "and", "or", "as well as" ...
_LIST_JOINER = re.compile(
    r"[\s,;/&]*(?:(?:and|or|nor|plus|also|even|as\s+well\s+as|and/or)\b[\s,;]*)*\Z", re.IGNORECASE
)


# -- the page -----------------------------------------------------------------------------------------
#
# A page is read in two passes over its lines (:class:`tropekg.markup.tree.PageLine`): the first
# finds its kind and where its examples start (:func:`_layout`), which can depend on its last line;
# the second reads what it states (:func:`_read`). Each pass reads a line once and keeps nothing of
# it, so the lines may come from the whole tree (:func:`extract`) or be made again for each pass
# from the source (:func:`extract_lines`, for a page too big to hold: its examples and links are
# then read again each time they are asked for).


class _ListCheck:
    """Whether the lines from one point on make an index page written as a plain list: its
    top-level bullets (two or more, maybe grouped under ``!`` headers) are each just a link to a
    trope or index page, and no bullet names a work (a trope page's examples name works, and an
    italicised link is a work's title: ''DeathMerchant''). Fed a line at a time."""

    __slots__ = ("lone", "top", "work")

    def __init__(self) -> None:
        self.top = 0
        self.lone = True   # every top-level bullet so far is a lone link to a trope page
        self.work = False  # some bullet names a work

    def add(self, node: N.Node) -> None:
        if node.kind != N.BULLET or not self.lone:
            return  # once a top-level bullet is not a lone link, the answer is no
        if node.depth == 1:
            self.top += 1
            if not _lone_trope_link(node):
                self.lone = False
                return
        if not self.work and any(n.title.role == ROLE_WORK for n in node.walk() if n.kind in (N.LINK, N.POTHOLE)):
            self.work = True

    def lists_pages(self) -> bool:
        return self.top >= 2 and self.lone and not self.work


@dataclass(frozen=True, slots=True)
class _Layout:
    kind: str
    body_start: int  # where the examples start, counted in lines (folder titles not counted)


def _layout(title: Title, items: Iterable[N.PageLine]) -> _Layout:
    """The page's kind and where its examples start, from one read of its lines.

    The examples start at the first folder or header when the page has one, else at the first
    bullet; bullets before that point belong to the description. On a work page, a header that
    announces the examples ("This series provides examples of:", "Tropes:") starts them even when
    other sections come first (the books, stories in folders). (A creator page's examples are its
    works: they start at its first header, as before.)"""
    role = title.role
    is_work = role == ROLE_WORK
    is_trope = role == ROLE_TROPE
    i = -1
    has_sections = any_folder = has_index = bullets_outside = False
    examples_header = first_section = first_bullet = None
    from_section: _ListCheck | None = None  # the list check of the body, for each place it may start
    from_bullet: _ListCheck | None = None
    for item in items:
        node = item.node
        kind = node.kind
        if kind == N.FOLDER_TITLE:
            continue
        i += 1
        folder = item.folder
        if folder is not None:
            has_sections = True
            any_folder = any_folder or bool(folder)
        elif kind == N.HEADER:
            has_sections = True
        if item.in_index:
            has_index = True
        else:
            if kind == N.BULLET:
                bullets_outside = True
                if first_bullet is None:
                    first_bullet = i
                    from_bullet = _ListCheck() if is_trope else None
            if first_section is None and (folder is not None or kind == N.HEADER):
                first_section = i
                from_section = _ListCheck() if is_trope else None
            if (is_work and examples_header is None and kind == N.HEADER
                    and _EXAMPLES_HEADER.search(N.plain_text(node.children))):
                examples_header = i
        if from_section is not None:
            from_section.add(node)
        if from_bullet is not None:
            from_bullet.add(node)
    count = i + 1
    if examples_header is not None:
        body_start = examples_header
    elif has_sections:
        body_start = first_section if first_section is not None else count
    else:
        body_start = first_bullet if first_bullet is not None else count
    if is_work:
        kind = WORK
    elif role == ROLE_CREATOR:
        kind = CREATOR
    elif not is_trope:
        kind = OTHER
    elif has_index and not bullets_outside or title.name.endswith("Index") and not any_folder:
        kind = INDEX
    else:
        check = (from_section if body_start == first_section else
                 from_bullet if body_start == first_bullet else None)
        kind = INDEX if check is not None and check.lists_pages() else TROPE
    return _Layout(kind, body_start)


def _lone_trope_link(bullet: N.Node) -> bool:
    """A bullet holding one link to a ``Main/`` page and nothing else a reader sees (bold allowed)."""
    nodes = bullet.children
    while True:
        significant = [n for n in nodes if not (
            n.kind in (N.COMMENT, N.DIRECTIVE) or (n.kind == N.TEXT and not (n.value or "").strip())
        )]
        if len(significant) != 1:
            return False
        only = significant[0]
        if only.kind == N.BOLD:
            nodes = only.children
            continue
        return only.kind in (N.LINK, N.POTHOLE) and only.title.role == ROLE_TROPE


def _is_quote_line(node: N.Node) -> bool:
    return node.kind == N.INDENT


def _only_containers(node: N.Node) -> bool:
    """Lines holding only a [[quoteright:...]]/[[caption...]] image block, a comment or a directive."""
    return all(
        c.kind in (N.CONTAINER, N.COMMENT, N.DIRECTIVE)
        or (c.kind == N.TEXT and not (c.value or "").strip())
        for c in node.children
    )


def extract(title: Title, root: N.Node, tree_warnings: list[N.Warning_], *, consume: bool = False) -> Page:
    """The page model of one parsed page. With ``consume``, the tree is taken apart as it is read
    (the caller does not use it again): each line's nodes are let go once the line is read, so the
    tree and the model of a page of 200,000 links are not held whole at the same time."""
    items = N.page_lines(root)
    if consume:
        root.children = []  # the lines are held by ``items`` alone from here
    page, _, _, _ = _read(title, _layout(title, items), items, tree_warnings, release=consume)
    return page


def extract_lines(title: Title, read_lines: Callable[[list[N.Warning_]], Iterable[N.PageLine]]) -> Page:
    """The page model of a page too big to hold, whose lines ``read_lines`` makes anew from its
    source each time it is called (adding the warnings about broken markup to the list it is
    given, once its lines are read): the page's kind and what its description states are read
    and held, but its examples and links are :class:`~tropekg.model.Replayed`, read again from the
    source each time they are asked for, and so are the pages its description mentions. The
    model says what :func:`extract` says of the same page; its memory does not grow with its
    examples, links or mentions."""
    tree_warnings: list[N.Warning_] = []
    layout = _layout(title, read_lines(tree_warnings))
    page, links, examples, mentions = _read(title, layout, read_lines([]), tree_warnings, hold=False)

    def each_link() -> Iterator[Link]:
        for item in read_lines([]):
            found: list[Link] = []
            _collect_links([item.node], found)
            yield from found

    kind = page.kind  # not the page itself: its examples would hold it, a cycle kept until collected

    def each_example() -> Iterator[Example]:
        if kind != TROPE and kind != WORK:
            return
        lines = (item for item in read_lines([]) if item.node.kind != N.FOLDER_TITLE)
        yield from _examples(kind, title, islice(lines, layout.body_start, None), [])

    relations = page.relations  # the page's own: held, as what its description states

    def each_mention() -> Iterator[Title]:
        related = {_digest(t.key) for titles in relations.values() for t in titles}
        seen: set[int] = set()
        lines = (item for item in read_lines([]) if item.node.kind != N.FOLDER_TITLE)
        for t in _head_mentions(Page(title=title, kind=kind), islice(lines, layout.body_start)):
            key = _digest(t.key)
            if key not in related and key not in seen:
                seen.add(key)
                yield t

    page.links = Replayed(each_link, links)
    page.examples = Replayed(each_example, examples)
    page.mentions = Replayed(each_mention, mentions)
    return page


def _digest(key: str) -> int:
    """A title key as 64 bits, to tell titles apart without holding their keys (two keys have the
    same digest one time in 2^64)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")


def _read(title: Title, layout: _Layout, items: Iterable[N.PageLine], tree_warnings: list[N.Warning_], *,
          release: bool = False, hold: bool = True) -> tuple[Page, int, int, int]:
    """What the page states, from a second read of its lines, and how many links, examples and
    mentions it has. With ``hold`` its links, examples and mentions are in the page; without,
    they are only counted. With ``release``, each line's nodes are let go once it is read."""
    page = Page(title=title, kind=layout.kind)
    page.warnings = [Warning(w.line, w.message) for w in tree_warnings]
    links: list[Link] = page.links if hold else []
    counted = 0
    kind = layout.kind
    in_index_lists: list[Title] = []  # an index page's pages: those its index blocks list ...
    bullet_lists: list[Title] = []    # ... or, when it has none, those its body's bullets list
    has_index_lines = False

    def lines() -> Iterator[N.PageLine]:
        nonlocal counted, has_index_lines
        i = 0
        for item in items:
            node = item.node
            _collect_links([node], links)
            if not hold:
                counted += len(links)
                links.clear()
            if node.kind == N.FOLDER_TITLE:
                continue
            if kind == INDEX:
                if item.in_index:
                    has_index_lines = True
                    _listed(node, title, in_index_lists)
                if i >= layout.body_start and node.kind == N.BULLET and not has_index_lines:
                    _listed(node, title, bullet_lists)
            i += 1
            yield item
            if release:
                item.node = None  # type: ignore[assignment]

    stream = lines()
    mentions = 0
    if hold:
        _read_head(page, islice(stream, layout.body_start))
    else:  # counted: each once, but those a relation names (by a digest of the title)
        seen = {_digest(t.key) for t in _head_mentions(page, islice(stream, layout.body_start))}
        mentions = len(seen - {_digest(t.key) for titles in page.relations.values() for t in titles})
        del seen
    examples = 0
    if kind == TROPE or kind == WORK:
        found = _examples(kind, title, stream, page.warnings)
        if hold:
            page.examples.extend(found)
            examples = len(page.examples)
        else:
            for _ in found:
                examples += 1
    elif kind == CREATOR:
        for ln in stream:
            if ln.node.kind == N.BULLET:
                _, spans, _ = _flatten(ln.node.children)
                works = [s for s in spans if s.title.role == ROLE_WORK]
                if works:
                    page.works.append(works[0].title)
    else:
        for _ in stream:
            pass
    if kind == INDEX:
        page.lists = in_index_lists if has_index_lines else bullet_lists
    # Lists are gathered with repeats and made unique once: a membership test per link would make
    # a page with many distinct links quadratic.
    for relation, titles in page.relations.items():
        page.relations[relation] = _unique(titles)
    page.mentions = _unique(page.mentions)
    page.lists = _unique(page.lists)
    page.creators = _unique(page.creators)
    page.works = _unique(page.works)
    return page, len(links) if hold else counted, examples, mentions


def _listed(node: N.Node, title: Title, out: list[Title]) -> None:
    """The pages a line of an index page lists: its links, but to the page itself."""
    for n in node.walk():
        if n.kind in (N.LINK, N.POTHOLE) and n.title != title:
            out.append(n.title)


def _collect_links(nodes: list[N.Node], links: list[Link]) -> None:
    """Every link among ``nodes`` and below them, in document order (``Node.walk``'s order)."""
    for node in nodes:
        kind = node.kind
        if kind == _LINK:
            links.append(Link(node.title, node.value, node.line))
        elif kind == _POTHOLE:
            label = _clean(N.plain_text(node.children)) or None
            links.append(Link(node.title, label, node.line))
        if node.children:
            _collect_links(node.children, links)


_EXAMPLES_HEADER = re.compile(r"\b(?:examples?|tropes?)\b", re.IGNORECASE)


def _unique(titles: list[Title]) -> list[Title]:
    """Each title once, where it first appears (titles are equal when their keys are: the keys
    are compared directly, which is several times faster than a set of titles)."""
    if len(titles) < 2:
        return list(titles)
    first: dict[str, Title] = {}
    for title in titles:
        if title.key not in first:
            first[title.key] = title
    return list(first.values())


def _read_head(page: Page, head: Iterable[N.PageLine]) -> None:
    """Quote, attribution, description, relations and mentions from the lines before the examples."""
    page.mentions.extend(_head_mentions(page, head))
    related = {t for titles in page.relations.values() for t in titles}
    page.mentions = [t for t in page.mentions if t not in related]


def _head_mentions(page: Page, head: Iterable[N.PageLine]) -> Iterator[Title]:
    """What :func:`_read_head` reads, the mentions handed over as they are read (with repeats, and
    those that a relation names too), the rest put in ``page`` (the quote and description once
    the lines are read)."""
    paragraphs: list[str] = []
    quote_lines: list[str] = []
    list_relation: str | None = None  # what the paragraph introducing the bullets below says they are
    for ln in head:
        node = ln.node
        if ln.in_index or node.kind in (N.RULE, N.COMMENT_LINE) or _only_containers(node):
            continue
        text, spans, _ = _flatten(node.children)
        if node.kind != N.BULLET:
            list_relation = _list_relation(text)
        if node.kind == N.INDENT and not paragraphs:
            if node.depth == 1 and page.quote_attribution is None:
                quote_lines.append(_clean(text))
            elif quote_lines and page.quote_attribution is None:
                # "-- Name" in markup, rendered "\u2014 Name" in HTML
                page.quote_attribution = _clean(text.lstrip().lstrip("-\u2013\u2014").strip())
                for span in spans:
                    if span.title.role == ROLE_WORK:
                        page.quote_source = span.title
                        break
            continue
        clean = _clean(text)
        if not clean:
            continue
        paragraphs.append(clean)
        governed = _relations_in(text, spans)
        if node.kind == N.BULLET and list_relation is not None and spans:
            lead = spans[0]
            if (not text[: lead.start].strip() and lead.title.role == ROLE_TROPE
                    and lead.title.key not in _RELATION_WORDS and all(s is not lead for _, s in governed)):
                governed.insert(0, (list_relation, lead))
        governed_ids = {id(span) for _, span in governed}
        for relation, span in governed:
            if span.title != page.title:
                page.relations[relation].append(span.title)
        for span in spans:
            if id(span) in governed_ids or span.title == page.title:
                continue
            if span.title.key in _RELATION_WORDS:
                continue
            yield span.title
            if page.kind == WORK and span.title.role == ROLE_CREATOR:
                page.creators.append(span.title)
    if quote_lines:
        page.quote = " ".join(quote_lines)
    page.description = "\n\n".join(paragraphs)


def _list_relation(text: str) -> str | None:
    """The relation a paragraph ending in a colon gives the bullets after it ("Some subtropes
    denote ...:"): the last list phrase in it, if any."""
    text = text.rstrip()
    if not text.endswith(":"):
        return None
    found: tuple[int, str] | None = None
    for relation, pattern in _LIST_PHRASES:
        for m in pattern.finditer(text):
            if found is None or m.start() > found[0]:
                found = (m.start(), relation)
    return found[1] if found else None


def _bullets(body: Iterable[N.PageLine]):
    """(line, parent bullet) for each bullet, parents found from depths."""
    stack: list[tuple[int, object]] = []
    for ln in body:
        node = ln.node
        if node.kind != N.BULLET:
            if node.kind == N.HEADER:
                stack.clear()
            continue
        while stack and stack[-1][0] >= node.depth:
            stack.pop()
        yield ln, (stack[-1][1] if stack else None), stack
        # the caller pushes its example so that children find it


def _examples(kind: str, title: Title, body: Iterable[N.PageLine], warnings: list[Warning]) -> Iterator[Example]:
    """The examples of a trope or work page's body, a line at a time; what is wrong with a bullet
    goes to ``warnings``."""
    return _trope_examples(title, body, warnings) if kind == TROPE else _work_examples(title, body, warnings)


def _trope_examples(title: Title, body: Iterable[N.PageLine], warnings: list[Warning]) -> Iterator[Example]:
    for ln, parent, stack in _bullets(body):
        node = ln.node
        text, spans, spoiler = _flatten(node.children)
        subject = _subject_work(text, spans, top_level=parent is None)
        work = subject.title if subject is not None else (parent.work if parent else None)
        if work is None:
            warnings.append(Warning(node.line, "example names no work"))
        mode = _mode_of(text, spans, subject)
        # positional, as in _work_examples
        ex = Example(title, work, mode or STRAIGHT, mode is not None, node.depth,
                     parent.line if parent else None, ln.folder, node.line, spoiler,
                     _mentions(spans, title, work), _clean(text), node.column)
        stack.append((node.depth, ex))
        yield ex


def _subject_work(text: str, spans: list[_Span], top_level: bool) -> _Span | None:
    """The work a bullet is about: the first link to a work page, preferring an italicised title.
    A top-level bullet whose only candidate is an italicised page outside the media namespaces
    (old pages wrote ''DeathMerchant'') or that the prose calls a work ("an issue of {{Superman}}")
    is about that page."""
    works = [s for s in spans if s.title.role == ROLE_WORK]
    for s in works:
        if s.italic and not s.spoiler:
            return s
    for s in works:
        if not s.spoiler:
            return s
    if works:
        return works[0]
    if top_level:
        for s in spans:
            if s.spoiler or s.title.role != ROLE_TROPE or _is_mode_page(s.title):
                continue
            if s.whole_italic or _NAMED_AS_WORK.search(text, max(0, s.start - 40), s.start):
                return s
    return None


# "an issue of X", "the first episode of X": words that make the link after them a work's name.
_NAMED_AS_WORK = re.compile(
    r"\b(?:issue|episode|volume|chapter|season|installment|novel|film|movie|game|comic|strip)s?"
    r"\s+of\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def _mentions(spans: list[_Span], subject: Title, other: Title | None) -> list[Title] | tuple[Title, ...]:
    """The pages a bullet's links name, but for the two it is about (its trope and work), mode
    pages and relation words."""
    subject_key = subject.key
    other_key = other.key if other is not None else None
    titles = []
    for span in spans:
        key = span.title.key
        if key != subject_key and key != other_key and key not in _NOT_MENTIONED:
            titles.append(span.title)
    # most examples mention nothing else: they share one empty tuple rather than each hold a list
    return _unique(titles) if titles else _NO_MENTIONS


# Links that are never an example's mentions: mode pages, and the pages that state a relation.
_NOT_MENTIONED = frozenset(MODE_PAGES) | _RELATION_WORDS


_NO_MENTIONS: tuple[Title, ...] = ()


_TROPE_ENTRY_TAIL = re.compile(r"^\s*[:\-\u2013\u2014]")
# what separates a work page's trope from what the bullet says of it: ": ", " - ", " -- "
_ENTRY_SEPARATOR = re.compile(r"\s*[:\-\u2013\u2014]\s*")


def _entry_trope(node: N.Node) -> tuple[N.Node | None, int]:
    """The trope a work-page bullet names (``* TropeName: text``) and where its text begins."""
    children = node.children
    i = 0
    while i < len(children) and children[i].kind == N.TEXT and not (children[i].value or "").strip():
        i += 1
    if i >= len(children):
        return None, 0
    first = children[i]
    link = None
    if first.kind in (N.LINK, N.POTHOLE):
        link = first
    elif first.kind in (N.ITALIC, N.BOLD):
        inner = [c for c in first.children if not (c.kind == N.TEXT and not (c.value or "").strip())]
        if inner and inner[0].kind in (N.LINK, N.POTHOLE):
            link = inner[0]
            # a colon may sit inside the italics: ''TropeName:''
            rest = inner[1:]
            if rest and rest[0].kind == N.TEXT and _TROPE_ENTRY_TAIL.match(rest[0].value or ""):
                return link, i + 1
    if link is None or link.title.role != ROLE_TROPE:
        return None, 0
    after = children[i + 1] if i + 1 < len(children) else None
    if after is not None and after.kind == N.TEXT and _TROPE_ENTRY_TAIL.match(after.value or ""):
        return link, i + 1
    return None, 0


def _is_subpage_link(work: Title, node: N.Node) -> bool:
    """A bullet that only links to one of the work's own sub-pages (``TheDresdenFiles/TropesAToM``,
    where a long trope list is split off): not an example, and not a mistake either."""
    _, spans, _ = _flatten(node.children)
    return len(spans) == 1 and spans[0].title.namespace.casefold() == work.name.casefold()


def _work_examples(title: Title, body: Iterable[N.PageLine], warnings: list[Warning]) -> Iterator[Example]:
    for ln, parent, stack in _bullets(body):
        node = ln.node
        trope_node, rest_at = (None, 0) if parent is not None else _entry_trope(node)
        if trope_node is not None:
            trope = trope_node.title
            text, spans, spoiler = _flatten(node.children[rest_at:])
            separator = _ENTRY_SEPARATOR.match(text)
            if separator:
                text = text[separator.end():]
        else:
            trope = parent.trope if parent is not None else None
            text, spans, spoiler = _flatten(node.children)
        if trope is None:
            if not _is_subpage_link(title, node):
                warnings.append(Warning(node.line, "bullet names no trope (expected '* TropeName: text')"))
            stack.append((node.depth, None))
            continue
        mode = _mode_of(text, spans, None)
        # positional: a call with a dozen keywords costs a tenth of an example (the order is
        # Example's fields', which tests/test_markup_fast_paths.py holds in place)
        ex = Example(trope, title, mode or STRAIGHT, mode is not None, node.depth,
                     parent.line if parent else None, ln.folder, node.line, spoiler,
                     _mentions(spans, title, trope), _clean(text), node.column)
        stack.append((node.depth, ex))
        yield ex
