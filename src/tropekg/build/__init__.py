"""Building the dataset: page files in, a provenance-tracked knowledge graph on disk out.

The steps, one module each: :mod:`.discover` finds the pages; :mod:`.pool` gets each page's result,
from :mod:`.cache` or from :mod:`.page` (read, parse, map, serialise) in a process pool;
:mod:`.outputs` writes the files in title order; :mod:`.journal` puts them in place. A page that
cannot be read is recorded with its reason and the build goes on. Every output is written to a
staging folder and renamed into place, so a failed or killed build leaves the previous outputs as
they were.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from tropekg.atomic import write_bytes
from tropekg.build import cache as page_cache
from tropekg.build import journal
from tropekg.build.discover import BuildError, SourceFile, discover, spellings_of
from tropekg.build.outputs import OUTPUT_FILES, REPORT_FILE, BuildReport, write_outputs
from tropekg.build.page import FORMATS, BuildConfig
from tropekg.build.pool import results
from tropekg.rdf.iris import DEFAULT_BASE, IriScheme
from tropekg.titles import Title

__all__ = ["FORMATS", "OUTPUT_FILES", "REPORT_FILE", "BuildConfig", "BuildError", "BuildReport",
           "SourceFile", "build", "discover", "finish_commit"]

finish_commit = journal.finish_commit


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
) -> BuildReport:
    """Build the dataset of the pages under ``paths`` into ``out_dir``; see the module doc.
    With ``cache``, pages unchanged since an earlier build into the same folder are not
    parsed again (``out_dir/.cache``). ``sparql_endpoint`` is the URL the graph will be served at,
    named in the dataset's description."""
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise BuildError(f"unknown output format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    base = IriScheme(base).base  # with its trailing slash
    found = discover([Path(p) for p in paths], title)
    sources = found.sources
    if not sources and not found.failed:
        raise BuildError("no page files found (expected Namespace/PageName.txt files, saved .html pages, "
                         "gzip-compressed pages or web archives)")
    jobs = jobs or os.cpu_count() or 1
    report = BuildReport(failed=found.failed, base=base, input_warnings=found.warnings,
                         archives=found.archives, aliases=found.aliases)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = journal.lock(out_dir)
    except OSError as e:
        raise BuildError(f"{out_dir}: cannot write the output folder: {e.strerror or e}") from None
    try:
        journal.finish_commit(out_dir)  # a build killed while putting its outputs in place is completed
        for stale in out_dir.glob(".staging-*"):  # left by killed builds; we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
        try:
            cache_dir = out_dir / page_cache.CACHE_DIR if cache else None
            config = BuildConfig.for_build(base, spellings_of(sources), formats, cache_dir)
            used = write_outputs(staging, results(sources, config, jobs), len(sources), report,
                                 formats, config.iris, progress, sparql_endpoint)
            if report.pages == 0:
                reasons = "; ".join(f"{f['path']}: {f['reason']}" for f in report.failed[:3])
                raise BuildError(f"no page could be built, the previous outputs are kept ({reasons})")
            names = [OUTPUT_FILES[fmt] for fmt in formats]
            for fmt in formats:
                report.outputs[fmt] = str(out_dir / OUTPUT_FILES[fmt])
            report.outputs["report"] = str(out_dir / REPORT_FILE)
            write_bytes(staging / REPORT_FILE, json.dumps(report.to_json(), indent=2).encode("utf-8"))
            journal.commit(out_dir, staging, [*names, REPORT_FILE])
            if cache_dir is not None:
                page_cache.prune(cache_dir, used)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        lock.close()
    return report
