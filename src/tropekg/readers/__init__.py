"""Reading pages: files on disk in, the pages they hold (title, bytes, origin) out.

The first step of the data flow. Each form people hold pages in has one :class:`Reader`, and
:data:`READERS` is the plain tuple of them, asked in order: the first that accepts a file (by its
name or by its first bytes) reads it. A reader lists the pages a file holds as
:class:`PageRecord` values (one for a page file, many for a web archive) and gives the bytes of
each; the markup step turns them into the page model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tropekg.readers.source import (
    BACKUP_SUFFIX,
    PageError,
    SourceText,
    decode,
    title_from_path,
    title_from_site_path,
)
from tropekg.titles import Title

# Enough of a file to know its form: magic bytes, or an HTML page's start after comments.
HEAD_BYTES = 4096


@dataclass(frozen=True, slots=True)
class PageRecord:
    """What one file (or one record of an archive) is, found without parsing a page.

    ``kind`` is "page" (a page to read), "alias" (another name of the page ``title``: a redirect
    from ``alias``), "skipped" (a record that holds no page, ``note`` says why) or "error" (a file
    or record that cannot be read, ``note`` says why)."""

    kind: str
    title: Title | None = None
    form: str = "markup"      # what a page's bytes are: "markup" (wiki source) or "html"
    member: str = ""          # which part of the file: "" for all of it, else a WARC record's URL
    offset: int | None = None  # where that part starts in the file
    date: str = ""            # when it was captured (WARC-Date), to choose between two copies
    alias: Title | None = None  # for an alias: the other name
    note: str = ""


class Reader(Protocol):
    """One form of page file."""

    name: str

    def accepts(self, path: Path, head: bytes) -> bool:
        """Whether a file is in this form, by its name or its first bytes (``head``, up to
        :data:`HEAD_BYTES`)."""
        ...

    def records(self, path: Path) -> Iterator[PageRecord]:
        """The pages the file holds, with their titles (and aliases, skipped records and errors)."""
        ...

    def read(self, path: Path, offset: int | None) -> bytes:
        """The bytes of the page at ``offset`` (None: the file's one page); a :class:`PageError`."""
        ...

    def text(self, data: bytes, source: str) -> SourceText:
        """A markup page's wiki source from its bytes; a :class:`PageError` naming ``source``."""
        ...


def _page_or_error(path: Path, title_of, form: str) -> PageRecord:
    try:
        return PageRecord("page", title_of(path), form)
    except PageError as e:
        return PageRecord("error", form=form, note=e.message)


class PageFile:
    """What every reader of files holding one page shares: the bytes are the file's, wiki
    source is decoded as text."""

    def read(self, path: Path, offset: int | None = None) -> bytes:
        return read_bytes(path)

    def text(self, data: bytes, source: str) -> SourceText:
        return decode(data, source)


class WikiSourceReader(PageFile):
    """The wiki's markup as text: ``Namespace/PageName.txt``, ``Namespace.PageName`` or a name
    after the site's address (``pmwiki.php/Namespace/PageName``)."""

    name = "wiki-source"

    def accepts(self, path: Path, head: bytes = b"") -> bool:
        name = path.name
        return not name.startswith(".") and (
            name.endswith(".txt") or ("." in name and name.split(".")[-1][:1].isupper())
            or title_from_site_path(path) is not None)

    def records(self, path: Path) -> Iterator[PageRecord]:
        yield _page_or_error(path, title_from_path, "markup")


class SiteBackupReader(WikiSourceReader):
    """A page of the June 2012 site backup, ``Namespace.PageName@action=source``: an HTML page in
    ISO-8859-1 whose body holds the source."""

    name = "site-backup-2012"

    def accepts(self, path: Path, head: bytes = b"") -> bool:
        return not path.name.startswith(".") and path.name.endswith(BACKUP_SUFFIX)

    def text(self, data: bytes, source: str) -> SourceText:
        return decode(data, source, backup=True)


def _html_title(path: Path, head: bytes, whole: bytes | None = None) -> Title:
    """The title a rendered page names for itself (read from its head), else its path's."""
    from tropekg.readers.html import html_title

    title = html_title(head) or (html_title(whole) if whole is not None else None)
    if title is not None:
        return title
    try:
        return title_from_path(path)
    except PageError:
        raise PageError(str(path), "an HTML page that names no wiki page (no <link rel=\"canonical\"> "
                                   "or og:url to a pmwiki.php/Namespace/PageName address), and its "
                                   "file name gives no title") from None


_TITLE_HEAD = 262144


class HtmlPageReader(PageFile):
    """A rendered page saved from the site (a browser's save, a scraper's cache, a crawl): any
    file name, since the page names itself (``<link rel="canonical">``, else ``og:url``); known by
    its name (``.html``) or by its first bytes (a doctype, ``<html>`` or ``<head>``)."""

    name = "html-page"
    SUFFIXES = (".html", ".htm", ".xhtml")

    def accepts(self, path: Path, head: bytes = b"") -> bool:
        from tropekg.readers.html import looks_like_html

        return not path.name.startswith(".") and (path.suffix.lower() in self.SUFFIXES or looks_like_html(head))

    def records(self, path: Path) -> Iterator[PageRecord]:
        from tropekg.readers.html import looks_like_html

        try:
            head = read_bytes(path, limit=_TITLE_HEAD)
        except PageError as e:
            yield PageRecord("error", form="html", note=e.message)
            return
        if not looks_like_html(head):  # named .html but holding wiki source: read as that
            yield _page_or_error(path, title_from_path, "markup")
            return
        whole = (lambda: read_bytes(path)) if len(head) == _TITLE_HEAD else (lambda: None)
        yield _page_or_error(path, lambda p: _html_title(p, head, whole()), "html")


class GzipPageReader(PageFile):
    """A gzip-compressed page (a scraper's cache; ``.gz`` or gzip's magic bytes, any name): an
    HTML page names itself, wiki source takes its title from the name without ``.gz``.
    Decompression stops at a cap, so a gzip bomb is refused."""

    name = "gzip-page"

    def accepts(self, path: Path, head: bytes = b"") -> bool:
        from tropekg.readers.compressed import is_gzip

        return not path.name.startswith(".") and (is_gzip(head) or path.name.endswith(".gz"))

    def records(self, path: Path) -> Iterator[PageRecord]:
        from tropekg.readers.compressed import gunzip_file_head
        from tropekg.readers.html import looks_like_html

        try:
            head = gunzip_file_head(path, _TITLE_HEAD)
        except PageError as e:
            yield PageRecord("error", note=e.message)
            return
        inner = path.with_name(path.name.removesuffix(".gz")) if path.name.endswith(".gz") else path
        if looks_like_html(head):
            whole = (lambda: self.read(path)) if len(head) == _TITLE_HEAD else (lambda: None)
            yield _page_or_error(path, lambda p: _html_title(inner, head, whole()), "html")
        else:
            yield _page_or_error(inner, title_from_path, "markup")

    def read(self, path: Path, offset: int | None = None) -> bytes:
        from tropekg.readers.compressed import gunzip_file

        return gunzip_file(path)


class WarcReader(PageFile):
    """A web archive (WARC, plain or gzip-compressed a record a member): many pages in one file,
    each a ``response`` record of a wiki page, with its own address as its origin."""

    name = "warc"
    SUFFIXES = (".warc", ".warc.gz")

    def accepts(self, path: Path, head: bytes = b"") -> bool:
        from tropekg.readers.warc import is_warc

        return not path.name.startswith(".") and (path.name.endswith(self.SUFFIXES) or is_warc(head))

    def records(self, path: Path) -> Iterator[PageRecord]:
        from tropekg.readers.warc import entries

        try:
            for entry in entries(path):
                if entry.kind == "skipped":
                    yield PageRecord("skipped", member=entry.url, offset=entry.offset, note=entry.reason)
                elif entry.kind == "redirect":
                    yield PageRecord("alias", entry.target, member=entry.url, offset=entry.offset,
                                     alias=entry.title)
                else:
                    yield from self._page(entry)
        except PageError as e:
            yield PageRecord("error", form="html", note=e.message)

    def _page(self, entry) -> Iterator[PageRecord]:
        from tropekg.readers.html import html_title

        # The page names itself; a page served at another address than the one it names is
        # known by that address too.
        own = html_title(entry.head)
        title = own or entry.title
        yield PageRecord("page", title, "html", entry.url, entry.offset, entry.date)
        if own is not None and own != entry.title:
            yield PageRecord("alias", own, member=entry.url, offset=entry.offset, alias=entry.title)

    def read(self, path: Path, offset: int | None = None) -> bytes:
        from tropekg.readers.warc import record_body

        if offset is None:
            raise PageError(str(path), "a web archive holds many pages: read them one record at a time")
        return record_body(path, offset)


# Asked in order: the first reader that accepts a file reads it. Forms known by their bytes come
# before those known by their names only, so content decides where it can: a WARC before a gzip
# page (a .warc.gz is gzip too), an HTML page before wiki source.
READERS: tuple[Reader, ...] = (SiteBackupReader(), WarcReader(), GzipPageReader(), HtmlPageReader(),
                               WikiSourceReader())
_BY_NAME = {r.name: r for r in READERS}


def read_head(path: Path) -> bytes:
    """A file's first bytes (``b""`` when it cannot be read: its reader will say why)."""
    try:
        return read_bytes(path, HEAD_BYTES)
    except PageError:
        return b""


def reader_for(path: Path, head: bytes | None = None) -> Reader | None:
    """The reader of a file found in an input folder (by its name, or by its first bytes, read
    when not given), or None when it is not a page file."""
    if head is None:
        head = read_head(path)
    return next((r for r in READERS if r.accepts(path, head)), None)


def reader_named(name: str) -> Reader:
    return _BY_NAME[name]


def read_bytes(path: Path, limit: int = -1) -> bytes:
    """A page file's bytes (the first ``limit`` of them), or a :class:`PageError` naming it."""
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError as e:
        raise PageError(str(path), f"cannot read: {e.strerror or e}") from None


def read_file(path: Path) -> SourceText:
    """A named page file's wiki source, read by the reader its name asks for (wiki source by
    default)."""
    reader = reader_for(path) or WikiSourceReader()
    return reader.text(reader.read(path, None), str(path))


__all__ = ["HEAD_BYTES", "READERS", "GzipPageReader", "HtmlPageReader", "PageError", "PageRecord", "Reader",
           "SiteBackupReader", "SourceText", "WarcReader", "WikiSourceReader", "read_bytes", "read_file",
           "read_head", "reader_for", "reader_named"]
