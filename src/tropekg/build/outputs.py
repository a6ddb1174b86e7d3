"""Writing the dataset: each page's result in, the output files out.

The main process only writes bytes, in title order, so memory does not grow with the corpus and
the same pages give byte-identical outputs. The merged graph (graph.ttl, graph.jsonld) is written
by :mod:`.merged`: each triple once, grouped by subject. Pages linked to but described by no page
get a graph of their own, written :data:`WANTED_CHUNK` quads at a time (its N-Quads sorted on disk
when they are many: one page may link to 200,000 pages no page describes), and the dataset's
VoID/DCAT description (:mod:`.description`) another. A page's blocks may be spooled to disk
(:mod:`.spool`): they are copied a piece at a time.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import chain
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, Triple, serialize

from tropekg import __version__
from tropekg.build.description import description_quads
from tropekg.build.merged import MergedGraph
from tropekg.build.page import PageResult, canonical, references_of, trig_block, turtle_block
from tropekg.build.spool import LineSorter, SpoolFile, block_lines, copy_block, discard
from tropekg.rdf.iris import IriScheme
from tropekg.rdf.jsonld import JSONLD_FOOTER, jsonld_header, jsonld_nodes
from tropekg.rdf.mapping import naming, tk
from tropekg.rdf.namespaces import RDF_TYPE, SKOS_IN_SCHEME, prefixes_for
from tropekg.titles import parse_title

OUTPUT_FILES = {
    "nquads": "dataset.nq",
    "trig": "dataset.trig",
    "turtle": "graph.ttl",
    "jsonld": "graph.jsonld",
}
REPORT_FILE = "report.json"

# Class priority when several pages link to one undescribed page in different ways.
# The wanted pages' quads written at a time (about 1,400 pages; a build that wants fewer writes
# their TriG in one block, as before). 50,000 at a time, with their serialisations, were the peak
# of building one page that links to 24,000 pages no page describes (about 100 MB).
WANTED_CHUNK = 10_000
_CLASS_RANK = {"Creator": 1, "Trope": 2, "UsefulNotesTopic": 3, None: 9}


@dataclass
class BuildReport:
    pages: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    quads: int = 0
    triples: int = 0
    examples: int = 0
    cached: int = 0         # pages taken from the cache, not parsed again
    # quads: in the named graphs; triples: in the merged graph (each stated once)
    wanted_pages: int = 0
    warnings: int = 0
    failed: list[dict] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    page_warnings: dict[str, list[dict]] = field(default_factory=dict)
    # about inputs that are not pages: an aliases.tsv's bad lines (path, line, message)
    input_warnings: list[dict] = field(default_factory=list)
    archives: list[dict] = field(default_factory=list)  # each web archive: pages, aliases, skipped records
    aliases: int = 0        # other names (redirects) kept for the pages built
    tropekg_version: str = __version__
    base: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def wanted_quads(described: set[str], refs: dict[str, tuple[str, str | None]], iris: IriScheme) -> list[Quad]:
    """Pages linked to but described by no page: typed from how they were linked, named, and
    marked tk:WantedPage, in a graph of their own."""
    return [q for chunk in wanted_quad_chunks(described, refs, iris, 0) for q in chunk]


def wanted_quad_chunks(described: set[str], refs: dict[str, tuple[str, str | None]], iris: IriScheme,
                       chunk: int) -> Iterator[list[Quad]]:
    """The quads of :func:`wanted_quads`, in the same order, about ``chunk`` at a time (all at
    once when ``chunk`` is 0)."""
    graph = iris.wanted_graph
    out: list[Quad] = []
    for key in sorted(refs):
        if key in described:
            continue
        spelling, cls = refs[key]
        title = parse_title(spelling)
        if title is None:
            continue
        s = iris.resource(title)
        out.append(Quad(s, RDF_TYPE, tk.WantedPage, graph))
        if cls is not None:
            out.append(Quad(s, RDF_TYPE, getattr(tk, cls), graph))
            if cls == "Trope":
                out.append(Quad(s, SKOS_IN_SCHEME, tk.TropeScheme, graph))
            if cls not in _CLASS_RANK and cls != "Work":
                out.append(Quad(s, RDF_TYPE, tk.Work, graph))
        out.extend(Quad(s, p, o, graph) for p, o in naming(title))
        if chunk and len(out) >= chunk:
            yield out
            out = []
    if out:
        yield out


def _better_class(old: str | None, new: str | None) -> str | None:
    """Works (a media class) beat creators beat tropes beat nothing; ties keep the smaller name."""
    def rank(c: str | None) -> tuple[int, str]:
        return (_CLASS_RANK.get(c, 0), c or "")
    return new if rank(new) < rank(old) else old


class _JsonLdGraph:
    """The @graph array of graph.jsonld: node objects from many writers, commas between them."""

    def __init__(self, f, base: str):
        self.f = f
        self.empty = True
        f.write(jsonld_header(base))

    def write(self, nodes: bytes) -> None:
        if nodes:
            if not self.empty:
                self.f.write(b",\n")
            self.f.write(nodes)
            self.empty = False

    def close(self) -> None:
        self.f.write(JSONLD_FOOTER)


def write_outputs(staging: Path, results: Iterable[PageResult], total: int, report: BuildReport,
                  formats: tuple[str, ...], iris: IriScheme,
                  progress: Callable[[int, int], None] | None,
                  sparql_endpoint: str | None = None) -> set[str]:
    """Write the outputs of ``results`` into ``staging``; fill ``report``; return the cache keys
    the build used."""
    base = iris.base
    prefixes = prefixes_for(base)
    prefix_lines = "".join(f"@prefix {k}: <{v}> .\n" for k, v in prefixes.items()).encode()
    files = {fmt: open(staging / OUTPUT_FILES[fmt], "wb") for fmt in formats}  # noqa: SIM115
    merged = MergedGraph(staging / ".merged")
    kinds: Counter[str] = Counter()
    described: set[str] = set()
    refs: dict[str, tuple[str, str | None]] = {}
    used: set[str] = set()
    for fmt in ("trig", "turtle"):
        if fmt in files:
            files[fmt].write(prefix_lines)
    try:
        for done, result in enumerate(results, start=1):
            if progress is not None:
                progress(done, total)
            if result.error is not None:
                report.failed.append(result.error)
                continue
            if result.cache_key is not None:
                used.add(result.cache_key)
            report.cached += result.cached
            kinds[result.kind] += 1
            described.add(result.title.casefold())
            for fmt in ("nquads", "trig"):
                if fmt in files:
                    copy_block(result.blocks[fmt], files[fmt])
            _add_lines(merged, block_lines(result.blocks["triples"]))
            report.quads += result.quads
            report.examples += result.examples
            if result.warnings:
                report.warnings += len(result.warnings)
                report.page_warnings[result.title] = result.warnings
            for key, spelling, cls in references_of(result):
                cls = sys.intern(cls) if cls else None  # one string per class, not one per link
                old = refs.get(key)
                refs[key] = (spelling, cls) if old is None else (old[0], _better_class(old[1], cls))
            for block in result.blocks.values():
                discard(block)
        _write_wanted(wanted_quad_chunks(described, refs, iris, WANTED_CHUNK), files, merged, report, prefixes,
                      staging / ".spool")
        jsonld = _JsonLdGraph(files["jsonld"], base) if "jsonld" in files else None
        counts = merged.write(files.get("turtle"), jsonld, prefixes, base)
        report.triples = counts.triples
        # the dataset describes itself, in its own graph, after the data it counts
        page_count = sum(kinds.values())
        described_by = description_quads(iris, counts, {fmt: OUTPUT_FILES[fmt] for fmt in formats},
                                         page_count, dict(kinds), sparql_endpoint)
        _write_quads(files, described_by, prefixes)
        report.quads += len(described_by)
        triples = [Triple(q.subject, q.predicate, q.object) for q in described_by]
        if "turtle" in files:
            files["turtle"].write(turtle_block(triples, prefixes))
        if jsonld is not None:
            jsonld.write(b",\n".join(jsonld_nodes(triples, base)))
            jsonld.close()
        for f in files.values():
            f.flush()
            os.fsync(f.fileno())
    finally:
        merged.close()
        for f in files.values():
            f.close()
    report.pages = sum(kinds.values())
    report.kinds = dict(sorted(kinds.items()))
    return used


def _add_lines(merged: MergedGraph, lines: Iterable[bytes], batch: int = 10_000) -> None:
    """N-Triples lines to the merged graph, ``batch`` at a time (a spooled page's are many)."""
    held: list[bytes] = []
    for line in lines:
        held.append(line)
        if len(held) >= batch:
            merged.add(b"\n".join(held))
            held = []
    if held:
        merged.add(b"\n".join(held))


def _write_wanted(chunks: Iterator[list[Quad]], files: dict, merged: MergedGraph, report: BuildReport,
                  prefixes: dict[str, str], spool_dir: Path) -> None:
    """The wanted pages' graph: canonical N-Quads (sorted on disk past one chunk), TriG a block a
    chunk, and its triples for the merged graph."""
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    sorter = None if second is None else LineSorter(spool_dir)
    for quads in chain([first], [] if second is None else [second], chunks):
        if sorter is None:
            _write_quads(files, quads, prefixes)
        else:
            if "nquads" in files:
                sorter.add(serialize(quads, format=RdfFormat.N_QUADS).split(b"\n"))
            if "trig" in files:
                files["trig"].write(trig_block(quads, prefixes))
        merged.add(_ntriples(quads))
        report.quads += len(quads)
        report.wanted_pages += sum(1 for q in quads if q.predicate == RDF_TYPE and q.object == tk.WantedPage)
    if sorter is not None and "nquads" in files:
        sorted_lines = SpoolFile(spool_dir, "wanted")
        sorter.write_to(sorted_lines)
        block = sorted_lines.block()
        copy_block(block, files["nquads"])
        discard(block)


def _ntriples(quads: list[Quad]) -> bytes:
    return serialize((Triple(q.subject, q.predicate, q.object) for q in quads), format=RdfFormat.N_TRIPLES)


def _write_quads(files: dict, quads: list[Quad], prefixes: dict[str, str]) -> None:
    """Quads of a graph that is not a page's (wanted pages, the description) into the quad files."""
    if "nquads" in files:
        files["nquads"].write(canonical(quads))
    if "trig" in files:
        files["trig"].write(trig_block(quads, prefixes))
