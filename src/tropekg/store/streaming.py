"""A bulk load that runs while the data is still being made: N-Quads bytes in, a new store out.

``tropekg build --store S`` hands each page's N-Quads to :class:`StreamingLoad` as soon as the page
is built, and pyoxigraph's bulk loader reads them through a pipe in a thread of its own (it reads
and indexes in Rust, without Python's lock), so loading overlaps the build instead of following it.
Each page's triples come with its quads as default-graph lines, so the store's merged default graph
(each triple once, as a load makes it) is loaded with the page graphs. The store is loaded into a new folder beside ``S`` and renamed into place only when the load is
complete: a failed or killed run leaves no half-loaded store at ``S``. Only a store that does not
exist yet (or an empty folder) is loaded this way; one holding data is loaded page graph by page
graph after the build (:meth:`tropekg.store.embedded.GraphStore.load`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store

from tropekg.store.datasets import StoreError

# An N-Quads line of single spaces whose graph is an IRI or a blank node (as pyoxigraph and tropekg
# write them): subject, predicate, object (anything, literals with spaces included: the graph is
# the last term before " ."), graph. A line of three terms never matches (there is no room for an
# object between the predicate and the last term), nor does any other spelling: such lines are left
# to :func:`fill_merged_graph`.
_QUAD_LINE = re.compile(rb"^((?:<[^<>\s]*>|_:\S+) <[^<>\s]*> .+) (?:<[^<>\s]*>|_:\S+) \.$", re.MULTILINE)


def with_merged_lines(chunk: bytes) -> tuple[bytes, int]:
    """Whole N-Quads lines, followed by their triples in the default graph: what the bulk loader
    needs to make the merged default graph as it loads (the store keeps each triple once); and
    how many lines were left without (other spellings, comments, blank lines, lines with no graph)."""
    triples, made = _QUAD_LINE.subn(rb"\1 .", chunk)
    return chunk + triples, chunk.count(b"\n") - made


def bulk_load_through_pipe(store: Store, reader, fmt: RdfFormat, size: int = 1 << 20,
                           merged: bool = False) -> bool:
    """pyoxigraph's bulk loader on what ``reader`` reads (a binary file object), fed through a
    pipe by a thread of ours: the loader then reads natively, in large reads and without Python's
    lock, instead of calling ``reader.read`` for every few kilobytes. With ``merged`` (N-Quads
    only), every quad's triple is loaded into the default graph too, in the same pass: filling the
    merged graph afterwards reads every quad back through Python, as long again as the load.
    Returns whether every triple loaded is now in the default graph (True: nothing to fill)."""
    read_end, write_end = os.pipe()
    failure: list[BaseException] = []
    merged = merged and fmt == RdfFormat.N_QUADS
    left = [0]  # lines loaded without their triple in the default graph

    def feed() -> None:
        try:
            with os.fdopen(write_end, "wb", buffering=0) as pipe:
                rest = b""
                while chunk := reader.read(size):
                    if merged:  # whole lines only: the rest waits for the next chunk
                        lines, cut, rest = (rest + chunk).rpartition(b"\n")
                        chunk, without = with_merged_lines(lines + cut)
                        left[0] += without
                    pipe.write(chunk)
                if rest:
                    chunk, without = with_merged_lines(rest + b"\n")
                    left[0] += without
                    pipe.write(chunk)
        except BrokenPipeError:
            pass  # the loader stopped reading: it says why
        except BaseException as e:  # noqa: BLE001 - raised again in the loading thread
            failure.append(e)

    feeder = threading.Thread(target=feed, name="tropekg-load-feed", daemon=True)
    feeder.start()
    try:
        store.bulk_load(path=f"/dev/fd/{read_end}", format=fmt)
    except SyntaxError:
        if failure:  # the input could not be read: that is the error, not the cut-short data
            raise failure[0] from None
        raise
    finally:
        os.close(read_end)
        feeder.join()
    if failure:
        raise failure[0]
    return merged and left[0] == 0


def fill_merged_graph(store: Store) -> None:
    """Fill a store's default graph with every triple of its named graphs, each once: the merged
    graph queries read (:mod:`tropekg.store.embedded`)."""
    store.bulk_extend(Quad(q.subject, q.predicate, q.object)
                      for q in store.quads_for_pattern(None, None, None)
                      if not isinstance(q.graph_name, DefaultGraph))


def can_stream_into(path: Path) -> bool:
    """Whether ``path`` names a store that a streaming load may create: nothing there yet, or an
    empty folder."""
    path = Path(path)
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


class StreamingLoad:
    """Feed :meth:`write` with N-Quads (whole lines), then :meth:`finish`; :meth:`abort` on failure."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not can_stream_into(self.path):
            raise StoreError(f"{self.path}: a store is there already; a load alongside the build "
                             "makes a new one")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.loading = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.loading-", dir=self.path.parent))
        try:
            self.store = Store(str(self.loading))
        except OSError as e:
            shutil.rmtree(self.loading, ignore_errors=True)
            raise StoreError(f"{self.path}: cannot create the store: {e}") from None
        self.bytes = 0
        self._error: BaseException | None = None
        read_end, write_end = os.pipe()
        self._read_end = read_end
        self._pipe = os.fdopen(write_end, "wb", buffering=1 << 20)
        self._thread = threading.Thread(target=self._load, name="tropekg-bulk-load", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            # the loader opens the pipe by its /dev/fd name and reads it natively, in Rust
            self.store.bulk_load(path=f"/dev/fd/{self._read_end}", format=RdfFormat.N_QUADS)
        except BaseException as e:  # noqa: BLE001 - handed to the thread that finishes the load
            self._error = e
            # stop reading; the writer then gets a broken pipe instead of waiting forever
        finally:
            os.close(self._read_end)

    def write(self, data: bytes) -> None:
        try:
            self._pipe.write(data)
        except BrokenPipeError:
            self._thread.join()
            raise StoreError(f"{self.path}: the load stopped: {self._error}") from None
        self.bytes += len(data)

    def finish(self) -> None:
        """Wait for the loader, put the store in place."""
        try:
            self._pipe.close()
        except BrokenPipeError:
            pass
        self._thread.join()
        if self._error is not None:
            self._discard()
            raise StoreError(f"{self.path}: the load failed: {self._error}")
        self.store.flush()
        del self.store  # closes the store before it moves
        if self.path.is_dir():
            self.path.rmdir()  # empty, as checked at the start
        os.replace(self.loading, self.path)

    def abort(self) -> None:
        """Stop: the loader gets the end of its input, and what it loaded is removed."""
        try:
            self._pipe.close()
        except OSError:
            pass
        self._thread.join()
        self._discard()

    def _discard(self) -> None:
        self.store = None
        shutil.rmtree(self.loading, ignore_errors=True)
