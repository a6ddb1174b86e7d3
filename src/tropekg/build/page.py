"""One page through the build: a page file in, its serialised blocks out.

A page is read, parsed, mapped and serialised by pyoxigraph: its named graph as canonical N-Quads
and TriG, and for the merged graph a Turtle block and compact JSON-LD nodes of the triples only
this page can state. The triples other pages may state too (the type of a linked page, a shortcut
or inverse relation) come back as N-Triples lines for the main process to deduplicate. Never
raises for a bad page: the result carries the error.

A page is mapped and serialised :data:`CHUNK` quads at a time. One that states more (a pathological
page: 200,000 example bullets state 2.6 million quads) has its blocks written to the build's spool
folder as they are made (:mod:`.spool`), its N-Quads sorted on disk, so its memory does not grow
with what it states; its TriG, Turtle and JSON-LD then come in several blocks, which say the same
graph. Every other page gives exactly the bytes it gave before.
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
from tropekg.rdf.jsonld import jsonld_nodes
from tropekg.rdf.mapping import Provenance, map_page, referenced, tk
from tropekg.rdf.namespaces import RDF_TYPE, prefixes_for
from tropekg.readers import PageError, reader_named
from tropekg.titles import Title, parse_title

FORMATS = ("nquads", "trig", "turtle", "jsonld")
# Quads mapped and serialised at a time; a page stating more is spooled to disk.
CHUNK = 20_000


@dataclass(frozen=True)
class BuildConfig:
    """What decides a page's output besides its bytes: handed to every worker when it starts."""

    iris: IriScheme
    formats: tuple[str, ...] = FORMATS
    cache_dir: Path | None = None
    # a digest of ``iris.spellings``: part of every cache key, since a page's IRIs for its links
    # depend on how the linked pages are spelt
    spellings_digest: str = field(default="", compare=False)
    # where the blocks of pages too big to hold go (None: every page is held, however big)
    spool_dir: Path | None = field(default=None, compare=False)

    @classmethod
    def for_build(cls, base: str, spellings: dict[str, str], formats: tuple[str, ...] = FORMATS,
                  cache_dir: Path | None = None, spool_dir: Path | None = None) -> BuildConfig:
        text = "\n".join(f"{k}\t{v}" for k, v in sorted(spellings.items()))
        return cls(IriScheme(base, spellings), formats, cache_dir,
                   hashlib.sha256(text.encode()).hexdigest(), spool_dir)

    @property
    def base(self) -> str:
        return self.iris.base


@dataclass(slots=True)
class PageResult:
    title: str
    kind: str | None = None
    # serialised page: nquads (canonical), trig, turtle and jsonld (merged-graph triples only this
    # page states; jsonld as node objects joined by ",\n"), shared (N-Triples lines others may
    # state); for a spooled page also references (the lines of :func:`reference_lines`), held in
    # a block rather than in ``references``
    blocks: dict[str, Block] = field(default_factory=dict)
    quads: int = 0
    own_triples: int = 0
    examples: int = 0
    warnings: list[dict] = field(default_factory=list)
    references: list[tuple[str, str, str | None]] = field(default_factory=list)
    error: dict | None = None
    cached: bool = False
    cache_key: str | None = None


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


# Predicates another page may state about this page's resource too (its type when it links here,
# the inverse of a relation it states, a shortcut from a work page).
_SHARED_PREDICATES = frozenset(
    p.value for p in (RDF_TYPE, tk.subTropeOf, tk.superTropeOf, tk.exemplifiedBy, tk.avertedIn)
)


def _split(quads: list[Quad], page_subject: NamedNode) -> tuple[list[Triple], list[Triple]]:
    """Triples only this page can state, and those other pages may state as well."""
    own: list[Triple] = []
    shared: list[Triple] = []
    for q in quads:
        t = Triple(q.subject, q.predicate, q.object)
        s = q.subject
        if s == page_subject:
            (shared if q.predicate.value in _SHARED_PREDICATES else own).append(t)
        elif s == q.graph_name or (isinstance(s, NamedNode) and s.value.startswith(page_subject.value + "/")):
            own.append(t)  # the page graph's provenance and the page's own examples
        else:
            shared.append(t)
    return own, shared


