"""Any SPARQL 1.1 endpoint: queries and updates through the SPARQL protocol, loads through the
Graph Store Protocol.

In: the endpoint's three URLs (query, update, graph store: products name them differently) and
credentials from ``TROPEKG_ENDPOINT_USER`` / ``TROPEKG_ENDPOINT_PASSWORD``. Out: the same result
types as the embedded store. Parameters are bound with ``BIND`` of escaped terms at the top of
every group graph pattern (:func:`tropekg.query.binding.bound_query_text`; the embedded store binds
the same way with ``VALUES``, or with pyoxigraph's substitutions, the same rows), never pasted into
the query; a value spelling a ``\\u`` escape is refused. Requests are POSTs, each with one total
deadline (``timeout``, retries included), retried with backoff on connection errors and 5xx
answers; no redirect is followed, and answers are untrusted: an error body is cut and cleaned, an
HTML page or broken JSON where results belong is an error saying what came back
(:mod:`tropekg.store.endpoint_http`). Only http(s) URLs are taken. Credentials go only to the
endpoint's own origins, as the answer to a Basic or Digest challenge
(:mod:`tropekg.store.endpoint_auth`), and never appear in messages. Queries expect the endpoint to treat the union of its named graphs as the
default graph (Oxigraph: ``--union-default-graph``; Fuseki: ``tdb2:unionDefaultGraph true``;
Virtuoso does so by default): the first query checks, and an endpoint that does not is an
:class:`EndpointError` saying so, never an empty answer.
"""

from __future__ import annotations

import http.client
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from tropekg.query.binding import bound_query_text
from tropekg.query.saved import QueryError, query_form
from tropekg.query.syntax import undeclared_prefixes
from tropekg.rdf.iris import IriScheme
from tropekg.store.answers import Answer, Rows, Triples, to_answer
from tropekg.store.datasets import (
    BackendError,
    LoadReport,
    base_told_by,
    build_base,
    dataset_files,
    described_pages_not_wanted,
    quads_by_graph,
)
from tropekg.store.endpoint_auth import endpoint_opener
from tropekg.store.endpoint_http import (
    Deadline,
    check_url,
    excerpt,
    http_handlers,
    looks_like_html,
    secrets_of,
)

USER_ENV = "TROPEKG_ENDPOINT_USER"
PASSWORD_ENV = "TROPEKG_ENDPOINT_PASSWORD"
_RETRY_STATUS = {500, 502, 503, 504}
DEFAULT_TIMEOUT = 60.0
_WHICH_URL = ("Oxigraph: http://HOST:7878/query; Fuseki: http://HOST:3030/DATASET/sparql; "
              "Virtuoso: http://HOST:8890/sparql")


class EndpointError(BackendError):
    """The endpoint is unreachable or refused a request; the message is one line, credentials-free."""


def redact(url: str) -> str:
    """A URL fit to print: any user:password@ part removed."""
    parts = urllib.parse.urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        parts = parts._replace(netloc=netloc)
    return urllib.parse.urlunsplit(parts)


def _check_value(term) -> None:
    # SPARQL processes \\u escapes before parsing: refuse values that spell one, so a value can
    # never turn into other text on the way to the endpoint.
    if re.search(r"\\[uU][0-9A-Fa-f]{4}", str(term)):
        raise EndpointError("a parameter value holding a \\u escape cannot be sent to an endpoint")


_BOOLEAN = NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
_CANONICAL_BOOLEANS = {"1": Literal("true", datatype=_BOOLEAN), "0": Literal("false", datatype=_BOOLEAN)}


def _canonical(term):
    """An xsd:boolean in its canonical form: Virtuoso stores and returns ``"false"^^xsd:boolean`` as
    ``"0"^^xsd:boolean``, the same value in another spelling, which would not equal the embedded
    store's answer."""
    if isinstance(term, Literal) and term.datatype == _BOOLEAN:
        return _CANONICAL_BOOLEANS.get(term.value, term)
    return term


