"""Saved SPARQL queries: ``queries/*.rq`` files in, :class:`SavedQuery` (text, form, documented
parameters) out.

Each file starts with a ``#+`` comment header (grlc's convention, YAML after the ``#+``): summary,
description, tags, params (name, type, default, example, description), columns, heavy. Parameter
values are turned into terms by :mod:`tropekg.query.params` and bound to the query's variables by
:mod:`tropekg.query.binding`, never pasted into query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tropekg.shipped import queries_dir

PARAM_TYPES = ("trope", "work", "creator", "page", "string", "integer", "boolean")


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
