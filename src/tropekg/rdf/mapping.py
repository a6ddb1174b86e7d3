"""The page model to RDF: one page in, the quads of its named graph out.

Each page becomes its own named graph ``{base}graph/{Namespace}/{PageName}`` holding what the page
states and the graph's provenance (source path, sha256 of the source, the tvtropes.org URL, the
tropekg version). Nothing time-dependent goes in, so the same pages give the same quads. The mapping
is a set of small extractors, one per aspect of a page; :data:`EXTRACTORS` lists which run, and each
declares the predicates it emits (a test checks every one is declared in the ontology).

What the ontology promises is written out, so no reasoner is needed to read it: every trope is
``skos:inScheme`` the trope scheme, a sub-trope relation is also ``skos:broader`` /
``skos:narrower`` (what SKOS tools read), and each declared inverse (``tk:exemplifies``,
``tk:averts``, ``tk:creator`` / ``tk:creatorOf``) is stated with the property.

Terms come from the closed namespace :class:`tropekg.rdf.vocab.TK` (generated from the ontology), so a
misspelt term fails at import time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Quad

from tropekg import __version__
from tropekg.model import CREATOR, INDEX, TROPE, WORK, Example, Page
from tropekg.rdf.iris import IriScheme
from tropekg.rdf.namespaces import (
    FOAF_IS_PRIMARY_TOPIC_OF,
    FOAF_PRIMARY_TOPIC,
    PROV_ENTITY,
    PROV_WAS_DERIVED_FROM,
    RDF_TYPE,
    RDFS_LABEL,
    SKOS_ALT_LABEL,
    SKOS_BROADER,
    SKOS_DEFINITION,
    SKOS_IN_SCHEME,
    SKOS_NARROWER,
    SKOS_PREF_LABEL,
    XSD_BOOLEAN,
    XSD_INTEGER,
)
from tropekg.rdf.vocab import TK
from tropekg.titles import CREATOR as ROLE_CREATOR
from tropekg.titles import TROPE as ROLE_TROPE
from tropekg.titles import USEFULNOTES as ROLE_USEFULNOTES
from tropekg.titles import WORK as ROLE_WORK
from tropekg.titles import Title

TRUE = Literal("true", datatype=XSD_BOOLEAN)
FALSE = Literal("false", datatype=XSD_BOOLEAN)


class _Terms:
    """The ontology's terms as pyoxigraph nodes, looked up once through the closed namespace."""

    def __getattr__(self, name: str) -> NamedNode:
        node = NamedNode(str(getattr(TK, name)))
        setattr(self, name, node)
        return node


tk = _Terms()

# The SKOS relation each hierarchy property specialises, stated with it for SKOS tools.
SKOS_OF: dict[str, NamedNode] = {"subTropeOf": SKOS_BROADER, "superTropeOf": SKOS_NARROWER}

# Relation keys of the page model -> the property stated, and the inverse stated with it.
RELATION_PROPERTIES: dict[str, tuple[str, str | None]] = {
    "subTropeOf": ("subTropeOf", "superTropeOf"),
    "superTropeOf": ("superTropeOf", "subTropeOf"),
    "seeAlso": ("seeAlso", None),
    "compare": ("compareWith", None),
    "contrast": ("contrastWith", None),
    "notToBeConfusedWith": ("notToBeConfusedWith", None),
    "sisterTrope": ("sisterTropeOf", None),
}

