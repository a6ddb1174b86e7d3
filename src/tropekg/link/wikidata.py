"""Linking to Wikidata and DBpedia: Wikidata's items with a TV Tropes identifier in, the linkset
of our graph out.

In: a SPARQL endpoint with Wikidata's data (the Wikidata Query Service by default) and our graph.
Out: the graph ``{base}graph/_/linkset/wikidata`` holding, for each of our pages one item names:
the match (``skos:exactMatch`` for a trope, a SKOS concept like the item; ``owl:sameAs`` for a work
or a creator, the same thing the item is; ``rdfs:seeAlso`` for other pages, an index or a topic,
where the item may be about something a little different), the same link to the DBpedia resource
of the item's English Wikipedia article (``http://dbpedia.org/resource/<title>``, DBpedia's name
for the article's subject), the item's English label, its classes (``wdt:P31``) and, for a work,
its earliest publication date (``wdt:P577``, as Wikidata gives it), and a VoID description of the
linkset. And a :class:`LinkReport`: matched, unmatched pages, identifiers on several items and
items naming several of our pages (neither is linked: an owl:sameAs to two things says they are
one).

The items are asked for in pages of ``page_size``, keyset-paged on the item IRI (stable while
Wikidata changes, unlike OFFSET), each request with a timeout, retried with backoff on busy and
failing answers (Retry-After obeyed), all within an overall deadline, with a User-Agent naming
tropekg and a contact as Wikimedia's policy asks. Answers are untrusted: capped in size, and
every IRI, identifier and title checked before it becomes a term.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx
from pyoxigraph import Literal, NamedNode, QueryResultsFormat, Triple, parse_query_results

from tropekg.rdf.iris import IriScheme
from tropekg.rdf.namespaces import (
    DBR_NS,
    DCTERMS_NS,
    OWL_NS,
    RDF_TYPE,
    RDFS_LABEL,
    RDFS_NS,
    SKOS_NS,
    TK_NS,
    VOID_NS,
    WD_NS,
    WDT_NS,
    XSD_INTEGER,
    XSD_NS,
)
from tropekg.readers.crawl import retry_after_seconds, user_agent
from tropekg.titles import parse_title

WDQS_URL = "https://query.wikidata.org/sparql"
TV_TROPES_ID = "P6839"   # Wikidata's "TV Tropes identifier": Namespace/PageName
INSTANCE_OF = "P31"
PUBLICATION_DATE = "P577"
WIKIDATA = "http://www.wikidata.org/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"  # Wikidata's data licence
ENGLISH_WIKIPEDIA = "https://en.wikipedia.org/"

DEFAULT_PAGE_SIZE = 500
DEFAULT_TIMEOUT = 60.0       # WDQS stops a query after 60 s anyway
DEFAULT_DEADLINE = 1800.0    # the whole run
DEFAULT_RETRIES = 4
MAX_WAIT = 60.0              # the longest wait between tries
MAX_ANSWER_BYTES = 64 * 1024 * 1024
RETRY_STATUS = {429, 500, 502, 503, 504}

SKOS_EXACT_MATCH = NamedNode(SKOS_NS + "exactMatch")
OWL_SAME_AS = NamedNode(OWL_NS + "sameAs")
RDFS_SEE_ALSO = NamedNode(RDFS_NS + "seeAlso")
XSD_DATETIME = NamedNode(XSD_NS + "dateTime")
_ITEM = re.compile(re.escape(WD_NS) + r"Q[1-9][0-9]{0,11}")
_DATE = re.compile(r"(-?[0-9]{4,})-[0-9]{2}-[0-9]{2}T")
# DBpedia writes a title with spaces as underscores and these characters percent-encoded
# (everything else, non-ASCII letters included, as it is: DBpedia's IRIs are IRIs)
_DBPEDIA_ESCAPED = frozenset('"#%<>?[\\]^`{|}')

# Every predicate a linkset states (a test checks each is covered by a SHACL shape).
PREDICATES = ("skos:exactMatch", "owl:sameAs", "rdfs:seeAlso", "rdfs:label", "wdt:P31", "wdt:P577",
              "rdf:type", "void:subjectsTarget", "void:objectsTarget", "void:linkPredicate",
              "void:triples", "dcterms:source", "dcterms:license", "dcterms:description")


class LinkError(Exception):
    """Linking cannot go on: the endpoint is unreachable or refused, an answer is not SPARQL
    results, or the deadline passed. Nothing is written; the message is one line."""


@dataclass
class WikidataItem:
    """What Wikidata says of one item with a TV Tropes identifier."""

    iri: str
    ids: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)  # English Wikipedia article titles

    @property
    def earliest_date(self) -> str | None:
        dated = [(int(m.group(1)), d) for d in self.dates if (m := _DATE.match(d))]
        return min(dated)[1] if dated else None


@dataclass(frozen=True)
class OurPage:
    """A page of our graph as the linker sees it."""

    iri: str
    title: str   # Namespace/PageName
    kind: str    # trope, work, creator or other
    described: bool  # a page in the corpus, not only linked to


@dataclass
class Linkset:
    """What :func:`match` decides: the triples to write and what was left out, and why."""

    triples: list[Triple] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)   # (our page title, item IRI)
    unmatched: list[str] = field(default_factory=list)           # our described pages with no item
    ambiguous_ids: dict[str, list[str]] = field(default_factory=dict)  # title -> items
    shared_items: dict[str, list[str]] = field(default_factory=dict)   # item -> our page titles
    bad_ids: list[str] = field(default_factory=list)             # identifiers that are no title


@dataclass
class LinkReport:
    endpoint: str
    items: int = 0
    linkset: Linkset = field(default_factory=Linkset)
    graph: str = ""
    written: int = 0
    requests: int = 0

    def summary(self, limit: int = 10) -> str:
        ls = self.linkset
        lines = [
            (f"Wikidata items with a TV Tropes identifier: {self.items} (from {self.endpoint}, "
            f"{self.requests} requests)"),
            (f"matched:       {len(ls.links)} of our pages, each linked to its item"
            f" ({sum(1 for t in ls.triples if t.object.value.startswith(DBR_NS))} DBpedia resources too)"),
            f"unmatched:     {len(ls.unmatched)} pages of the corpus no item names",
            (f"ambiguous:     {len(ls.ambiguous_ids)} identifiers on several items, "
            f"{len(ls.shared_items)} items naming several pages (not linked)"),
        ]
        for title, items in sorted(ls.ambiguous_ids.items())[:limit]:
            lines.append(f"  {title}: on {', '.join(i.removeprefix(WD_NS) for i in items)}")
        for item, titles in sorted(ls.shared_items.items())[:limit]:
            lines.append(f"  {item.removeprefix(WD_NS)} names {', '.join(titles)}")
        if ls.bad_ids:
            lines.append(f"ignored:       {len(ls.bad_ids)} identifiers that are no page title "
                         f"(e.g. {ls.bad_ids[0]!r})")
        if ls.unmatched:
            shown = ", ".join(ls.unmatched[:limit]) + (", ..." if len(ls.unmatched) > limit else "")
            lines.append(f"unmatched pages: {shown}")
        lines.append(f"wrote {self.written} triples to {self.graph}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        ls = self.linkset
        return {"endpoint": self.endpoint, "items": self.items, "graph": self.graph,
                "triples": self.written, "links": [{"page": p, "item": i} for p, i in ls.links],
                "unmatched": ls.unmatched, "ambiguousIdentifiers": ls.ambiguous_ids,
                "itemsNamingSeveralPages": ls.shared_items, "ignoredIdentifiers": ls.bad_ids}


# -- the network ---------------------------------------------------------------------------------

_PAGE_QUERY = f"""PREFIX wdt: <{WDT_NS}>
PREFIX rdfs: <{RDFS_NS}>
PREFIX schema: <http://schema.org/>
SELECT ?item ?id ?label ?class ?date ?title WHERE {{
  {{ SELECT DISTINCT ?item WHERE {{
      ?item wdt:{TV_TROPES_ID} ?any .
      FILTER(STR(?item) > %(after)s)
    }} ORDER BY (STR(?item)) LIMIT %(limit)d }}
  ?item wdt:{TV_TROPES_ID} ?id .
  OPTIONAL {{ ?item rdfs:label ?label . FILTER(LANG(?label) = "en") }}
  OPTIONAL {{ ?item wdt:{INSTANCE_OF} ?class }}
  OPTIONAL {{ ?item wdt:{PUBLICATION_DATE} ?date }}
  OPTIONAL {{ ?article schema:about ?item ; schema:isPartOf <{ENGLISH_WIKIPEDIA}> ; schema:name ?title }}
}}"""
_COUNT_QUERY = f"SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{ ?item <{WDT_NS}{TV_TROPES_ID}> ?id }}"


class WikidataClient:
    """Asks a Wikidata SPARQL endpoint for the items with a TV Tropes identifier (see the module
    doc for how politely). ``clock`` and ``sleep`` are passed in so tests can run the retries."""

    def __init__(self, endpoint: str = WDQS_URL, *, contact: str | None = None,
                 page_size: int = DEFAULT_PAGE_SIZE, timeout: float = DEFAULT_TIMEOUT,
                 deadline: float = DEFAULT_DEADLINE, retries: int = DEFAULT_RETRIES,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        parts = httpx.URL(endpoint)
        if parts.scheme not in ("http", "https") or not parts.host:
            raise LinkError(f"{endpoint!r} is not an http(s) URL of a SPARQL endpoint")
        if page_size < 1 or timeout <= 0 or deadline <= 0:
            raise LinkError("page size, timeout and deadline must be positive")
        self.endpoint = endpoint
        self.page_size = page_size
        self.timeout = timeout
        self.retries = retries
        self._clock, self._sleep = clock, sleep
        self._deadline_seconds = deadline
        self._ends: float | None = None
        self.requests = 0
        self._http = httpx.Client(headers={"User-Agent": user_agent(contact),
                                           "Accept": "application/sparql-results+json"},
                                  follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def _left(self) -> float:
        if self._ends is None:
            self._ends = self._clock() + self._deadline_seconds
        return self._ends - self._clock()

    def select(self, query: str) -> list[dict[str, object]]:
        """One SELECT query: its rows as {variable: term}. Retried, within the deadline."""
        where = f"{self.endpoint}"
        for attempt in range(self.retries + 1):
            left = self._left()
            if left <= 0:
                raise LinkError(f"the deadline of {self._deadline_seconds:g} s passed while asking "
                                f"{where}; nothing written (a longer --deadline, or try later)")
            wait = None
            try:
                self.requests += 1
                with self._http.stream("POST", self.endpoint, data={"query": query},
                                       timeout=min(self.timeout, left)) as response:
                    if response.status_code in RETRY_STATUS and attempt < self.retries:
                        wait = retry_after_seconds(response.headers.get("Retry-After"))
                        reason = f"HTTP {response.status_code}"
                    elif response.status_code != 200:
                        raise LinkError(f"{where} answered HTTP {response.status_code}"
                                        f"{_first_line(response)}")
                    else:
                        return _rows(_capped_body(response, where), where)
            except httpx.TransportError as e:
                if attempt == self.retries:
                    raise LinkError(f"{where} unreachable: {type(e).__name__}: {e}") from None
                reason = type(e).__name__
            backoff = min(MAX_WAIT, 2.0 ** attempt if wait is None else wait)
            if backoff > self._left():
                raise LinkError(f"{where} is busy ({reason}) and the deadline comes before the next "
                                "try; nothing written")
            self._sleep(backoff)
        raise AssertionError("unreachable")  # pragma: no cover

    def count(self) -> int | None:
        """How many items have the identifier (for the progress bar); None if not told."""
        rows = self.select(_COUNT_QUERY)
        term = rows[0].get("n") if rows else None
        return int(term.value) if isinstance(term, Literal) and term.value.isdigit() else None

    def items(self, progress: Callable[[int, int], None] | None = None) -> list[WikidataItem]:
        """Every item with a TV Tropes identifier, asked for a page at a time."""
        total = self.count() or 0
        items: dict[str, WikidataItem] = {}
        after = ""
        while True:
            rows = self.select(_PAGE_QUERY % {"after": str(Literal(after)), "limit": self.page_size})
            page: set[str] = set()
            for row in rows:
                item = row.get("item")
                if not isinstance(item, NamedNode) or not _ITEM.fullmatch(item.value):
                    continue
                page.add(item.value)
                _collect(items.setdefault(item.value, WikidataItem(item.value)), row)
            if not page:
                break
            # the next page starts after the last item of this one, as the endpoint orders them
            after = max(page)
            if progress is not None:
                progress(len(items), max(total, len(items)))
            if len(page) < self.page_size:
                break
        return [items[k] for k in sorted(items)]


def _collect(item: WikidataItem, row: dict) -> None:
    ident, label, cls, date, title = (row.get(k) for k in ("id", "label", "class", "date", "title"))
    if isinstance(ident, Literal):
        item.ids.add(ident.value)
    if isinstance(label, Literal) and label.language == "en":
        item.labels.add(label.value)
    if isinstance(cls, NamedNode) and _ITEM.fullmatch(cls.value):
        item.classes.add(cls.value)
    if isinstance(date, Literal) and date.datatype == XSD_DATETIME and _DATE.match(date.value):
        item.dates.add(date.value)
    if isinstance(title, Literal) and title.value.strip():
        item.articles.add(title.value.strip())


def _capped_body(response: httpx.Response, where: str) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise LinkError(f"{where}: an answer over {MAX_ANSWER_BYTES // 2**20} MB; refused")
        chunks.append(chunk)
    return b"".join(chunks)


def _first_line(response: httpx.Response) -> str:
    try:
        text = response.read()[:300].decode("utf-8", "replace").strip()
    except httpx.HTTPError:
        return ""
    return f": {text.splitlines()[0]}" if text else ""


def _rows(body: bytes, where: str) -> list[dict[str, object]]:
    try:
        solutions = parse_query_results(body, format=QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as e:
        raise LinkError(f"{where}: the answer is not SPARQL JSON results ({e})") from None
    variables = [v.value for v in solutions.variables]
    return [{v: s[v] for v in variables if s[v] is not None} for s in solutions]


# -- our pages, and matching ---------------------------------------------------------------------

_OUR_PAGES = f"""PREFIX tk: <{TK_NS}>
SELECT ?page ?name (SAMPLE(?graph) AS ?described) (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types)
WHERE {{
  ?page tk:wikiName ?name .
  OPTIONAL {{ ?page a ?type }}
  OPTIONAL {{ ?page tk:describedBy ?graph }}
}}
GROUP BY ?page ?name"""
_KINDS = (("Trope", "trope"), ("Work", "work"), ("Creator", "creator"))


def our_pages(graph) -> list[OurPage]:
    """Every page our graph names (described, or only linked to), with its kind."""
    pages = []
    for page, name, described, types in graph.run(_OUR_PAGES).rows:
        if not isinstance(page, NamedNode) or not isinstance(name, Literal):
            continue
        typed = set(types.value.split()) if isinstance(types, Literal) else set()
        kind = next((k for cls, k in _KINDS if TK_NS + cls in typed), "other")
        pages.append(OurPage(page.value, name.value, kind, described is not None))
    return sorted(pages, key=lambda p: p.iri)


def dbpedia_resource(title: str) -> str | None:
    """DBpedia's resource for an English Wikipedia article title; None if it makes no IRI."""
    title = title.strip().replace(" ", "_")
    if not title or any(ord(c) < 0x21 or 0x7F <= ord(c) < 0xA0 for c in title):
        return None
    encoded = "".join("".join(f"%{b:02X}" for b in c.encode()) if c in _DBPEDIA_ESCAPED else c
                      for c in title)
    try:
        return NamedNode(DBR_NS + encoded).value
    except ValueError:
        return None


