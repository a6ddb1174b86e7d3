"""Where a result comes from: results and the graph in, each result's page graph, page, source file
and line out."""

from __future__ import annotations

from tropekg.rdf.iris import DEFAULT_BASE, IriScheme
from tropekg.rdf.namespaces import (
    sparql_prologue,
)
from tropekg.validate.results import Source, ValidationResult

# -- provenance of results -----------------------------------------------------------------------

_PREFIXES = sparql_prologue()

_EXAMPLE_SOURCES = _PREFIXES + """SELECT ?focus ?g ?page ?line ?file WHERE {
  VALUES ?focus { %s }
  GRAPH ?g { ?focus tk:onPage ?page . OPTIONAL { ?focus tk:sourceLine ?line } }
  OPTIONAL { GRAPH ?g { ?g tk:sourcePath ?file } }
}"""

# the line, where there is one, is that of the first example behind a shortcut (trope -> work)
_STATEMENT_SOURCES = _PREFIXES + """SELECT ?focus ?path ?value ?g (SAMPLE(?topic) AS ?page)
    (SAMPLE(?path_) AS ?file) (MIN(?example_line) AS ?line) WHERE {
  VALUES (?focus ?path ?value) { %s }
  GRAPH ?g { ?focus ?path ?value }
  OPTIONAL { GRAPH ?g { ?g foaf:primaryTopic ?topic } }
  OPTIONAL { GRAPH ?g { ?g tk:sourcePath ?path_ } }
  OPTIONAL { GRAPH ?g { ?example tk:trope ?focus ; tk:work ?value ; tk:sourceLine ?example_line } }
} GROUP BY ?focus ?path ?value ?g"""

_NODE_SOURCES = _PREFIXES + """SELECT ?focus ?g ?page ?file WHERE {
  VALUES ?focus { %s }
  { GRAPH ?g { ?focus tk:describedBy ?g } }
  UNION { GRAPH ?g { ?focus a tk:PageGraph } FILTER (sameTerm(?g, ?focus)) }
  UNION { GRAPH ?g { ?focus a tk:WantedPage } }
  OPTIONAL { GRAPH ?g { ?g foaf:primaryTopic ?page } }
  OPTIONAL { GRAPH ?g { ?g tk:sourcePath ?file } }
}"""

_ANY_SOURCES = _PREFIXES + """SELECT DISTINCT ?focus ?g ?page ?file WHERE {
  VALUES ?focus { %s }
  GRAPH ?g { ?focus ?p ?o }
  OPTIONAL { GRAPH ?g { ?g foaf:primaryTopic ?page } }
  OPTIONAL { GRAPH ?g { ?g tk:sourcePath ?file } }
}"""

_CHUNK = 200
_MAX_SOURCES = 3


def _rows(graph, template: str, values: list[str]) -> list[dict]:
    out = []
    for i in range(0, len(values), _CHUNK):
        # the values are N-Triples terms written by pyoxigraph, so they stay terms in the query
        result = graph.run(template % " ".join(values[i:i + _CHUNK]))
        out.extend(dict(zip(result.columns, row)) for row in result.rows)
    return out


def _source(row: dict, base: str) -> Source:
    page = row.get("page")
    title = IriScheme(base).title_of(page.value) if page is not None else None
    line = row.get("line")
    file = row.get("file")
    return Source(graph=row["g"].value, page=str(title) if title else None,
                  file=file.value if file is not None else None,
                  line=int(line.value) if line is not None else None)


def locate(graph, results: list[ValidationResult], base: str = DEFAULT_BASE) -> None:
    """Trace results to page graphs: an example to its page and line; a statement to the graphs
    holding it (with the line of the example behind a shortcut); a resource to its own page."""
    def iri(text: str | None) -> bool:
        return text is not None and text.startswith("<")

    def add(found: dict, key, source: Source) -> None:
        lst = found.setdefault(key, [])
        if source not in lst:
            lst.append(source)

    todo = [r for r in results if not r.sources and iri(r.focus)]
    if not todo:
        return
    by_example: dict[str, list[Source]] = {}
    for row in _rows(graph, _EXAMPLE_SOURCES, sorted({r.focus for r in todo})):
        add(by_example, str(row["focus"]), _source(row, base))
    rest = [r for r in todo if r.focus not in by_example]
    statements = sorted({f"({r.focus} {r.path} {r.value})" for r in rest
                         if iri(r.path) and r.value is not None and not r.value.startswith("_:")})
    by_statement: dict[tuple, list[Source]] = {}
    for row in _rows(graph, _STATEMENT_SOURCES, statements):
        add(by_statement, (str(row["focus"]), str(row["path"]), str(row["value"])), _source(row, base))
    by_node: dict[str, list[Source]] = {}
    unplaced = sorted({r.focus for r in rest if (r.focus, r.path, r.value) not in by_statement})
    for row in _rows(graph, _NODE_SOURCES, unplaced):
        add(by_node, str(row["focus"]), _source(row, base))
    for row in _rows(graph, _ANY_SOURCES, [f for f in unplaced if f not in by_node]):
        if len(by_node.get(str(row["focus"]), [])) < _MAX_SOURCES:
            add(by_node, str(row["focus"]), _source(row, base))
    for r in todo:
        sources = (by_example.get(r.focus) or by_statement.get((r.focus, r.path, r.value))
                   or by_node.get(r.focus) or [])
        r.sources = sorted(sources, key=lambda s: (s.page or "", s.line or 0, s.graph))
