"""Query results as people and programs read them: a table, SPARQL CSV/TSV/JSON, Turtle, JSON-LD.

Both backends (the embedded store and a remote endpoint) hand over pyoxigraph terms, so one set of
writers serves both. CSV, TSV and JSON follow the SPARQL 1.1 results formats; the table shows page
resources as their titles (``Main/Foo``) and other IRIs with our prefixes (``tk:Averted``).
"""

from __future__ import annotations

import csv
import io
import json

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, serialize

from tropekg.rdf.iris import DEFAULT_BASE, IriScheme
from tropekg.rdf.jsonld import triples_to_jsonld
from tropekg.rdf.namespaces import XSD_STRING, prefixes_for, shorten
from tropekg.store.answers import Answer, Rows, Triples

SELECT_FORMATS = ("table", "csv", "tsv", "json")
GRAPH_FORMATS = ("turtle", "jsonld", "nt")


def _display(term, base: str) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        title = IriScheme(base).title_of(term.value)
        return str(title) if title is not None else shorten(term.value, prefixes_for(base))
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return term.value


def _csv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return term.value


def _tsv_value(term) -> str:
    if term is None:
        return ""
    return str(term)  # N-Triples syntax, as SPARQL TSV asks


def _json_value(term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    assert isinstance(term, Literal)
    out: dict = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def format_rows(result: Rows, fmt: str, base: str = DEFAULT_BASE) -> str:
    if fmt == "json":
        bindings = [{c: _json_value(v) for c, v in zip(result.columns, row) if v is not None}
                    for row in result.rows]
        return json.dumps({"head": {"vars": result.columns}, "results": {"bindings": bindings}},
                          ensure_ascii=False, indent=1)
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        if fmt == "csv":
            w = csv.writer(buf, lineterminator="\r\n")
            w.writerow(result.columns)
            for row in result.rows:
                w.writerow([_csv_value(v) for v in row])
        else:
            buf.write("\t".join(f"?{c}" for c in result.columns) + "\n")
            for row in result.rows:
                buf.write("\t".join(_tsv_value(v) for v in row) + "\n")
        return buf.getvalue()
    cells = [[_display(v, base) for v in row] for row in result.rows]
    widths = [len(c) for c in result.columns]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = min(max(widths[i], len(cell)), 80)
    def line(values: list[str]) -> str:
        return "  ".join(v[:80].ljust(widths[i]) for i, v in enumerate(values)).rstrip()
    out = [line(result.columns), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out)


def format_triples(result: Triples, fmt: str, base: str = DEFAULT_BASE) -> str:
    if fmt == "jsonld":
        return triples_to_jsonld(result.triples, base)
    rdf_format = RdfFormat.N_TRIPLES if fmt == "nt" else RdfFormat.TURTLE
    prefixes = prefixes_for(base) if rdf_format == RdfFormat.TURTLE else None
    return serialize(result.triples, format=rdf_format, prefixes=prefixes).decode("utf-8")


def format_result(result: Rows | Triples | Answer, fmt: str, base: str = DEFAULT_BASE) -> str:
    """A result in the asked format; a format that does not fit the result's kind is an error."""
    if isinstance(result, Answer):
        return json.dumps({"head": {}, "boolean": result.value}) if fmt == "json" else str(result.value).lower()
    if isinstance(result, Triples):
        if fmt in ("table",):
            fmt = "turtle"
        if fmt not in GRAPH_FORMATS:
            raise ValueError(f"a CONSTRUCT or DESCRIBE result is a graph: use --format "
                             f"{' or '.join(GRAPH_FORMATS)}")
        return format_triples(result, fmt, base)
    if fmt not in SELECT_FORMATS:
        raise ValueError(f"a SELECT result is a table: use --format {', '.join(SELECT_FORMATS)}")
    return format_rows(result, fmt, base)
