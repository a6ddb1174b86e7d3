"""One page through the build: a page file in, its serialised blocks out.

A page is read, parsed, mapped and serialised by pyoxigraph: its named graph as canonical N-Quads
and TriG, and its triples as N-Triples lines for the merged graph, which the main process writes
(:mod:`.merged`: each triple once, grouped by subject). Never raises for a bad page: the result
carries the error.

A page is mapped :data:`CHUNK` quads at a time. One that states more than :data:`HOLD` (a
pathological page: 200,000 example bullets state 2.6 million quads) has its blocks written to the
build's spool folder a chunk at a time as they are made (:mod:`.spool`), its N-Quads sorted on
disk, so its memory does not grow with what it states; its TriG then comes in several blocks,
which say the same graph. Every other page is serialised whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, serialize

from tropekg.build.discover import SourceFile
from tropekg.build.spool import Block, LineSorter, SpoolFile, block_lines
from tropekg.markup.parse import parse_bytes
from tropekg.rdf.iris import IriScheme
from tropekg.rdf.mapping import Provenance, map_page, referenced
from tropekg.rdf.namespaces import RDF_TYPE, prefixes_for
from tropekg.readers import PageError, reader_named
from tropekg.titles import Title, parse_title

FORMATS = ("nquads", "trig", "turtle", "jsonld")
# Quads mapped at a time, and serialised at a time once a page is spooled. What a chunk holds (its
# quads, their serialisations, the mapper's set of what it stated) is most of the peak memory of
# building a page of 200,000 link bullets: 20,000 at a time took about 15 times the page's size,
# 5,000 about 11 times.
CHUNK = 5_000
# A page stating up to this many quads is held and serialised whole (its TriG one block); one
# stating more is spooled to disk, a chunk at a time.
HOLD = 20_000


@dataclass(frozen=True)
class BuildConfig:
    """What decides a page's output besides its bytes: handed to every worker when it starts."""

    iris: IriScheme
    formats: tuple[str, ...] = FORMATS
    cache_dir: Path | None = None
    # whether pages found in the cache are taken from it (False: every page is built again, and
    # the cache entries, which are also the build's page parts, are written anew)
    reuse: bool = field(default=True, compare=False)
    # False: no merged files, the dataset stays in page parts (the blocks a page gives differ)
    merged: bool = True
    # every triple as N-Triples too (the "triples" block), for a store loaded alongside the build:
    # its merged default graph is loaded with the page graphs
    all_triples: bool = False
    # a digest of ``iris.spellings``: part of every cache key, since a page's IRIs for its links
    # depend on how the linked pages are spelt
    spellings_digest: str = field(default="", compare=False)
    # where the blocks of pages too big to hold go (None: every page is held, however big)
    spool_dir: Path | None = field(default=None, compare=False)

    @classmethod
    def for_build(cls, base: str, spellings: dict[str, str], formats: tuple[str, ...] = FORMATS,
                  cache_dir: Path | None = None, spool_dir: Path | None = None, reuse: bool = True,
                  merged: bool = True, all_triples: bool = False) -> BuildConfig:
        text = "\n".join(f"{k}\t{v}" for k, v in sorted(spellings.items()))
        return cls(IriScheme(base, spellings), formats, cache_dir, reuse, merged, all_triples,
                   hashlib.sha256(text.encode()).hexdigest(), spool_dir)

    @property
    def base(self) -> str:
        return self.iris.base


