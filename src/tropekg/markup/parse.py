"""Parsing a page: its bytes or source text in, the page model out.

Wiki markup goes tokens -> tree -> model; a rendered HTML page goes through :mod:`.html` onto the
same tree and model. :func:`parse_bytes` is where the two part ways, on what the bytes are
(:func:`tropekg.readers.html.looks_like_html`), not on the file's name.
"""

from __future__ import annotations

from pathlib import Path

from tropekg.markup.extract import extract
from tropekg.markup.html import parse_html
from tropekg.markup.tokens import tokenize
from tropekg.markup.tree import build_tree
from tropekg.model import Page, Warning
from tropekg.readers import PageError, Reader, SourceText, WikiSourceReader, read_bytes, reader_for
from tropekg.readers.html import looks_like_html
from tropekg.titles import Title


def parse_text(text: str, title: Title) -> Page:
    """The page model of one page's wiki source."""
    root, warnings = build_tree(tokenize(text))
    return extract(title, root, warnings)


def parse_source(source: SourceText, title: Title) -> Page:
    page = parse_text(source.text, title)
    page.warnings[:0] = [Warning(line, message) for line, message in source.warnings]
    return page


def is_html(data: bytes, reader: Reader | None = None) -> bool:
    """Whether these bytes go to the HTML reader (a June 2012 backup file is HTML around wiki
    source, and its reader says it holds markup)."""
    return (reader is None or reader.form == "html") and looks_like_html(data)


def parse_bytes(data: bytes, source: str, title: Title | None = None, *, path: Path | None = None,
                reader: Reader | None = None) -> Page:
    """The page model of one page's bytes, HTML or markup. The title is ``title`` when given; else
    an HTML page's own, else the one ``path`` gives. A :class:`PageError` names ``source``."""
    if is_html(data, reader):
        return parse_html(data, source, title, path)
    reader = reader if reader is not None and reader.form == "markup" else WikiSourceReader()
    if title is None:
        if path is None:
            raise PageError(source, "wiki source needs a title: pass --title Namespace/PageName")
        title = reader.title(path)
    return parse_source(reader.text(data, source), title)


def parse_file(path: Path, title: Title | None = None) -> Page:
    """Read and parse one page file (markup or HTML); the title comes from the page or the path
    unless given."""
    return parse_bytes(read_bytes(path), str(path), title, path=path, reader=reader_for(path))
