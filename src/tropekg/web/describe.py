"""What a resource's page shows: the store, the catalogue and a resource IRI in, plain data for the
templates out (no markup here: templates hold the markup and escape every value).

Each kind of page reads what it needs with index look-ups only (the resource's own statements,
the examples naming it, each example's own statements), so a page costs the same on the whole
wiki as on ten pages, in proportion to what it shows. A trope's examples come from
its own page and from every work page that names it, each with its page and source line, nested
under its parent example, grouped by the folder it sits in (or the medium of the work, for examples
on work pages). Statements repeated by several page graphs are shown once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Store

from tropekg.analysis.reader import RELATIONS
from tropekg.rdf.namespaces import prefixes_for
from tropekg.titles import CREATOR, TROPE, USEFULNOTES, WORK, parse_title, spaced
from tropekg.web.catalogue import (
    DESCRIBED_BY,
    KIND_CREATOR,
    KIND_INDEX,
    KIND_TROPE,
    KIND_WANTED,
    KIND_WORK,
    RDF_TYPE,
    SKOS,
    TK,
    Catalogue,
    Entry,
)
from tropekg.web.hierarchy import TropeHierarchy

FOAF_PRIMARY_TOPIC_OF = "http://xmlns.com/foaf/0.1/isPrimaryTopicOf"
SAME_AS = ("http://www.w3.org/2002/07/owl#sameAs", SKOS + "exactMatch", SKOS + "closeMatch")
# Other datasets the site names when a resource is linked to them ([3/6] writes these links).
KNOWN_DATASETS = (("http://www.wikidata.org/entity/", "Wikidata"), ("https://www.wikidata.org/entity/", "Wikidata"),
                  ("http://dbpedia.org/resource/", "DBpedia"), ("https://dbpedia.org/resource/", "DBpedia"))
EXAMPLES_PER_PAGE = 400
MAX_VALUES_SHOWN = 60  # values of one property in the statements table
MAX_LINKED_FROM = 200
RELATION_INVERSE_NAMES = {
    "seeAlso": "said to see also by", "compareWith": "compared with by", "contrastWith": "contrasted with by",
    "notToBeConfusedWith": "not to be confused with, say", "sisterTropeOf": "sister trope of, say",
}

# The example properties the pages show, by local name.
_TK_TROPE, _TK_WORK, _TK_ON_PAGE = NamedNode(TK + "trope"), NamedNode(TK + "work"), NamedNode(TK + "onPage")
_TK_PARENT = NamedNode(TK + "parentExample")


@dataclass(frozen=True, slots=True)
class Link:
    """A link to a resource: its site path (None when it is not ours), label and kind."""

    iri: str
    label: str
    path: str | None = None
    kind: str | None = None
    described: bool = True


@dataclass(slots=True)
class ExampleView:
    iri: str
    anchor: str
    page: Link
    line: int | None
    trope: Link | None
    work: Link | None
    mode: str
    mode_label: str
    mode_stated: bool
    spoiler: bool
    text: str
    folder: str | None
    depth: int
    parent: str | None
    parent_path: str | None = None  # the parent example's site path
    children: list[ExampleView] = field(default_factory=list)


@dataclass(slots=True)
class ExampleGroup:
    heading: str
    examples: list[ExampleView]  # top-level examples, each with its nested ones
    count: int = 0


@dataclass(slots=True)
class Statement:
    predicate: str  # compact (tk:subTropeOf)
    predicate_iri: str
    values: list[Link | str]
    more: int = 0


@dataclass(slots=True)
class PageView:
    """Everything a resource page shows."""

    entry: Entry
    description: str = ""
    quote: str = ""
    quote_attribution: str = ""
    wiki_url: str | None = None
    same_as: list[tuple[str, str, str]] = field(default_factory=list)  # (dataset, label, url)
    source_path: str | None = None
    graph_iri: str | None = None
    types: list[str] = field(default_factory=list)
    breadcrumbs: list[list[Link]] = field(default_factory=list)
    breadcrumbs_complete: bool = True
    super_tropes: list[Link] = field(default_factory=list)
    sub_tropes: list[Link] = field(default_factory=list)
    related: list[tuple[str, list[Link]]] = field(default_factory=list)
    example_groups: list[ExampleGroup] = field(default_factory=list)
    example_count: int = 0
    example_page: int = 1
    example_pages: int = 1
    by_mode: list[tuple[str, list[ExampleView]]] = field(default_factory=list)
    mode_counts: list[tuple[str, int]] = field(default_factory=list)  # over every page of examples
    creators: list[Link] = field(default_factory=list)
    works: list[Link] = field(default_factory=list)
    lists: list[tuple[str, list[Link]]] = field(default_factory=list)
    listed_in: list[Link] = field(default_factory=list)
    linked_from: list[tuple[str, Link, ExampleView | None]] = field(default_factory=list)
    linked_from_more: bool = False
    statements: list[Statement] = field(default_factory=list)


class Describer:
    """Reads page views from a store with the site's catalogue and hierarchy."""

    def __init__(self, store: Store, catalogue: Catalogue, hierarchy: TropeHierarchy):
        self.store = store
        self.catalogue = catalogue
        self.hierarchy = hierarchy
        self.prefixes = sorted(prefixes_for(catalogue.base).items(), key=lambda kv: -len(kv[1]))

    # -- small pieces ------------------------------------------------------------------------------
    def link(self, iri: str) -> Link:
        entry = self.catalogue.get(iri)
        if entry is not None:
            return Link(iri, entry.label, entry.path, entry.kind, entry.described)
        path = self.catalogue.path_of(iri)
        if path is not None:
            title = parse_title(path) if path.count("/") == 1 else None
            return Link(iri, title.label if title else path, path, None, False)
        return Link(iri, iri)

    def compact(self, iri: str) -> str:
        for prefix, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def _links(self, iris) -> list[Link]:
        links = [self.link(i) for i in dict.fromkeys(iris)]
        links.sort(key=lambda link: (link.label.casefold(), link.iri))
        return links

    def outgoing(self, iri: str) -> dict[str, list]:
        """Predicate IRI -> distinct objects, as the union of the page graphs states them."""
        out: dict[str, list] = defaultdict(list)
        seen = set()
        for quad in self.store.quads_for_pattern(NamedNode(iri), None, None):
            key = (quad.predicate.value, quad.object)
            if key not in seen:
                seen.add(key)
                out[quad.predicate.value].append(quad.object)
        return out

    def _statements(self, props: dict[str, list]) -> list[Statement]:
        rows = []
        for predicate in sorted(props, key=self.compact):
            values: list[Link | str] = []
            objects = props[predicate]
            for obj in objects[:MAX_VALUES_SHOWN]:
                if isinstance(obj, NamedNode):
                    values.append(self.link(obj.value) if self.catalogue.path_of(obj.value) is not None
                                  else Link(obj.value, self.compact(obj.value)))
                elif isinstance(obj, BlankNode):
                    values.append(f"_:{obj.value}")
                else:
                    values.append(obj.value)
            rows.append(Statement(self.compact(predicate), predicate, values,
                                  max(0, len(objects) - MAX_VALUES_SHOWN)))
        return rows

    # -- examples --------------------------------------------------------------------------------
    def _example_iris(self, predicate: NamedNode, subject: str) -> list[NamedNode]:
        """The examples whose ``predicate`` is ``subject`` (one index look-up, in store order)."""
        return list(dict.fromkeys(q.subject for q in self.store.quads_for_pattern(None, predicate, NamedNode(subject))
                                  if isinstance(q.subject, NamedNode)))

    def _examples(self, iris: list[NamedNode]) -> list[ExampleView]:
        """Each example read with one look-up of its own statements (no join, no scan), sorted by
        the page it is on and its line. SPARQL with an OPTIONAL per property was tried: on the whole
        wiki it evaluates the optional parts over every example, seconds per page."""
        out = []
        for e in iris:
            props: dict[str, object] = {}
            for quad in self.store.quads_for_pattern(e, None, None):
                props.setdefault(quad.predicate.value.removeprefix(TK), quad.object)
            page = props.get("onPage")
            if page is None:
                continue  # not an example of ours
            parent = props.get("parentExample")
            mode = props["mode"].value.removeprefix(TK) if "mode" in props else "Straight"
            out.append(ExampleView(
                iri=e.value, anchor="ex-" + e.value.rsplit("/", 1)[-1], page=self.link(page.value),
                line=_int(props.get("sourceLine")),
                trope=self.link(props["trope"].value) if "trope" in props else None,
                work=self.link(props["work"].value) if "work" in props else None, mode=mode,
                mode_label=spaced(mode), mode_stated=_bool(props.get("modeStated")),
                spoiler=_bool(props.get("hasSpoiler")), text=props["text"].value if "text" in props else "",
                folder=props["folder"].value if "folder" in props else None,
                depth=_int(props.get("depth")) or 0, parent=parent.value if parent is not None else None,
                parent_path=self.catalogue.path_of(parent.value) if parent is not None else None,
            ))
        return sorted(out, key=lambda x: (x.page.label.casefold(), x.page.iri, x.line or 0))

    @staticmethod
    def _nest(examples: list[ExampleView]) -> list[ExampleView]:
        """Top-level examples with their nested ones as children, in source order."""
        by_iri = {x.iri: x for x in examples}
        top = []
        for x in examples:
            x.children = []
        for x in examples:
            parent = by_iri.get(x.parent) if x.parent else None
            if parent is not None and parent is not x:
                parent.children.append(x)
            else:
                top.append(x)
        return top

    def _group_examples(self, view: PageView, examples: list[ExampleView], home: str,
                        page_number: int) -> None:
        """Examples grouped by folder on the resource's own page, by the work's medium elsewhere;
        paged by top-level example so nested ones stay with their parent."""
        top = self._nest(examples)
        view.example_count = len(examples)
        pages = max(1, -(-len(top) // EXAMPLES_PER_PAGE))
        page_number = min(max(1, page_number), pages)
        view.example_page, view.example_pages = page_number, pages
        shown = top[(page_number - 1) * EXAMPLES_PER_PAGE: page_number * EXAMPLES_PER_PAGE]
        groups: dict[str, list[ExampleView]] = {}
        for x in shown:
            if x.page.iri == home:
                heading = x.folder or "On this page"
            else:
                medium = x.work.path.split("/", 1)[0] if x.work and x.work.path else "Other pages"
                heading = f"{medium} (from {_kind_plural(x.page.kind)})" if x.page.kind else medium
            groups.setdefault(heading, []).append(x)
        own = [h for h in groups if any(x.page.iri == home for x in groups[h])]
        others = sorted((h for h in groups if h not in own), key=str.casefold)
        view.example_groups = [ExampleGroup(h, groups[h], _count_all(groups[h])) for h in own + others]

    # -- the page of a resource ------------------------------------------------------------------
    def page(self, entry: Entry, example_page: int = 1) -> PageView:
        iri = entry.iri
        props = self.outgoing(iri)
        view = PageView(entry)
        view.description = _first_text(props.get(SKOS + "definition"))
        view.quote = _first_text(props.get(TK + "quote"))
        view.quote_attribution = _first_text(props.get(TK + "quoteAttribution"))
        wiki = [o.value for o in props.get(FOAF_PRIMARY_TOPIC_OF, []) if o.value.startswith("https://tvtropes.org/")]
        view.wiki_url = wiki[0] if wiki else entry.title.url()
        view.types = sorted({self.compact(t.value) for t in props.get(RDF_TYPE.value, [])})
        for predicate in SAME_AS:
            for obj in props.get(predicate, []):
                if isinstance(obj, NamedNode):
                    for prefix, dataset in KNOWN_DATASETS:
                        if obj.value.startswith(prefix):
                            view.same_as.append((dataset, obj.value[len(prefix):].replace("_", " "), obj.value))
        graphs = props.get(DESCRIBED_BY.value)
        if graphs:
            view.graph_iri = graphs[0].value
            for quad in self.store.quads_for_pattern(graphs[0], NamedNode(TK + "sourcePath"), None):
                view.source_path = quad.object.value
                break
        view.statements = self._statements(props)
        if entry.kind == KIND_TROPE or entry.iri in self.hierarchy:
            self._trope_parts(view, props)
        if entry.kind == KIND_TROPE:
            self._group_examples(view, self._examples(self._example_iris(_TK_TROPE, iri)), iri, example_page)
        elif entry.kind in (KIND_WORK, KIND_CREATOR):
            self._work_parts(view, props, example_page)
        elif entry.kind == KIND_INDEX:
            self._index_parts(view, props)
        if entry.kind == KIND_WANTED:
            self._wanted_parts(view)
        elif entry.kind not in (KIND_TROPE, KIND_WORK, KIND_CREATOR):
            examples = self._examples(self._example_iris(_TK_ON_PAGE, iri))
            if examples:
                self._group_examples(view, examples, iri, example_page)
        view.listed_in = self._links(q.subject.value for q in self.store.quads_for_pattern(
            None, NamedNode(TK + "lists"), NamedNode(iri)))
        return view

    def _trope_parts(self, view: PageView, props: dict[str, list]) -> None:
        iri = view.entry.iri
        paths = self.hierarchy.paths_to(iri)
        view.breadcrumbs = [[self.link(n) for n in path] for path in paths.paths if len(path) > 1]
        view.breadcrumbs_complete = paths.complete
        view.super_tropes = [self.link(n) for n in self.hierarchy.parents_of(iri)]
        view.sub_tropes = [self.link(n) for n in self.hierarchy.children_of(iri)]
        for local, name in RELATIONS.items():
            targets = [o.value for o in props.get(TK + local, []) if isinstance(o, NamedNode) and o.value != iri]
            if targets:
                view.related.append((name, self._links(targets)))
        for local, name in RELATION_INVERSE_NAMES.items():
            stated = {o.value for o in props.get(TK + local, []) if isinstance(o, NamedNode)}
            sources = [q.subject.value for q in self.store.quads_for_pattern(None, NamedNode(TK + local), NamedNode(iri))
                       if q.subject.value != iri and q.subject.value not in stated]
            if sources:
                view.related.append((name, self._links(sources)))

    def _work_parts(self, view: PageView, props: dict[str, list], example_page: int) -> None:
        iri = view.entry.iri
        iris = self._example_iris(_TK_WORK, iri)
        if view.entry.kind == KIND_CREATOR:  # a creator page's own bullets too
            iris = list(dict.fromkeys([*iris, *self._example_iris(_TK_ON_PAGE, iri)]))
        examples = self._examples(iris)
        counts: dict[str, int] = defaultdict(int)
        for x in examples:
            counts[x.mode_label] += 1
        order = sorted(counts, key=lambda m: (m != "Straight", -counts[m], m))
        rank = {m: i for i, m in enumerate(order)}
        examples.sort(key=lambda x: (rank[x.mode_label], x.trope.label.casefold() if x.trope else "",
                                     x.page.label.casefold(), x.line or 0))
        pages = max(1, -(-len(examples) // EXAMPLES_PER_PAGE))
        example_page = min(max(1, example_page), pages)
        view.example_page, view.example_pages, view.example_count = example_page, pages, len(examples)
        by_mode: dict[str, list[ExampleView]] = {}
        for x in examples[(example_page - 1) * EXAMPLES_PER_PAGE: example_page * EXAMPLES_PER_PAGE]:
            by_mode.setdefault(x.mode_label, []).append(x)
        view.by_mode = [(m, xs) for m, xs in by_mode.items()]
        view.mode_counts = [(m, counts[m]) for m in order]
        creators = [o.value for o in props.get(TK + "creator", []) if isinstance(o, NamedNode)]
        creators += [q.subject.value for q in self.store.quads_for_pattern(None, NamedNode(TK + "creatorOf"), NamedNode(iri))]
        view.creators = self._links(creators)
        works = [o.value for o in props.get(TK + "creatorOf", []) if isinstance(o, NamedNode)]
        works += [q.subject.value for q in self.store.quads_for_pattern(None, NamedNode(TK + "creator"), NamedNode(iri))]
        view.works = self._links(works)

    def _index_parts(self, view: PageView, props: dict[str, list]) -> None:
        listed = self._links(o.value for o in props.get(TK + "lists", []) if isinstance(o, NamedNode))
        by_role: dict[str, list[Link]] = defaultdict(list)
        for link in listed:
            title = parse_title(link.path) if link.path and link.path.count("/") == 1 else None
            by_role[_LISTED_HEADINGS.get(title.role if title else "", "Other pages")].append(link)
        order = list(_LISTED_HEADINGS.values())
        view.lists = sorted(by_role.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))

    def _wanted_parts(self, view: PageView) -> None:
        """Who links to a page that no page describes: the examples and pages naming it."""
        iri = NamedNode(view.entry.iri)
        out: list[tuple[str, Link, ExampleView | None]] = []
        seen = set()
        for quad in self.store.quads_for_pattern(None, None, iri):
            if len(out) >= MAX_LINKED_FROM:
                view.linked_from_more = True
                break
            subject, predicate = quad.subject.value, quad.predicate.value
            if (subject, predicate) in seen or isinstance(quad.subject, BlankNode):
                continue
            seen.add((subject, predicate))
            example = None
            if "/example/" in (self.catalogue.path_of(subject) or ""):
                found = self._examples([NamedNode(subject)])
                example = found[0] if found else None
            out.append((self.compact(predicate), self.link(subject), example))
        view.linked_from = out

    def example(self, iri: str) -> ExampleView | None:
        found = self._examples([NamedNode(iri)])
        if not found:
            return None
        x = found[0]
        x.children = self._examples(self._example_iris(_TK_PARENT, iri))
        return x


_LISTED_HEADINGS = {TROPE: "Tropes", WORK: "Works", CREATOR: "Creators", USEFULNOTES: "Useful notes"}


def _first_text(values) -> str:
    if not values:
        return ""
    english = [v for v in values if isinstance(v, Literal) and v.language in (None, "en")]
    return (english or values)[0].value


def _int(term) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except ValueError:
        return None


def _bool(term) -> bool:
    return term is not None and term.value in ("true", "1")


def _count_all(examples: list[ExampleView]) -> int:
    return sum(1 + _count_all(x.children) for x in examples)


def _kind_plural(kind: str | None) -> str:
    return {KIND_TROPE: "trope pages", KIND_WORK: "work pages", KIND_CREATOR: "creator pages",
            KIND_INDEX: "index pages", KIND_WANTED: "wanted pages"}.get(kind or "", "other pages")
