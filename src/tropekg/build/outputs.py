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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO

from pyoxigraph import Quad, RdfFormat, Triple, serialize

from tropekg import __version__
from tropekg.build import cache
from tropekg.build.description import description_quads
from tropekg.build.discover import BuildError
from tropekg.build.manifest import WANTED_FILE, Manifest, PageRow
from tropekg.build.merged import MergedCounts, MergedGraph
from tropekg.build.page import PageResult, canonical, references_of, trig_block, turtle_block
from tropekg.build.spool import (
    Block,
    LineSorter,
    SpoolFile,
    block_lines,
    block_pieces,
    copy_block,
    discard,
)
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
    marked tk:WantedPage, in a graph of their own. ``refs``: title key -> (spelling, class)."""
    items = ((key, *refs[key]) for key in sorted(refs))
    return [q for chunk in wanted_quad_chunks(described, items, iris, 0) for q in chunk]


def wanted_quad_chunks(described: set[str], refs: Iterable[tuple[str, str, str | None]], iris: IriScheme,
                       chunk: int) -> Iterator[list[Quad]]:
    """The quads of :func:`wanted_quads`, in the same order, about ``chunk`` at a time (all at
    once when ``chunk`` is 0); ``refs`` are (title key, spelling, class), in key order, a key once."""
    graph = iris.wanted_graph
    out: list[Quad] = []
    for key, spelling, cls in refs:
        if key in described:
            continue
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


class _WantedRefs:
    """The pages linked to, from every page's links, each once in key order with the spelling
    it is first linked by (in page order, then link order) and its best class: the input of
    :func:`wanted_quad_chunks`. The links are sorted on disk (:class:`~.spool.LineSorter`), so
    memory holds a run of them however many pages the build wants (one page may link to 200,000)."""

    def __init__(self, spool_dir: Path):
        self.sorter = LineSorter(spool_dir)

    def add(self, row: int, refs: Iterable[tuple[str, str, str | None]], first: int = 0) -> int:
        """Add row ``row``'s links, numbered from ``first``; returns the next number."""
        n = first
        lines = []
        for key, spelling, cls in refs:
            lines.append(f"{key}\x1f{row:010d}\x1f{n:010d}\x1f{spelling}\x1f{cls or ''}".encode())
            n += 1
            if len(lines) >= 10_000:
                self.sorter.add(lines)
                lines = []
        self.sorter.add(lines)
        return n

    def items(self) -> Iterator[tuple[str, str, str | None]]:
        """(key, spelling, class), in key order (a key's lines are together, its first link
        first: a title key holds no character below the separator)."""
        key: str | None = None
        spelling = ""
        cls: str | None = None
        for line in self.sorter.sorted_lines():
            k, _row, _n, sp, c = line.decode("utf-8").split("\x1f")
            c = c or None
            if k == key:
                cls = _better_class(cls, c)
                continue
            if key is not None:
                yield key, spelling, cls
            key, spelling, cls = k, sp, c
        if key is not None:
            yield key, spelling, cls


class _RefList:
    """A manifest row's links, held while few and spooled to a file of the build's spool folder
    past :data:`HELD_REFS` (a page may link to 200,000 pages no page describes): iterated,
    counted and extended like a list. The file goes with the spool folder, after the manifest."""

    def __init__(self, spool_dir: Path, refs: Iterable[tuple[str, str, str | None]] = ()):
        self.spool_dir = spool_dir
        self.held: list[tuple[str, str, str | None]] = []
        self.path: Path | None = None
        self.count = 0
        self.extend(refs)

    def append(self, ref: tuple[str, str, str | None]) -> None:
        self.held.append(ref)
        self.count += 1
        if len(self.held) >= HELD_REFS:
            self._spill()

    def extend(self, refs: Iterable[tuple[str, str, str | None]]) -> None:
        for ref in refs:
            self.append(ref)

    def _spill(self) -> None:
        if self.path is None:
            spool = SpoolFile(self.spool_dir, "refs")
            spool.block()
            self.path = spool.path
        with open(self.path, "ab") as f:
            f.write("".join(f"{k}\x1f{s}\x1f{c or ''}\n" for k, s, c in self.held).encode())
        self.held = []

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[str, str, str | None]]:
        if self.path is not None:
            with open(self.path, "rb") as f:
                for line in f:
                    k, s, c = line[:-1].decode("utf-8").split("\x1f")
                    yield k, s, c or None
        yield from self.held


