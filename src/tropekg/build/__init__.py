"""Building the dataset: page files in, a provenance-tracked knowledge graph on disk out.

The steps, one module each: :mod:`.discover` finds the pages; :mod:`.pool` gets each page's result,
from :mod:`.cache` or from :mod:`.page` (read, parse, map, serialise) in a process pool;
:mod:`.outputs` writes the files in title order; :mod:`.output_folder` publishes them. A page that
cannot be read is recorded with its reason and the build goes on. Every output is written to a
new version folder, published by one rename, so a failed or killed build leaves the previous
outputs as they were, and readers see one build's outputs or the other's, never a mix. A version
also holds :mod:`.manifest`'s ``manifest.json``: the page parts (cache entries, shared by the
versions that name them) the dataset is made of, so a build without merged files rewrites only the
changed pages' parts.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from tropekg.atomic import write_bytes, write_with
from tropekg.build import cache as page_cache
from tropekg.build import output_folder
from tropekg.build.discover import BuildError, SourceFile, discover, spellings_of
from tropekg.build.manifest import MANIFEST_FILE, WANTED_FILE, read_manifest
from tropekg.build.output_folder import FolderError, published
from tropekg.build.outputs import OUTPUT_FILES, REPORT_FILE, BuildReport, write_outputs
from tropekg.build.page import FORMATS, BuildConfig
from tropekg.build.pool import results
from tropekg.rdf.iris import DEFAULT_BASE, IriScheme
from tropekg.titles import Title

__all__ = ["FORMATS", "OUTPUT_FILES", "PART_FILES", "REPORT_FILE", "BuildConfig", "BuildError", "BuildReport",
           "FolderError", "SourceFile", "build", "discover", "published"]

# What every build writes besides the merged files and the report: the manifest of its page parts
# and the wanted-pages graph (together, what a load reads when no dataset.nq was written).
PART_FILES = (MANIFEST_FILE, WANTED_FILE)


def build(
    paths: Iterable[Path],
    out_dir: Path,
    *,
    formats: Iterable[str] = FORMATS,
    jobs: int | None = None,
    base: str = DEFAULT_BASE,
    title: Title | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache: bool = True,
    merged: bool = True,
    sink: Callable[[bytes], None] | None = None,
    sparql_endpoint: str | None = None,
    follow_symlinks: bool = False,
) -> BuildReport:
    """Build the dataset of the pages under ``paths`` into ``out_dir``; see the module doc.
    With ``cache``, pages unchanged since an earlier build into the same folder are not
    parsed again (``out_dir/.cache``). Without ``merged``, no merged file is written: the
    dataset stays in the page parts the manifest points at (:mod:`.manifest`), so a rebuild
    writes only what changed. ``sink`` gets the dataset's N-Quads as they are made, each
    page's triples with them as default-graph lines (a load that runs alongside the build, its
    merged default graph included). ``sparql_endpoint`` is the URL the graph will be served at,
    named in the dataset's description. Symbolic links in input folders that lead out of them are
    followed only with ``follow_symlinks``."""
    formats = tuple(dict.fromkeys(formats)) if merged else ("nquads",)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise BuildError(f"unknown output format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    base = IriScheme(base).base  # with its trailing slash
    found = discover([Path(p) for p in paths], title, follow_symlinks=follow_symlinks)
    sources = found.sources
    if not sources and not found.failed:
        raise BuildError("no page files found (expected Namespace/PageName.txt files, saved .html pages, "
                         "gzip-compressed pages or web archives)")
    jobs = jobs or os.cpu_count() or 1
    report = BuildReport(failed=found.failed, base=base, input_warnings=found.warnings,
                         archives=found.archives, aliases=found.aliases)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BuildError(f"{out_dir}: cannot write the output folder: {e.strerror or e}") from None
    lock = output_folder.lock(out_dir)
    try:
        try:
            version = output_folder.new_version(out_dir)
        except OSError as e:
            raise BuildError(f"{out_dir}: cannot write the output folder: {_failure(e)}") from None
        done = False
        try:
            # the page parts live in the cache: a build without merged files writes them even
            # with --no-cache (it then only takes nothing from the cache)
            cache_dir = None
            if cache or not merged:
                cache_dir = page_cache.check_folder(out_dir / page_cache.CACHE_DIR, parts=not merged)
            spool = version / ".spool"  # blocks of pages too big to hold, on their way to the outputs
            config = BuildConfig.for_build(base, spellings_of(sources), formats, cache_dir, spool, reuse=cache,
                                           merged=merged, all_triples=sink is not None)
            # the version published now (checked: read_manifest reads it through published())
            previous = read_manifest(out_dir) if cache_dir is not None else None
            rows = previous.by_title() if cache and previous is not None and not merged and sink is None else None
            manifest = write_outputs(version, results(sources, config, jobs, rows), len(sources), report,
                                     formats, config.iris, progress, sparql_endpoint, merged=merged,
                                     sink=sink, previous=previous if cache else None, cache_dir=cache_dir)
            if report.pages == 0:
                reasons = "; ".join(f"{_where(f)}: {f['reason']}" for f in report.failed[:3])
                raise BuildError(f"no page could be built, the previous outputs are kept ({reasons})")
            merged_formats = formats if merged else ()
            for fmt in merged_formats:
                report.outputs[fmt] = str(out_dir / OUTPUT_FILES[fmt])
            report.outputs["manifest"] = str(out_dir / MANIFEST_FILE)
            report.outputs["report"] = str(out_dir / REPORT_FILE)
            write_with(version / MANIFEST_FILE, manifest.write)
            shutil.rmtree(spool, ignore_errors=True)  # after the manifest: it holds the links of rows that spooled them
            write_bytes(version / REPORT_FILE, json.dumps(report.to_json(), indent=2).encode("utf-8"))
            output_folder.publish(out_dir, version)
            done = True
            if cache_dir is not None:
                # the entries of the version just replaced stay until the next build: a load that
                # began reading it before the switch reads it to the end
                kept = {row.cache_key for row in manifest.rows}
                page_cache.prune(cache_dir, kept | {row.cache_key for row in previous.rows} if previous else kept)
        except OSError as e:
            if done:
                raise
            # a full disk, a folder made read-only: reading pages never raises here (a page that
            # cannot be read is a failed page), so this is the writing
            raise BuildError(f"{out_dir}: cannot write the outputs ({_failure(e)}); the previous outputs "
                             "are kept") from None
        finally:
            if not done:
                shutil.rmtree(version, ignore_errors=True)
    finally:
        lock.close()
    return report


def _where(failure: dict) -> str:
    """A failed page's file, and its line when known (as ``tropekg parse`` names it)."""
    return f"{failure['path']}:{failure['line']}" if failure.get("line") else failure["path"]


def _failure(e: OSError) -> str:
    return f"{e.strerror}: {e.filename}" if e.strerror and e.filename else (e.strerror or str(e))
