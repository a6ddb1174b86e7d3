"""Parameters of saved queries: the values people give (``trope=Main/Foo``) in, checked RDF terms out.

Each value is checked against its parameter's type (a trope must be a ``Main/`` page, a work a page
in a media namespace, an integer an integer) and made into a term under the graph's IRI scheme; the
store then binds the terms, never pasting them into the query text.
"""

from __future__ import annotations

import re

from pyoxigraph import Literal, NamedNode

from tropekg.query.saved import Param, QueryError, SavedQuery
from tropekg.rdf.iris import DEFAULT_BASE, IriScheme
from tropekg.rdf.namespaces import XSD_BOOLEAN, XSD_INTEGER
from tropekg.titles import CREATOR, TROPE, WORK, parse_title

# The namespace role a title parameter must have.
_TITLE_ROLES = {"trope": TROPE, "work": WORK, "creator": CREATOR}


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
        return Literal(str(int(value)), datatype=XSD_INTEGER)
    if param.type == "boolean":
        lowered = value.strip().lower()
        if lowered not in ("true", "false", "1", "0", "yes", "no"):
            raise QueryError(f"parameter {param.name}: {value!r} is not true or false")
        return Literal("true" if lowered in ("true", "1", "yes") else "false",
                       datatype=XSD_BOOLEAN)
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
