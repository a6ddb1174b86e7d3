"""The site's catalogue of pages: the store in, every page resource's title, label, kind and the
spellings that reach it out, read once when the site starts.

Pages link to resources by title, search needs every label, and the hierarchy needs every
sub-trope edge; reading those per request would scan the store each time. They come from a few
index scans of single predicates (``tk:wikiName``, ``rdfs:label``, ...), each stated once per page
rather than once per linking page, so the catalogue of the whole wiki loads in seconds. Kinds come
from the namespace's role (data, in ``titles``) and the few types only a page's own graph states
(index, other, wanted), never from ``rdf:type tk:Trope``, which every linking page repeats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Store

from ..titles import (
    CREATOR,
    SUBPAGE,
    TROPE,
    USEFULNOTES,
    WORK,
    Title,
    free_link_name,
    parse_title,
    spaced,
)
from ..titles import namespace as canonical_namespace

TK = "https://w3id.org/tropekg/ontology#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOS_PREF_LABEL = NamedNode(SKOS + "prefLabel")
# Alternative titles: SKOS's alternative label is what the readers of rendered pages ([2/6]) write
# for a page's other names; any other predicate added later belongs in this tuple.
ALT_TITLE_PREDICATES = (NamedNode(SKOS + "altLabel"),)
WIKI_NAME = NamedNode(TK + "wikiName")
DESCRIBED_BY = NamedNode(TK + "describedBy")
SUB_TROPE_OF = NamedNode(TK + "subTropeOf")
SUPER_TROPE_OF = NamedNode(TK + "superTropeOf")

# The kinds of page the site shows, each with its own page template.
KIND_TROPE, KIND_WORK, KIND_CREATOR, KIND_INDEX = "trope", "work", "creator", "index"
KIND_USEFULNOTES, KIND_OTHER, KIND_WANTED = "usefulnotes", "other", "wanted"
KIND_NAMES = {
    KIND_TROPE: "Trope", KIND_WORK: "Work", KIND_CREATOR: "Creator", KIND_INDEX: "Index",
    KIND_USEFULNOTES: "Useful notes", KIND_OTHER: "Page", KIND_WANTED: "Wanted page",
}
_KIND_BY_ROLE = {TROPE: KIND_TROPE, WORK: KIND_WORK, CREATOR: KIND_CREATOR,
                 USEFULNOTES: KIND_USEFULNOTES, SUBPAGE: KIND_OTHER}
# Types that only a page's own graph (or the wanted graph) states, so scanning them is cheap.
_OWN_TYPES = {"TropeIndex": KIND_INDEX, "OtherPage": KIND_OTHER, "WantedPage": KIND_WANTED}


@dataclass(slots=True)
class Entry:
    """One page resource: described by a page of the corpus, or wanted (linked to, undescribed)."""

    iri: str
    title: Title
    label: str
    kind: str
    alt_titles: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        """``Main/Foo``: the resource's path under ``/resource/`` and its wiki name."""
        return str(self.title)

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def described(self) -> bool:
        return self.kind != KIND_WANTED


def name_key(text: str) -> str:
    """One key for every spelling of a page name: ``Would Not Shoot a Good Guy``,
    ``WouldNotShootAGoodGuy`` and ``wouldnotshootagoodguy`` all give ``wouldnotshootagoodguy``."""
    return free_link_name(text).casefold()


