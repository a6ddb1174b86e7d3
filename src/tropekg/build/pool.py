"""Pages to results, in parallel: page files and the build's configuration in, each page's result
out, in the order of the pages.

Pages found in the cache are read in the main process; only the others go to a process pool, so a
rebuild after a small change moves little data between processes. Each worker receives the build's
configuration (the IRI scheme with the page spellings) once, in its initializer.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from tropekg.build import cache
from tropekg.build.discover import SourceFile
from tropekg.build.manifest import PageRow
from tropekg.build.page import BuildConfig, PageResult, build_page, page_bytes
from tropekg.readers import PageError

# The configuration of the build a worker process serves; set once by its initializer. Only ever
# set in pool workers: the main process passes its configuration explicitly.
_worker_config: BuildConfig | None = None


def result_of(src: SourceFile, config: BuildConfig) -> PageResult:
    """One page's result: from the cache when it holds it, else built (and cached)."""
    try:
        data = page_bytes(src)
    except PageError as e:
        return PageResult(title=str(src.title), error={"path": src.where, "line": None, "reason": e.message})
    key = None
    if config.cache_dir is not None:
        key = cache.cache_key(data, src, config)
    if key is not None and config.reuse:
        cached = cache.read_entry(cache.entry_path(config.cache_dir, key))
        if cached is not None:
            cached.cache_key = key
            return cached
    result = build_page(src, data, config)
    result.cache_key = key
    if key is not None and result.error is None:
        try:
            cache.write_entry(cache.entry_path(config.cache_dir, key), result)
        except OSError:
            pass  # a cache that cannot be written only costs time
    return result


def _start_worker(parent: int, config: BuildConfig) -> None:
    """In a worker: take the build's configuration, and end when the build that started it is
    gone (killed, say) instead of waiting forever on a queue its sibling workers keep open."""
    import threading
    import time

    global _worker_config
    _worker_config = config

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _in_worker(src: SourceFile) -> PageResult:
    assert _worker_config is not None, "a build worker runs only after its initializer"
    return result_of(src, _worker_config)


def _cached_keys(sources: list[SourceFile], config: BuildConfig) -> tuple[list[str | None], list[int]]:
    """For each page, its cache key when a cache entry exists for it (else None), and the entry's
    size. An entry that is not a plain file (a link, a FIFO) is not one: the page is built."""
    if config.cache_dir is None or not config.reuse or not config.cache_dir.is_dir():
        # a first build: no need to read and hash every page here
        return [None] * len(sources), [0] * len(sources)
    keys: list[str | None] = []
    sizes: list[int] = []
    for src in sources:
        try:
            key = cache.cache_key(page_bytes(src), src, config)
        except PageError:
            keys.append(None)
            sizes.append(0)
            continue
        size = cache.entry_size(cache.entry_path(config.cache_dir, key))
        keys.append(key if size is not None else None)
        sizes.append(size or 0)
    return keys, sizes


def _row_fits(row: PageRow, size: int) -> bool:
    """Whether the entry (of ``size`` bytes) holds the blocks the row points at."""
    return row.offset > 0 and size >= row.offset + row.length and size >= row.shared_offset + row.shared_length


def _from_row(row: PageRow) -> PageResult:
    """A page unchanged since the last build, as its manifest row tells it: no blocks (they stay
    where they are, in its cache entry), and only the links the wanted graph may need."""
    return PageResult(title=row.title, kind=row.kind, quads=row.quads, examples=row.examples,
                      warnings=row.warnings, references=row.references, cached=True,
                      cache_key=row.cache_key, nquads_span=(row.offset, row.length), from_manifest=True,
                      own_counts=row.own_counts,
                      shared_span=(row.shared_offset, row.shared_length) if row.shared_offset >= 0 else None)


def results(sources: list[SourceFile], config: BuildConfig, jobs: int,
            rows: dict[str, PageRow] | None = None) -> Iterator[PageResult]:
    """Each page's result, in the order of ``sources``. A page whose cache key is that of its
    row in ``rows`` (the last build's manifest) comes from the row, without its blocks: pass
    ``rows`` only when the blocks of unchanged pages are not needed."""
    keys, sizes = _cached_keys(sources, config)
    todo = [src for src, key in zip(sources, keys) if key is None]
    pool = None
    if jobs <= 1 or len(todo) < 8:
        computed: Iterator[PageResult] = (result_of(src, config) for src in todo)
    else:
        chunk = max(1, min(64, len(todo) // (jobs * 8)))
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(os.getpid(), config))
        # Forked workers start inside map (all of them, at the first task). Objects of this process
        # that are garbage but not yet collected (a store a load left, a store being loaded by
        # build --store) are frozen first: a worker's collector never sees them, so it never runs
        # their native destructors in a child without the store's threads (the worker aborted,
        # "Fatal Python error: Aborted" while garbage-collecting).
        gc.freeze()
        try:
            computed = pool.map(_in_worker, todo, chunksize=chunk)
        finally:
            gc.unfreeze()
    try:
        for src, key, size in zip(sources, keys, sizes):
            if key is None:
                yield next(computed)
                continue
            row = rows.get(str(src.title)) if rows is not None else None
            if row is not None and row.cache_key == key and _row_fits(row, size):
                yield _from_row(row)
                continue
            cached = cache.read_entry(cache.entry_path(config.cache_dir, key))
            if cached is None:  # damaged since we looked: build it here
                yield result_of(src, config)
                continue
            cached.cache_key = key
            yield cached
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
