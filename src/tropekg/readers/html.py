"""Reading a rendered TV Tropes page: the bytes of a saved HTML page in, its text as a DOM and its
identity (title, display title, alternative titles) out.

What the site serves, and what a browser or a crawler saves, is HTML, not the wiki's markup. This
module decodes it (the charset the bytes really use: UTF-8 when they are UTF-8, else the declared
one, where ISO-8859-1 is read as Windows-1252 as browsers do), parses it with lxml (libxml2, which
gives each element its source line) and takes the page's identity from the page itself (the title
from ``<link rel="canonical">`` or ``og:url``, so any file name works; the display title from the
heading, ``og:title`` and ``<title>``). :mod:`tropekg.markup.html` maps the article onto the page
tree. :func:`looks_like_html` is the test that sends bytes there rather than to the markup reader.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_left
from dataclasses import dataclass, field

from lxml import etree

from tropekg.readers.source import C1_AS_CP1252, PageError, refuse_nul
from tropekg.titles import Title, make_title, namespace

_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*<(?:!doctype\s+html|html|head)\b",
                         re.IGNORECASE | re.DOTALL)
_SNIFF_BYTES = 4096


def looks_like_html(data: bytes) -> bool:
    """Whether a file's bytes are an HTML page (a doctype, ``<html>`` or ``<head>`` first, after
    any byte order mark, blank space, comments or XML declaration)."""
    head = data[:_SNIFF_BYTES]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            head = head.decode("utf-16").encode("utf-8", errors="replace")
        except UnicodeDecodeError:
            return False
    return _HTML_START.match(head) is not None


# -- decoding ----------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_LATIN1_FAMILY = {"latin-1", "iso8859-1", "cp1252", "ascii"}


def declared_charset(data: bytes) -> str | None:
    """The charset a page's ``<meta>`` declares, as Python's codec name (``None`` if it declares
    none, or one Python does not know)."""
    m = _META_CHARSET.search(data[:16384])
    if m is None:
        return None
    try:
        return codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        return None


def decode_html(data: bytes, source: str) -> tuple[str, list[tuple[int, str]]]:
    """The text of an HTML page's bytes, and warnings about how it was read."""
    warnings: list[tuple[int, str]] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), [(1, "read as UTF-16 (byte order mark)")]
        except UnicodeDecodeError as e:
            raise PageError(source, f"not valid UTF-16 despite its byte order mark: {e.reason}") from None
    refuse_nul(data, source)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    declared = declared_charset(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        codec = declared or "cp1252"
        if codec in _LATIN1_FAMILY or codec == "utf-8":
            # ISO-8859-1 pages are written and read as Windows-1252: bytes 0x80-0x9F are quotes
            # and dashes (the five cp1252 leaves undefined keep their ISO-8859-1 meaning)
            text = data.decode("latin-1").translate(C1_AS_CP1252)
            if declared is None or codec == "utf-8":
                said = "declares UTF-8 but is not" if codec == "utf-8" else "declares no charset and is not UTF-8"
                warnings.append((line, f"{said}; read as Windows-1252 (cp1252)"))
        else:
            text = data.decode(codec, errors="replace")
            if "\ufffd" in text:
                warnings.append((line, f"bytes that are not {codec} were replaced"))
        return text, warnings
    if declared is not None and declared not in ("utf-8", "ascii") and not data.isascii():
        line = next((i for i, ln in enumerate(data.split(b"\n"), 1) if not ln.isascii()), 1)
        warnings.append((line, f"declares {declared} but the bytes are UTF-8; read as UTF-8"))
    return text, warnings


# -- the page's identity -------------------------------------------------------------------------------

_SITE_SUFFIX = re.compile(r"\s*[-|\u2013\u2014]\s*TV\s*Tropes\s*$", re.IGNORECASE)
_NAMESPACE_SUFFIX = re.compile(r"\s*\(([A-Za-z][A-Za-z0-9 ]*)\)\s*$")
_HEADLINE_NAMESPACE = re.compile(r"^\s*[A-Za-z][A-Za-z0-9]*\s*/\s*")


@dataclass(slots=True)
class PageIdentity:
    """What a rendered page says about itself."""

    title: Title | None = None          # from <link rel="canonical">, else og:url
    label: str | None = None            # the display title
    alt_titles: list[str] = field(default_factory=list)


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _display(text: str | None, title: Title | None) -> str:
    """A display title without the site's name or the namespace it repeats."""
    text = _SITE_SUFFIX.sub("", _words(text))
    m = _NAMESPACE_SUFFIX.search(text)
    if m is not None and (title is None or namespace(m.group(1).replace(" ", "")).name == title.namespace):
        text = text[: m.start()]
    return text.strip()


def identity(root: etree._Element) -> PageIdentity:
    """The title, display title and alternative titles a parsed page gives."""
    canonical = og_url = None
    shown: dict[str, str] = {}  # where -> display text
    for el in root.iter("link", "meta", "title"):
        tag = el.tag
        if tag == "link" and canonical is None and "canonical" in (el.get("rel") or "").lower().split():
            canonical = wiki_title(el.get("href"))
        elif tag == "meta":
            prop = (el.get("property") or el.get("name") or "").lower()
            if prop == "og:url" and og_url is None:
                og_url = wiki_title(el.get("content"))
            elif prop in ("og:title", "twitter:title") and prop not in shown:
                shown[prop] = el.get("content") or ""
        elif tag == "title" and "title" not in shown:
            shown["title"] = el.text or ""
    for h1 in root.iter("h1"):
        if "entry-title" in classes(h1):
            # "<strong>Literature / </strong>A Bouquet": the namespace is shown before the name
            shown["h1"] = _HEADLINE_NAMESPACE.sub("", _words(h1.xpath("string()")))
            break
    title = canonical or og_url
    names: list[str] = []
    for where in ("h1", "og:title", "title", "twitter:title"):
        text = _display(shown.get(where), title)
        if text and text not in names:
            names.append(text)
    return PageIdentity(title, names[0] if names else None, names[1:])


_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)


