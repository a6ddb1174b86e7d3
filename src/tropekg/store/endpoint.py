"""Any SPARQL 1.1 endpoint: queries through SPARQLWrapper, loads through the Graph Store Protocol.

In: the endpoint's three URLs (query, update, graph store: products name them differently) and
credentials from ``TROPEKG_ENDPOINT_USER`` / ``TROPEKG_ENDPOINT_PASSWORD``. Out: the same result
types as the embedded store. Parameters are bound with ``VALUES`` blocks of escaped terms at the top
of every group graph pattern (:func:`tropekg.query.binding.bound_query_text`), never pasted into the
query; a value spelling a ``\\u`` escape is refused. Requests are POSTs with a timeout,
retried with backoff on connection errors and 5xx answers; credentials never appear in messages.
Queries expect the endpoint to treat the union of its named graphs as the default graph (Oxigraph:
``--union-default-graph``; Fuseki: ``tdb:unionDefaultGraph true``; GraphDB and Virtuoso do so by
default).
"""

from __future__ import annotations

import base64
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
    NamedNode,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)
from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from tropekg.query.binding import bound_query_text
from tropekg.query.saved import QueryError, query_form
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

USER_ENV = "TROPEKG_ENDPOINT_USER"
PASSWORD_ENV = "TROPEKG_ENDPOINT_PASSWORD"
_RETRY_STATUS = {500, 502, 503, 504}


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


class Endpoint:
    def __init__(self, query_url: str, update_url: str | None = None, graph_store_url: str | None = None,
                 *, timeout: float = 60.0, retries: int = 3, base: str | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.query_url = query_url
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self.timeout = timeout
        self.retries = retries
        self._base = base
        self._sleep = sleep
        self._user = os.environ.get(USER_ENV)
        self._password = os.environ.get(PASSWORD_ENV)

    def __repr__(self) -> str:
        return f"Endpoint({redact(self.query_url)!r})"

    @property
    def base(self) -> str:
        """The base IRI of the graph held: as given, else as the loaded build says, else as its
        page graphs' IRIs tell (the default base for an empty store)."""
        if self._base is None:
            self._base = base_told_by(self.run)
        return self._base

    # -- HTTP ----------------------------------------------------------------------------------
    def _retrying(self, what: str, call: Callable[[], object]):
        delay = 0.5
        for attempt in range(self.retries + 1):
            try:
                return call()
            except urllib.error.HTTPError as e:
                if e.code not in _RETRY_STATUS or attempt == self.retries:
                    detail = e.read(300).decode("utf-8", "replace").strip().splitlines()
                    reason = detail[0] if detail else e.reason
                    raise EndpointError(f"{what}: HTTP {e.code}: {reason}") from None
            except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
                if attempt == self.retries:
                    reason = getattr(e, "reason", e)
                    raise EndpointError(f"{what}: endpoint unreachable ({reason})") from None
            except SPARQLWrapperException as e:
                message = str(e).splitlines()[0]
                if "500" not in message or attempt == self.retries:
                    raise EndpointError(f"{what}: {message}") from None
            self._sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _auth_header(self) -> dict[str, str]:
        if self._user is None:
            return {}
        token = base64.b64encode(f"{self._user}:{self._password or ''}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    # -- queries -------------------------------------------------------------------------------
    def run(self, text: str, bindings: dict | None = None) -> Rows | Triples | Answer:
        for term in (bindings or {}).values():
            _check_value(term)
        try:
            query = bound_query_text(text, bindings or {})
        except QueryError as e:
            raise EndpointError(f"cannot bind the parameters: {e}") from None
        sw = SPARQLWrapper(self.query_url)
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED)
        sw.setTimeout(int(self.timeout))
        if self._user is not None:
            sw.setCredentials(self._user, self._password or "")
        sw.setQuery(query)
        # SPARQLWrapper guesses the form from the text, comments included; ours skips comments
        sw.queryType = query_form(query)
        graph_result = sw.queryType in ("CONSTRUCT", "DESCRIBE")
        sw.setReturnFormat(TURTLE if graph_result else JSON)

        def call():
            response = sw.query().response
            return response.read(), response.info().get("Content-Type", "")

        body, content_type = self._retrying(f"query at {redact(self.query_url)}", call)
        if graph_result:
            fmt = RdfFormat.N_TRIPLES if "n-triples" in content_type else RdfFormat.TURTLE
            # a set: an endpoint whose union default graph is a bag repeats a triple per graph
            triples = (Triple(q.subject, q.predicate, q.object) for q in parse(body, format=fmt))
            return Triples(list(dict.fromkeys(triples)))
        return to_answer(parse_query_results(body, format=QueryResultsFormat.JSON))

    def update(self, text: str) -> None:
        if not self.update_url:
            raise EndpointError("this needs the endpoint's update URL: give --update-url")
        data = urllib.parse.urlencode({"update": text}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **self._auth_header()}
        request = urllib.request.Request(self.update_url, data=data, method="POST", headers=headers)
        self._retrying(f"update at {redact(self.update_url)}",
                       lambda: urllib.request.urlopen(request, timeout=self.timeout).read())

    # -- loading (Graph Store Protocol) --------------------------------------------------------
    def _graph_request(self, method: str, graph, body: bytes | None = None) -> None:
        if not self.graph_store_url:
            raise EndpointError("loading needs the endpoint's Graph Store Protocol URL: give --graph-store-url")
        if isinstance(graph, DefaultGraph):
            url = self.graph_store_url + ("&" if "?" in self.graph_store_url else "?") + "default"
        else:
            url = self.graph_store_url + ("&" if "?" in self.graph_store_url else "?") + \
                urllib.parse.urlencode({"graph": graph.value})
        headers = {"Content-Type": "application/n-triples", **self._auth_header()}
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        what = f"{method} of graph {graph} at {redact(self.graph_store_url)}"
        self._retrying(what, lambda: urllib.request.urlopen(request, timeout=self.timeout).read())

    def load(self, paths: Iterable[Path], prune: bool = False,
             progress: Callable[[int], None] | None = None) -> LoadReport:
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
        for graph, quads in quads_by_graph(files):
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
            if progress is not None:
                progress(report.graphs_replaced)
        if prune:
            rows = self.run("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
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

    def graph_texts(self):
        """Each named graph as N-Triples."""
        names = self.run("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        for (name,) in names.rows:
            triples = self.run("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": name})
            yield serialize(triples.triples, format=RdfFormat.N_TRIPLES)
