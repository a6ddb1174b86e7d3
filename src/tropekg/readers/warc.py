"""Web archives: a WARC file (plain, or gzip-compressed one record a member) in, the wiki pages it
holds out, each with the address it was captured at.

Web crawls (Heritrix, wget ``--warc-file``, browsertrix, the Internet Archive) store what they
fetched as WARC records. warcio reads them, undoing the HTTP transfer and content encodings
(chunked, gzip, deflate). Only ``response`` records of wiki pages are pages: an address on the
site's host of the form ``/pmwiki/pmwiki.php/Namespace/PageName`` (no query but the site's
``?from=`` of a redirect), HTTP status 200, an HTML body.
A redirect from one wiki page to another is another name of its target (an alias), as the crawler
records it. Every other record (requests, metadata, images, other sites, errors) is skipped and
counted with its reason. Each page keeps where it starts in the file, so the build reads it again
there without walking the archive; bodies over :data:`MAX_PAGE_BYTES` are refused.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from tropekg.readers.compressed import MAX_PAGE_BYTES, gunzip_head, is_gzip
from tropekg.readers.html import looks_like_html, wiki_title
from tropekg.readers.source import PageError
from tropekg.titles import Title

WARC_MAGIC = b"WARC/"
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
_HEAD_STEP = 16384
_HEAD_MOST = 262144
_REDIRECTS = frozenset({"301", "302", "303", "307", "308"})


def is_warc(head: bytes) -> bool:
    """Whether a file's first bytes are a WARC file's (plain, or its first record gzip-compressed)."""
    if is_gzip(head):
        head = gunzip_head(head, len(WARC_MAGIC))
    return head.startswith(WARC_MAGIC)


@dataclass(frozen=True, slots=True)
class WarcEntry:
    """What one record of an archive is to tropekg."""

    kind: str                 # "page", "redirect" or "skipped"
    url: str                  # the record's WARC-Target-URI ("" when it has none)
    offset: int = 0           # where the record starts in the file
    title: Title | None = None  # the page (for a redirect: the page it leads from)
    target: Title | None = None  # a redirect's target
    date: str = ""            # WARC-Date
    head: bytes = b""         # the first bytes of a page's body (its <head>, to find its title)
    reason: str = ""          # why a record was skipped


def _header(headers, name: str) -> str:
    return (headers.get_header(name) or "").strip() if headers is not None else ""


def _read_head(stream) -> bytes:
    """A page's body up to the end of its ``<head>`` (what names the page), 256 KB at most."""
    data = b""
    while len(data) < _HEAD_MOST:
        chunk = stream.read(_HEAD_STEP)
        if not chunk:
            break
        data += chunk
        if _HEAD_END.search(data, max(0, len(data) - len(chunk) - 16)):
            break
    return data


def entries(path: Path) -> Iterator[WarcEntry]:
    """Every record of an archive, as a page, a redirect or a skipped record with its reason. A
    file that is not a WARC, or one damaged or truncated part way, is a :class:`PageError` naming
    the file (and the offset where it went wrong), raised after the records before it."""
    offset = end = 0
    try:
        with open(path, "rb") as f:
            records = ArchiveIterator(f)
            for record in records:
                entry = _entry(record)
                truncated = _short_by(record)
                # asked after the record's body is read: warcio reads to its end to tell its offset
                offset = records.get_record_offset()
                if truncated:
                    raise PageError(str(path), f"a truncated WARC file: the record at offset {offset} "
                                               f"({entry.url or 'no address'}) ends {truncated:,} bytes "
                                               "before its Content-Length says")
                end = offset + records.get_record_length()
                yield _at(entry, offset)
            f.seek(end)
            rest = f.read(65536)
            if rest.strip():  # warcio stops quietly at a record it cannot start: a cut archive
                raise PageError(str(path), f"a truncated or damaged WARC file: {path.stat().st_size - end:,} "
                                           f"bytes after offset {end} are not a whole record")
    except ArchiveLoadFailed as e:
        reason = " ".join(str(e).split())
        if "non-chunked gzip" in reason:
            reason = ("compressed as one gzip stream rather than one gzip member per record, so its "
                      "records cannot be read one at a time (`warcio recompress` fixes that)")
        raise PageError(str(path), f"not a readable WARC file after offset {offset}: {reason}") from None
    except (EOFError, OSError, ValueError, zlib.error) as e:
        raise PageError(str(path), f"a damaged or truncated WARC file after offset {offset}: "
                                   f"{type(e).__name__}: {e}") from None


