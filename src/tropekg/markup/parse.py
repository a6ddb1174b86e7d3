"""Parsing a page: source text in, page model out (tokens -> tree -> model)."""

from __future__ import annotations

from pathlib import Path

from tropekg.markup.extract import extract
from tropekg.markup.tokens import tokenize
from tropekg.markup.tree import build_tree
from tropekg.model import Page, Warning
from tropekg.readers import SourceText, WikiSourceReader, read_file, reader_for
from tropekg.titles import Title


def parse_text(text: str, title: Title) -> Page:
    """The page model of one page's wiki source."""
    root, warnings = build_tree(tokenize(text))
    return extract(title, root, warnings)


def parse_source(source: SourceText, title: Title) -> Page:
    page = parse_text(source.text, title)
    page.warnings[:0] = [Warning(line, message) for line, message in source.warnings]
    return page


def parse_file(path: Path, title: Title | None = None) -> Page:
    """Read and parse one page file; the title comes from the path unless given."""
    title = title or (reader_for(path) or WikiSourceReader()).title(path)
    return parse_source(read_file(path), title)