def _predicate(kind: str) -> NamedNode:
    return {"trope": SKOS_EXACT_MATCH, "work": OWL_SAME_AS, "creator": OWL_SAME_AS}.get(kind, RDFS_SEE_ALSO)


def match(pages: Iterable[OurPage], items: Iterable[WikidataItem]) -> Linkset:
    """Our pages and Wikidata's items in, the link triples and the report out (no I/O)."""
    pages = list(pages)
    by_key: dict[str, OurPage] = {}
    for p in pages:
        title = parse_title(p.title)
        if title is not None:
            by_key.setdefault(title.key, p)
    found = Linkset()
    holders: dict[str, set[str]] = defaultdict(set)  # title key -> items holding it
    items_by_iri = {}
    for item in items:
        items_by_iri[item.iri] = item
        for ident in item.ids:
            title = parse_title(ident)
            if title is None:
                found.bad_ids.append(ident)
                continue
            holders[title.key].add(item.iri)
    found.bad_ids.sort()
    candidates: dict[str, list[OurPage]] = defaultdict(list)  # item -> our pages it names
    for key, iris in holders.items():
        page = by_key.get(key)
        if page is None:
            continue
        if len(iris) > 1:
            found.ambiguous_ids[page.title] = sorted(iris)
            continue
        candidates[next(iter(iris))].append(page)
    linked: set[str] = set()
    for item_iri in sorted(candidates):
        named = candidates[item_iri]
        if len(named) > 1:
            found.shared_items[item_iri] = sorted(p.title for p in named)
            continue
        page, item = named[0], items_by_iri[item_iri]
        linked.add(page.iri)
        found.links.append((page.title, item_iri))
        found.triples.extend(_link_triples(page, item))
    found.links.sort()
    named_ambiguously = set(found.ambiguous_ids) | {t for ts in found.shared_items.values() for t in ts}
    found.unmatched = sorted(p.title for p in pages if p.described and p.iri not in linked
                             and p.title not in named_ambiguously)
    return found


