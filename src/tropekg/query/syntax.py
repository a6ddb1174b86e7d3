"""What is wrong with a query, in words a person can act on: SPARQL text (and a parser's message) in;
checks and one-line explanations out.

- :func:`read_only_form`: the query's form (SELECT, CONSTRUCT, ASK, DESCRIBE), or an error saying
  that an update cannot be run where only queries are.
- :func:`undeclared_prefixes`: the prefixes a query uses without declaring them, so a command can
  declare our usual ones (``tk:``, ``rdfs:``, ``skos:``, ...) for people who leave them out.
- :func:`describe_syntax_error`: where a query stops being SPARQL (line, column and the text
  there) and, when it can be told, what is wrong. pyoxigraph's parser reports the furthest point it
  reached and a list of the grammar rules it tried there (``expected one of Prefix not found,
  ['%'], ...``), often the end of the query; the SPARQL lexer of :mod:`tropekg.query.binding` names
  unclosed brackets and strings where they open and undeclared prefixes where they are used, and
  rdflib's parser (pyparsing) points at the start of the clause that does not parse.
"""

from __future__ import annotations

import re

from tropekg.query.binding import sparql_tokens
from tropekg.query.saved import QueryError

_OXIGRAPH_POSITION = re.compile(r"error at (\d+):(\d+): ?(.*)", re.DOTALL)
_SHOWN = 30


def read_only_form(text: str) -> str:
    """SELECT, CONSTRUCT, ASK or DESCRIBE; a :class:`QueryError` for an update (the message says
    the command is read-only), for text that is not a query, or for text the lexer cannot read."""
    try:
        tokens = sparql_tokens(text)
    except QueryError as e:
        raise QueryError(f"the query is not valid SPARQL: {e}") from None
    for token in tokens:
        word = token.word()
        if word in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
            return word
        if word in ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"):
            raise QueryError(f"this is a SPARQL update ({word}), and queries here are read-only: "
                             f"change the graph by loading a build (tropekg load)")
    raise QueryError("this is not a SPARQL query: it has no SELECT, CONSTRUCT, ASK or DESCRIBE")


def _declared_and_used(text: str) -> tuple[dict[str, int], set[str]]:
    """The prefixes the query uses (each with the offset of its first use) and those it declares."""
    tokens = sparql_tokens(text)
    declared: set[str] = set()
    used: dict[str, int] = {}
    for i, token in enumerate(tokens):
        if token.kind != "pname":
            continue
        prefix = token.text.split(":", 1)[0]
        if i > 0 and tokens[i - 1].word() == "PREFIX":
            declared.add(prefix)
        else:
            used.setdefault(prefix, token.start)
    return used, declared


def undeclared_prefixes(text: str) -> list[str]:
    """The prefixes ``text`` uses without a ``PREFIX`` line, in the order of their first use."""
    used, declared = _declared_and_used(text)
    return [p for p in sorted(used, key=used.get) if p not in declared]


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _offset(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return len(text)
    return min(start + column - 1, len(text))


def _shown_at(text: str, offset: int) -> str:
    rest = text[offset:].split("\n", 1)[0].strip()
    if not rest:
        return "at the end of the line" if text[offset:].strip() else "at the end of the query"
    return f"at {rest if len(rest) <= _SHOWN else rest[:_SHOWN - 1] + '…'!r}"


def _clause_that_fails(text: str) -> int | None:
    """The offset where rdflib's parser finds the clause that does not parse, if it fails too."""
    try:
        from pyparsing import ParseBaseException
        from rdflib.plugins.sparql.parser import parseQuery
    except ImportError:  # pragma: no cover - rdflib is a dependency
        return None
    try:
        parseQuery(text)
    except ParseBaseException as e:
        return e.loc
    except Exception:  # noqa: BLE001 - a second opinion only: its own bugs must not hide the first
        return None
    return None


def describe_syntax_error(text: str, message: str, known_prefixes: dict[str, str] | None = None) -> str:
    """One line saying where ``text`` stops being SPARQL and what is wrong, from a parser's
    ``message`` (pyoxigraph's ``error at LINE:COLUMN: expected ...``), never the parser's list of
    the rules it tried. ``known_prefixes`` were declared for the query outside its text."""
    try:
        used, declared = _declared_and_used(text)
    except QueryError as e:
        return str(e)  # an unclosed bracket or string, a stray character: named where it is
    m = _OXIGRAPH_POSITION.match(message.strip())
    expected = m.group(3) if m else message
    if "Prefix not found" in expected or m is None:
        for prefix, at in sorted(used.items(), key=lambda item: item[1]):
            if prefix not in declared and prefix not in (known_prefixes or {}):
                line, column = line_and_column(text, at)
                name = f"{prefix}:" if prefix else "the empty prefix :"
                return (f"line {line}, column {column}: the prefix {name} is not declared: add "
                        f"PREFIX {prefix}: <...> at the top")
    if m is None:
        first = message.strip().splitlines()[0] if message.strip() else "the query does not parse"
        return first if len(first) <= 200 else first[:199] + "…"
    offset = _offset(text, int(m.group(1)), int(m.group(2)))
    what = "this does not fit the SPARQL grammar here"
    if "IRI parsing failed" in expected:
        what = "an IRI there is not valid (no spaces, quotes or <> inside <...>)"
    clause = _clause_that_fails(text)
    if clause is not None and clause <= offset:
        offset = clause
    line, column = line_and_column(text, offset)
    return f"line {line}, column {column}, {_shown_at(text, offset)}: {what}"
