"""A rendered TV Tropes article as the page tree: the DOM of ``div#main-article`` (lxml) in, the
nodes of :mod:`tropekg.markup.tree` out, so :func:`tropekg.markup.extract.extract` reads a rendered
page with the same rules as wiki markup; :func:`parse_html` gives the page model.

How the site renders its markup, and what each rendering becomes here:

- ``p`` and loose text: a paragraph line; ``h1``-``h5``: a header; ``hr``: a rule. A loose line that
  announces the examples ("This novel provides examples of:") is a header, as an ``h2`` would be.
- ``ul``/``ol`` of ``li``: bullet lines, one per ``li``, nested lists one level deeper, after their
  parent; several consecutive lists are one list.
- ``div.folderlabel`` followed by ``div.folder``: a folder titled by the label.
- ``div.indent``: an indented (quote) line, a nested one deeper (the attribution); inside a bullet
  its text is part of the bullet.
- ``a`` to a wiki page (``twikilink``, ``createlink``, relative or absolute href): a pothole to that
  page; ``a`` to anything else on the web: an external link.
- ``span.spoiler``: a spoiler; ``span.notelabel`` + ``span.inlinefolder``: a note; ``em``/``i``,
  ``strong``/``b``, ``code``, ``s``/``del``: formatting.
- The page image and its caption (``div.quoteright``, ``div.acaptionright``, ...): a container, as
  ``[[quoteright:...]]`` is in markup. Advertisements, scripts, images and form controls: nothing.

Every node keeps the source line of its element; bullets also keep their column when known (the
site often writes a whole list on one line). A page past :data:`STREAM_AT` is read as a stream:
:func:`iter_article_lines` hands over its lines as the DOM is walked, never the whole tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from tropekg.markup import tree as N
from tropekg.markup.extract import extract, extract_lines
from tropekg.model import Page, Warning
from tropekg.readers.html import (
    PageIdentity,
    article_of,
    classes,
    decode_html,
    identity,
    li_positions,
    parse_dom,
    wiki_title,
)
from tropekg.readers.source import PageError, title_from_path
from tropekg.titles import Title

# /pmwiki/pmwiki.php/Namespace/PageName, relative or on the site's host (with or without www.)
_EXTERNAL_HREF = re.compile(r"^(?:https?|ftp)://", re.IGNORECASE)

_SKIPPED = frozenset({
    "script", "style", "noscript", "img", "picture", "video", "audio", "iframe", "object", "embed",
    "svg", "canvas", "form", "input", "button", "select", "textarea", "template", "map",
})
_IMAGE_BLOCKS = ("quoteright", "quoteleft", "acaptionright", "acaptionleft", "acaption")
_AD_CLASSES = frozenset({"proper-ad-unit", "square_ad", "mobile-ad", "ad-caption", "ad"})
_FORMATTING = {
    "em": N.ITALIC, "i": N.ITALIC, "cite": N.ITALIC, "strong": N.BOLD, "b": N.BOLD,
    "code": N.MONO, "tt": N.MONO, "kbd": N.MONO, "samp": N.MONO,
    "s": N.STRIKE, "del": N.STRIKE, "strike": N.STRIKE,
}
_HEADERS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LISTS = ("ul", "ol")
# blocks whose content is lines of their own (the article's structure) rather than inline text
_CONTAINERS = frozenset({"div", "section", "article", "center", "main", "aside", "table", "tbody",
                         "thead", "tfoot", "dl", "blockquote", "figure", "details"})
_LINE_BLOCKS = frozenset({"p", "tr", "dt", "dd", "pre", "figcaption", "summary", "address"})
# "This novel provides examples of:", "Tropes featured include:", "Examples:"
_EXAMPLES_INTRO = re.compile(
    r"^(?:(?:this|the|these)\b[^.!?]{0,80}\b(?:provides?|contains?|has|have|features?|includes?|shows?)"
    r"\s+(?:the\s+following\s+)?examples\s+of|(?:tropes|examples)(?:\s+(?:used|featured|include\w*|"
    r"in\s+this\s+\w+))*)\s*:\s*$",
    re.IGNORECASE,
)


def _is_ad(el: etree._Element) -> bool:
    cls = classes(el)
    return bool(cls & _AD_CLASSES) or any(c.startswith("proper-ad") for c in cls)


class _Builder:
    def __init__(self, positions: Mapping[etree._Element, tuple[int, int]]):
        self.positions = positions
        self.warnings: list[N.Warning_] = []
        self.deferred: list[tuple[etree._Element, int]] = []  # lists met inside a bullet's text
        self.open_folders: list[N.Node] = []  # the folders whose lines are being read, outermost first

    # -- lines ---------------------------------------------------------------------------------
    def blocks(self, el: etree._Element, out: N.Node, loose: str = N.PARAGRAPH, depth: int = 0,
               top: bool = False) -> Iterator[None]:
        """The lines of a block element's content, appended to ``out``. Loose text and inline
        elements between blocks form lines of kind ``loose``. Like every method that appends
        lines, a generator: it pauses before each element it reads, where every line appended
        so far is finished (:func:`iter_article_lines` takes them then)."""
        line_node: N.Node | None = None

        def loose_line(line: int) -> N.Node:
            nonlocal line_node
            if line_node is None:
                line_node = N.Node(loose, line, depth=depth)
            return line_node

        def close() -> Iterator[None]:
            nonlocal line_node
            if line_node is not None:
                node, line_node = line_node, None
                yield from self._finish_line(node, out, top)

        if el.text:
            self._text(el.text, loose_line(el.sourceline or 1), el.sourceline)
        consumed: set[etree._Element] = set()  # folders already read with their label
        for child in el:
            if line_node is None:
                yield
            tag = child.tag if isinstance(child.tag, str) else None
            line = child.sourceline or (el.sourceline or 1)
            if tag is None or tag in _SKIPPED or _is_ad(child) or child in consumed:
                pass
            elif tag == "br":
                yield from close()
            elif tag in _LISTS:
                yield from close()
                yield from self.list_(child, out, 1)
            elif tag == "li":  # a list item outside a list: a bullet all the same
                yield from close()
                yield from self.bullet(child, out, max(depth, 1))
            elif tag in _HEADERS:
                yield from close()
                node = N.Node(N.HEADER, line, depth=_HEADERS[tag])
                self.inline_children(child, node)
                yield from self._finish_line(node, out, top=False)
            elif tag == "hr":
                yield from close()
                out.children.append(N.Node(N.RULE, line))
            elif tag == "div" and "folderlabel" in classes(child):
                yield from close()
                folder_el = _next_element(child)
                if folder_el is not None and "folder" in classes(folder_el):
                    yield from self.folder(child, folder_el, out)
                    consumed.add(folder_el)
                # a label with no folder after it is the "open/close all folders" control
            elif tag == "div" and "folder" in classes(child):
                yield from close()
                yield from self.folder(None, child, out)
            elif tag == "div" and "indent" in classes(child):
                yield from close()
                yield from self.blocks(child, out, N.INDENT, depth + 1 if loose == N.INDENT else 1)
            elif tag == "div" and classes(child) & set(_IMAGE_BLOCKS):
                yield from close()
                node = N.Node(N.PARAGRAPH, line)
                box = N.Node(N.CONTAINER, line, value=(child.get("class") or "").split()[0])
                self.inline_children(child, box)
                node.children.append(box)
                out.children.append(node)
            elif tag in _CONTAINERS:
                yield from close()
                yield from self.blocks(child, out, loose, depth, top)
            elif tag in _LINE_BLOCKS:
                yield from close()
                yield from self.blocks(child, out, loose if loose == N.INDENT else N.PARAGRAPH, depth, top)
            else:
                self.inline(child, loose_line(line))
            if child.tail:
                self._text(child.tail, loose_line(line), line)
        yield from close()

    def _finish_line(self, node: N.Node, out: N.Node, top: bool) -> Iterator[None]:
        if not any(c.kind != N.TEXT or (c.value or "").strip() for c in node.children):
            yield from self._drain(out)
            return
        if top and node.kind == N.PARAGRAPH and _EXAMPLES_INTRO.match(
                " ".join(N.plain_text(node.children).split())):
            node.kind = N.HEADER
            node.depth = 2
        out.children.append(node)
        yield from self._drain(out)

    def _drain(self, out: N.Node, depth: int = 1) -> Iterator[None]:
        """Lists met inside a line's inline content become bullets after the line."""
        while self.deferred:
            ul, at = self.deferred.pop(0)
            yield from self.list_(ul, out, at or depth)

    def list_(self, ul: etree._Element, out: N.Node, depth: int) -> Iterator[None]:
        if ul.text and ul.text.strip():
            node = N.Node(N.PARAGRAPH, ul.sourceline or 1)
            self._text(ul.text, node, ul.sourceline)
            out.children.append(node)
        for child in ul:
            tag = child.tag if isinstance(child.tag, str) else None
            if tag == "li":
                yield from self.bullet(child, out, depth)
            elif tag in _LISTS:  # a list directly in a list: one level deeper
                yield from self.list_(child, out, depth + 1)
            elif tag is not None and tag not in _SKIPPED and not _is_ad(child):
                node = N.Node(N.PARAGRAPH, child.sourceline or 1)  # stray content in a list
                self.inline(child, node)
                yield from self._finish_line(node, out, top=False)
            if child.tail and child.tail.strip():
                node = N.Node(N.PARAGRAPH, child.sourceline or 1)
                self._text(child.tail, node, child.sourceline)
                out.children.append(node)

    def bullet(self, li: etree._Element, out: N.Node, depth: int) -> Iterator[None]:
        yield
        line, column = self.positions.get(li, (li.sourceline or 1, None))
        node = N.Node(N.BULLET, line, depth=depth, column=column)
        out.children.append(node)
        saved, self.deferred = self.deferred, []
        self.inline_children(li, node, nested_depth=depth + 1)
        nested, self.deferred = self.deferred, saved
        for ul, at in nested:
            yield from self.list_(ul, out, at)

    def folder(self, label: etree._Element | None, body: etree._Element, out: N.Node) -> Iterator[None]:
        line = (label if label is not None else body).sourceline or 1
        title = N.Node(N.FOLDER_TITLE, line)
        if label is not None:
            self.inline_children(label, title)
        name = " ".join(N.plain_text(title.children).split())
        folder = N.Node(N.FOLDER, line, value=name, children=[title])
        out.children.append(folder)
        self.open_folders.append(folder)
        yield from self.blocks(body, folder)
        self.open_folders.pop()

    # -- inline --------------------------------------------------------------------------------
    def _text(self, text: str, parent: N.Node, line: int | None) -> None:
        if text:
            parent.children.append(N.Node(N.TEXT, line or parent.line, value=text))

    def inline_children(self, el: etree._Element, parent: N.Node, nested_depth: int = 0) -> None:
        if el.text:
            self._text(el.text, parent, el.sourceline)
        for child in el:
            if isinstance(child.tag, str):
                self.inline(child, parent, nested_depth)
            if child.tail:
                self._text(child.tail, parent, child.sourceline)

    def inline(self, el: etree._Element, parent: N.Node, nested_depth: int = 0) -> None:
        tag = el.tag
        line = el.sourceline or parent.line
        if tag in _SKIPPED or _is_ad(el):
            return
        if tag in _LISTS:
            # a list inside a bullet: its items are bullets one level deeper, after this one
            self.deferred.append((el, nested_depth))
            return
        if tag == "a":
            href = el.get("href")
            title = wiki_title(href)
            if title is not None:
                node = N.Node(N.POTHOLE, line, title=title, value=href)
            elif href and _EXTERNAL_HREF.match(href):
                node = N.Node(N.EXTERNAL, line, value=href)
            else:
                self.inline_children(el, parent, nested_depth)
                return
            self.inline_children(el, node, nested_depth)
            parent.children.append(node)
            return
        if tag == "br":
            self._text(" ", parent, line)
            return
        cls = classes(el)
        if tag == "span" and "notelabel" in cls:
            return  # the "note" marker the reader clicks; the note itself follows
        if tag == "span" and "inlinefolder" in cls:
            label = el.getprevious()
            value = None
            if label is not None and "notelabel" in classes(label):
                value = " ".join(label.xpath("string()").split()) or None
                if value == "note":
                    value = None
            node = N.Node(N.NOTE, line, value=value)
        elif tag == "span" and "spoiler" in cls:
            node = N.Node(N.SPOILER, line)
        elif tag in _FORMATTING:
            node = N.Node(_FORMATTING[tag], line)
        elif tag == "div" and "indent" in cls or tag in _LINE_BLOCKS or tag in _CONTAINERS \
                or tag in _HEADERS or tag in ("li", "td", "th"):
            # a block inside a line (a quote in a bullet): its text continues the line
            self._text(" ", parent, line)
            self.inline_children(el, parent, nested_depth)
            self._text(" ", parent, line)
            return
        else:
            self.inline_children(el, parent, nested_depth)
            return
        self.inline_children(el, node, nested_depth)
        parent.children.append(node)


