"""The page cache: a page's bytes and the build's configuration in, the page's result out, when a
build into the same folder already made it.

A page whose source, title, other names, base, formats, page spellings and tropekg version are
unchanged is not parsed again. One file per page, named by a hash of all of that, written atomically; an entry that
is damaged is simply ignored and the page parsed again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tropekg import __version__
from tropekg.atomic import write_with
from tropekg.build.discover import SourceFile
from tropekg.build.page import BuildConfig, PageResult

CACHE_DIR = ".cache"
LAYOUT = "2"  # what a cache entry holds: a new layout makes every older entry a miss
_FIELDS = ("title", "kind", "quads", "examples", "warnings", "references", "own_counts")


def cache_key(data: bytes, src: SourceFile, config: BuildConfig) -> str:
    h = hashlib.sha256()
    for part in (__version__, LAYOUT, config.base, str(src.title), src.relative, ",".join(sorted(config.formats)),
                 "merged" if config.merged else "parts", "all-triples" if config.all_triples else "",
                 config.spellings_digest, ",".join(src.aliases), src.form or ""):
        h.update(part.encode("utf-8") + b"\x00")
    h.update(data)
    return h.hexdigest()


def entry_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / key


def read_entry(path: Path) -> PageResult | None:
    try:
        with open(path, "rb") as f:
            header = f.readline()
            meta = json.loads(header)
            lengths = meta.pop("lengths")
            blocks = {name: f.read(n) for name, n in lengths.items()}
            trailing = f.read(1)
        result = PageResult(**{k: meta[k] for k in _FIELDS})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent or damaged: the page is simply parsed again
    if trailing or any(len(blocks[name]) != n for name, n in lengths.items()):
        return None
    result.references = [tuple(r) for r in result.references]
    result.blocks = blocks
    result.cached = True
    result.nquads_span = _span(len(header), lengths, "nquads")
    result.shared_span = _span(len(header), lengths, "shared")
    return result


def _span(header: int, lengths: dict[str, int], block: str) -> tuple[int, int] | None:
    """Where one of the page's blocks sits in its entry file (offset, length): what a build
    folder's manifest points at (the N-Quads, the shared triples), so a load or a rebuild reads
    that block without reading the rest of the entry."""
    offset = header
    for name, n in lengths.items():
        if name == block:
            return offset, n
        offset += n
    return None


def read_block(path: Path, span: tuple[int, int]) -> bytes | None:
    """One block of an entry, by its span; None when the entry is gone or cut short."""
    try:
        with open(path, "rb") as f:
            f.seek(span[0])
            data = f.read(span[1])
    except OSError:
        return None
    return data if len(data) == span[1] else None


def read_references(path: Path) -> list[tuple] | None:
    """Only the pages an entry's page links to (its header), not its blocks."""
    try:
        with open(path, "rb") as f:
            return [tuple(r) for r in json.loads(f.readline())["references"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_entry(path: Path, result: PageResult) -> None:
    meta = {k: getattr(result, k) for k in _FIELDS}
    meta["lengths"] = {name: len(block) for name, block in result.blocks.items()}
    header = json.dumps(meta, ensure_ascii=False).encode("utf-8") + b"\n"

    def write(f) -> None:
        f.write(header)
        f.writelines(result.blocks.values())

    write_with(path, write, durable=False)
    result.nquads_span = _span(len(header), meta["lengths"], "nquads")
    result.shared_span = _span(len(header), meta["lengths"], "shared")


def prune(cache_dir: Path, used: set[str]) -> None:
    """Drop cache entries of pages no longer built or changed since."""
    for sub in cache_dir.iterdir() if cache_dir.is_dir() else ():
        for entry in sub.iterdir() if sub.is_dir() else ():
            if entry.name not in used:
                entry.unlink(missing_ok=True)