@dataclass(slots=True)
class PageResult:
    title: str
    kind: str | None = None
    # serialised page: nquads (canonical), trig, and triples (N-Triples, for the merged graph); for
    # a spooled page also references (the lines of its references), held in a block rather than in
    # ``references``
    blocks: dict[str, Block] = field(default_factory=dict)
    quads: int = 0
    examples: int = 0
    warnings: list[dict] = field(default_factory=list)
    references: list[tuple[str, str, str | None]] = field(default_factory=list)
    error: dict | None = None
    cached: bool = False
    cache_key: str | None = None
    # where its N-Quads block sits in its cache entry (offset, length), once the entry is written
    nquads_span: tuple[int, int] | None = None
    # taken from the last build's manifest: ``references`` then holds only the links to pages the
    # build does not describe or that failed then
    from_manifest: bool = False
    # without merged files: what the triples only this page states add to the merged graph's
    # counts (see _counts_of), and where its shared triples sit in its cache entry
    own_counts: dict = field(default_factory=dict)
    shared_span: tuple[int, int] | None = None


def canonical(quads: list[Quad]) -> bytes:
    """Canonical N-Quads of one graph: one quad a line, lines sorted."""
    text = serialize(quads, format=RdfFormat.N_QUADS)
    lines = text.split(b"\n")
    lines = sorted(line for line in lines if line)
    return b"\n".join(lines) + b"\n" if lines else b""


def _without_prefixes(text: bytes) -> bytes:
    """A Turtle/TriG block without its prefix lines (written once at the top of the file)."""
    return b"\n".join(ln for ln in text.split(b"\n") if ln and not ln.startswith(b"@prefix")) + b"\n"


def trig_block(quads: list[Quad], prefixes: dict[str, str]) -> bytes:
    return _without_prefixes(serialize(quads, format=RdfFormat.TRIG, prefixes=prefixes))


def turtle_block(triples: list[Triple], prefixes: dict[str, str]) -> bytes:
    if not triples:
        return b""
    return _without_prefixes(serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes))


def _serialise(result: PageResult, quads: list[Quad], page_subject: NamedNode, config: BuildConfig) -> None:
    blocks = result.blocks
    blocks["nquads"] = canonical(quads)
    if "trig" in config.formats:
        blocks["trig"] = trig_block(quads, prefixes_for(config.base))
    if config.merged:
        # for the merged graph, which the main process writes each triple once, grouped by subject,
        # and counts for the dataset's description (so whatever the formats)
        blocks["triples"] = serialize((Triple(q.subject, q.predicate, q.object) for q in quads),
                                      format=RdfFormat.N_TRIPLES)
        return
    # Without merged files only the description's counts need the merged graph: the triples only
    # this page can state are counted here, and the main process makes distinct only the others.
    own, shared = _split(quads, page_subject)
    result.own_counts = _counts_of(own, config.base)
    blocks["shared"] = serialize(shared, format=RdfFormat.N_TRIPLES) if shared else b""
    if config.all_triples:
        blocks["triples"] = serialize((Triple(q.subject, q.predicate, q.object) for q in quads),
                                      format=RdfFormat.N_TRIPLES)


def _split(quads: list[Quad], page_subject: NamedNode) -> tuple[list[Triple], list[Triple]]:
    """Triples only this page can state (about its page graph and its examples), and those other
    pages may state as well: everything said of a page's resource is shared, since pages state
    things of each other (a creator page names the creator of a work, a work page the tropes the
    work exemplifies, a page the type of what it links to)."""
    own: list[Triple] = []
    shared: list[Triple] = []
    below = page_subject.value + "/"
    for q in quads:
        t = Triple(q.subject, q.predicate, q.object)
        s = q.subject
        if s == q.graph_name or (isinstance(s, NamedNode) and s.value.startswith(below)):
            own.append(t)
        else:
            shared.append(t)
    return own, shared


def _counts_of(own: list[Triple], base: str) -> dict:
    """What a page's own triples add to the merged graph's counts (:class:`~.merged.MergedCounts`).
    Their subjects (the page graph, the examples) are no other page's."""
    resource = f"{base}resource/"
    subjects = {t.subject.value for t in own}
    counts = {"triples": 0, "subjects": len(subjects),
              "entities": sum(1 for v in subjects if v.startswith(resource)), "properties": {}, "classes": {}}
    _add_predicates(counts, own)
    return counts