class Endpoint:
    parallel_queries = False  # asked one thing at a time

    def __init__(self, query_url: str, update_url: str | None = None, graph_store_url: str | None = None,
                 *, timeout: float = DEFAULT_TIMEOUT, retries: int = 3, base: str | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        for role, url in (("query URL", query_url), ("update URL", update_url),
                          ("graph store URL", graph_store_url)):
            if url or role == "query URL":
                try:
                    check_url(url or "", role)
                except ValueError as e:
                    raise EndpointError(str(e)) from None
        if not timeout > 0:
            raise EndpointError(f"a timeout of {timeout} s: give more than 0 seconds")
        self.query_url = query_url
        self.update_url = update_url or None
        self.graph_store_url = graph_store_url or None
        self.timeout = timeout
        self.retries = retries
        self._base = base
        self._sleep = sleep
        user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
        self._secrets = secrets_of(user, password)
        self._opener = endpoint_opener((query_url, update_url, graph_store_url), user, password,
                                       http_handlers())
        self._union_checked = False

    def __repr__(self) -> str:
        return f"Endpoint({redact(self.query_url)!r})"

    @property
    def base(self) -> str:
        """The base IRI of the graph held: as given, else as the loaded build says, else as its
        page graphs' IRIs tell (the default base for an empty store)."""
        if self._base is None:
            self._base = base_told_by(self._query)
        return self._base

    # -- HTTP ----------------------------------------------------------------------------------
    def _send(self, request: urllib.request.Request, what: str):
        """Send a request and read the whole answer within one deadline of ``timeout`` seconds,
        retrying connection errors and 5xx answers with backoff while time is left; the body
        and headers of the answer, or an :class:`EndpointError` saying what went wrong."""
        delay = 0.5
        with Deadline(self.timeout) as deadline:
            request.deadline = deadline  # read by the connection (endpoint_http)
            attempt = 0
            while True:
                try:
                    with self._opener.open(request, timeout=self.timeout) as response:
                        body, headers = response.read(), response.headers
                    if deadline.expired:
                        raise TimeoutError  # the body was cut at the deadline: not the whole answer
                    return body, headers
                except urllib.error.HTTPError as e:
                    failure = self._http_failure(what, e, request)
                    retry = e.code in _RETRY_STATUS
                except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
                    reason = getattr(e, "reason", e)
                    if deadline.expired or isinstance(reason, TimeoutError):
                        raise EndpointError(f"{what}: no complete answer within {self.timeout:g} s "
                                            f"(the request's deadline; --timeout changes it)") from None
                    failure = f"{what}: endpoint unreachable ({excerpt(str(reason).encode(), self._secrets)})"
                    retry = True
                if not retry or attempt >= self.retries or deadline.remaining() <= delay:
                    raise EndpointError(failure)
                self._sleep(delay)
                delay *= 2
                attempt += 1

    def _http_failure(self, what: str, error: urllib.error.HTTPError, request) -> str:
        """One line for an HTTP error answer: a redirect names where it points; other errors
        give the start of what the server said, secrets redacted."""
        secrets = [*self._secrets, *(v for v in (request.get_header("Authorization"),) if v)]
        try:
            if 300 <= error.code < 400:
                location = error.headers.get("Location")
                where = (excerpt(redact(urllib.parse.urljoin(request.full_url, location)).encode(), secrets, 200)
                         if location else "a place it does not name")
                return (f"{what}: the endpoint answered HTTP {error.code}, a redirect to {where}; "
                        f"tropekg follows no redirect (an update would be lost on the way and "
                        f"credentials must not travel): give the URL it points to instead")
            try:
                said = excerpt(error.read(8192), secrets)
            except (OSError, http.client.HTTPException):
                said = ""
            reason = excerpt(str(error.reason or "").encode(), secrets, 60)
            return f"{what}: HTTP {error.code}" + (f" {reason}" if reason else "") + (f": {said}" if said else "")
        finally:
            error.close()

    def _post(self, url: str, what: str, data: bytes, headers: dict[str, str]):
        """POST with retries; the body and headers of the answer."""
        request = urllib.request.Request(url, data=data, method="POST", headers=headers)
        return self._send(request, what)

    def _wrong_answer(self, what: str, body: bytes, headers, expected: str) -> EndpointError:
        """The endpoint answered, but not with what a SPARQL endpoint sends: say what came back."""
        content_type = headers.get("Content-Type") or "no Content-Type"
        kind = "an HTML page" if looks_like_html(body) or "html" in content_type.lower() else \
            "an empty answer" if not body.strip() else "something else"
        start = excerpt(body, self._secrets, 120)
        begins = f", beginning {start!r}" if start else ""
        return EndpointError(f"{what}: the endpoint answered {kind} ({excerpt(content_type.encode(), [], 80)}"
                             f"{begins}), not {expected}: is {redact(self.query_url)} the endpoint's "
                             f"SPARQL query URL? ({_WHICH_URL})")

    # -- queries -------------------------------------------------------------------------------
    def run(self, text: str, bindings: dict | None = None, *,
            prefixes: dict[str, str] | None = None) -> Rows | Triples | Answer:
        for term in (bindings or {}).values():
            _check_value(term)
        try:
            query = bound_query_text(text, bindings or {}, as_bind=True)
        except QueryError as e:
            raise EndpointError(f"cannot bind the parameters: {e}") from None
        if prefixes:
            # declared in the text, on one line before it: the server sees an ordinary query
            try:
                missing = [p for p in undeclared_prefixes(text) if p in prefixes]
            except QueryError as e:
                raise EndpointError(f"the query is not valid SPARQL: {e}") from None
            if missing:
                query = " ".join(f"PREFIX {p}: <{prefixes[p]}>" for p in missing) + "\n" + query
        if not self._union_checked:
            self._check_union_default_graph()
        return self._query(query)

    def _query(self, query: str) -> Rows | Triples | Answer:
        form = query_form(query)
        graph_result = form in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples, text/turtle;q=0.9" if graph_result else \
            "application/sparql-results+json"
        what = f"query at {redact(self.query_url)}"
        body, headers = self._post(self.query_url, what, urllib.parse.urlencode({"query": query}).encode(),
                                   {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        # Virtuoso answers 200 with part of the result when it hits ResultSetMaxRows or, for an
        # "anytime" query, its time limit, saying so only in these headers: a partial answer must
        # not pass for the whole one.
        cut = headers.get("X-SPARQL-MaxRows")
        if cut is not None:
            raise EndpointError(f"{what}: the endpoint cut the answer at its limit of {cut} rows; "
                                f"raise the limit (Virtuoso: ResultSetMaxRows in the [SPARQL] section "
                                f"of virtuoso.ini, 0 for none)")
        if headers.get("X-SQL-State") == "S1TAT":
            raise EndpointError(f"{what}: the endpoint stopped the query at its time limit and sent "
                                f"part of the answer; raise the limit (Virtuoso: MaxQueryExecutionTime "
                                f"in the [SPARQL] section of virtuoso.ini, 0 for none)")
        if graph_result:
            fmt = RdfFormat.N_TRIPLES if "n-triples" in headers.get("Content-Type", "") else RdfFormat.TURTLE
            if looks_like_html(body):
                raise self._wrong_answer(what, body, headers, "RDF (N-Triples or Turtle)")
            try:
                # a set: an endpoint whose union default graph is a bag repeats a triple per graph
                triples = [Triple(q.subject, q.predicate, _canonical(q.object)) for q in parse(body, format=fmt)]
                return Triples(list(dict.fromkeys(triples)))
            except (SyntaxError, ValueError):
                raise self._wrong_answer(what, body, headers, "RDF (N-Triples or Turtle)") from None
        if looks_like_html(body):
            raise self._wrong_answer(what, body, headers, "SPARQL results in JSON")
        try:
            result = to_answer(parse_query_results(body, format=QueryResultsFormat.JSON))
        except (SyntaxError, ValueError):
            raise self._wrong_answer(what, body, headers, "SPARQL results in JSON") from None
        if form == "ASK" and isinstance(result, Rows):
            # Virtuoso 7.2 answers ASK with a table of one column, __ASK_RETVAL: a row holding 1
            # for true, no row for false
            return Answer(any(row[0] is not None and row[0].value not in ("0", "false")
                              for row in result.rows if row))
        if isinstance(result, Rows):
            result.rows = [[_canonical(term) for term in row] for row in result.rows]
        return result

    def _check_union_default_graph(self) -> None:
        """Take one quad from the named graphs and ask whether the default graph holds its triple:
        on a store that keeps the two apart every query would silently find nothing."""
        rows = self._query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o FILTER(isIRI(?s) && isIRI(?o)) } } "
                           "LIMIT 1").rows
        if not rows:
            return  # no named graphs (yet): an empty answer is the truth, ask again next time
        g, s, p, o = rows[0]
        if not self._query(f"ASK {{ {s} {p} {o} }}").value:
            raise EndpointError(
                f"{redact(self.query_url)} does not query the union of its named graphs by default "
                f"(graph {g} holds {s} {p} {o}, its default graph does not), so every query would "
                f"find nothing: serve the union of the named graphs as the default graph "
                f"(Oxigraph: oxigraph serve --union-default-graph; Fuseki: tdb2:unionDefaultGraph "
                f"true in the dataset's configuration)")
        self._union_checked = True

    def update(self, text: str) -> None:
        if not self.update_url:
            raise EndpointError("this needs the endpoint's update URL: give --update-url")
        self._post(self.update_url, f"update at {redact(self.update_url)}",
                   urllib.parse.urlencode({"update": text}).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"})

    # -- loading (Graph Store Protocol) --------------------------------------------------------
    def _graph_request(self, method: str, graph, body: bytes | None = None) -> None:
        if not self.graph_store_url:
            raise EndpointError("loading needs the endpoint's Graph Store Protocol URL: give --graph-store-url")
        if isinstance(graph, DefaultGraph):
            url = self.graph_store_url + ("&" if "?" in self.graph_store_url else "?") + "default"
        else:
            url = self.graph_store_url + ("&" if "?" in self.graph_store_url else "?") + \
                urllib.parse.urlencode({"graph": graph.value})
        request = urllib.request.Request(url, data=body, method=method,
                                         headers={"Content-Type": "application/n-triples"})
        what = f"{method} of graph {graph} at {redact(self.graph_store_url)}"
        self._send(request, what)

    def load(self, paths: Iterable[Path], prune: bool = False,
             progress: Callable[[int, int], None] | None = None) -> LoadReport:
        """PUT each page's graph (replacing it), so a reload is idempotent and an interrupted load
        can simply be run again. The wanted-pages graph is merged (POST)."""
        paths = [Path(p) for p in paths]
        files = dataset_files(paths)
        given = build_base(paths)
        if given is not None:
            self._base = given
        iris = IriScheme(self.base)
        report = LoadReport(sources=[str(f) for f in files], base=iris.base)
        wanted = iris.wanted_graph
        loaded: set[str] = set()
        for graph, quads in quads_by_graph(files, progress):
            body = serialize((Triple(q.subject, q.predicate, q.object) for q in quads),
                             format=RdfFormat.N_TRIPLES)
            key = "" if isinstance(graph, DefaultGraph) else graph.value
            method = "POST" if graph == wanted or key in loaded else "PUT"
            try:
                self._graph_request(method, graph, body)
            except EndpointError as e:
                raise EndpointError(f"{e}; loaded {report.graphs_replaced} graphs before it, "
                                    f"{graph} and the graphs after it are not loaded: run the load "
                                    f"again to finish") from None
            loaded.add(key)
            report.graphs_replaced += 1
            report.quads += len(quads)
        if prune:
            rows = self._query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            for (g,) in rows.rows:
                if isinstance(g, NamedNode) and iris.is_page_graph(g.value) and g.value not in loaded:
                    self._graph_request("DELETE", g)
                    report.graphs_pruned += 1
        if self.update_url:
            self.update(described_pages_not_wanted(iris))
        return report

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple]) -> int:
        """Put ``triples`` in the named graph ``graph`` instead of what it held (one PUT)."""
        triples = list(dict.fromkeys(triples))
        self._graph_request("PUT", graph, serialize(triples, format=RdfFormat.N_TRIPLES))
        return len(triples)

    def _page_graph_names(self) -> list[NamedNode]:
        """The page graphs the endpoint holds. An endpoint is often shared: not the server's own
        graphs (Virtuoso keeps its configuration in graphs of its own) nor other datasets."""
        names = self.run("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        pages = IriScheme(self.base).page_graph_prefix
        return [name for (name,) in names.rows if name.value.startswith(pages)]

    def graph_count(self) -> int:
        """How many graphs :meth:`graph_texts` yields (for progress)."""
        self._names = self._page_graph_names()
        return len(self._names)

    def graph_texts(self):
        """Each page graph as N-Triples (those :meth:`graph_count` counted, when it was asked)."""
        names, self._names = getattr(self, "_names", None) or self._page_graph_names(), None
        for name in names:
            triples = self.run("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": name})
            yield serialize(triples.triples, format=RdfFormat.N_TRIPLES)
