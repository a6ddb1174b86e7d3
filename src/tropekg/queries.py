"""Saved SPARQL queries: ``queries/*.rq`` files in, checked parameter bindings and results out.

Each file starts with a ``#+`` comment header (grlc's convention, YAML after the ``#+``): summary,
description, tags, params (name, type, default, example, description), columns, heavy. Parameter
values are never pasted into query text: :func:`bind` turns each value into an RDF term after
checking it against its declared type, and :func:`with_values` binds the terms with a ``VALUES``
block at the top of every ``WHERE`` group, the terms written by pyoxigraph (IRIs in ``<>``, literals
escaped). Both backends bind the same way: pyoxigraph's ``substitutions`` would be the local
alternative, but they require every bound variable in the SELECT projection, which aggregate queries
cannot have, and one mechanism gives the same rows locally and remotely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pyoxigraph import Literal, NamedNode

from .mapping import DEFAULT_BASE, IriScheme
from .resources import queries_dir
from .titles import CREATOR, TROPE, WORK, Title, parse_title

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("trope", "work", "creator", "page", "string", "integer", "boolean")
# The namespace role a title parameter must have.
_TITLE_ROLES = {"trope": TROPE, "work": WORK, "creator": CREATOR}

PREFIXES = """PREFIX tk: <https://w3id.org/tropekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


class QueryError(Exception):
    """A saved query that is missing or malformed, or a parameter value that does not fit."""


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: str
    default: str | None = None
    example: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class SavedQuery:
    name: str
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    heavy: bool
    text: str
    form: str = field(default="SELECT")  # SELECT, CONSTRUCT, ASK or DESCRIBE


_FORM = re.compile(r"^\s*(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)


def _strip_prologue_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def query_form(text: str) -> str:
    """SELECT, CONSTRUCT, ASK or DESCRIBE: the first form keyword outside comment lines."""
    m = _FORM.search(_strip_prologue_comments(text))
    return m.group(1).upper() if m else "SELECT"


def parse_query_file(path: Path) -> SavedQuery:
    """A saved query from its file; a :class:`QueryError` naming the file if the header is bad."""
    text = path.read_text(encoding="utf-8")
    header_lines = [line[2:].removeprefix(" ") for line in text.splitlines() if line.startswith("#+")]
    try:
        header = yaml.safe_load("\n".join(header_lines)) or {}
    except yaml.YAMLError as e:
        raise QueryError(f"{path}: the #+ header is not valid YAML: {e}") from None
    if not isinstance(header, dict) or "summary" not in header:
        raise QueryError(f"{path}: the #+ header needs at least a summary")
    params = []
    for raw in header.get("params") or []:
        if not isinstance(raw, dict) or "name" not in raw:
            raise QueryError(f"{path}: each param needs a name")
        ptype = str(raw.get("type", "string"))
        if ptype not in PARAM_TYPES:
            raise QueryError(f"{path}: param {raw['name']!r} has unknown type {ptype!r}")
        params.append(Param(
            name=str(raw["name"]), type=ptype,
            default=None if raw.get("default") is None else str(raw["default"]),
            example=None if raw.get("example") is None else str(raw["example"]),
            description=str(raw.get("description", "")),
        ))
    return SavedQuery(
        name=path.stem, path=path, summary=str(header["summary"]).strip(),
        description=str(header.get("description", "")).strip(),
        tags=tuple(str(t) for t in header.get("tags") or ()), params=tuple(params),
        columns=tuple(str(c) for c in header.get("columns") or ()), heavy=bool(header.get("heavy", False)),
        text=text, form=query_form(text),
    )


def load_queries(folder: Path | None = None) -> dict[str, SavedQuery]:
    """Every saved query, by name."""
    folder = folder or queries_dir()
    return {p.stem: parse_query_file(p) for p in sorted(folder.glob("*.rq"))}


def get_query(name: str, folder: Path | None = None) -> SavedQuery:
    folder = folder or queries_dir()
    path = folder / f"{name}.rq"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name) or not path.is_file():
        known = ", ".join(sorted(load_queries(folder))) or "none"
        raise QueryError(f"no saved query named {name!r} (known: {known})")
    return parse_query_file(path)


