"""Parsing a page: its bytes or source text in, the page model out.

Wiki markup goes tokens -> tree -> model; a rendered HTML page goes through :mod:`.html` onto the
same tree and model. :func:`parse_bytes` is where the two part ways, on what the bytes are
(:func:`tropekg.readers.html.looks_like_html`), not on the file's name; :func:`parse_records`
reads every page a file holds (a web archive holds many).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tropekg.markup.extract import extract, extract_lines
from tropekg.markup.html import parse_html
from tropekg.markup.tokens import token_batches
from tropekg.markup.tree import build_tree_from_batches, iter_page_lines
from tropekg.model import Page, Warning
from tropekg.readers import PageError, Reader, SourceText, WikiSourceReader, reader_for
from tropekg.readers.html import looks_like_html
from tropekg.readers.source import title_from_path
from tropekg.titles import Title

# A page's source longer than this (in characters) is read as a stream: its tree is never built
# whole, and its examples, links and mentions are read again from the source when asked for (see
# :func:`tropekg.markup.extract.extract_lines`). Its memory then stays a few times the source's
# size whatever it holds (a page of 200,000 links), at the cost of reading it a few times; a
# page below it is held whole, which at most takes some tens of megabytes. No real page comes near.
STREAM_AT = 1 << 20


def parse_text(text: str, title: Title, *, stream_at: int = STREAM_AT) -> Page:
    """The page model of one page's wiki source; a source of ``stream_at`` characters or more is
    read as a stream (the same model; its examples, links and mentions are read again when asked
    for)."""
    if len(text) >= stream_at:
        return extract_lines(title, lambda warnings: iter_page_lines(token_batches(text), warnings))
    root, warnings = build_tree_from_batches(token_batches(text))
    return extract(title, root, warnings, consume=True)


def parse_source(source: SourceText, title: Title) -> Page:
    page = parse_text(source.text, title)
    page.warnings[:0] = [Warning(line, message) for line, message in source.warnings]
    return page


def is_html(data: bytes, form: str | None = None) -> bool:
    """Whether these bytes go to the HTML reader: they look like a page, and the reader that found
    them did not say they are wiki source (a June 2012 backup file is HTML around wiki source)."""
    return form != "markup" and looks_like_html(data)


def parse_bytes(data: bytes, source: str, title: Title | None = None, *, path: Path | None = None,
                reader: Reader | None = None, form: str | None = None) -> Page:
    """The page model of one page's bytes, HTML or markup (``form`` when the reader that found
    them knows, else decided by the bytes). The title is ``title`` when given; else an HTML page's
    own, else the one ``path`` gives. A :class:`PageError` names ``source``."""
    if is_html(data, form):
        return parse_html(data, source, title, path)
    if title is None:
        if path is None:
            raise PageError(source, "wiki source needs a title: pass --title Namespace/PageName")
        title = title_from_path(path)
    return parse_source((reader or WikiSourceReader()).text(data, source), title)


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One page of a file: where it came from (the path, and ``#URL`` for a web archive's
    record), and its page model or why it could not be read."""

    origin: str
    page: Page | None = None
    error: PageError | None = None


def parse_records(path: Path, title: Title | None = None) -> Iterator[ParsedRecord]:
    """Every page a file holds (one for a page file, many for a web archive), in file order. A
    given ``title`` names the page of a one-page file."""
    try:
        path.stat()  # a missing file is missing, before any reader asks what its name means
    except OSError as e:
        yield ParsedRecord(str(path), error=PageError(str(path), f"cannot read: {e.strerror or e}"))
        return
    reader = reader_for(path) or WikiSourceReader()
    for record in reader.records(path):
        origin = f"{path}#{record.member}" if record.member else str(path)
        if record.kind == "error" and not (title is not None and record.offset is None):
            yield ParsedRecord(origin, error=PageError(str(path), record.note))
            continue
        if record.kind not in ("page", "error"):
            continue
        try:
            data = reader.read(path, record.offset)
            page = parse_bytes(data, origin, title if record.offset is None and title else record.title,
                               path=path, reader=reader, form=record.form)
        except PageError as e:
            yield ParsedRecord(origin, error=e)
            continue
        yield ParsedRecord(origin, page)


def parse_file(path: Path, title: Title | None = None) -> Page:
    """Read and parse a file holding one page (markup, HTML, compressed); the title comes from the
    page or the path unless given. A file holding no page or several is a :class:`PageError`."""
    records = list(parse_records(path, title))
    if not records:
        raise PageError(str(path), "holds no wiki page")
    if len(records) > 1:
        raise PageError(str(path), f"holds {len(records)} pages (a web archive); read them with parse_records")
    if records[0].error is not None:
        raise records[0].error
    assert records[0].page is not None
    return records[0].page