def _short_by(record) -> int:
    """How many bytes a record's block lacks, read to its end (0 for a whole record). warcio
    ends a record quietly where the file ends; a cut archive must not give a cut page."""
    stream = record.raw_stream
    while stream.read(65536):
        pass
    return max(0, getattr(stream, "limit", 0))


def _at(entry: WarcEntry, offset: int) -> WarcEntry:
    return WarcEntry(entry.kind, entry.url, offset, entry.title, entry.target, entry.date, entry.head,
                     entry.reason)


def _entry(record) -> WarcEntry:
    url = _header(record.rec_headers, "WARC-Target-URI").strip("<>")
    if record.rec_type != "response":
        return WarcEntry("skipped", url, reason=f"a {record.rec_type} record, not a response")
    title = wiki_title(url) if url.startswith(("http://", "https://")) else None
    if title is None:
        return WarcEntry("skipped", url, reason="not a wiki page's address")
    query = urlsplit(url).query
    if query and any(not part.startswith("from=") for part in query.split("&")):
        # ?action=edit, ?action=history, ...: other views of the page, not the page
        return WarcEntry("skipped", url, reason="another view of a page (an address with a query)")
    status = record.http_headers.get_statuscode() if record.http_headers is not None else ""
    if status in _REDIRECTS:
        location = _header(record.http_headers, "Location")
        target = wiki_title(urljoin(url, location)) if location else None
        if target is None or target == title:
            return WarcEntry("skipped", url, reason="a redirect off the wiki's pages")
        return WarcEntry("redirect", url, title=title, target=target)
    if status != "200":
        return WarcEntry("skipped", url, reason=f"HTTP status {status or 'missing'}")
    content_type = _header(record.http_headers, "Content-Type").lower()
    if content_type and "html" not in content_type:
        return WarcEntry("skipped", url, reason=f"not HTML ({content_type})")
    head = _read_head(record.content_stream())
    if not content_type and not looks_like_html(head):
        return WarcEntry("skipped", url, reason="not HTML (no content type, and the body is not a page)")
    date = _header(record.rec_headers, "WARC-Date")
    return WarcEntry("page", url, title=title, date=date, head=head)


def record_body(path: Path, offset: int, cap: int = MAX_PAGE_BYTES) -> bytes:
    """The HTTP body of the record at ``offset``, decoded (chunks joined, gzip undone). A body
    over ``cap`` bytes or a record that cannot be read is a :class:`PageError` naming the file."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            record = next(iter(ArchiveIterator(f)), None)
            if record is None or record.rec_type != "response":
                raise PageError(str(path), f"no response record at offset {offset} (the archive changed "
                                           "since it was read?)")
            data = record.content_stream().read(cap + 1)
            short = _short_by(record) if len(data) <= cap else 0
    except ArchiveLoadFailed as e:
        raise PageError(str(path), f"cannot read the record at offset {offset}: {' '.join(str(e).split())}") from None
    except (EOFError, OSError, ValueError, zlib.error) as e:
        raise PageError(str(path), f"cannot read the record at offset {offset}: {type(e).__name__}: {e}") from None
    if short:
        raise PageError(str(path), f"the record at offset {offset} is truncated ({short:,} bytes missing)")
    if len(data) > cap:
        raise PageError(str(path), f"the record at offset {offset} holds more than {cap:,} bytes, more "
                                   "than any page: refused")
    return data
