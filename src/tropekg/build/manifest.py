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

``manifest.json`` and ``graphs.nq`` are outputs of a version like ``dataset.nq``
(:mod:`.output_folder`): published by the same rename, so a reader sees one build's manifest and
the parts it names. The parts are the cache entries, shared by the versions that name them (a
new version writes only the changed pages' entries) and never changed once written. A build
folder may come from someone else: everything here is read through checked paths.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Self

from tropekg import __version__

MANIFEST_FILE = "manifest.json"
# the graphs that are no page's: the wanted pages and the dataset's description (dataset.nq ends with them)
WANTED_FILE = "graphs.nq"
FORMAT = 3  # 3: the manifest is a version's output, its parts always in the folder's .cache


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
    # (key, spelling, class): pages not described; None when there are too many to write in the
    # manifest (INLINE_LINKS): they are read again from the page's cache entry
    references: list[tuple[str, str, str | None]] | None
    # without merged files: the page's own counts for the merged graph, and its shared triples in
    # its cache entry (offset, length; -1 when the build wrote merged files)
    own_counts: dict
    shared_offset: int = -1
    shared_length: int = 0

    def to_json(self, references: bool = True) -> list:
        """The row as the manifest writes it (its links left out, as an empty list, without
        ``references``)."""
        links = None if self.references is None else [list(r) for r in self.references] if references else []
        return [self.title, self.cache_key, self.offset, self.length, self.kind, self.quads,
                self.examples, self.warnings, links, self.own_counts, self.shared_offset, self.shared_length]

    def links_in_entry(self) -> bool:
        """Whether the manifest leaves this row's links to its cache entry (too many to write)."""
        return self.references is None or (self.offset >= 0 and len(self.references) > INLINE_LINKS)

    @classmethod
    def from_json(cls, row: list) -> PageRow:
        title, key, offset, length, kind, quads, examples, warnings, refs, own, s_offset, s_length = row
        if not (isinstance(title, str) and isinstance(key, str) and isinstance(offset, int)
                and isinstance(length, int) and isinstance(warnings, list)
                and (isinstance(refs, list) or (refs is None and offset >= 0))
                and isinstance(own, dict) and isinstance(s_offset, int) and isinstance(s_length, int)):
            raise TypeError("a row of the wrong shape")
        return cls(title, key, offset, length, kind, quads, examples, warnings,
                   None if refs is None else [_reference(r) for r in refs], own, s_offset, s_length)


# What a link's title key and spelling hold (a class is a name of the ontology's): the build
# writes links as lines of fields, so a link of a manifest that holds anything else is refused
_TITLE_TEXT = re.compile(r"[A-Za-z0-9/]+")


def _reference(item) -> tuple[str, str, str | None]:
    """A link (title key, spelling, class) of a manifest row; a TypeError for anything else."""
    if not (isinstance(item, list) and len(item) == 3):
        raise TypeError("a link of the wrong shape")
    key, spelling, cls = item
    if not (isinstance(key, str) and isinstance(spelling, str) and (cls is None or isinstance(cls, str))
            and _TITLE_TEXT.fullmatch(key) and _TITLE_TEXT.fullmatch(spelling)
            and (cls is None or cls.isidentifier())):
        raise TypeError("a link that names no page")
    return key, spelling, cls


@dataclass
class Manifest:
    cache_dir: Path
    rows: list[PageRow] = field(default_factory=list)
    failed_keys: list[str] = field(default_factory=list)  # title keys of the pages that failed
    config: str = ""     # the cache-key digest of the build's configuration (base, spellings, ...)

    def by_title(self) -> dict[str, PageRow]:
        return {row.title: row for row in self.rows}

    def write(self, f: IO[bytes]) -> None:
        """The manifest's JSON, a row at a time and a row's links a few thousand at a time (a
        page may link to 200,000 pages no page describes): the bytes of one compact
        ``json.dumps`` of the whole document, never held whole."""
        head = _dumps({"format": FORMAT, "tropekg": __version__, "config": self.config,
                       "cache": os.path.basename(self.cache_dir), "failed_keys": sorted(self.failed_keys),
                       "pages": []})
        assert head.endswith("[]}")
        f.write(head[:-2].encode("utf-8"))  # up to the pages' opening bracket
        for i, row in enumerate(self.rows):
            fields = row.to_json(references=False)
            # a list's compact JSON is its items' JSON between brackets, comma-separated
            start = ("," if i else "") + "[" + ",".join(map(_dumps, fields[:8]))
            if row.links_in_entry():
                f.write((start + ",null," + ",".join(map(_dumps, fields[9:])) + "]").encode("utf-8"))
                continue
            f.write((start + ",[").encode("utf-8"))
            batch: list[str] = []
            for n, ref in enumerate(row.references):
                batch.append(("," if n else "") + _dumps(list(ref)))
                if len(batch) >= 5_000:
                    f.write("".join(batch).encode("utf-8"))
                    batch = []
            f.write(("".join(batch) + "]," + ",".join(map(_dumps, fields[9:])) + "]").encode("utf-8"))
        f.write(b"]}")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# A row's links written in the manifest at most: a page linking to more pages no page describes
# has its links read again from its cache entry when the next build takes the page from the
# manifest (a rebuild would otherwise hold them all, the manifest being read whole).
INLINE_LINKS = 10_000

# A manifest holds a row of a few hundred bytes a page (more for a page linking to many pages no
# page describes): one far larger is not a manifest tropekg wrote, and is not read into memory.
MANIFEST_LIMIT = 2 << 30


def read_manifest(out_dir: Path) -> Manifest | None:
    """The manifest of the build in ``out_dir``, or None when there is none, it is damaged or it
    is not one tropekg writes there (a build then simply takes nothing from it)."""
    try:
        return load_manifest(out_dir)
    except ManifestError:
        return None


def load_manifest(out_dir: Path) -> Manifest:
    """The manifest of the build in ``out_dir``, read through :func:`~.output_folder.published`
    (a plain file of the folder's current version, never through a link out of it); a
    :class:`ManifestError` naming it when it is missing, damaged or not tropekg's."""
    from tropekg.build.cache import CACHE_DIR
    from tropekg.build.output_folder import FolderError, published

    out_dir = Path(out_dir)
    where = out_dir / MANIFEST_FILE
    way_out = f"missing or not written by this tropekg {__version__}: build the folder again"
    try:
        path = published(out_dir, MANIFEST_FILE)
        if path is None:
            raise ManifestError(f"{where}: {way_out}")
        if path.stat().st_size > MANIFEST_LIMIT:
            raise ManifestError(f"{where}: larger than any manifest tropekg writes; {way_out}")
        doc = json.loads(path.read_bytes())
        if doc.get("format") != FORMAT or doc.get("tropekg") != __version__:
            raise ManifestError(f"{where}: {way_out}")
        if doc["cache"] != CACHE_DIR:  # the parts are always in the folder's own cache
            raise ManifestError(f"{where}: its page parts are not in {CACHE_DIR}; {way_out}")
        return Manifest(out_dir / CACHE_DIR, [PageRow.from_json(r) for r in doc["pages"]],
                        [str(k) for k in doc["failed_keys"]], str(doc["config"]))
    except FolderError as e:
        raise ManifestError(str(e)) from None
    except OSError as e:
        raise ManifestError(f"{where}: cannot be read ({e.strerror or e}): build the folder again") from None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        raise ManifestError(f"{where}: {way_out}") from None


class PartsReader:
    """A build folder's N-Quads read through its manifest: every page's block from its cache
    entry, in title order, then ``graphs.nq``; the same bytes as the merged ``dataset.nq``. A
    binary file object (``read``), so pyoxigraph's parser and bulk loader take it as they take a
    file; ``size`` is the whole length, for progress.

    The folder is untrusted: the manifest and ``graphs.nq`` are read through
    :func:`~.output_folder.published`, and each part through :func:`~.cache.open_entry` (an entry
    named by its hash, never through a link, a plain file); a part that is missing, shorter than
    the manifest says or not tropekg's is a :class:`ManifestError` naming the page. A page's block
    is read a piece at a time, so a page too big to hold is not held here either. An entry is
    never changed once written (its name is the hash of what it holds), so the parts read are
    those of the manifest's version, whatever a build does meanwhile."""

    _PIECE = 1 << 20

    def __init__(self, out_dir: Path):
        from tropekg.build.output_folder import FolderError, published

        self.out_dir = Path(out_dir)
        self.manifest = load_manifest(self.out_dir)
        missing = next((row for row in self.manifest.rows if row.offset < 0), None)
        if missing is not None:
            raise ManifestError(f"{self.out_dir / MANIFEST_FILE}: the build kept no page parts (page "
                                f"{missing.title}; built with --no-cache or a cache it could not write): "
                                "read its dataset.nq, or build the folder again")
        try:
            self.wanted = published(self.out_dir, WANTED_FILE)
            wanted_size = self.wanted.stat().st_size if self.wanted is not None else 0
        except FolderError as e:
            raise ManifestError(str(e)) from None
        except OSError as e:
            raise ManifestError(f"{self.out_dir / WANTED_FILE}: cannot be read ({e.strerror or e}): "
                                "build the folder again") from None
        self.size = sum(row.length for row in self.manifest.rows) + wanted_size
        self.done = 0
        self._chunks = self._blocks()
        self._buffer = b""
        self._at = 0

    def _blocks(self) -> Iterator[bytes]:
        from tropekg.build.cache import entry_path, open_entry

        cache_dir = self.manifest.cache_dir
        for row in self.manifest.rows:
            where = entry_path(cache_dir, row.cache_key) if len(row.cache_key) > 2 else cache_dir
            try:
                f = open_entry(cache_dir, row.cache_key)
            except ValueError:
                raise ManifestError(f"{self.out_dir / MANIFEST_FILE}: page {row.title} names a part "
                                    f"({row.cache_key!r}) tropekg never writes: build the folder again") from None
            except OSError as e:
                reason = ("a symbolic link, or under one: tropekg reads nothing a build folder leads out of it"
                          if e.errno in (errno.ELOOP, errno.ENOTDIR) else e.strerror or str(e))
                raise ManifestError(f"{where}: the quads of page {row.title} cannot be read ({reason}): "
                                    "build the folder again") from None
            with f:
                if os.fstat(f.fileno()).st_size < row.offset + row.length or row.offset <= 0:
                    raise ManifestError(f"{where}: the quads of page {row.title} are cut short: "
                                        "build the folder again")
                f.seek(row.offset)
                left = row.length
                while left > 0:
                    piece = f.read(min(self._PIECE, left))
                    if not piece:
                        raise ManifestError(f"{where}: the quads of page {row.title} are cut short: "
                                            "build the folder again")
                    left -= len(piece)
                    yield piece
        if self.wanted is not None:
            with open(self.wanted, "rb") as f:
                while piece := f.read(self._PIECE):
                    yield piece

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
