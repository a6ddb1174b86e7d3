"""Gzip-compressed pages: a file's bytes in, the page's bytes out, never more than a cap.

Scrapers' caches (tropescraper's among them) keep pages gzip-compressed, under names that may or
may not end in ``.gz``; a file is known by its magic bytes. Decompression stops at
:data:`MAX_PAGE_BYTES` (a real page is well under 1 MB), so a gzip bomb (a few kilobytes that
inflate to gigabytes) is refused with an error naming the file instead of filling the memory.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from tropekg.readers.source import PageError

GZIP_MAGIC = b"\x1f\x8b"
# The same cap as the crawler's on an answer's body: no real page comes near it.
MAX_PAGE_BYTES = 20 * 1024 * 1024


def is_gzip(head: bytes) -> bool:
    return head.startswith(GZIP_MAGIC)


def gunzip_head(head: bytes, size: int) -> bytes:
    """The first ``size`` decompressed bytes of a gzip stream's first bytes (what is there of them;
    ``b""`` when they do not decompress): enough to sniff what a compressed file holds."""
    try:
        return zlib.decompressobj(wbits=31).decompress(head, size)
    except zlib.error:
        return b""


def _gunzip(path: Path, size: int) -> bytes:
    """Up to ``size`` decompressed bytes of a gzip file, or a :class:`PageError` naming it."""
    try:
        with gzip.open(path, "rb") as f:
            # GzipFile.read(n) inflates only as much as it returns: memory stays bounded by n
            return f.read(size)
    except gzip.BadGzipFile as e:
        raise PageError(str(path), f"not a gzip file, or a damaged one: {e}") from None
    except EOFError:
        raise PageError(str(path), "a truncated gzip file (it ends inside its compressed stream)") from None
    except zlib.error as e:
        raise PageError(str(path), f"a damaged gzip file: {e}") from None
    except OSError as e:
        raise PageError(str(path), f"cannot read: {e.strerror or e}") from None


def gunzip_file_head(path: Path, size: int) -> bytes:
    """The first ``size`` decompressed bytes of a gzip file (to see what it holds)."""
    return _gunzip(path, size)


def gunzip_file(path: Path, cap: int = MAX_PAGE_BYTES) -> bytes:
    """A gzip file's decompressed bytes. More than ``cap`` of them (a gzip bomb), a damaged or
    truncated stream, or a file that is not gzip, is a :class:`PageError` naming the file."""
    data = _gunzip(path, cap + 1)
    if len(data) > cap:
        raise PageError(str(path), f"decompresses to more than {cap:,} bytes, more than any page: "
                                   "refused (a gzip bomb, or not a page)")
    return data
