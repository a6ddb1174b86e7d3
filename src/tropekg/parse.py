"""Parsing a page: its bytes or source text in, the page model out.

Wiki markup goes tokens -> tree -> model; a rendered HTML page goes through
:mod:`tropekg.html_page` to the same model. :func:`parse_bytes` is where the two part ways, on what
the bytes are (:func:`tropekg.html_page.looks_like_html`), not on the file's name.
"""

from __future__ import annotations

from pathlib import Path

from .extract import extract
from .html_page import looks_like_html, parse_html
from .model import Page, Warning
from .source import PageError, SourceText, decode, is_backup, read_bytes, title_from_path
from .titles import Title
from .tokens import tokenize
from .tree import build


def parse_text(text: str, title: Title) -> Page:
    """The page model of one page's wiki source."""
    root, warnings = build(tokenize(text))
    return extract(title, root, warnings)


def parse_source(source: SourceText, title: Title) -> Page:
    page = parse_text(source.text, title)
    page.warnings[:0] = [Warning(line, message) for line, message in source.warnings]
    return page


def is_html(data: bytes, backup: bool = False) -> bool:
    """Whether these bytes go to the HTML reader (a June 2012 backup file is HTML around wiki
    source, and goes to the markup reader)."""
    return not backup and looks_like_html(data)


def parse_bytes(data: bytes, source: str, title: Title | None = None, *, path: Path | None = None,
                backup: bool = False) -> Page:
    """The page model of one page's bytes, HTML or markup. The title is ``title`` when given; else
    an HTML page's own, else the one ``path`` gives. A :class:`PageError` names ``source``."""
    if is_html(data, backup):
        return parse_html(data, source, title, path)
    if title is None:
        if path is None:
            raise PageError(source, "wiki source needs a title: pass --title Namespace/PageName")
        title = title_from_path(path)
    return parse_source(decode(data, source, backup=backup), title)


def parse_file(path: Path, title: Title | None = None) -> Page:
    """Read and parse one page file (markup or HTML); the title comes from the page or the path
    unless given."""
    return parse_bytes(read_bytes(path), str(path), title, path=path, backup=is_backup(path))