def term_for(param: Param, value: str, base: str = DEFAULT_BASE) -> NamedNode | Literal:
    """The RDF term a parameter value stands for, checked against the parameter's type."""
    if param.type in _TITLE_ROLES or param.type == "page":
        title = parse_title(value) if value and len(value) < 512 else None
        if title is None:
            raise QueryError(
                f"parameter {param.name}: {value!r} is not a page title; write it as "
                f"Namespace/PageName, e.g. {param.example or 'Main/NeverHurtAnInnocent'}"
            )
        role = _TITLE_ROLES.get(param.type)
        if role is not None and title.role != role:
            raise QueryError(f"parameter {param.name}: {title} is not a {param.type} page "
                             f"(its namespace {title.namespace} holds {title.role} pages)")
        return IriScheme(base).resource(title)
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?[0-9]{1,18}", value.strip()):
            raise QueryError(f"parameter {param.name}: {value!r} is not an integer")
        return Literal(str(int(value)), datatype=NamedNode(XSD + "integer"))
    if param.type == "boolean":
        lowered = value.strip().lower()
        if lowered not in ("true", "false", "1", "0", "yes", "no"):
            raise QueryError(f"parameter {param.name}: {value!r} is not true or false")
        return Literal("true" if lowered in ("true", "1", "yes") else "false",
                       datatype=NamedNode(XSD + "boolean"))
    return Literal(value)


def bind(query: SavedQuery, given: dict[str, str], base: str = DEFAULT_BASE) -> dict[str, NamedNode | Literal]:
    """Terms for the parameters: given values, else defaults; a parameter whose default is null is
    optional and stays unbound. An unknown parameter or a value of the wrong type is an error."""
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        names = ", ".join(declared) or "none"
        raise QueryError(f"query {query.name} has no parameter {unknown[0]!r} (its parameters: {names})")
    out: dict[str, NamedNode | Literal] = {}
    for p in query.params:
        value = given.get(p.name, p.default)
        if value is None:
            continue  # an optional parameter (default: null) stays unbound
        out[p.name] = term_for(p, value, base)
    return out


def title_of(iri: str, base: str = DEFAULT_BASE) -> Title | None:
    """The page title of a resource IRI, for showing results as people write them."""
    prefix = f"{base}resource/"
    if iri.startswith(prefix):
        return parse_title(iri[len(prefix):])
    return None


# Scanning a query for its group graph patterns: strings, IRIs and comments are skipped whole.
_SPARQL_TOKEN = re.compile(
    r'(?P<skip>"""[\s\S]*?"""' + r"|'''[\s\S]*?'''"
    + r'|"(?:[^"\\\n]|\\.)*"' + r"|'(?:[^'\\\n]|\\.)*'"
    + r'|<[^<>"{}|^`\\\s]*>|#[^\n]*)'
    + r"|(?P<open>\{)|(?P<close>\})|(?P<word>[A-Za-z]+)"
)


def with_values(text: str, bindings: dict, *, as_bind: bool = False) -> str:
    """The query with its parameters bound: a ``VALUES`` block at the start of every group graph
    pattern (after ``WHERE {``, ``OPTIONAL {``, ``UNION {``, ...), so each group sees the bound
    values as substitution would, and the store can use them to look up rather than scan. Terms
    are written by pyoxigraph (IRIs in ``<>``, literals escaped), so a value stays a value. The
    data block of a ``VALUES`` clause, a ``CONSTRUCT`` template and a group holding a sub-select
    get no block.

    ``as_bind`` writes ``BIND(term AS ?name)`` instead, which means the same at the start of a
    group: Virtuoso 7.2 refuses a property path (``tk:subTropeOf+``) whose start is bound only by a
    ``VALUES`` block ("transitive start not given"), but takes one bound by ``BIND``."""
    if not bindings:
        return text
    names = sorted(bindings)
    if as_bind:
        block = " " + " ".join(f"BIND({bindings[n]} AS ?{n})" for n in names) + " "
    else:
        row = " ".join(str(bindings[n]) for n in names)
        block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    out: list[str] = []
    pos = 0
    sites = 0
    previous_word = ""
    skip_next_brace = False  # the next { opens a VALUES data block or a CONSTRUCT template
    depth_skipping = 0
    for m in _SPARQL_TOKEN.finditer(text):
        kind = m.lastgroup
        if depth_skipping:
            if kind == "open":
                depth_skipping += 1
            elif kind == "close":
                depth_skipping -= 1
            continue
        if kind == "word":
            word = m.group().upper()
            if word == "VALUES" or (word == "CONSTRUCT"):
                skip_next_brace = True
            elif word == "WHERE":
                skip_next_brace = False
            previous_word = word
            continue
        if kind != "open":
            continue
        if skip_next_brace:
            skip_next_brace = False
            depth_skipping = 1
            continue
        rest = text[m.end():m.end() + 40].lstrip().upper()
        if rest.startswith("SELECT"):
            continue  # { SELECT ... } must hold the sub-select alone; its own WHERE gets the block
        out.append(text[pos:m.end()])
        out.append(block)
        pos = m.end()
        sites += 1
    out.append(text[pos:])
    if sites == 0:
        raise QueryError("the query has no WHERE { ... } group to bind its parameters in")
    return "".join(out)
