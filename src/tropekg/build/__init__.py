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
from tropekg.build.manifest import MANIFEST_FILE, WANTED_FILE, read_manifest
from tropekg.build.outputs import OUTPUT_FILES, REPORT_FILE, BuildReport, write_outputs
from tropekg.build.page import FORMATS, BuildConfig
from tropekg.build.pool import results
from tropekg.rdf.iris import DEFAULT_BASE, IriScheme
from tropekg.titles import Title

__all__ = ["FORMATS", "OUTPUT_FILES", "PART_FILES", "REPORT_FILE", "BuildConfig", "BuildError", "BuildReport",
           "SourceFile", "build", "discover", "finish_commit"]

# What every build writes besides the merged files and the report: the manifest of its page parts
# and the wanted-pages graph (together, what a load reads when no dataset.nq was written).
PART_FILES = (MANIFEST_FILE, WANTED_FILE)

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
    merged: bool = True,
    sink: Callable[[bytes], None] | None = None,
    sparql_endpoint: str | None = None,
) -> BuildReport:
    """Build the dataset of the pages under ``paths`` into ``out_dir``; see the module doc.
    With ``cache``, pages unchanged since an earlier build into the same folder are not
    parsed again (``out_dir/.cache``). Without ``merged``, no merged file is written: the
    dataset stays in the page parts the manifest points at (:mod:`.manifest`), so a rebuild
    writes only what changed. ``sink`` gets the dataset's N-Quads as they are made, each
    page's triples with them as default-graph lines (a load that runs alongside the build, its
    merged default graph included). ``sparql_endpoint`` is the URL the graph will be served at,
    named in the dataset's description."""
    formats = tuple(dict.fromkeys(formats)) if merged else ("nquads",)
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
            cache_dir = out_dir / page_cache.CACHE_DIR
            config = BuildConfig.for_build(base, spellings_of(sources), formats, cache_dir, reuse=cache,
                                           merged=merged, all_triples=sink is not None)
            previous = read_manifest(out_dir) if cache else None
            rows = previous.by_title() if previous is not None and not merged and sink is None else None
            manifest = write_outputs(staging, results(sources, config, jobs, rows), len(sources), report,
                                     formats, config.iris, progress, sparql_endpoint, merged=merged,
                                     sink=sink, previous=previous, cache_dir=cache_dir)
            if report.pages == 0:
                reasons = "; ".join(f"{f['path']}: {f['reason']}" for f in report.failed[:3])
                raise BuildError(f"no page could be built, the previous outputs are kept ({reasons})")
            merged_formats = formats if merged else ()
            names = [OUTPUT_FILES[fmt] for fmt in merged_formats]
            for fmt in merged_formats:
                report.outputs[fmt] = str(out_dir / OUTPUT_FILES[fmt])
            write_bytes(staging / MANIFEST_FILE, manifest.to_bytes())
            names += [MANIFEST_FILE, WANTED_FILE]
            report.outputs["manifest"] = str(out_dir / MANIFEST_FILE)
            report.outputs["report"] = str(out_dir / REPORT_FILE)
            write_bytes(staging / REPORT_FILE, json.dumps(report.to_json(), indent=2).encode("utf-8"))
            journal.commit(out_dir, staging, [*names, REPORT_FILE])
            page_cache.prune(cache_dir, {row.cache_key for row in manifest.rows})
            if not merged:  # merged files of an earlier build are not this build's dataset
                for name in OUTPUT_FILES.values():
                    (out_dir / name).unlink(missing_ok=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        lock.close()
    return report