class Catalogue:
    """Every page resource of the store by IRI, and lookups from any spelling of a name."""

    def __init__(self, entries: Iterable[Entry], base: str):
        self.base = base
        self.resource_prefix = f"{base}resource/"
        self.by_iri: dict[str, Entry] = {}
        self.by_key: dict[str, Entry] = {}          # Title.key -> entry
        self.by_name: dict[str, list[Entry]] = {}   # name_key of name, label, alt title -> entries
        for entry in entries:
            self.by_iri[entry.iri] = entry
            self.by_key.setdefault(entry.title.key, entry)
            spellings = {name_key(entry.title.name), name_key(entry.label),
                         *(name_key(alt) for alt in entry.alt_titles)}
            for key in spellings:
                if key:
                    self.by_name.setdefault(key, []).append(entry)
        for found in self.by_name.values():
            found.sort(key=_preference)

    def __len__(self) -> int:
        return len(self.by_iri)

    def get(self, iri: str) -> Entry | None:
        return self.by_iri.get(iri)

    def path_of(self, iri: str) -> str | None:
        """The site path (``Main/Foo``, ``Main/Foo/example/abc``) of a resource IRI under the base."""
        if iri.startswith(self.resource_prefix):
            return iri[len(self.resource_prefix):]
        return None

    def label(self, iri: str) -> str:
        entry = self.by_iri.get(iri)
        if entry is not None:
            return entry.label
        path = self.path_of(iri)
        title = parse_title(path) if path and path.count("/") == 1 else None
        return title.label if title is not None else iri

    def resolve(self, text: str) -> list[Entry]:
        """The pages a spelling names, best first: a title (``Film/TheDarkKnight``, ``film.thedarkknight``)
        names one page; a bare name or display title (``would not shoot a good guy``) names every
        page with that name, tropes and described pages first."""
        text = text.strip()
        if not text or len(text) > 300:
            return []
        title = parse_title(text) if ("/" in text or "." in text) else None
        if title is not None:
            entry = self.by_key.get(title.key)
            if entry is not None:
                return [entry]
        namespace, slash, name = text.partition("/")
        if slash and namespace.isalnum():  # Main/Would Not Shoot a Good Guy: a display title in a namespace
            wanted = canonical_namespace(namespace).name.casefold()
            return [e for e in self.by_name.get(name_key(name), ()) if e.title.namespace.casefold() == wanted]
        return list(self.by_name.get(name_key(text), ()))


def _preference(entry: Entry) -> tuple:
    return (not entry.described, entry.kind != KIND_TROPE, entry.title.key)


def _subjects_with(store: Store, predicate: NamedNode, obj=None) -> Iterable:
    return store.quads_for_pattern(None, predicate, obj)


def read_catalogue(store: Store, base: str) -> Catalogue:
    """The catalogue of a store: a few scans of single predicates, no per-page lookups."""
    prefix = f"{base}resource/"
    titles: dict[str, Title] = {}
    for quad in _subjects_with(store, WIKI_NAME):
        iri = quad.subject.value
        if isinstance(quad.subject, NamedNode) and iri.startswith(prefix) and iri not in titles:
            title = parse_title(quad.object.value)
            if title is not None:
                titles[iri] = title
    labels: dict[str, str] = {}
    for predicate in (SKOS_PREF_LABEL, RDFS_LABEL):  # the preferred label wins
        for quad in _subjects_with(store, predicate):
            if quad.subject.value in titles:
                labels.setdefault(quad.subject.value, quad.object.value)
    alt: dict[str, list[str]] = {}
    for predicate in ALT_TITLE_PREDICATES:
        for quad in _subjects_with(store, predicate):
            if quad.subject.value in titles:
                names = alt.setdefault(quad.subject.value, [])
                if quad.object.value not in names:
                    names.append(quad.object.value)
    own_kind: dict[str, str] = {}
    for local, kind in _OWN_TYPES.items():
        for quad in _subjects_with(store, RDF_TYPE, NamedNode(TK + local)):
            # a wanted page is wanted whatever the linking pages typed it as
            if own_kind.get(quad.subject.value) != KIND_WANTED:
                own_kind[quad.subject.value] = kind
    entries = []
    for iri, title in titles.items():
        kind = own_kind.get(iri) or _KIND_BY_ROLE.get(title.role, KIND_OTHER)
        entries.append(Entry(iri, title, labels.get(iri) or spaced(title.name), kind,
                             sorted(alt.get(iri, ()))))
    return Catalogue(entries, base)