def html_title(data: bytes) -> Title | None:
    """The title an HTML page names for itself (canonical link, else ``og:url``), read from its
    head only: cheap enough to run on every file when a build looks for pages."""
    m = _HEAD_END.search(data, 0, 262144)
    head = data[: m.end()] if m else data
    try:
        text, _ = decode_html(head, "")
    except PageError:
        return None
    root = parse_dom(text, "")
    return identity(root).title if root is not None else None


# -- positions -------------------------------------------------------------------------------------

# Start tags of list items, skipping comments and the raw text of scripts and styles (where "<li"
# is not a tag). libxml2 reports an element's line, not its column; this gives both.
_LI_SCAN = re.compile(
    # one leading "<" for all alternatives lets the engine skip text at C speed
    r"<(?:!--.*?(?:-->|\Z)|(script|style|textarea|title)\b.*?(?:</\1\s*>|\Z)|(?P<li>li)(?=[\s/>]))",
    re.IGNORECASE | re.DOTALL,
)


def li_positions(text: str, root: etree._Element) -> dict[etree._Element, tuple[int, int]]:
    """(line, column) of each ``li`` element of a parsed page, both from 1; empty when the start
    tags found in the text do not line up with the parser's elements (then lines alone are kept)."""
    items = list(root.iter("li"))
    offsets = [m.start() for m in _LI_SCAN.finditer(text) if m.group("li")]
    if len(offsets) != len(items):
        return {}
    newlines = [m.start() for m in re.finditer("\n", text)]
    out: dict[etree._Element, tuple[int, int]] = {}
    for li, offset in zip(items, offsets):
        before = bisect_left(newlines, offset)
        line = before + 1
        if li.sourceline is not None and li.sourceline < 65535 and li.sourceline != line:
            return {}
        column = offset - (newlines[before - 1] if before else -1)
        out[li] = (line, column)
    return out


# -- the page --------------------------------------------------------------------------------------

_PARSER = etree.HTMLParser(recover=True, no_network=True, remove_blank_text=False)


def parse_dom(text: str, source: str) -> etree._Element | None:
    try:
        return etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        raise PageError(source, f"cannot read as HTML: {e}") from None


def article_of(root: etree._Element) -> etree._Element | None:
    for div in root.iter("div"):
        if div.get("id") == "main-article":
            return div
    return None


# /pmwiki/pmwiki.php/Namespace/PageName, relative or on the site's host (with or without www.)
_WIKI_HREF = re.compile(
    r"^(?:https?://(?:www\.)?tvtropes\.org)?/pmwiki/pmwiki\.php/([A-Za-z][A-Za-z0-9]*)/([A-Za-z0-9]+)"
    r"(?:[?#].*)?$"
)


def classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


def wiki_title(href: str | None) -> Title | None:
    """The wiki page an ``href`` points at (``/pmwiki/pmwiki.php/Main/Foo``, absolute or
    relative), or ``None`` for any other address."""
    if not href:
        return None
    m = _WIKI_HREF.match(href.strip())
    if m is None:
        return None
    return make_title(m.group(1), m.group(2))
