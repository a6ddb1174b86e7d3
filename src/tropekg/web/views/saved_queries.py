"""The saved queries as an API (grlc's idea, for our ``queries/*.rq``): ``/api/queries`` lists them
with their parameters from the ``#+`` headers, ``/api/queries/{name}?param=value`` runs one with
the values bound (``query.params.bind``, then ``GraphStore.run`` in the query pool) and answers SPARQL
JSON or CSV (TSV and XML too; Turtle, JSON-LD or N-Triples for a CONSTRUCT), chosen by ``Accept``
or ``?format=``. ``/api/openapi.json`` describes every route of the API, one path per saved query;
``/queries`` is the same list as a page with a form per query.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tropekg import __version__
from tropekg.query.saved import PARAM_TYPES, SavedQuery
from tropekg.web.query_pool import SavedQueryTask
from tropekg.web.result_formats import GRAPH_MEDIA, MEDIA_OF, SELECT_MEDIA, negotiate
from tropekg.web.views import render, site_of
from tropekg.web.views.sparql import answer_response

# ?format= names a client can use instead of an Accept header.
FORMAT_PARAM = {"json": ("json", "turtle"), "csv": ("csv", "turtle"), "tsv": ("tsv", "turtle"),
                "xml": ("xml", "rdfxml"), "turtle": ("json", "turtle"), "jsonld": ("json", "jsonld"),
                "nt": ("json", "nt")}
_SCHEMA_OF_TYPE = {"integer": {"type": "integer"}, "boolean": {"type": "boolean"}}
_TITLE_PATTERN = r"^([A-Za-z][A-Za-z0-9]*[/.])?[A-Za-z0-9]+$"


def describe(q: SavedQuery) -> dict:
    return {
        "name": q.name, "summary": q.summary, "description": q.description, "tags": list(q.tags),
        "form": q.form, "heavy": q.heavy, "columns": list(q.columns), "url": f"/api/queries/{q.name}",
        "params": [{"name": p.name, "type": p.type, "default": p.default, "example": p.example,
                    "description": p.description, "required": False} for p in q.params],
    }


def list_api(request: Request) -> Response:
    site = site_of(request)
    return JSONResponse({"queries": [describe(q) for q in site.queries.values()]})


async def run_api(request: Request) -> Response:
    site = site_of(request)
    name = request.path_params["name"]
    q = site.queries.get(name)
    if q is None:
        raise HTTPException(404, f"no saved query named {name[:100]!r} (the list is at /api/queries)")
    # an empty field of the form is a parameter not given (its default, or unbound if optional)
    params = {k: v for k, v in request.query_params.items() if v != ""}
    chosen = params.pop("format", None)
    if chosen is not None:
        if chosen not in FORMAT_PARAM:
            raise HTTPException(400, f"format={chosen[:30]!r}: use one of {', '.join(FORMAT_PARAM)}")
        select_format, graph_format = FORMAT_PARAM[chosen]
    else:
        accept = request.headers.get("accept")
        select_format = negotiate(accept, SELECT_MEDIA, "json")
        graph_format = negotiate(accept, GRAPH_MEDIA, "turtle")
        if select_format is None and graph_format is None:
            raise HTTPException(406, "ask for application/sparql-results+json or text/csv "
                                     "(or text/turtle for a CONSTRUCT query)")
    answer = await run_in_threadpool(
        site.pool.run, SavedQueryTask(name, params, select_format or "json", graph_format or "turtle"))
    if answer.status == 400:
        return JSONResponse({"error": answer.message}, status_code=400)
    return answer_response(answer, {"Vary": "Accept"})


def queries_page(request: Request) -> Response:
    site = site_of(request)
    return render(request, "queries.html", {"queries": [describe(q) for q in site.queries.values()]})


def _param_schema(p) -> dict:
    schema = dict(_SCHEMA_OF_TYPE.get(p.type, {"type": "string"}))
    if p.type in ("trope", "work", "creator", "page"):
        schema["pattern"] = _TITLE_PATTERN
    if p.default is not None:
        schema["default"] = _typed(p.type, p.default)
    return schema


def _typed(ptype: str, value: str):
    if ptype == "integer":
        return int(value)
    if ptype == "boolean":
        return value.lower() in ("true", "1", "yes")
    return value


def openapi_document(site) -> dict:
    """An OpenAPI 3.1 description of the API: one path per saved query, and the shared routes."""
    error = {"description": "A parameter value that does not fit its type, or an unknown parameter",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    slow = {"description": "The query ran past the time limit, or every worker was busy",
            "content": {"text/plain": {"schema": {"type": "string"}}}}
    paths: dict = {
        "/api/queries": {"get": {
            "operationId": "listQueries", "summary": "The saved queries and their parameters",
            "responses": {"200": {"description": "The saved queries",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/sparql": {"get": {
            "operationId": "sparqlQuery", "summary": "SPARQL 1.1 Protocol query (no SERVICE, read-only)",
            "parameters": [{"name": "query", "in": "query", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "Query results in the format asked for by Accept",
                        "content": {m: {"schema": {"type": "string"}} for m in [*SELECT_MEDIA, *GRAPH_MEDIA]}},
                "400": {"description": "Not valid SPARQL",
                        "content": {"text/plain": {"schema": {"type": "string"}}}},
                "403": {"description": "SERVICE or an update: refused",
                        "content": {"text/plain": {"schema": {"type": "string"}}}},
                "503": slow}}},
        "/api/search": {"get": {
            "operationId": "search", "summary": "Pages ranked by name, alternative title and description",
            "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                           {"name": "titles", "in": "query", "schema": {"type": "boolean"}},
                           {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
            "responses": {"200": {"description": "Hits, best first",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/api/hierarchy/children": {"get": {
            "operationId": "hierarchyChildren", "summary": "Sub-tropes of a trope (the entry points without ?trope)",
            "parameters": [{"name": "trope", "in": "query", "schema": {"type": "string"}},
                           {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                           {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 500}}],
            "responses": {"200": {"description": "One level of the tree",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "404": {"description": "No such trope",
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
    }
    for q in site.queries.values():
        media = ([MEDIA_OF[f] for f in ("json", "csv", "tsv", "xml")] if q.form in ("SELECT", "ASK")
                 else [MEDIA_OF[f] for f in ("turtle", "jsonld", "nt", "rdfxml")])
        parameters = [{
            "name": p.name, "in": "query", "required": False,
            "description": p.description or f"a {p.type}", "schema": _param_schema(p),
            **({"example": _typed(p.type, p.example)} if p.example is not None else {}),
        } for p in q.params]
        parameters.append({"name": "format", "in": "query", "required": False,
                           "description": "the answer's format, instead of an Accept header",
                           "schema": {"type": "string", "enum": sorted(FORMAT_PARAM)}})
        paths[f"/api/queries/{q.name}"] = {"get": {
            "operationId": "query_" + q.name.replace("-", "_"), "summary": q.summary,
            "description": q.description + (" (heavy: expect seconds on a large graph)" if q.heavy else ""),
            "tags": list(q.tags) or ["queries"], "parameters": parameters,
            "responses": {"200": {"description": f"{q.form} results",
                                  "content": {m: {"schema": {"type": "string"}} for m in media}},
                          "400": error, "503": slow},
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "tropekg", "version": __version__,
                 "description": "The trope knowledge graph's saved queries, search, hierarchy and SPARQL "
                                "endpoint, served read-only. Parameter types: " + ", ".join(PARAM_TYPES)},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": {"Error": {"type": "object", "required": ["error"],
                                             "properties": {"error": {"type": "string"}}}}},
    }


def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(site_of(request)))


routes = [
    Route("/api/queries", list_api),
    Route("/api/queries/{name}", run_api),
    Route("/api/openapi.json", openapi),
    Route("/queries", queries_page),
]