def _next_element(el: etree._Element) -> etree._Element | None:
    nxt = el.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    return nxt


def build_tree(article: etree._Element,
               positions: Mapping[etree._Element, tuple[int, int]] | None = None
               ) -> tuple[N.Node, list[N.Warning_]]:
    """The page tree of an article element (``div#main-article``); ``positions`` gives the exact
    (line, column) of ``li`` elements where known."""
    b = _Builder(positions or {})
    root = N.Node(N.DOCUMENT, article.sourceline or 1)
    for _ in b.blocks(article, root, top=True):
        pass
    return root, b.warnings


def iter_article_lines(article: etree._Element, positions: Mapping[etree._Element, tuple[int, int]],
                       warnings: list[N.Warning_]) -> Iterator[N.PageLine]:
    """:func:`tropekg.markup.tree.page_lines` of the tree :func:`build_tree` would build, a line at
    a time as the article is read: the tree is never held whole (a page of 200,000 bullets); the
    warnings go to ``warnings``."""
    b = _Builder(positions)
    root = N.Node(N.DOCUMENT, article.sourceline or 1)
    for _ in b.blocks(article, root, top=True):
        yield from N.finished_lines([root, *b.open_folders])
    yield from N.finished_lines([root])
    warnings.extend(b.warnings)


