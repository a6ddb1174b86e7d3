"""Reading pages: bytes on disk in, page text and the page's title out.

The first step of the data flow. Each form people hold pages in has one :class:`Reader`, and
:data:`READERS` is the plain tuple of them, asked in order: the first that accepts a file reads it.
The markup step turns what a reader gives into the page model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from tropekg.readers.source import (
    BACKUP_SUFFIX,
    PageError,
    SourceText,
    decode,
    title_from_path,
)
from tropekg.titles import Title


class Reader(Protocol):
    """One form of page file."""

    name: str

    def accepts(self, path: Path) -> bool:
        """Whether a file found in an input folder is a page in this form (by its name)."""
        ...

    def title(self, path: Path) -> Title:
        """The page's title from the file's path; a :class:`PageError` when it gives none."""
        ...

    def text(self, data: bytes, source: str) -> SourceText:
        """The page's wiki source from the file's bytes; a :class:`PageError` naming ``source``."""
        ...


class WikiSourceReader:
    """The wiki's markup as text: ``Namespace/PageName.txt`` or ``Namespace.PageName``."""

    name = "wiki-source"

    def accepts(self, path: Path) -> bool:
        name = path.name
        return not name.startswith(".") and (
            name.endswith(".txt") or ("." in name and name.split(".")[-1][:1].isupper()))

    def title(self, path: Path) -> Title:
        return title_from_path(path)

    def text(self, data: bytes, source: str) -> SourceText:
        return decode(data, source)


class SiteBackupReader:
    """A page of the June 2012 site backup, ``Namespace.PageName@action=source``: an HTML page in
    ISO-8859-1 whose body holds the source."""

    name = "site-backup-2012"

    def accepts(self, path: Path) -> bool:
        return not path.name.startswith(".") and path.name.endswith(BACKUP_SUFFIX)

    def title(self, path: Path) -> Title:
        return title_from_path(path)

    def text(self, data: bytes, source: str) -> SourceText:
        return decode(data, source, backup=True)


# Asked in order: the first reader that accepts a file reads it.
READERS: tuple[Reader, ...] = (SiteBackupReader(), WikiSourceReader())
_BY_NAME = {r.name: r for r in READERS}


def reader_for(path: Path) -> Reader | None:
    """The reader of a file found in an input folder, or None when it is not a page file."""
    return next((r for r in READERS if r.accepts(path)), None)


def reader_named(name: str) -> Reader:
    return _BY_NAME[name]


def read_file(path: Path) -> SourceText:
    """A named page file's text, read by the reader its name asks for (wiki source by default)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise PageError(str(path), f"cannot read: {e.strerror or e}") from None
    return (reader_for(path) or WikiSourceReader()).text(data, str(path))


__all__ = ["READERS", "PageError", "Reader", "SiteBackupReader", "SourceText", "WikiSourceReader",
           "read_file", "reader_for", "reader_named"]
