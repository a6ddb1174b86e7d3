"""The page cache: a page's bytes and the build's configuration in, the page's result out, when a
build into the same folder already made it.

A page whose source, title, other names, base, formats, page spellings and tropekg version are
unchanged is not parsed again. One file per page, named by a hash of all of that, written atomically; an entry that
is damaged is simply ignored and the page parsed again.

The cache lives in the output folder, which may come from someone else: a ``.cache`` that is a
link or not a folder is refused, and inside it links are removed or replaced, never followed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from pathlib import Path

from tropekg import __version__
from tropekg.atomic import write_with
from tropekg.build.discover import BuildError, SourceFile
from tropekg.build.page import BuildConfig, PageResult
from tropekg.build.spool import Block, SpooledBlock, block_length, copy_block

CACHE_DIR = ".cache"
_SUBFOLDER = re.compile(r"[0-9a-f]{2}")
LAYOUT = "3"  # what a cache entry holds: a new layout makes every older entry a miss
_FIELDS = ("title", "kind", "quads", "examples", "warnings", "references")


def cache_key(data: bytes, src: SourceFile, config: BuildConfig) -> str:
    h = hashlib.sha256()
    for part in (__version__, LAYOUT, config.base, str(src.title), src.relative, ",".join(sorted(config.formats)),
                 config.spellings_digest, ",".join(src.aliases), src.form or ""):
        h.update(part.encode("utf-8") + b"\x00")
    h.update(data)
    return h.hexdigest()


def entry_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / key


def check_folder(cache_dir: Path) -> Path:
    """``cache_dir``, once checked before a build uses it (under the build's lock): refused when
    it is a link or not a folder; a subfolder where entries go that is a link or a file is
    removed (the link itself, never what it leads to)."""
    way_out = f"remove it (rm -r {cache_dir}) or build with --no-cache"
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


def read_entry(path: Path) -> PageResult | None:
    try:
        # an entry is never read through a link (the subfolders were checked by check_folder)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return None
            meta = json.loads(f.readline())
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
    return result


def write_entry(path: Path, result: PageResult) -> None:
    meta = {k: getattr(result, k) for k in _FIELDS}
    meta["lengths"] = {name: block_length(block) for name, block in result.blocks.items()}
    header = json.dumps(meta, ensure_ascii=False).encode("utf-8") + b"\n"

    def write(f) -> None:
        f.write(header)
        for block in result.blocks.values():
            copy_block(block, f)

    write_with(path, write, durable=False)


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