def _link_triples(page: OurPage, item: WikidataItem) -> list[Triple]:
    s, q, pred = NamedNode(page.iri), NamedNode(item.iri), _predicate(page.kind)
    out = [Triple(s, pred, q)]
    for title in sorted(item.articles)[:1]:
        dbpedia = dbpedia_resource(title)
        if dbpedia is not None:
            out.append(Triple(s, pred, NamedNode(dbpedia)))
    for label in sorted(item.labels)[:1]:
        out.append(Triple(q, RDFS_LABEL, Literal(label, language="en")))
    for cls in sorted(item.classes):
        out.append(Triple(q, NamedNode(WDT_NS + INSTANCE_OF), NamedNode(cls)))
    date = item.earliest_date if page.kind == "work" else None
    if date is not None:
        try:
            out.append(Triple(q, NamedNode(WDT_NS + PUBLICATION_DATE), Literal(date, datatype=XSD_DATETIME)))
        except ValueError:
            pass  # not a date pyoxigraph can read: leave it out
    return out


def _linkset_description(graph: NamedNode, iris: IriScheme, linkset: Linkset, endpoint: str) -> list[Triple]:
    def t(p: str, o) -> Triple:
        return Triple(graph, NamedNode(p), o)

    links = [x for x in linkset.triples if x.predicate in (SKOS_EXACT_MATCH, OWL_SAME_AS, RDFS_SEE_ALSO)]
    out = [
        Triple(graph, RDF_TYPE, NamedNode(VOID_NS + "Linkset")),
        t(VOID_NS + "subjectsTarget", iris.dataset),
        t(VOID_NS + "objectsTarget", NamedNode(WIKIDATA)),
        t(VOID_NS + "triples", Literal(str(len(links)), datatype=XSD_INTEGER)),
        t(DCTERMS_NS + "license", NamedNode(CC0)),
        t(DCTERMS_NS + "description", Literal(
            "Links from our pages to the Wikidata items whose TV Tropes identifier (P6839) names them, "
            "and to the DBpedia resources of the items' English Wikipedia articles, with the items' "
            "English labels, classes (P31) and, for works, publication dates (P577). Wikidata's "
            "data is CC0.", language="en")),
    ]
    try:
        out.append(t(DCTERMS_NS + "source", NamedNode(_without_credentials(endpoint))))
    except ValueError:
        pass
    for pred in sorted({x.predicate.value for x in links}):
        out.append(t(VOID_NS + "linkPredicate", NamedNode(pred)))
    return out


def _without_credentials(url: str) -> str:
    return str(httpx.URL(url).copy_with(username=None, password=None))


def link_wikidata(graph, client: WikidataClient, *,
                  progress: Callable[[int, int], None] | None = None) -> LinkReport:
    """Ask Wikidata, match, and replace our graph's Wikidata linkset with the result."""
    iris = IriScheme(graph.base)
    pages = our_pages(graph)
    items = client.items(progress)
    linkset = match(pages, items)
    name = iris.linkset_graph("wikidata")
    triples = linkset.triples + _linkset_description(name, iris, linkset, client.endpoint)
    written = graph.replace_graph(name, triples)
    return LinkReport(endpoint=_without_credentials(client.endpoint), items=len(items), linkset=linkset,
                      graph=name.value, written=written, requests=client.requests)