def _add_predicates(counts: dict, own: list[Triple]) -> None:
    """Add own triples to a page's counts: how many, and of each property and class."""
    properties, classes = counts["properties"], counts["classes"]
    counts["triples"] += len(own)
    for t in own:
        properties[t.predicate.value] = properties.get(t.predicate.value, 0) + 1
        if t.predicate == RDF_TYPE and isinstance(t.object, NamedNode):
            classes[t.object.value] = classes.get(t.object.value, 0) + 1


class _PageWriter:
    """Serialises a page's quads as they come, a chunk at a time: in memory while the page states
    at most :data:`HOLD` quads (the bytes :func:`_serialise` gives), spooled to disk past that. A
    later chunk may repeat a quad of an earlier one (see :func:`map_page`): a held page holds it
    once, the sorted N-Quads too, and so does the merged graph; a spooled page's TriG blocks may
    say it twice.

    Without merged files a spooled page gives the blocks a held one does (its shared triples, its
    own counts): its own triples are counted from its N-Quads once they are sorted and made
    distinct (each subject's lines are then together), so a repeat is counted once and nothing
    grows with the page; its shared triples may repeat, as the main process makes them distinct."""

    def __init__(self, result: PageResult, config: BuildConfig, page_subject: NamedNode):
        self.result = result
        self.config = config
        self.page_subject = page_subject
        self.prefixes = prefixes_for(config.base)
        self.held: list[Quad] | dict[Quad, None] | None = None
        self.spools: dict[str, SpoolFile] = {}
        self.sorter: LineSorter | None = None

    def take(self, quads: list[Quad]) -> None:
        if self.spools:
            self._spool(quads)
            return
        if self.held is None:
            self.held = quads
            return
        # a later chunk may repeat a quad of an earlier one: held once, so the page is held
        # while it states at most HOLD different quads
        if not isinstance(self.held, dict):
            self.held = dict.fromkeys(self.held)
        self.held.update(dict.fromkeys(quads))
        # nowhere to spool: hold it all (a page outside a build)
        if len(self.held) > HOLD and self.config.spool_dir is not None:
            self._start_spooling()

    def _start_spooling(self) -> None:
        folder = self.config.spool_dir
        config = self.config
        names = ["nquads", *(["trig"] if "trig" in config.formats else []),
                 *(["triples"] if config.merged or config.all_triples else []),
                 *([] if config.merged else ["shared"])]
        self.spools = {name: SpoolFile(folder, name) for name in names}
        self.sorter = LineSorter(folder)
        if not config.merged:
            self.result.own_counts = {"triples": 0, "subjects": 0, "entities": 0, "properties": {},
                                      "classes": {}}
        held, self.held = list(self.held), None
        for start in range(0, len(held), CHUNK):  # serialised a chunk at a time, as what comes next
            self._spool(held[start:start + CHUNK])

    def _spool(self, quads: list[Quad]) -> None:
        self.sorter.add(serialize(quads, format=RdfFormat.N_QUADS).split(b"\n"))
        if "trig" in self.spools:
            self.spools["trig"].write(trig_block(quads, self.prefixes))
        if "triples" in self.spools:
            self.spools["triples"].write(serialize((Triple(q.subject, q.predicate, q.object) for q in quads),
                                                   format=RdfFormat.N_TRIPLES))
        if "shared" in self.spools:
            _own, shared = _split(quads, self.page_subject)  # own ones counted once sorted (finish)
            if shared:
                self.spools["shared"].write(serialize(shared, format=RdfFormat.N_TRIPLES))

    def finish(self, references: Iterable[tuple[Title, str | None]]) -> None:
        result = self.result
        if not self.spools:
            held = list(self.held or [])  # each quad once (see take)
            _serialise(result, held, self.page_subject, self.config)
            result.quads = len(held)
            result.references = [(t.key, str(t), cls) for t, cls in references]
            return
        self.sorter.write_to(self.spools["nquads"])
        result.quads = self.sorter.written
        result.blocks = {name: spool.block() for name, spool in self.spools.items()}
        if "shared" in self.spools:
            _count_own(result.own_counts, result.blocks["nquads"], self.page_subject, self.config.base)
        refs = SpoolFile(self.config.spool_dir, "references")
        batch: list[bytes] = []
        for title, cls in references:
            batch.append(f"{title.key}\t{title}\t{cls or ''}\n".encode())
            if len(batch) >= 10_000:
                refs.write(b"".join(batch))
                batch = []
        refs.write(b"".join(batch))
        result.blocks["references"] = refs.block()


