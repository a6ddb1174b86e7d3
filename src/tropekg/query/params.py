"""Parameters of saved queries: the values people give (``trope=Main/Foo``) in, checked RDF terms out.

Each value is checked against its parameter's type (a trope must be a ``Main/`` page, a work a page
in a media namespace, an integer an integer) and made into a term under the graph's IRI scheme; the
store then binds the terms, never pasting them into the query text. People write pages as they
read them: :func:`resolve_titles` finds the page a value means in the graph (``Main/thoushaltnotkill``
or ``Thou Shalt Not Kill`` is ``Main/ThouShaltNotKill``: titles and labels compared without case),
and :func:`defaults_used` says which parameters took their default.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pyoxigraph import Literal, NamedNode

from tropekg.query.saved import Param, QueryError, SavedQuery
from tropekg.rdf.iris import DEFAULT_BASE, IriScheme
from tropekg.rdf.namespaces import RDFS_NS, SKOS_NS, TK_NS, XSD_BOOLEAN, XSD_INTEGER
from tropekg.titles import CREATOR, TROPE, WORK, free_link_name, parse_title

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


def defaults_used(query: SavedQuery, given: dict[str, str]) -> list[Param]:
    """The parameters left out that take a default value (those whose default is null stay
    unbound and are not listed)."""
    return [p for p in query.params if p.name not in given and p.default is not None]


# Pages by their title or label, compared in lower case: tk:wikiName holds "Namespace/PageName".
_PAGE_BY_TITLE = f"{{ ?page <{TK_NS}wikiName> ?title FILTER(LCASE(STR(?title)) = ?wanted_title) }}"
_PAGE_BY_NAME = f"{{ ?page <{TK_NS}wikiName> ?title FILTER(LCASE(STRAFTER(STR(?title), \"/\")) = ?wanted_name) }}"
_PAGE_BY_LABEL = (f"{{ ?page <{RDFS_NS}label> ?label FILTER(LCASE(STR(?label)) = ?wanted_label) }} UNION "
                  f"{{ ?page <{SKOS_NS}altLabel> ?label FILTER(LCASE(STR(?label)) = ?wanted_label) }}")


def _in_graph(run, iri: NamedNode) -> bool:
    return run("ASK { ?page ?p ?o }", {"page": iri}).value


def resolve_title(param: Param, value: str, run: Callable, base: str = DEFAULT_BASE) -> tuple[str, str | None]:
    """The title a page parameter's value means in the graph ``run`` queries, and a note for the
    person when it is not the value as written (None when it is). ``Main/thoushaltnotkill``,
    ``thoushaltnotkill`` and ``Thou Shalt Not Kill`` find ``Main/ThouShaltNotKill``: its title
    and labels are compared without case, among pages of the parameter's kind. A value that names
    no page is left as it is when it is a title (the query then finds nothing, and the note says
    why), else it is a :class:`QueryError`; one that names several pages is one too."""
    if not value or len(value) > 512:
        return value, None
    iris = IriScheme(base)
    written = parse_title(value)
    role = _TITLE_ROLES.get(param.type)
    if written is not None and (role is None or written.role == role) and _in_graph(run, iris.resource(written)):
        return value, None
    patterns = [_PAGE_BY_LABEL]
    bindings: dict[str, Literal] = {"wanted_label": Literal(" ".join(value.split()).lower())}
    if written is not None and re.search(r"[/.]", value):
        patterns.append(_PAGE_BY_TITLE)
        bindings["wanted_title"] = Literal(str(written).lower())
    else:
        patterns.append(_PAGE_BY_NAME)
        bindings["wanted_name"] = Literal((written.name if written else free_link_name(value)).lower())
    rows = run(f"SELECT DISTINCT ?page WHERE {{ {' UNION '.join(patterns)} }}", bindings).rows
    found = sorted({t for (page,) in rows if isinstance(page, NamedNode)
                    and (t := iris.title_of(page.value)) is not None
                    and (role is None or t.role == role)}, key=str)
    if len(found) == 1:
        return str(found[0]), f"{param.name}={value} is {found[0]}"
    if len(found) > 1:
        shown = ", ".join(str(t) for t in found[:8]) + (", ..." if len(found) > 8 else "")
        raise QueryError(f"parameter {param.name}: {value!r} names {len(found)} pages ({shown}): "
                         f"give one as Namespace/PageName")
    if written is not None:
        return value, f"{param.name}={value}: no such {param.type} page in the graph"
    kind = f"{param.type} page" if param.type != "page" else "page"
    raise QueryError(f"parameter {param.name}: no {kind} in the graph has the title or name {value!r}; "
                     f"write it as Namespace/PageName, e.g. {param.example or 'Main/NeverHurtAnInnocent'}")


def resolve_titles(query: SavedQuery, given: dict[str, str], run: Callable,
                   base: str = DEFAULT_BASE) -> tuple[dict[str, str], list[str]]:
    """``given`` with each page parameter's value replaced by the title it means in the graph
    (:func:`resolve_title`), and the notes saying what was taken for what."""
    declared = {p.name: p for p in query.params}
    out = dict(given)
    notes = []
    for name, value in given.items():
        param = declared.get(name)
        if param is None or (param.type not in _TITLE_ROLES and param.type != "page"):
            continue
        out[name], note = resolve_title(param, value, run, base)
        if note:
            notes.append(note)
    return out, notes
