"""Bytes too many to hold: serialised blocks in, files on disk that stand for them out.

A page of the wiki serialises to a few hundred kilobytes, held as bytes. A pathological one (200,000
example bullets, a 30 MB line) serialises to hundreds of megabytes, more than a hundred times its
size: its blocks are written to files in the build's spool folder as they are made, and a
:class:`SpooledBlock` (a file, an offset, a length) stands for each one, in the page's result, in
its cache entry and on its way to the outputs. :class:`LineSorter` sorts the lines of such a block
(canonical N-Quads are sorted) in sorted runs on disk merged at the end, so memory stays bounded
by one run whatever the block's size.
"""

from __future__ import annotations

import heapq
import os
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_PIECE = 1 << 20  # how much of a spooled block is read at a time
RUN_BYTES = 4 << 20  # about how much of a sort's lines is held before a run is spilled


@dataclass(frozen=True, slots=True)
class SpooledBlock:
    """``length`` bytes of the file at ``path`` from ``offset``. ``temporary``: a spool file, removed
    once the outputs hold it (a cache entry is not)."""

    path: str
    offset: int
    length: int
    temporary: bool = True


Block = bytes | SpooledBlock


def block_length(block: Block) -> int:
    return block.length if isinstance(block, SpooledBlock) else len(block)


def _pieces(block: SpooledBlock) -> Iterator[bytes]:
    # never through a link, never a FIFO (a block may stand for part of a cache entry)
    fd = os.open(block.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{block.path}: not a plain file")
    with os.fdopen(fd, "rb") as f:
        f.seek(block.offset)
        left = block.length
        while left > 0:
            piece = f.read(min(_PIECE, left))
            if not piece:
                raise OSError(f"{block.path}: shorter than the block it should hold")
            left -= len(piece)
            yield piece


def block_pieces(block: Block) -> Iterator[bytes]:
    """The block's bytes, a piece at a time when it is spooled."""
    if isinstance(block, SpooledBlock):
        yield from _pieces(block)
    elif block:
        yield block


def copy_block(block: Block, out: IO[bytes]) -> None:
    """Write the block's bytes to ``out``, a piece at a time when it is spooled."""
    if isinstance(block, SpooledBlock):
        for piece in _pieces(block):
            out.write(piece)
    else:
        out.write(block)


def block_lines(block: Block) -> Iterator[bytes]:
    """The block's lines, without their line ends (empty lines left out)."""
    if not isinstance(block, SpooledBlock):
        yield from (line for line in block.split(b"\n") if line)
        return
    rest = b""
    for piece in _pieces(block):
        lines = (rest + piece).split(b"\n")
        rest = lines.pop()
        yield from (line for line in lines if line)
    if rest:
        yield rest


def discard(block: Block) -> None:
    """Remove a spooled block's file once it is no longer needed (a cache entry stays)."""
    if isinstance(block, SpooledBlock) and block.temporary:
        try:
            os.unlink(block.path)
        except FileNotFoundError:
            pass


class SpoolFile:
    """A file in the spool folder that blocks are appended to; :meth:`block` stands for all of it."""

    def __init__(self, folder: Path, name: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{secrets.token_hex(8)}.{name}"
        self.f = open(self.path, "xb")  # noqa: SIM115 - closed by block()
        self.length = 0

    def write(self, data: bytes) -> None:
        self.f.write(data)
        self.length += len(data)

    def block(self) -> SpooledBlock:
        self.f.close()
        return SpooledBlock(str(self.path), 0, self.length)


class LineSorter:
    """Lines in, each once and sorted out (``written`` counts them); runs of about ``run`` bytes
    are sorted and spilled to the spool folder, then merged, so memory holds one run whatever the
    number of lines."""

    def __init__(self, folder: Path, run: int | None = None):
        self.folder = folder
        self.run = run or RUN_BYTES
        self.lines: list[bytes] = []
        self.size = 0
        self.runs: list[Path] = []
        self.written = 0

    def add(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            if line:
                self.lines.append(line)
                self.size += len(line) + 40  # and the object holding it
                if self.size >= self.run:
                    self._spill()

    def _spill(self) -> None:
        self.lines.sort()
        spool = SpoolFile(self.folder, "run")
        spool.write(b"\n".join(self.lines) + b"\n")
        spool.block()
        self.runs.append(spool.path)
        self.lines, self.size = [], 0

    def write_to(self, spool: SpoolFile) -> None:
        """All the lines, sorted, one a line, a repeated line once; the spilled runs are removed."""
        batch: list[bytes] = []
        for line in self.sorted_lines():
            batch.append(line + b"\n")
            if len(batch) >= 10_000:
                spool.write(b"".join(batch))
                batch = []
        if batch:
            spool.write(b"".join(batch))

    def sorted_lines(self) -> Iterator[bytes]:
        """All the lines, sorted, a repeated line once, without their line ends (``written``
        counts them); the spilled runs are removed once read, or when the reader stops."""
        self.lines.sort()
        if not self.runs:
            lines, self.lines, self.size = self.lines, [], 0
            for line in _distinct(lines):
                self.written += 1
                yield line
            return
        files = [open(path, "rb") for path in self.runs]  # noqa: SIM115 - closed below
        try:
            held = (line + b"\n" for line in self.lines)
            for line in _distinct(heapq.merge(*files, held)):
                self.written += 1
                yield line[:-1]
        finally:
            for f in files:
                f.close()
            for path in self.runs:
                path.unlink(missing_ok=True)
            self.lines, self.runs, self.size = [], [], 0


def _distinct(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Sorted lines, each once: a repeat is the line after itself."""
    last = None
    for line in lines:
        if line != last:
            yield line
            last = line


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
