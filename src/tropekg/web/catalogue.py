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

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Store

from tropekg.titles import (
    CREATOR,
    SUBPAGE,
    TROPE,
    USEFULNOTES,
    WORK,
    Title,
    free_link_name,
    parse_title,
)
from tropekg.titles import namespace as canonical_namespace

TK = "https://w3id.org/tropekg/ontology#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOS_PREF_LABEL = NamedNode(SKOS + "prefLabel")
# Alternative titles: SKOS's alternative label is what the readers of rendered pages ([2/6]) write
# for a page's other names; any other predicate added later belongs in this tuple.
ALT_TITLE_PREDICATES = (NamedNode(SKOS + "altLabel"),)
DESCRIBED_BY = NamedNode(TK + "describedBy")
SUB_TROPE_OF = NamedNode(TK + "subTropeOf")
SUPER_TROPE_OF = NamedNode(TK + "superTropeOf")

SPELLINGS_WAIT = 120  # seconds a look-up waits for the spellings index at start-up

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


class NotReady(Exception):
    """What start-up builds in the background is not there yet; the message says what."""


@dataclass(slots=True)
class Entry:
    """One page resource: described by a page of the corpus, or wanted (linked to, undescribed)."""

    iri: str
    title: Title
    label: str
    kind: str
    alt_titles: list[str] = field(default_factory=list)
    path: str = ""  # ``Main/Foo``: the resource's path under ``/resource/``, spelt as its IRI is

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
        self._spellings = threading.Event()
        for entry in entries:
            self.by_iri[entry.iri] = entry
            self.by_key.setdefault(entry.title.key, entry)

    def index_spellings(self) -> None:
        """Index every page under every spelling of its names. The site runs this in the background
        at start-up (a second on the whole wiki); a look-up by display title waits for it."""
        by_name: dict[str, list[Entry]] = {}
        for entry in self.by_iri.values():
            spellings = {name_key(entry.title.name), name_key(entry.label),
                         *(name_key(alt) for alt in entry.alt_titles)}
            for key in spellings:
                if key:
                    by_name.setdefault(key, []).append(entry)
        for found in by_name.values():
            found.sort(key=_preference)
        self.by_name = by_name
        self._spellings.set()

    def _names(self) -> dict[str, list[Entry]]:
        if not self._spellings.wait(timeout=SPELLINGS_WAIT):
            raise NotReady("the index of page names is still being built; try again in a moment")
        return self.by_name

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
            return [e for e in self._names().get(name_key(name), ()) if e.title.namespace.casefold() == wanted]
        return list(self._names().get(name_key(text), ()))


def _preference(entry: Entry) -> tuple:
    return (not entry.described, entry.kind != KIND_TROPE, entry.title.key)


def pairs(store: Store, predicate: NamedNode, obj: NamedNode | None = None) -> Iterable[tuple[str, str]]:
    """(subject, object) values of one predicate's statements. A two-column SELECT decodes half the
    terms a quad scan would (no predicate, no graph), which is most of the cost on a large store."""
    pattern = f"?s {predicate} {obj if obj is not None else '?o'}"
    for solution in store.query(f"SELECT ?s {'?o' if obj is None else ''} WHERE {{ {pattern} }}",
                                use_default_graph_as_union=True):
        subject = solution[0]
        if isinstance(subject, NamedNode):
            yield subject.value, (solution[1].value if obj is None else "")


def read_catalogue(store: Store, base: str) -> Catalogue:
    """The catalogue of a store: a few scans of single predicates, no per-page look-ups.

    Every page resource has a preferred label (its own page states it, or the wanted-pages graph
    does) and its IRI gives its title, so one label scan finds them all; ``rdfs:label`` is read only
    for a store whose pages carry no ``skos:prefLabel``."""
    prefix = f"{base}resource/"
    labels: dict[str, str] = {}
    for predicate in (SKOS_PREF_LABEL, RDFS_LABEL):
        for iri, label in pairs(store, predicate):
            if iri.startswith(prefix):
                labels.setdefault(iri, label)
        if labels:
            break
    titles: dict[str, Title] = {}
    for iri in labels:
        path = iri[len(prefix):]
        title = parse_title(path) if path.count("/") == 1 else None
        if title is not None:
            titles[iri] = title
    alt: dict[str, list[str]] = {}
    for predicate in ALT_TITLE_PREDICATES:
        for iri, name in pairs(store, predicate):
            if iri in titles and name not in alt.setdefault(iri, []):
                alt[iri].append(name)
    own_kind: dict[str, str] = {}
    for local, kind in _OWN_TYPES.items():
        for iri, _ in pairs(store, RDF_TYPE, NamedNode(TK + local)):
            # a wanted page is wanted whatever the linking pages typed it as
            if own_kind.get(iri) != KIND_WANTED:
                own_kind[iri] = kind
    entries = []
    for iri, title in titles.items():
        kind = own_kind.get(iri) or _KIND_BY_ROLE.get(title.role, KIND_OTHER)
        entries.append(Entry(iri, title, labels[iri], kind, sorted(alt.get(iri, ())), iri[len(prefix):]))
    return Catalogue(entries, base)
