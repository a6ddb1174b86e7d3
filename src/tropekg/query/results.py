"""Query results as people and programs read them: a table, SPARQL CSV/TSV/JSON, Turtle, JSON-LD.

Both backends (the embedded store and a remote endpoint) hand over pyoxigraph terms, so one set of
writers serves both. CSV, TSV and JSON follow the SPARQL 1.1 results formats; the table shows page
resources as their titles (``Main/Foo``) and other IRIs with our prefixes (``tk:Averted``), cuts
long text with an ellipsis and shows control characters as spaces or U+FFFD, never as terminal
commands. Page text is data: a CSV cell that a spreadsheet would run as a formula is written with a
leading ``'`` (:func:`spreadsheet_safe`) unless raw CSV is asked for.
"""

from __future__ import annotations

import csv
import io
import json
import re

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


TABLE_CELL_WIDTH = 80
# OWASP's CSV injection rule: a cell starting with one of these is a formula to a spreadsheet
# (=HYPERLINK(...), -2+3+cmd|...), so it gets a leading ' that makes it text. A plain number is
# left as it is: it can run nothing, and "-5" stays a number.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_LINE_BREAKS = re.compile(r"[\t\n\r\v\f\u0085\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def spreadsheet_safe(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``'`` when it would start a formula."""
    if cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _table_cell(text: str) -> str:
    text = _CONTROLS.sub("\ufffd", _LINE_BREAKS.sub(" ", text))
    return text if len(text) <= TABLE_CELL_WIDTH else text[:TABLE_CELL_WIDTH - 1] + "…"


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


def format_rows(result: Rows, fmt: str, base: str = DEFAULT_BASE, *, raw_csv: bool = False) -> str:
    """Rows as a table, CSV, TSV or JSON. CSV cells that would start a formula are made safe
    (:func:`spreadsheet_safe`) unless ``raw_csv``."""
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
                values = [_csv_value(v) for v in row]
                w.writerow(values if raw_csv else [spreadsheet_safe(v) for v in values])
        else:
            buf.write("\t".join(f"?{c}" for c in result.columns) + "\n")
            for row in result.rows:
                buf.write("\t".join(_tsv_value(v) for v in row) + "\n")
        return buf.getvalue()
    cells = [[_table_cell(_display(v, base)) for v in row] for row in result.rows]
    widths = [len(c) for c in result.columns]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(widths[i]) for i, v in enumerate(values)).rstrip()
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


def format_result(result: Rows | Triples | Answer, fmt: str, base: str = DEFAULT_BASE, *,
                  raw_csv: bool = False) -> str:
    """A result in the asked format; a format that does not fit the result's kind is an error.
    ``raw_csv`` writes CSV cells as they are, formulas included."""
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
    return format_rows(result, fmt, base, raw_csv=raw_csv)
