"""The page cache: a page's bytes and the build's configuration in, the page's result out, when a
build into the same folder already made it.

A page whose source, title, other names, base, formats, page spellings and tropekg version are
unchanged is not parsed again. One file per page, named by a hash of all of that, written atomically; an entry that
is damaged is simply ignored and the page parsed again.

The cache lives in the output folder, which may come from someone else: a ``.cache`` that is a
link or not a folder is refused, and inside it links are removed or replaced, never followed.

The entries are also a build's page parts: the manifest of each published version
(:mod:`.manifest`) names the entries (by key) and where each page's N-Quads sit in them, so a new
version references the unchanged pages' entries instead of copying them. An entry's key is a hash
of everything it depends on, so an entry never changes under a version that references it: it is
written once, or rewritten with the same bytes. Entries the current version or the one before it
reference are kept (a reader may still be reading the one before), the rest pruned.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from tropekg import __version__
from tropekg.atomic import write_with
from tropekg.build.discover import BuildError, SourceFile
from tropekg.build.page import BuildConfig, PageResult
from tropekg.build.spool import Block, SpooledBlock, block_length, block_lines, copy_block

CACHE_DIR = ".cache"
_SUBFOLDER = re.compile(r"[0-9a-f]{2}")
KEY = re.compile(r"[0-9a-f]{64}")  # an entry's name: a SHA-256, hex
# What a cache entry holds: a new layout makes every older entry a miss. 4: the page parts (own
# counts, shared triples, spans a manifest points at) and spooled blocks of pages too big to hold.
LAYOUT = "4"
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


def check_folder(cache_dir: Path, parts: bool = False) -> Path:
    """``cache_dir``, once checked before a build uses it (under the build's lock): refused when
    it is a link or not a folder; a subfolder where entries go that is a link or a file is
    removed (the link itself, never what it leads to). ``parts``: the build keeps its page parts
    there (``--no-merged``), so it needs the folder even with ``--no-cache``."""
    way_out = f"remove it (rm -r {cache_dir})" + ("" if parts else " or build with --no-cache")
    try:
        st = os.lstat(cache_dir)
    except FileNotFoundError:
        return cache_dir
    if stat.S_ISLNK(st.st_mode):
        raise BuildError(f"{cache_dir} is a symbolic link (to {os.readlink(cache_dir)}), not the page cache "
                         f"tropekg keeps; tropekg never follows a link out of the output folder: {way_out}")
    if not stat.S_ISDIR(st.st_mode):
        raise BuildError(f"{cache_dir} is not a folder, not the page cache tropekg keeps: {way_out}")
    try:
        for entry in os.scandir(cache_dir):
            if _SUBFOLDER.fullmatch(entry.name) and not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
    except OSError as e:
        raise BuildError(f"{cache_dir}: cannot use the page cache ({e.strerror or e}): {way_out}") from None
    return cache_dir


# An entry whose blocks add up to more is not read into memory: its blocks stand for parts of the
# entry file (a spooled page's, read back a piece at a time when the outputs are written).
_HOLD_LIMIT = 4 << 20


def entry_size(path: Path) -> int | None:
    """The size of the entry at ``path`` when it is a plain file (a link is none: never followed)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def read_entry(path: Path) -> PageResult | None:
    try:
        # an entry is never read through a link (the subfolders were checked by check_folder)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return None
            header = f.readline()
            meta = json.loads(header)
            lengths = meta.pop("lengths")
            offset = f.tell()
            if offset + sum(lengths.values()) != st.st_size:
                return None
            if sum(lengths.values()) > _HOLD_LIMIT:
                blocks: dict[str, Block] = {}
                for name, n in lengths.items():
                    blocks[name] = SpooledBlock(str(path), offset, n, temporary=False)
                    offset += n
            else:
                blocks = {name: f.read(n) for name, n in lengths.items()}
                if f.read(1) or any(len(blocks[name]) != n for name, n in lengths.items()):
                    return None
        result = PageResult(**{k: meta[k] for k in _FIELDS})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent or damaged: the page is simply parsed again
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


def _open_plain(path: Path):
    """``path`` opened for reading when it is a plain file, never through a link (the build
    checked the subfolders, :func:`check_folder`), never a FIFO; an OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a plain file", str(path))
    return os.fdopen(fd, "rb")


def read_block(path: Path, span: tuple[int, int]) -> Block | None:
    """One block of an entry, by its span (a :class:`SpooledBlock` standing for it when it is too
    big to hold); None when the entry is gone, cut short or not a plain file."""
    offset, length = span
    try:
        with _open_plain(path) as f:
            if os.fstat(f.fileno()).st_size < offset + length:
                return None
            if length > _HOLD_LIMIT:
                return SpooledBlock(str(path), offset, length, temporary=False)
            f.seek(offset)
            data = f.read(length)
    except OSError:
        return None
    return data if len(data) == length else None


def read_references(path: Path) -> list[tuple] | None:
    """Only the pages an entry's page links to (its header, or its references block when the
    page was spooled), not its other blocks."""
    try:
        links = references_in(path)
        return None if links is None else list(links)
    except (OSError, ValueError, TypeError):
        return None


def references_in(path: Path) -> Iterator[tuple[str, str, str | None]] | None:
    """The links of :func:`read_references`, read as they are iterated (a page may link to
    200,000 pages): None when the entry's header cannot be read; an OSError or ValueError while
    iterating when the entry is damaged or gone."""
    try:
        with _open_plain(path) as f:
            header = f.readline()
            meta = json.loads(header)
            held = meta["references"]
            span = _span(len(header), meta["lengths"], "references")
        if not isinstance(held, list):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return _references(path, held, span)


def _references(path: Path, held: list, span: tuple[int, int] | None) -> Iterator[tuple[str, str, str | None]]:
    for r in held:
        key, spelling, cls = r
        yield key, spelling, cls
    if span is None:
        return
    block = read_block(path, span)
    if block is None:
        raise OSError(errno.ENOENT, "the cache entry's links are gone or cut short", str(path))
    for line in block_lines(block):
        key, spelling, cls = line.decode("utf-8").split("\t")
        yield key, spelling, cls or None


def open_entry(cache_dir: Path, key: str):
    """The entry ``key`` opened for reading by a reader of a build folder (load, validate), which
    checked nothing before: the cache folder, its subfolder and the entry are each opened without
    following a link (relative to the folder opened before, so nothing can be swapped in between),
    and the entry must be a plain file. A ValueError for a key that is not an entry's name (one
    that would lead elsewhere, ``../../etc/passwd``); an OSError otherwise (ELOOP: a link)."""
    if not KEY.fullmatch(key):
        raise ValueError(f"{key!r} is not the name of a page part")
    folder_flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    top = os.open(cache_dir, folder_flags)
    try:
        sub = os.open(key[:2], folder_flags, dir_fd=top)
    finally:
        os.close(top)
    try:
        fd = os.open(key, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=sub)
    finally:
        os.close(sub)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a plain file", str(entry_path(cache_dir, key)))
    return os.fdopen(fd, "rb")


def write_entry(path: Path, result: PageResult) -> None:
    meta = {k: getattr(result, k) for k in _FIELDS}
    meta["lengths"] = {name: block_length(block) for name, block in result.blocks.items()}
    header = json.dumps(meta, ensure_ascii=False).encode("utf-8") + b"\n"

    def write(f) -> None:
        f.write(header)
        for block in result.blocks.values():
            copy_block(block, f)

    write_with(path, write, durable=False)
    result.nquads_span = _span(len(header), meta["lengths"], "nquads")
    result.shared_span = _span(len(header), meta["lengths"], "shared")


def prune(cache_dir: Path, used: set[str]) -> None:
    """Drop cache entries of pages no longer built or changed since. Links are removed, never
    followed; a cache that cannot be changed (read-only) is left as it is."""
    try:
        subfolders = [e for e in os.scandir(cache_dir) if e.is_dir(follow_symlinks=False)]
        for sub in subfolders:
            for entry in os.scandir(sub.path):
                if entry.name in used and entry.is_file(follow_symlinks=False):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
    except OSError:
        pass  # a cache that cannot be pruned only costs disk space