@dataclass(slots=True)
class Article:
    """A rendered page read up to its tree: what it says about itself and its article's nodes."""

    identity: PageIdentity
    tree: N.Node
    warnings: list[Warning]


def read_article(data: bytes, source: str) -> Article:
    """A rendered page's identity and its article as a page tree; a :class:`PageError` names
    ``source`` when the bytes are no HTML page or hold no article (``div#main-article``)."""
    ident, article, positions, warnings = _article_dom(data, source)
    tree, tree_warnings = build_tree(article, positions)
    warnings += [Warning(w.line, w.message) for w in tree_warnings]
    return Article(ident, tree, warnings)


def _article_dom(data: bytes, source: str):
    """A rendered page's identity, its article element, where its list items sit and the
    warnings about its bytes."""
    text, decode_warnings = decode_html(data, source)
    root = parse_dom(text, source)
    if root is None:
        raise PageError(source, "an HTML file with no content")
    article = article_of(root)
    if article is None:
        raise PageError(source, "not a TV Tropes article: the HTML has no div#main-article")
    positions = li_positions(text, root)
    return identity(root), article, positions, [Warning(line, message) for line, message in decode_warnings]


# A rendered page bigger than this (in bytes) is read as a stream, as a markup page past
# :data:`tropekg.markup.parse.STREAM_AT`: its DOM is held (lxml's), but its tree never whole, and
# its examples, links and mentions are read again from the DOM when asked for.
STREAM_AT = 4 << 20


