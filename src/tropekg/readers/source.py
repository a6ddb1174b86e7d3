"""Reading page source: bytes on disk in, text and the page's title out.

Knows the layouts tropekg reads: ``.../Namespace/PageName.txt``, ``Namespace.PageName`` and
``Namespace.PageName@action=source`` from the June 2012 site backup (an HTML page in ISO-8859-1 whose
body holds the source, with ``<br/>`` line breaks and escaped entities). Anything that is not text
is a :class:`PageError` naming the file; text in a legacy encoding is read with a warning.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from tropekg.titles import Title, make_title, namespace, parse_title

BACKUP_SUFFIX = "@action=source"
# Suffixes a file name may add to its page's name: wiki source, and rendered pages as saved.
PAGE_SUFFIXES = (".txt", ".html", ".htm", ".xhtml")


class PageError(Exception):
    """A page that cannot be read at all. ``str()`` is one line naming the source."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass(slots=True)
class SourceText:
    text: str
    warnings: list[tuple[int, str]] = field(default_factory=list)


_BODY = re.compile(rb"<body[^>]*>(.*)</body>", re.IGNORECASE | re.DOTALL)
_BR = re.compile(r"<br\s*/?>\r?\n?", re.IGNORECASE)
# Pages labelled ISO-8859-1 were written and read as Windows-1252 (as browsers still read that label):
# bytes 0x80-0x9F are curly quotes and dashes, not control characters. The five bytes cp1252 leaves
# undefined keep their ISO-8859-1 meaning.
C1_AS_CP1252 = {
    byte: bytes([byte]).decode("cp1252")
    for byte in range(0x80, 0xA0) if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_TAG = re.compile(r"</?(?:pre|code|div|span|p|html|head|body|title|meta)\b[^>]*>", re.IGNORECASE)


def decode(data: bytes, source: str, backup: bool = False) -> SourceText:
    """Text from a page file's bytes (see the module doc for what is accepted)."""
    warnings: list[tuple[int, str]] = []
    if backup:
        refuse_nul(data, source)
        m = _BODY.search(data)
        body = m.group(1) if m else data
        text = body.decode("iso-8859-1").translate(C1_AS_CP1252)
        text = _BR.sub("\n", text)
        text = _TAG.sub("", text)
        return SourceText(html.unescape(text).strip("\n") + "\n", warnings)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return SourceText(data.decode("utf-16"), [(1, "read as UTF-16 (byte order mark)")])
        except UnicodeDecodeError as e:
            raise PageError(source, f"not valid UTF-16 despite its byte order mark: {e.reason}") from None
    refuse_nul(data, source)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        text = data.decode("cp1252", errors="replace")
        warnings.append((line, "not valid UTF-8; read as Windows-1252 (cp1252)"))
    return SourceText(text, warnings)


def refuse_nul(data: bytes, source: str) -> None:
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise PageError(source, "not a text file (it holds NUL bytes)", line)


# How a crawler that names files after addresses saves a page: wget -r keeps the path
# (pmwiki.php/Main/Foo, a file Foo in a folder Main), and a query address becomes a file name
# (pmwiki.php?title=Main.Foo; "@" for "?" where the file system forbids it). ".html" is added by
# wget --adjust-extension.
_SITE_FILE_SUFFIX = re.compile(r"\.(?:html?|txt)$", re.IGNORECASE)
_SITE_QUERY = re.compile(r"^pmwiki\.php[?@](?:.*&)?(?:n|title)=([A-Za-z][A-Za-z0-9]*)[./]([A-Za-z0-9]+)(?:[&#].*)?$")


def title_from_site_path(path: Path) -> Title | None:
    """The title a file named after the site's address gives (``.../pmwiki.php/Main/Foo``,
    ``pmwiki.php?title=Main.Foo``), else None."""
    name = _SITE_FILE_SUFFIX.sub("", path.name)
    if path.parent.parent.name == "pmwiki.php":
        ns = path.parent.name
        return make_title(ns, name) if ns[:1].isalpha() and ns.isalnum() else None
    m = _SITE_QUERY.match(name)
    return make_title(m.group(1), m.group(2)) if m else None


def title_from_path(path: Path) -> Title:
    """The page title a file's path gives, or a :class:`PageError` saying how to give one."""
    site = title_from_site_path(path)
    if site is not None:
        return site
    name = path.name
    name = name.removesuffix(BACKUP_SUFFIX)
    suffix = next((s for s in PAGE_SUFFIXES if name.lower().endswith(s)), None)
    if suffix is not None:
        stem = name[: -len(suffix)]
        if "." in stem:
            title = parse_title(stem)
        else:
            ns = path.parent.name
            title = make_title(ns, stem) if ns and ns[0].isalpha() and ns.isalnum() else None
            if title is not None and namespace(ns).role == "other" and not ns[0].isupper():
                title = None
    elif "." in name:
        title = parse_title(name)
    else:
        title = None
    if title is None:
        raise PageError(
            str(path),
            "cannot tell the page's title from the file name: name it Namespace/PageName.txt, "
            "Namespace.PageName or .../pmwiki.php/Namespace/PageName, or pass --title Namespace/PageName",
        )
    return title