# A row's links held in memory at most; past it they are spooled (see _RefList).
HELD_REFS = 10_000


class _PageRefs:
    """The links of the pages of a build that the wanted-pages graph may need, kept small: per
    page, the links to pages the build does not describe, and the links to pages it does
    describe packed into one string, unpacked only for the pages that failed (a rare case)."""

    def __init__(self, spellings: dict[str, str]):
        self.spellings = spellings
        self.packed: dict[int, str] = {}  # row index -> links to described pages, packed

    def split(self, index: int, references, spool_dir: Path) -> list[tuple[str, str, str | None]] | _RefList:
        """The links to pages not described (a :class:`_RefList` past :data:`HELD_REFS`); those
        to described pages are packed."""
        outside: list[tuple[str, str, str | None]] | _RefList = []
        inside: list[str] = []
        for ref in references:
            if ref[0] in self.spellings:
                inside.append(f"{ref[0]}\x1f{ref[1]}\x1f{ref[2] or ''}")
            else:
                outside.append(ref)
                if len(outside) == HELD_REFS and isinstance(outside, list):
                    outside = _RefList(spool_dir, outside)
        if inside:
            self.packed[index] = "\x1e".join(inside)
        return outside

    def to(self, index: int, keys: set[str]) -> list[tuple[str, str, str | None]]:
        """The links of row ``index`` to the pages ``keys``, unpacked."""
        out = []
        for item in self.packed.get(index, "").split("\x1e") if index in self.packed else ():
            key, spelling, cls = item.split("\x1f")
            if key in keys:
                out.append((key, spelling, cls or None))
        return out