# The class of a page that is linked to, by its namespace's role (a described page's kind decides).
ROLE_CLASS: dict[str, str] = {
    ROLE_TROPE: "Trope",
    ROLE_CREATOR: "Creator",
    ROLE_USEFULNOTES: "UsefulNotesTopic",
}
KIND_CLASS: dict[str, str] = {TROPE: "Trope", CREATOR: "Creator", INDEX: "TropeIndex"}


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a page graph came from; all of it is a function of the source, never of the clock."""

    source_path: str
    sha256: str


@dataclass(slots=True)
class _Context:
    page: Page
    iris: IriScheme
    subject: NamedNode
    graph: NamedNode
    out: list[Quad] = field(default_factory=list)
    seen: set = field(default_factory=set)
    # with ``emit``, quads are handed over ``chunk`` at a time as they are made, so a page stating
    # millions of them is never held whole; nor is ``seen``, which starts again with each chunk
    # (held whole, it took more memory per link than the page's model), so a statement repeated
    # across chunks is handed over again and the receiver drops the repeat (the build sorts them)
    emit: Callable[[list[Quad]], None] | None = None
    chunk: int = 0
    cuts: list[dict] = field(default_factory=list)  # texts cut to LITERAL_LIMIT: line, message

    def text(self, value: str, line: int | None, what: str) -> str:
        """``value``, cut to :data:`LITERAL_LIMIT` characters (the cut noted) when longer."""
        if len(value) <= LITERAL_LIMIT:
            return value
        self.cuts.append({"line": line, "message": f"the {what} ({len(value):,} characters) is cut to its first "
                                                   f"{LITERAL_LIMIT:,} in the graph: RDF stores read no longer text"})
        return value[:LITERAL_LIMIT] + " [...]"

    def add(self, s, p, o) -> None:
        key = (s, p, o)
        if key not in self.seen:
            self.seen.add(key)
            self._append(Quad(s, p, o, self.graph))

    def add_own(self, seen: set, s, p, o) -> None:
        """A statement about a resource only this statement's caller makes (an example): checked
        against ``seen``, the caller's own set, not the page's, so the page's set does not grow
        with every example."""
        key = (p, o)
        if key not in seen:
            seen.add(key)
            self._append(Quad(s, p, o, self.graph))

    def _append(self, quad: Quad) -> None:
        self.out.append(quad)
        if self.emit is not None and len(self.out) >= self.chunk:
            self.emit(self.out)
            self.out = []
            self.seen = set()

    def typed(self, title: Title, cls: str | None) -> NamedNode:
        """The resource of a linked page, typed from how it was linked (a trope in the trope
        scheme too, as the ontology says every trope is)."""
        node = self.iris.resource(title)
        if cls is not None and title != self.page.title:
            self.add(node, RDF_TYPE, getattr(tk, cls))
            if cls == "Trope":
                self.add(node, SKOS_IN_SCHEME, tk.TropeScheme)
        return node


def linked_class(title: Title) -> str | None:
    """The class a page gets from its namespace alone (``Film/X`` -> Film, ``Main/X`` -> Trope)."""
    if title.role == ROLE_WORK:
        return title.work_class
    return ROLE_CLASS.get(title.role)


# Text longer than this is cut in the graph, and the page warns of it: Oxigraph's parser (the store's
# loader) refuses a literal over 16 MB, and no wiki page says that much in one paragraph, only a
# pathological one (an example bullet of 30 MB).
LITERAL_LIMIT = 1_000_000


def _text(value: str) -> Literal:
    return Literal(value, language="en")


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


def naming(title: Title, label: str | None = None) -> list[tuple[NamedNode, Literal | NamedNode]]:
    """How a page is named: its labels (its display title when known, else its name spaced out),
    wiki name, namespace and tvtropes.org page. Said of every page, described or only linked to
    (the build's wanted pages), in this one place."""
    label = _text(label or title.label)
    return [
        (RDFS_LABEL, label),
        (SKOS_PREF_LABEL, label),
        (tk.wikiName, Literal(str(title))),
        (tk.namespace, Literal(title.namespace)),
        (FOAF_IS_PRIMARY_TOPIC_OF, NamedNode(title.url())),
    ]


# -- extractors: each maps one aspect of the page ------------------------------------------------

def page_identity(ctx: _Context) -> None:
    page, s = ctx.page, ctx.subject
    title = page.title
    if page.kind == WORK:
        ctx.add(s, RDF_TYPE, tk.Work)
        if title.work_class:
            ctx.add(s, RDF_TYPE, getattr(tk, title.work_class))
    elif page.kind in KIND_CLASS:
        ctx.add(s, RDF_TYPE, getattr(tk, KIND_CLASS[page.kind]))
    elif title.role == ROLE_USEFULNOTES:
        ctx.add(s, RDF_TYPE, tk.UsefulNotesTopic)
    else:
        ctx.add(s, RDF_TYPE, tk.OtherPage)
    if page.kind == TROPE:
        ctx.add(s, SKOS_IN_SCHEME, tk.TropeScheme)
    for p, o in naming(title, page.label):
        ctx.add(s, p, o)
    for alt in page.alt_titles:
        ctx.add(s, SKOS_ALT_LABEL, _text(alt))
    for alias in page.aliases:
        ctx.add(s, tk.alternativeWikiName, Literal(str(alias)))
    ctx.add(s, tk.describedBy, ctx.graph)


page_identity.predicates = ("rdf:type", "skos:inScheme", "rdfs:label", "skos:prefLabel", "skos:altLabel",  # type: ignore[attr-defined]
                            "tk:wikiName", "tk:alternativeWikiName", "tk:namespace", "foaf:isPrimaryTopicOf", "tk:describedBy")


def description(ctx: _Context) -> None:
    page, s = ctx.page, ctx.subject
    if page.description:
        ctx.add(s, SKOS_DEFINITION, _text(ctx.text(page.description, None, "description")))
    if page.quote:
        ctx.add(s, tk.quote, _text(ctx.text(page.quote, None, "quote")))
    if page.quote_attribution:
        ctx.add(s, tk.quoteAttribution, _text(ctx.text(page.quote_attribution, None, "quote's attribution")))
    if page.quote_source is not None:
        ctx.add(s, tk.quoteSource, ctx.typed(page.quote_source, linked_class(page.quote_source)))
    for title in page.mentions:
        ctx.add(s, tk.mentions, ctx.typed(title, None))


description.predicates = (  # type: ignore[attr-defined]
    "skos:definition", "tk:quote", "tk:quoteAttribution", "tk:quoteSource", "tk:mentions", "rdf:type",
    "skos:inScheme",
)  # type: ignore[attr-defined]


def relations(ctx: _Context) -> None:
    s = ctx.subject
    for key, targets in ctx.page.relations.items():
        prop, inverse = RELATION_PROPERTIES[key]
        for title in targets:
            o = ctx.typed(title, "Trope")
            _relate(ctx, s, prop, o)
            if inverse is not None:
                _relate(ctx, o, inverse, s)


def _relate(ctx: _Context, s: NamedNode, prop: str, o: NamedNode) -> None:
    ctx.add(s, getattr(tk, prop), o)
    if prop in SKOS_OF:
        ctx.add(s, SKOS_OF[prop], o)


relations.predicates = tuple(  # type: ignore[attr-defined]
    sorted({f"tk:{p}" for p, _ in RELATION_PROPERTIES.values()}
           | {f"tk:{i}" for _, i in RELATION_PROPERTIES.values() if i}
           | {"skos:broader", "skos:narrower", "skos:inScheme", "rdf:type"})
)


def index_lists(ctx: _Context) -> None:
    for title in ctx.page.lists:
        listed = ctx.typed(title, linked_class(title))
        if title.role == ROLE_WORK:
            ctx.add(listed, RDF_TYPE, tk.Work)  # a medium class alone would not say it is a work
        ctx.add(ctx.subject, tk.lists, listed)


index_lists.predicates = ("tk:lists", "rdf:type", "skos:inScheme")  # type: ignore[attr-defined]


def creators(ctx: _Context) -> None:
    s = ctx.subject
    for title in ctx.page.creators:
        creator = ctx.typed(title, "Creator")
        ctx.add(s, tk.creator, creator)
        ctx.add(creator, tk.creatorOf, s)
    for title in ctx.page.works:
        work = ctx.typed(title, title.work_class)
        ctx.add(work, RDF_TYPE, tk.Work)
        ctx.add(s, tk.creatorOf, work)
        ctx.add(work, tk.creator, s)


creators.predicates = ("tk:creator", "tk:creatorOf", "rdf:type")  # type: ignore[attr-defined]


def example_key(page: Title, ex: Example, occurrence: int) -> str:
    """A stable key for an example: a hash of what it says, not of where it sits among others, so
    adding or removing other examples leaves its IRI unchanged."""
    basis = "\x1f".join((page.key, ex.trope.key if ex.trope else "", ex.work.key if ex.work else "",
                         ex.text, str(occurrence)))
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def _said(ex: Example) -> int:
    """What an example says (its trope, work and text), as a 64-bit digest: two examples that say
    the same have the same; two that do not have the same one time in 2^64."""
    basis = "\x1f".join((ex.trope.key if ex.trope else "", ex.work.key if ex.work else "", ex.text))
    return int.from_bytes(hashlib.blake2b(basis.encode("utf-8"), digest_size=8).digest(), "big")


def examples(ctx: _Context) -> None:
    page = ctx.page
    # The examples that may enclose the next one (depth, line, node). An example's parent is the
    # nearest one before it at a smaller depth: found by depth, not by line alone, since a
    # rendered page can hold a whole list, parents and children, on one line.
    enclosing: list[tuple[int, int, NamedNode]] = []
    # how many earlier examples say the same (trope, work, text), by a digest of those: held for
    # every example of the page, the texts themselves would take more memory than the page
    occurrences: dict[int, int] = {}
    for ex in page.examples:
        if ex.trope is None:
            continue
        n = occurrences.get(ident := _said(ex), 0)
        occurrences[ident] = n + 1
        e = ctx.iris.example(page.title, example_key(page.title, ex, n))
        while enclosing and enclosing[-1][0] >= ex.depth:
            enclosing.pop()
        parent = enclosing[-1][2] if ex.parent is not None and enclosing and enclosing[-1][1] == ex.parent else None
        enclosing.append((ex.depth, ex.line, e))
        trope = ctx.typed(ex.trope, "Trope")
        # the example's IRI is its own (its key hashes what it says and its occurrence): what is
        # said of it is said here only
        own: set = set()
        ctx.add_own(own, e, RDF_TYPE, tk.Example)
        ctx.add_own(own, e, tk.trope, trope)
        ctx.add_own(own, e, tk.mode, getattr(tk, ex.mode))
        ctx.add_own(own, e, tk.modeStated, TRUE if ex.mode_stated else FALSE)
        ctx.add_own(own, e, tk.hasSpoiler, TRUE if ex.spoiler else FALSE)
        ctx.add_own(own, e, tk.sourceLine, _integer(ex.line))
        ctx.add_own(own, e, tk.depth, _integer(ex.depth))
        ctx.add_own(own, e, tk.onPage, ctx.subject)
        if ex.text:
            ctx.add_own(own, e, tk.text, _text(ctx.text(ex.text, ex.line, "example's text")))
        if ex.folder:
            ctx.add_own(own, e, tk.folder, Literal(ctx.text(ex.folder, ex.line, "example's folder title")))
        if parent is not None:
            ctx.add_own(own, e, tk.parentExample, parent)
        for title in ex.mentions:
            ctx.add_own(own, e, tk.mentions, ctx.iris.resource(title))
        if ex.work is not None:
            # a work is typed by its medium, never by its namespace's role: ''DeathMerchant'' (a
            # Main/ page used as a work) is a tk:Work, not a tk:Trope
            work = ctx.typed(ex.work, ex.work.work_class)
            if ex.work != page.title:
                ctx.add(work, RDF_TYPE, tk.Work)
            ctx.add_own(own, e, tk.work, work)
            averted = ex.mode == "Averted"
            ctx.add(trope, tk.avertedIn if averted else tk.exemplifiedBy, work)
            ctx.add(work, tk.averts if averted else tk.exemplifies, trope)


examples.predicates = (  # type: ignore[attr-defined]
    "rdf:type", "tk:trope", "tk:mode", "tk:modeStated", "tk:hasSpoiler", "tk:sourceLine", "tk:depth",
    "tk:onPage", "tk:text", "tk:folder", "tk:parentExample", "tk:mentions", "tk:work",
    "tk:avertedIn", "tk:exemplifiedBy", "tk:averts", "tk:exemplifies", "skos:inScheme",
)


def provenance(ctx: _Context, prov: Provenance) -> None:
    g, page = ctx.graph, ctx.page
    ctx.add(g, RDF_TYPE, tk.PageGraph)
    ctx.add(g, RDF_TYPE, PROV_ENTITY)
    ctx.add(g, PROV_WAS_DERIVED_FROM, NamedNode(page.title.url()))
    ctx.add(g, FOAF_PRIMARY_TOPIC, ctx.subject)
    ctx.add(g, tk.sourcePath, Literal(prov.source_path))
    ctx.add(g, tk.sourceSha256, Literal(prov.sha256))
    ctx.add(g, tk.tropekgVersion, Literal(__version__))


provenance.predicates = ("rdf:type", "prov:wasDerivedFrom", "foaf:primaryTopic", "tk:sourcePath",  # type: ignore[attr-defined]
                         "tk:sourceSha256", "tk:tropekgVersion")

# Which extractors run, in order. Provenance always runs last.
EXTRACTORS: tuple[Callable[[_Context], None], ...] = (
    page_identity, description, relations, index_lists, creators, examples,
)


def page_quads(page: Page, prov: Provenance, iris: IriScheme | None = None) -> list[Quad]:
    """All quads of one page's named graph, in a deterministic order."""
    quads: list[Quad] = []
    map_page(page, prov, iris, quads.extend)
    return quads


def map_page(page: Page, prov: Provenance, iris: IriScheme | None, emit: Callable[[list[Quad]], None],
             chunk: int = 0) -> list[dict]:
    """The quads of :func:`page_quads`, in the same order, handed to ``emit`` a list at a time:
    ``chunk`` quads (the last list fewer), or all at once when ``chunk`` is 0. A list holds no
    repeats, but a quad of one list may come again in a later one (repeats are dropped within a
    chunk, so memory does not grow with the page): a receiver of several lists drops them. Returns
    the texts cut to :data:`LITERAL_LIMIT` (``line``, ``message``), as warnings for the page."""
    iris = iris or IriScheme()
    ctx = _Context(page, iris, iris.resource(page.title), iris.graph(page.title),
                   emit=emit if chunk else None, chunk=chunk)
    for extractor in EXTRACTORS:
        extractor(ctx)
    provenance(ctx, prov)
    if ctx.out:
        emit(ctx.out)
    return ctx.cuts


def emitted_predicates() -> set[str]:
    """Every predicate (as a prefixed name) the mapper can emit: for the ontology coverage test."""
    preds: set[str] = set()
    for extractor in (*EXTRACTORS, provenance):
        preds.update(extractor.predicates)  # type: ignore[attr-defined]
    return preds


def referenced(page: Page) -> Iterable[tuple[Title, str | None]]:
    """Pages this page links to in a typed position, with the class it gives them: the build
    uses this to describe the pages no page in the corpus describes."""
    for targets in page.relations.values():
        for t in targets:
            yield t, "Trope"
    for ex in page.examples:
        if ex.trope is not None:
            yield ex.trope, "Trope"
        if ex.work is not None:
            yield ex.work, ex.work.work_class or "Work"
    for t in page.creators:
        yield t, "Creator"
    for t in page.works:
        yield t, t.work_class or "Work"
    for t in page.lists:
        yield t, linked_class(t)
    for t in page.mentions:
        yield t, linked_class(t)
    if page.quote_source is not None:
        yield page.quote_source, linked_class(page.quote_source)
    for ex in page.examples:
        for t in ex.mentions:
            yield t, linked_class(t)
