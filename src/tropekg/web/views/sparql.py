"""``/sparql``: a SPARQL 1.1 Protocol query endpoint (GET with ``?query=``, POST as a form or as
``application/sparql-query``; result formats by ``Accept``), and, for a browser, a query page that
works offline with our prefixes declared and the saved queries offered as examples.

Every query is checked (:mod:`..query_safety`: no SERVICE) and runs in the query pool with its time
limit and row cap; the queries see the union of all page graphs. Updates are refused: the store is
open read-only and this endpoint has no update operation.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tropekg.query.binding import bound_query_text
from tropekg.query.params import bind
from tropekg.query.saved import QueryError
from tropekg.rdf.namespaces import prefixes_for
from tropekg.web.query_pool import SparqlTask
from tropekg.web.query_safety import QueryRefused, check_query
from tropekg.web.result_formats import GRAPH_MEDIA, SELECT_MEDIA, content_type, negotiate
from tropekg.web.views import render, site_of

MAX_BODY = 1_000_000  # bytes of a POSTed query


def prologue(base: str) -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes_for(base).items())


def examples(site) -> list[dict]:
    """The saved queries as ready-to-run examples: parameters bound to their defaults."""
    out = []
    for q in site.queries.values():
        try:
            text = bound_query_text(q.text, bind(q, {}, site.base))
        except QueryError:
            text = q.text
        out.append({"name": q.name, "summary": q.summary, "text": text, "heavy": q.heavy})
    return out


def answer_response(answer, headers: dict | None = None) -> Response:
    """A query pool answer as an HTTP response: the body, or the message as text."""
    if answer.status != 200:
        return PlainTextResponse(answer.message + "\n", status_code=answer.status, headers=headers)
    out = {"Content-Type": content_type(answer.fmt), **(headers or {})}
    if answer.truncated:
        out["X-Result-Truncated"] = "true"
    return Response(answer.body, headers=out)


class _Unreadable(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


async def _read_query(request: Request) -> tuple[str | None, dict[str, list[str]]]:
    params: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        params.setdefault(k, []).append(v)
    if request.method == "POST":
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise _Unreadable(413, f"the request body is over {MAX_BODY:,} bytes")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/sparql-query":
            params.setdefault("query", []).append(body.decode("utf-8", errors="replace"))
        elif media == "application/x-www-form-urlencoded":
            for k, v in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
                params.setdefault(k, []).append(v)
        elif media == "application/sparql-update":
            params.setdefault("update", []).append("")
        else:
            raise _Unreadable(415, "POST a query as application/sparql-query or as a form "
                                   "(application/x-www-form-urlencoded)")
    queries = params.get("query", [])
    return (queries[0] if len(queries) == 1 else None), params


async def sparql(request: Request) -> Response:
    site = site_of(request)
    try:
        text, params = await _read_query(request)
    except _Unreadable as e:
        return PlainTextResponse(f"{e}\n", status_code=e.status)
    if "update" in params:
        return PlainTextResponse("this endpoint is read-only: SPARQL updates are refused\n", status_code=403)
    accept = request.headers.get("accept", "")
    browser = negotiate(accept, {"text/html": "html", **SELECT_MEDIA}, None) == "html"
    if len(params.get("query", [])) > 1:
        return PlainTextResponse("give one query= parameter\n", status_code=400)
    if text is None:
        if browser:
            return render(request, "sparql.html", {"query": prologue(site.base) + "\nSELECT * WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n",
                                                   "examples": examples(site), "result": None, "error": None})
        return PlainTextResponse("give the query as ?query=... or POST it (SPARQL 1.1 Protocol)\n", status_code=400)
    if params.get("default-graph-uri") or params.get("named-graph-uri"):
        return PlainTextResponse("default-graph-uri and named-graph-uri are not supported: queries see "
                                 "the union of all page graphs (use GRAPH in the query)\n", status_code=400)
    try:
        check_query(text)
    except QueryRefused as e:
        if browser:
            return render(request, "sparql.html", {"query": text, "examples": examples(site), "result": None,
                                                   "error": str(e)}, status_code=403)
        return PlainTextResponse(str(e) + "\n", status_code=403)
    from starlette.concurrency import run_in_threadpool

    if browser:
        answer = await run_in_threadpool(site.pool.run, SparqlTask(text, "json", "turtle"))
        result, error = None, None
        if answer.status != 200:
            error = answer.message
        elif answer.fmt == "json":
            result = table(json.loads(answer.body), site)
            result["truncated"] = answer.truncated
        else:
            result = {"graph": answer.body.decode("utf-8"), "truncated": answer.truncated}
        return render(request, "sparql.html", {"query": text, "examples": examples(site), "result": result,
                                               "error": error, "max_rows": site.pool.max_rows},
                      status_code=answer.status if answer.status != 200 else 200)
    select_format = negotiate(accept, SELECT_MEDIA, "json")
    graph_format = negotiate(accept, GRAPH_MEDIA, "turtle")
    if select_format is None and graph_format is None:
        return PlainTextResponse("no result format fits the Accept header; ask for "
                                 + ", ".join([*SELECT_MEDIA, *GRAPH_MEDIA]) + "\n", status_code=406)
    answer = await run_in_threadpool(site.pool.run, SparqlTask(text, select_format or "json", graph_format or "turtle"))
    return answer_response(answer)


def table(results: dict, site) -> dict:
    """SPARQL JSON results as rows of cells for the HTML table: (text, site path or None, url)."""
    if "boolean" in results:
        return {"columns": ["answer"], "rows": [[("true" if results["boolean"] else "false", None, None)]]}
    columns = results["head"]["vars"]
    rows = []
    for binding in results["results"]["bindings"]:
        row = []
        for c in columns:
            cell = binding.get(c)
            if cell is None:
                row.append(("", None, None))
            elif cell["type"] == "uri":
                path = site.catalogue.path_of(cell["value"])
                row.append((site.describer.compact(cell["value"]) if path is None else path, path, cell["value"]))
            else:
                row.append((cell["value"], None, None))
        rows.append(row)
    return {"columns": columns, "rows": rows}


routes = [Route("/sparql", sparql, methods=["GET", "POST"])]