def write_outputs(staging: Path, results: Iterable[PageResult], total: int, report: BuildReport,
                  formats: tuple[str, ...], iris: IriScheme,
                  progress: Callable[[int, int], None] | None, sparql_endpoint: str | None = None, *,
                  merged: bool = True, sink: Callable[[bytes], None] | None = None,
                  previous: Manifest | None = None, cache_dir: Path | None = None) -> Manifest:
    """Write the outputs of ``results`` into ``staging``: the merged files of ``formats`` (with
    ``merged``), ``graphs.nq`` (the wanted pages and the dataset's description) and the manifest;
    hand every page's N-Quads and then those graphs' to ``sink``, in the order of ``dataset.nq``,
    each with its triples as default-graph lines (N-Triples are N-Quads of the default graph);
    fill ``report``; return the manifest.

    Without ``merged`` the merged graph is not written, but the description still gives its counts:
    each page counts the triples only it can state, and the main process makes distinct the rest
    (far fewer), which a rebuild reads from the unchanged pages' entries."""
    base = iris.base
    prefixes = prefixes_for(base)
    prefix_lines = "".join(f"@prefix {k}: <{v}> .\n" for k, v in prefixes.items()).encode()
    files = {fmt: open(staging / OUTPUT_FILES[fmt], "wb") for fmt in formats} if merged else {}  # noqa: SIM115
    graph = MergedGraph(staging / ".merged")  # every triple (merged) or the shared ones (parts)
    own = MergedCounts()
    kinds: Counter[str] = Counter()
    described: set[str] = set()
    failed_keys: set[str] = set()
    manifest = Manifest(cache_dir or staging)
    page_refs = _PageRefs(iris.spellings or {})
    partial: list[int] = []  # rows whose links came from the last manifest
    spool_dir = staging / ".spool"
    other_graphs = None
    for fmt in ("trig", "turtle"):
        if fmt in files:
            files[fmt].write(prefix_lines)
    try:
        for done, result in enumerate(results, start=1):
            if progress is not None:
                progress(done, total)
            if result.error is not None:
                report.failed.append(result.error)
                failed_keys.add(result.title.casefold())
                continue
            report.cached += result.cached
            kinds[result.kind] += 1
            described.add(result.title.casefold())
            if result.blocks:
                for fmt in ("nquads", "trig"):
                    if fmt in files:
                        copy_block(result.blocks[fmt], files[fmt])
                _add_lines(graph, block_lines(result.blocks["triples"] if merged else result.blocks["shared"]))
                if sink is not None:  # a page's quads, and its triples for the merged default graph
                    _sink_block(sink, result.blocks["nquads"])
                    _sink_block(sink, result.blocks["triples"])
            elif sink is not None or files:
                raise ValueError(f"no blocks for page {result.title}: a row stands only for a page not written")
            else:  # an unchanged page: its shared triples from its entry
                shared = cache.read_block(cache.entry_path(cache_dir, result.cache_key), result.shared_span) \
                    if cache_dir is not None and result.shared_span else None
                if shared is None:
                    raise BuildError(f"the cache entry of page {result.title} cannot be read: "
                                     "build again with --no-cache")
                _add_lines(graph, block_lines(shared))
            if not merged:
                _add_counts(own, result.own_counts)
            report.quads += result.quads
            report.examples += result.examples
            if result.warnings:
                report.warnings += len(result.warnings)
                report.page_warnings[result.title] = result.warnings
            index = len(manifest.rows)
            if result.from_manifest and result.references is None:  # too many for the manifest
                refs = page_refs.split(index, _entry_links(cache_dir, result), spool_dir)
            elif result.from_manifest:
                partial.append(index)
                refs = list(result.references)
            else:
                refs = page_refs.split(index, references_of(result), spool_dir)
            offset, length = result.nquads_span or (-1, 0)
            s_offset, s_length = result.shared_span or (-1, 0)
            manifest.rows.append(PageRow(result.title, result.cache_key or "", offset, length, result.kind,
                                         result.quads, result.examples, result.warnings, refs,
                                         result.own_counts, s_offset, s_length))
            for block in result.blocks.values():
                discard(block)
        if not merged and any(row.offset < 0 for row in manifest.rows):
            raise BuildError("the page parts could not be written to the cache folder: "
                             "build with the merged files (--format) instead")
        # The links the wanted graph needs: to pages not described, and to pages that failed.
        failed_now = failed_keys & set(page_refs.spellings)
        if partial and not failed_now <= set(previous.failed_keys if previous else ()):
            _reread_links(manifest, partial, cache_dir)  # a page fails that did not before
            # the rows from the last manifest now hold all their links: split them as the rows
            # built now were (whose links to described pages are packed already, and kept)
            for index in partial:
                manifest.rows[index].references = page_refs.split(index, manifest.rows[index].references,
                                                                  spool_dir)
        wanted = _WantedRefs(spool_dir)
        for index, row in enumerate(manifest.rows):
            failed_links = page_refs.to(index, failed_now)
            if isinstance(row.references, _RefList):
                row.references.extend(failed_links)
            elif failed_links:
                row.references = row.references + failed_links
            wanted.add(index, row.references)
        manifest.failed_keys = sorted(failed_now)
        # the graphs that are no page's: a file of their own (what a load of the page parts reads
        # after them), and the end of dataset.nq
        other_graphs = open(staging / WANTED_FILE, "wb")  # noqa: SIM115 - closed below
        links = wanted.items()
        try:
            _write_wanted(wanted_quad_chunks(described, links, iris, WANTED_CHUNK), files, other_graphs,
                          graph, report, prefixes, spool_dir, sink)
        finally:
            links.close()  # the sort's run files, closed now even when writing failed
        jsonld = _JsonLdGraph(files["jsonld"], base) if "jsonld" in files else None
        counts = graph.write(files.get("turtle"), jsonld, prefixes, base)
        if not merged:
            _add_counts(counts, own)
        report.triples = counts.triples
        # the dataset describes itself, in its own graph, after the data it counts
        page_count = sum(kinds.values())
        described_by = description_quads(iris, counts, {fmt: OUTPUT_FILES[fmt] for fmt in files},
                                         page_count, dict(kinds), sparql_endpoint)
        description = canonical(described_by)
        _write_quads(files, described_by, prefixes)
        report.quads += len(described_by)
        other_graphs.write(description)
        if sink is not None:
            sink(description + _ntriples(described_by))
        triples = [Triple(q.subject, q.predicate, q.object) for q in described_by]
        if "turtle" in files:
            files["turtle"].write(turtle_block(triples, prefixes))
        if jsonld is not None:
            jsonld.write(b",\n".join(jsonld_nodes(triples, base)))
            jsonld.close()
        for f in (*files.values(), other_graphs):
            f.flush()
            os.fsync(f.fileno())
    finally:
        graph.close()
        for f in files.values():
            f.close()
        if other_graphs is not None:
            other_graphs.close()
    report.pages = sum(kinds.values())
    report.kinds = dict(sorted(kinds.items()))
    return manifest


