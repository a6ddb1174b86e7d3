"""A build folder's manifest: each built page's summary in, one file saying where its quads are out.

Every build writes ``manifest.json``: one row per page built, in title order, with its cache entry
(the page's parts: its N-Quads block and, when merged files are written, its other blocks), where
its N-Quads sit in that entry, and what the report and the wanted-pages graph need from the page
(kind, counts, warnings, the undescribed pages it links to). So a rebuild after a small change
reads this one file instead of every entry, and writes only the changed pages' entries: the
merged files (``dataset.nq`` and the rest) are optional, and a build folder without them is read
through the manifest, page by page, in the same order and with the same bytes as ``dataset.nq``
(:class:`PartsReader`), followed by ``graphs.nq`` (the wanted pages and the dataset's description).

A row keeps only the links to pages the build does not describe (the rest never reach the wanted
graph), and to pages that failed: the failed pages' keys are recorded, and a rebuild in which a
page fails that did not fail before reads the full links from the entries again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from tropekg import __version__

MANIFEST_FILE = "manifest.json"
# the graphs that are no page's: the wanted pages and the dataset's description (dataset.nq ends with them)
WANTED_FILE = "graphs.nq"
FORMAT = 2


class ManifestError(Exception):
    """A manifest that cannot be read or points at page parts that are gone; the message names it."""


@dataclass(slots=True)
class PageRow:
    """One page of a build, as the manifest records it."""

    title: str
    cache_key: str
    offset: int          # the page's N-Quads in its cache entry: byte offset and length
    length: int
    kind: str
    quads: int
    examples: int
    warnings: list[dict]
    references: list[tuple[str, str, str | None]]  # (key, spelling, class): pages not described
    # without merged files: the page's own counts for the merged graph, and its shared triples in
    # its cache entry (offset, length; -1 when the build wrote merged files)
    own_counts: dict
    shared_offset: int = -1
    shared_length: int = 0

    def to_json(self) -> list:
        return [self.title, self.cache_key, self.offset, self.length, self.kind, self.quads,
                self.examples, self.warnings, [list(r) for r in self.references], self.own_counts,
                self.shared_offset, self.shared_length]

    @classmethod
    def from_json(cls, row: list) -> PageRow:
        title, key, offset, length, kind, quads, examples, warnings, refs, own, s_offset, s_length = row
        if not (isinstance(title, str) and isinstance(key, str) and isinstance(offset, int)
                and isinstance(length, int) and isinstance(warnings, list) and isinstance(refs, list)
                and isinstance(own, dict) and isinstance(s_offset, int) and isinstance(s_length, int)):
            raise TypeError("a row of the wrong shape")
        return cls(title, key, offset, length, kind, quads, examples, warnings,
                   [(r[0], r[1], r[2]) for r in refs], own, s_offset, s_length)


@dataclass
class Manifest:
    cache_dir: Path
    rows: list[PageRow] = field(default_factory=list)
    failed_keys: list[str] = field(default_factory=list)  # title keys of the pages that failed
    config: str = ""     # the cache-key digest of the build's configuration (base, spellings, ...)

    def by_title(self) -> dict[str, PageRow]:
        return {row.title: row for row in self.rows}

    def to_bytes(self) -> bytes:
        doc = {"format": FORMAT, "tropekg": __version__, "config": self.config,
               "cache": os.path.basename(self.cache_dir), "failed_keys": sorted(self.failed_keys),
               "pages": [row.to_json() for row in self.rows]}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_manifest(out_dir: Path) -> Manifest | None:
    """The manifest of the build in ``out_dir``, or None when there is none or it is damaged (a
    build then simply takes nothing from it)."""
    path = Path(out_dir) / MANIFEST_FILE
    try:
        doc = json.loads(path.read_bytes())
        if doc.get("format") != FORMAT or doc.get("tropekg") != __version__:
            return None
        cache = doc["cache"]
        if not isinstance(cache, str) or "/" in cache or cache in ("", ".", ".."):
            return None  # the entries are always a folder of the build folder itself
        return Manifest(Path(out_dir) / cache, [PageRow.from_json(r) for r in doc["pages"]],
                        [str(k) for k in doc["failed_keys"]], str(doc["config"]))
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None  # damaged or of another shape: not used


class PartsReader:
    """A build folder's N-Quads read through its manifest: every page's block from its cache
    entry, in title order, then ``graphs.nq``; the same bytes as the merged ``dataset.nq``. A
    binary file object (``read``), so pyoxigraph's parser and bulk loader take it as they take a
    file; ``size`` is the whole length, for progress."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        manifest = read_manifest(self.out_dir)
        if manifest is None:
            raise ManifestError(f"{self.out_dir / MANIFEST_FILE}: missing or not written by this tropekg "
                                f"{__version__}: build the folder again")
        self.manifest = manifest
        wanted = self.out_dir / WANTED_FILE
        self.size = sum(row.length for row in manifest.rows) + (wanted.stat().st_size if wanted.is_file() else 0)
        self.done = 0
        self._chunks = self._blocks()
        self._buffer = b""
        self._at = 0

    def _blocks(self) -> Iterator[bytes]:
        from tropekg.build.cache import entry_path

        for row in self.manifest.rows:
            path = entry_path(self.manifest.cache_dir, row.cache_key)
            try:
                with open(path, "rb") as f:
                    f.seek(row.offset)
                    data = f.read(row.length)
            except OSError as e:
                raise ManifestError(f"{path}: the quads of page {row.title} cannot be read "
                                    f"({e.strerror or e}): build the folder again") from None
            if len(data) != row.length:
                raise ManifestError(f"{path}: the quads of page {row.title} are cut short: "
                                    "build the folder again")
            yield data
        wanted = self.out_dir / WANTED_FILE
        if wanted.is_file():
            yield wanted.read_bytes()

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = self._buffer[self._at:] + b"".join(self._chunks)
            self._buffer, self._at = b"", 0
        else:
            while self._at >= len(self._buffer):  # the next block; pages are read whole, one at a time
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._buffer, self._at = chunk, 0
            data = self._buffer[self._at:self._at + size]
            self._at += len(data)
        self.done += len(data)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._chunks.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def fold_references(refs: dict[str, tuple[str, str | None]], references: Iterable[tuple[str, str, str | None]],
                    better_class) -> None:
    """Add one page's links to the build's view of every linked page: the first spelling met (in
    title order) and the best class."""
    for key, spelling, cls in references:
        old = refs.get(key)
        refs[key] = (spelling, cls) if old is None else (old[0], better_class(old[1], cls))