def _count_own(counts: dict, nquads: Block, page_subject: NamedNode, base: str) -> None:
    """A spooled page's own triples counted from its sorted, distinct N-Quads (as
    :func:`_counts_of` counts a held page's): a line is ``S P O G .``, where S, P and G are IRIs
    (no spaces) and O may hold spaces, so it is split from both ends."""
    own_prefix = f"<{page_subject.value}/".encode()
    resource = f"<{base}resource/".encode()
    rdf_type = f"<{RDF_TYPE.value}>".encode()
    properties, classes = counts["properties"], counts["classes"]
    last = None
    for line in block_lines(nquads):
        subject, predicate, rest = line.split(b" ", 2)
        obj, graph = rest[:-2].rsplit(b" ", 1)  # rest is "O G ."
        if not (subject == graph or subject.startswith(own_prefix)):
            continue
        if subject != last:
            last = subject
            counts["subjects"] += 1
            counts["entities"] += subject.startswith(resource)
        counts["triples"] += 1
        key = predicate[1:-1].decode()
        properties[key] = properties.get(key, 0) + 1
        if predicate == rdf_type and obj.startswith(b"<"):
            value = obj[1:-1].decode()
            classes[value] = classes.get(value, 0) + 1


def references_of(result: PageResult) -> Iterator[tuple[str, str, str | None]]:
    """The pages a page links to in a typed position (title key, spelling, class), from its result
    (read back from its block when it was spooled)."""
    block = result.blocks.get("references")
    if block is None:
        yield from result.references
        return
    for line in block_lines(block):
        key, spelling, cls = line.decode("utf-8").split("\t")
        yield key, spelling, cls or None


def page_bytes(src: SourceFile) -> bytes:
    """A page's bytes as its reader gives them (decompressed, a web archive's record body); a
    :class:`PageError` naming the file."""
    return reader_named(src.reader).read(src.path, src.offset)


def build_page(src: SourceFile, data: bytes, config: BuildConfig) -> PageResult:
    """Parse, map and serialise one page's bytes. Never raises for a bad page or a mapping bug:
    the result carries the error."""
    result = PageResult(title=str(src.title))
    try:
        page = parse_bytes(data, src.where, src.title, path=src.path, reader=reader_named(src.reader),
                           form=src.form)
        page.add_aliases([t for t in map(parse_title, src.aliases) if t is not None])
        prov = Provenance(source_path=src.relative, sha256=hashlib.sha256(data).hexdigest())
        writer = _PageWriter(result, config, config.iris.resource(page.title))
        cuts = map_page(page, prov, config.iris, writer.take, CHUNK)
        writer.finish(referenced(page))
    except PageError as e:
        result.error = {"path": src.where, "line": e.line, "reason": e.message}
        return result
    except Exception as e:  # noqa: BLE001 - a bug in tropekg, not a bad page: record it, build the rest
        result.error = {"path": src.where, "line": None,
                        "reason": f"tropekg could not map this page (please report): {type(e).__name__}: {e}"}
        return result
    result.kind = page.kind
    result.examples = len(page.examples)
    result.warnings = [{"line": w.line, "message": w.message} for w in page.warnings] + cuts
    return result
