"""Reports a person can act on: a validation report in, text grouped by shape, a table, JSON or a
SHACL report graph in Turtle out."""

from __future__ import annotations

import json

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Triple,
    serialize,
)

from tropekg.rdf.namespaces import (
    REPORT_PREFIXES,
    SH_NS,
    prefixes_for,
)
from tropekg.validate.results import (
    RDF_TYPE,
    SEVERITIES,
    SEVERITY_RANK,
    Source,
    ValidationReport,
    ValidationResult,
    display,
    severity_rank,
    term_of,
)

# -- reports ------------------------------------------------------------------------------------

def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(report: ValidationReport) -> str:
    c = report.counts()
    verdict = "conforms" if report.conforms else "does not conform"
    return (f"{_plural(c['Violation'], 'violation')}, {_plural(c['Warning'], 'warning')}, "
            f"{_plural(c['Info'], 'info')} in {_plural(report.graphs, 'graph')} "
            f"({_plural(report.triples, 'statement')}): {verdict}")


def _limited(report: ValidationReport, results: list[ValidationResult], limit: int):
    groups: dict[str, list[ValidationResult]] = {}
    for r in results:
        groups.setdefault(r.shape, []).append(r)
    for shape, items in groups.items():
        yield shape, items, (items if limit <= 0 else items[:limit])


def printed(report: ValidationReport, min_severity: str = "info", limit: int = 0) -> list[ValidationResult]:
    """The results a text or table report shows: at or above the severity, ``limit`` per shape."""
    out = []
    for _, _, shown in _limited(report, report.at_least(min_severity), limit):
        out.extend(shown)
    return out


def format_text(report: ValidationReport, min_severity: str = "info", limit: int = 0) -> str:
    base = report.base
    results = report.at_least(min_severity)
    lines = [f"tropekg validate: {summary_line(report)}"]
    for shape, items, shown in _limited(report, results, limit):
        info = report.shapes.get(shape)
        name = info.name if info else shape
        lines.append("")
        lines.append(f"{items[0].severity}: {name} ({display(f'<{shape}>', base)}): {len(items)}")
        for r in sorted(shown, key=_by_place):
            where = "; ".join(s.describe() for s in r.sources) or "source unknown"
            statement = display(r.focus, base)
            if r.path:
                statement += f" {display(r.path, base)}"
            if r.value is not None and r.value != r.focus:
                statement += f" {_short(display(r.value, base))}"
            lines.append(f"  {where}: {statement}")
            lines.append(f"      {r.message}")
        if len(shown) < len(items):
            lines.append(f"  ... and {len(items) - len(shown)} more (--limit 0 lists them all)")
    hidden = [s for s in SEVERITIES if SEVERITY_RANK[s] > severity_rank(min_severity)
              and report.counts()[s]]
    if hidden:
        lines.append("")
        lines.append(f"(not listed: {', '.join(s.lower() + 's' for s in hidden)}; "
                     f"see --min-severity)")
    return "\n".join(lines)


def _by_place(r: ValidationResult) -> tuple:
    first = r.sources[0] if r.sources else Source(graph="")
    return (first.page or "~", first.line or 0, r.focus, r.path or "", r.value or "")


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(report: ValidationReport, min_severity: str = "info", limit: int = 0) -> str:
    from tropekg.query.results import Rows, format_rows

    rows = []
    for r in printed(report, min_severity, limit):
        first = r.sources[0] if r.sources else None
        rows.append([
            Literal(r.severity), Literal(display(f"<{r.shape}>", report.base)),
            Literal(first.page or first.graph) if first else None,
            Literal(str(first.line)) if first and first.line is not None else None,
            term_of(r.focus), Literal(display(r.path, report.base)) if r.path else None,
            Literal(_short(display(r.value, report.base))) if r.value is not None else None,
            Literal(r.message),
        ])
    table = format_rows(Rows(["severity", "shape", "page", "line", "focus", "path", "value", "message"],
                             rows), "table", report.base)
    return f"{table}\n{summary_line(report)}"


def to_json(report: ValidationReport, min_severity: str = "info") -> dict:
    return {
        "conforms": report.conforms,
        "counts": {s.lower(): n for s, n in report.counts().items()},
        "graphs": report.graphs,
        "statements": report.triples,
        "mode": report.mode,
        "min_severity": min_severity.lower(),
        "results": [dict(r.to_json(report.base),
                         shape_name=report.shapes[r.shape].name if r.shape in report.shapes else None)
                    for r in report.at_least(min_severity)],
    }


def to_turtle(report: ValidationReport, min_severity: str = "info") -> str:
    """The report as a SHACL validation report graph; each result points to the page graphs
    behind it with prov:wasDerivedFrom and says where in rdfs:comment."""
    def sh(name: str) -> NamedNode:
        return NamedNode(SH_NS + name)

    rdf_type = NamedNode(RDF_TYPE)
    xsd_boolean = NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
    report_node = BlankNode()
    quads = [
        Quad(report_node, rdf_type, sh("ValidationReport")),
        Quad(report_node, sh("conforms"), Literal("true" if report.conforms else "false", datatype=xsd_boolean)),
    ]
    for r in report.at_least(min_severity):
        node = BlankNode()
        quads += [
            Quad(report_node, sh("result"), node),
            Quad(node, rdf_type, sh("ValidationResult")),
            Quad(node, sh("resultSeverity"), sh(r.severity)),
            Quad(node, sh("sourceShape"), NamedNode(r.shape)),
            Quad(node, sh("sourceConstraintComponent"), NamedNode(r.component)),
            Quad(node, sh("focusNode"), term_of(r.focus)),
            Quad(node, sh("resultMessage"), Literal(r.message)),
        ]
        if r.path:
            if r.path.startswith("^"):
                path_node = BlankNode()
                quads += [Quad(node, sh("resultPath"), path_node),
                          Quad(path_node, sh("inversePath"), term_of(r.path[1:]))]
            elif r.path.startswith("<"):
                quads.append(Quad(node, sh("resultPath"), term_of(r.path)))
        if r.value is not None:
            quads.append(Quad(node, sh("value"), term_of(r.value)))
        for s in r.sources:
            quads.append(Quad(node, NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"), NamedNode(s.graph)))
            quads.append(Quad(node, NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                              Literal(s.describe())))
    prefixes = {**prefixes_for(report.base), **REPORT_PREFIXES}
    return serialize([Triple(q.subject, q.predicate, q.object) for q in quads], format=RdfFormat.TURTLE,
                     prefixes=prefixes).decode("utf-8")


def format_report(report: ValidationReport, fmt: str, min_severity: str = "info", limit: int = 0) -> str:
    if fmt == "text":
        return format_text(report, min_severity, limit)
    if fmt == "table":
        return format_table(report, min_severity, limit)
    if fmt == "json":
        return json.dumps(to_json(report, min_severity), ensure_ascii=False, indent=1)
    if fmt == "turtle":
        return to_turtle(report, min_severity)
    raise ValueError(f"unknown report format {fmt!r}")


REPORT_FORMATS = ("text", "table", "turtle", "json")