class _PageWriter:
    """Serialises a page's quads as they come, a chunk at a time: in memory while the page fits in
    one chunk (the bytes :func:`canonical` and the block functions give), spooled to disk from the
    second chunk on."""

    def __init__(self, result: PageResult, page_subject: NamedNode, config: BuildConfig):
        self.result = result
        self.subject = page_subject
        self.config = config
        self.prefixes = prefixes_for(config.base)
        self.held: list[Quad] | None = None
        self.spools: dict[str, SpoolFile] = {}
        self.sorter: LineSorter | None = None
        self.jsonld_empty = True

    def take(self, quads: list[Quad]) -> None:
        if not self.spools and self.held is None:
            self.held = quads
            return
        if self.config.spool_dir is None:  # nowhere to spool: hold it all (a page outside a build)
            self.held.extend(quads)
            return
        if not self.spools:
            self._start_spooling()
        self._spool(quads)

    def _start_spooling(self) -> None:
        folder = self.config.spool_dir
        names = ["nquads", *[f for f in ("trig", "turtle", "jsonld") if f in self.config.formats], "shared"]
        self.spools = {name: SpoolFile(folder, name) for name in names}
        self.sorter = LineSorter(folder)
        held, self.held = self.held, None
        self._spool(held)

    def _spool(self, quads: list[Quad]) -> None:
        self.result.quads += len(quads)
        self.sorter.add(serialize(quads, format=RdfFormat.N_QUADS).split(b"\n"))
        if "trig" in self.spools:
            self.spools["trig"].write(trig_block(quads, self.prefixes))
        own, shared = _split(quads, self.subject)
        self.result.own_triples += len(own)
        if "turtle" in self.spools:
            self.spools["turtle"].write(turtle_block(own, self.prefixes))
        if "jsonld" in self.spools and own:
            nodes = b",\n".join(jsonld_nodes(own, self.config.base))
            self.spools["jsonld"].write(nodes if self.jsonld_empty else b",\n" + nodes)
            self.jsonld_empty = False
        if shared:
            self.spools["shared"].write(serialize(shared, format=RdfFormat.N_TRIPLES))

    def finish(self, references: Iterable[tuple[Title, str | None]]) -> None:
        result = self.result
        if not self.spools:
            _serialise(result, self.held or [], self.subject, self.config)
            result.quads = len(self.held or [])
            result.references = [(t.key, str(t), cls) for t, cls in references]
            return
        self.sorter.write_to(self.spools["nquads"])
        result.blocks = {name: spool.block() for name, spool in self.spools.items()}
        refs = SpoolFile(self.config.spool_dir, "references")
        batch: list[bytes] = []
        for title, cls in references:
            batch.append(f"{title.key}\t{title}\t{cls or ''}\n".encode())
            if len(batch) >= 10_000:
                refs.write(b"".join(batch))
                batch = []
        refs.write(b"".join(batch))
        result.blocks["references"] = refs.block()


def _serialise(result: PageResult, quads: list[Quad], page_subject: NamedNode, config: BuildConfig) -> None:
    prefixes = prefixes_for(config.base)
    blocks = result.blocks
    blocks["nquads"] = canonical(quads)
    if "trig" in config.formats:
        blocks["trig"] = trig_block(quads, prefixes)
    own, shared = _split(quads, page_subject)
    result.own_triples = len(own)
    if "turtle" in config.formats:
        blocks["turtle"] = turtle_block(own, prefixes)
    if "jsonld" in config.formats:
        blocks["jsonld"] = b",\n".join(jsonld_nodes(own, config.base))
    blocks["shared"] = serialize(shared, format=RdfFormat.N_TRIPLES) if shared else b""


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
        writer = _PageWriter(result, config.iris.resource(page.title), config)
        map_page(page, prov, config.iris, writer.take, CHUNK)
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
    result.warnings = [{"line": w.line, "message": w.message} for w in page.warnings]
    return result