def _add_counts(total: MergedCounts, part) -> None:
    """Add a page's own counts (a dict, as pages give them) or other counts to ``total``."""
    get = part.get if isinstance(part, dict) else (lambda k, d=None: getattr(part, k, d))
    total.triples += get("triples", 0)
    total.subjects += get("subjects", 0)
    total.entities += get("entities", 0)
    total.properties.update(get("properties", {}))
    total.classes.update(get("classes", {}))


def _entry_links(cache_dir: Path | None, result: PageResult) -> Iterator[tuple[str, str, str | None]]:
    """All the links of a page taken from the last manifest that left them to its cache entry,
    read as they are used; a BuildError when the entry cannot give them."""
    way_out = f"the cache entry of page {result.title} cannot be read: build again with --no-cache"
    links = cache.references_in(cache.entry_path(cache_dir, result.cache_key)) if cache_dir and result.cache_key \
        else None
    if links is None:
        raise BuildError(way_out)
    try:
        yield from links
    except (OSError, ValueError, TypeError):
        raise BuildError(way_out) from None


def _reread_links(manifest: Manifest, rows: list[int], cache_dir: Path | None) -> None:
    """Give the rows taken from the last manifest all their links again, from their entries."""
    for index in rows:
        row = manifest.rows[index]
        full = cache.read_references(cache.entry_path(cache_dir, row.cache_key)) if cache_dir else None
        if full is None:
            raise BuildError(f"the cache entry of page {row.title} cannot be read: build again with --no-cache")
        row.references = full


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


def _write_wanted(chunks: Iterator[list[Quad]], files: dict, other_graphs: IO[bytes], merged: MergedGraph,
                  report: BuildReport, prefixes: dict[str, str], spool_dir: Path,
                  sink: Callable[[bytes], None] | None) -> None:
    """The wanted pages' graph: canonical N-Quads (sorted on disk past one chunk) into
    ``other_graphs`` and dataset.nq, TriG a block a chunk, its triples for the merged graph, and
    both to ``sink``."""
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    sorter = None if second is None else LineSorter(spool_dir)
    for quads in chain([first], [] if second is None else [second], chunks):
        triples = _ntriples(quads)
        if sorter is None:
            nquads = canonical(quads)
            other_graphs.write(nquads)
            if "nquads" in files:
                files["nquads"].write(nquads)
        else:
            nquads = serialize(quads, format=RdfFormat.N_QUADS)
            sorter.add(nquads.split(b"\n"))
        if "trig" in files:
            files["trig"].write(trig_block(quads, prefixes))
        if sink is not None:  # a load takes them in any order
            sink(nquads + triples)
        merged.add(triples)
        report.quads += len(quads)
        report.wanted_pages += sum(1 for q in quads if q.predicate == RDF_TYPE and q.object == tk.WantedPage)
    if sorter is not None:
        sorted_lines = SpoolFile(spool_dir, "wanted")
        sorter.write_to(sorted_lines)
        block = sorted_lines.block()
        copy_block(block, other_graphs)
        if "nquads" in files:
            copy_block(block, files["nquads"])
        discard(block)


def _sink_block(sink: Callable[[bytes], None], block: Block) -> None:
    """A page's block to ``sink``, a piece at a time when it is spooled."""
    for piece in block_pieces(block):
        sink(piece)


def _ntriples(quads: list[Quad]) -> bytes:
    return serialize((Triple(q.subject, q.predicate, q.object) for q in quads), format=RdfFormat.N_TRIPLES)


def _write_quads(files: dict, quads: list[Quad], prefixes: dict[str, str]) -> None:
    """Quads of a graph that is not a page's (wanted pages, the description) into the quad files."""
    if "nquads" in files:
        files["nquads"].write(canonical(quads))
    if "trig" in files:
        files["trig"].write(trig_block(quads, prefixes))