def parse_html(data: bytes, source: str, title: Title | None = None, path: Path | None = None, *,
               stream_at: int = STREAM_AT) -> Page:
    """The page model of a rendered page. The title is ``title`` when given, else the page's
    own (canonical link or ``og:url``), else the one ``path`` gives; a page with none of these,
    or with no article, is a :class:`PageError` naming ``source``. A page of ``stream_at``
    bytes or more is read as a stream (the same model)."""
    if len(data) >= stream_at:
        ident, element, positions, warnings = _article_dom(data, source)
        page = extract_lines(_title_of(ident, title, path, source),
                             lambda tree_warnings: iter_article_lines(element, positions, tree_warnings))
        page.warnings[:0] = warnings
        page.label = ident.label
        page.alt_titles = [t for t in ident.alt_titles if t != ident.label]
        return page
    article = read_article(data, source)
    ident = article.identity
    page = extract(_title_of(ident, title, path, source), article.tree, [])
    page.warnings[:0] = article.warnings
    page.label = ident.label
    page.alt_titles = [t for t in ident.alt_titles if t != ident.label]
    return page


def _title_of(ident: PageIdentity, title: Title | None, path: Path | None, source: str) -> Title:
    page_title = title or ident.title
    if page_title is None:
        if path is None:
            raise PageError(source, "this HTML page names no wiki page (no <link rel=\"canonical\"> "
                                    "or og:url to a pmwiki.php/Namespace/PageName address); pass "
                                    "--title Namespace/PageName")
        page_title = title_from_path(path)
    return page_title
