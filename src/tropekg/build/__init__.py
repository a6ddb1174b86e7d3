"""Building the dataset: page files in, a provenance-tracked knowledge graph on disk out.

The steps, one module each: :mod:`.discover` finds the pages; :mod:`.pool` gets each page's result,
from :mod:`.cache` or from :mod:`.page` (read, parse, map, serialise) in a process pool;
:mod:`.outputs` writes the files in title order; :mod:`.output_folder` publishes them. A page that
cannot be read is recorded with its reason and the build goes on. Every output is written to a
new version folder, published by one rename, so a failed or killed build leaves the previous
outputs as they were, and readers see one build's outputs or the other's, never a mix.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from tropekg.atomic import write_bytes
from tropekg.build import cache as page_cache
from tropekg.build import output_folder
from tropekg.build.discover import BuildError, SourceFile, discover, spellings_of
from tropekg.build.output_folder import FolderError, published
from tropekg.build.outputs import OUTPUT_FILES, REPORT_FILE, BuildReport, write_outputs
from tropekg.build.page import FORMATS, BuildConfig
from tropekg.build.pool import results
from tropekg.rdf.iris import DEFAULT_BASE, IriScheme
from tropekg.titles import Title

__all__ = ["FORMATS", "OUTPUT_FILES", "REPORT_FILE", "BuildConfig", "BuildError", "BuildReport",
           "FolderError", "SourceFile", "build", "discover", "published"]


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
    sparql_endpoint: str | None = None,
    follow_symlinks: bool = False,
) -> BuildReport:
    """Build the dataset of the pages under ``paths`` into ``out_dir``; see the module doc.
    With ``cache``, pages unchanged since an earlier build into the same folder are not
    parsed again (``out_dir/.cache``). ``sparql_endpoint`` is the URL the graph will be served at,
    named in the dataset's description. Symbolic links in input folders that lead out of them are
    followed only with ``follow_symlinks``."""
    formats = tuple(dict.fromkeys(formats))
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
            cache_dir = page_cache.check_folder(out_dir / page_cache.CACHE_DIR) if cache else None
            spool = version / ".spool"  # blocks of pages too big to hold, on their way to the outputs
            config = BuildConfig.for_build(base, spellings_of(sources), formats, cache_dir, spool)
            used = write_outputs(version, results(sources, config, jobs), len(sources), report,
                                 formats, config.iris, progress, sparql_endpoint)
            shutil.rmtree(spool, ignore_errors=True)
            if report.pages == 0:
                reasons = "; ".join(f"{_where(f)}: {f['reason']}" for f in report.failed[:3])
                raise BuildError(f"no page could be built, the previous outputs are kept ({reasons})")
            for fmt in formats:
                report.outputs[fmt] = str(out_dir / OUTPUT_FILES[fmt])
            report.outputs["report"] = str(out_dir / REPORT_FILE)
            write_bytes(version / REPORT_FILE, json.dumps(report.to_json(), indent=2).encode("utf-8"))
            output_folder.publish(out_dir, version)
            done = True
            if cache_dir is not None:
                page_cache.prune(cache_dir, used)
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
