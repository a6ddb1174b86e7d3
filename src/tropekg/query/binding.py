"""Binding query parameters: a SPARQL query and RDF terms for some of its variables in, a query
ready to run out.

What a binding means: a bound variable stands for its term everywhere in the query, as if the term
were written in by hand at each place the variable appears (sub-selects, MINUS and EXISTS groups
included), and a projected bound variable shows its term in every row. A bound variable the query
never mentions is ignored.

One method for every backend, :func:`bound_query_text`: the query is read by a SPARQL 1.1 lexer
(:func:`sparql_tokens`: the terminals of the grammar, so strings in all four quote forms, IRIs,
comments, ``?var``/``$var`` variables, prefixed names, blank node labels, language tags and numbers
are each read whole, and ``?values`` or ``ex:construct`` are never taken for keywords), and a
``VALUES`` block holding the terms is put at the start of every group graph pattern that mentions a
bound variable (itself or in a group inside it; ``BIND`` s for Virtuoso go in every group): after ``WHERE {``, ``OPTIONAL {``, ``UNION {``,
``GRAPH ?g {``, ``EXISTS {``, a sub-select's own ``WHERE {`` and every nested ``{``; and always after a
query's and a sub-select's own ``WHERE {``. CONSTRUCT templates, VALUES data blocks and the ``{`` that holds a
sub-select get none. Inside a ``MINUS`` group each bound variable is renamed to a fresh one (bound to
the same term): MINUS removes only solutions that share a variable with it, and a term written in
by hand is not a shared variable. ``CONSTRUCT WHERE { ... }`` is written out as ``CONSTRUCT { ... }
WHERE { ... }``, and a ``DESCRIBE`` without a group gets ``WHERE { VALUES ... }``. Terms are written
by pyoxigraph (IRIs in ``<>``, literals escaped), so a value never becomes query text; a query text
holding a ``\\u`` escape is refused, because servers differ in where they read such escapes.
One difference no block can remove: by the SPARQL algebra a zero-length path (``ex:p*``) to a term
written by hand matches that term even when the data never mentions it, and a bound variable
matches only the data's nodes (Oxigraph answers nothing in both cases).

On the embedded store, :func:`substitutions_for` gives pyoxigraph's ``substitutions`` instead, in
the query shapes where pyoxigraph 0.5 gives the rows above: measured, its substitution needs each
bound variable in the SELECT projection (for ASK and CONSTRUCT: in scope in the WHERE pattern), does
not reach a sub-select that does not project the variable nor a projection expression, lets MINUS
see the variable as shared, drops every row of ``FILTER(?v)``, and rejects DESCRIBE ... WHERE. So
it is used for SELECT queries projecting every bound variable, and for ASK and CONSTRUCT, when each
bound variable appears only in triple patterns (and GRAPH names, VALUES headers, the template, the
projection, GROUP BY and ORDER BY) outside sub-selects and MINUS; every other query takes
:func:`bound_query_text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple

from pyoxigraph import Literal, NamedNode, Variable

from tropekg.query.saved import QueryError

# -- the SPARQL 1.1 terminals (https://www.w3.org/TR/sparql11-query/#terminals) ----------------
_PN_CHARS_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
                  "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
                  "\U00010000-\U000effff")
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ESCAPE = rf"(?:\\[tbnrf\\\"']|{_UCHAR})"

_SKIP = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*")
_IRIREF = re.compile(rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>")
_STRING = re.compile(
    rf"'''(?:(?:'|'')?(?:[^'\\]|{_ESCAPE}))*'''" + rf'|"""(?:(?:"|"")?(?:[^"\\]|{_ESCAPE}))*"""'
    + rf"|'(?:[^'\\\r\n]|{_ESCAPE})*'" + rf'|"(?:[^"\\\r\n]|{_ESCAPE})*"'
)
_VAR = re.compile(f"[?$]{_VARNAME}")
_BNODE = re.compile(f"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?")
_PNAME = re.compile(f"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?")
_NUMBER = re.compile(r"[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+"
                     r"|[0-9]*\.[0-9]+|[0-9]+")
_LANGTAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_PUNCT = re.compile(r"\^\^|&&|\|\||!=|<=|>=|<<|>>|[{}()\[\];,.=<>!+\-*/^|?]")
_VARIABLE_NAME = re.compile(_VARNAME)
_UNICODE_ESCAPE = re.compile(r"\\[uU][0-9A-Fa-f]{4}")

_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
_UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
# Tokens after which `<` in an expression is the less-than operator rather than the start of an IRI.
_OPERAND_ENDS = ("var", "iri", "pname", "bnode", "string", "langtag", "number")
_MODIFIERS = ("GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES")


class Frame(NamedTuple):
    """An open bracket around a token: what it holds, and the index of the token that opened it.

    kind: ``query`` (the whole query), ``select`` (the ``{`` holding a sub-select), ``group`` (a
    group graph pattern), ``template`` (a CONSTRUCT template), ``shortform`` (the pattern of
    ``CONSTRUCT WHERE { ... }``), ``data`` (a VALUES data block), ``expr`` (parentheses in an
    expression) or ``list`` (a collection, ``[ ... ]``, or a VALUES variable list or row)."""

    kind: str
    at: int


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # iri, pname, bnode, var, string, langtag, number, word or punct
    text: str
    start: int
    end: int
    frames: tuple[Frame, ...]  # the brackets around the token, outermost first
    opens: str | None = None  # for ( [ {: the kind of frame the bracket opens

    def word(self) -> str:
        """The keyword this token spells (upper case), or "" if it is not a bare word."""
        return self.text.upper() if self.kind == "word" else ""


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


@lru_cache(maxsize=64)  # the same saved query is bound again and again (one run per graph)
def sparql_tokens(text: str) -> tuple[Token, ...]:
    """The tokens of a SPARQL query, comments and white space left out, each with the brackets
    around it. A query that cannot be read (an unclosed string or bracket, a stray character) is a
    :class:`QueryError` naming the line and column."""
    tokens: list[Token] = []
    frames: list[Frame] = [Frame("query", -1)]
    values_pending = False  # a VALUES keyword whose data block has not opened yet
    construct = ""  # "keyword" right after CONSTRUCT, "short" in CONSTRUCT WHERE { ... }
    pos = _SKIP.match(text, 0).end()
    while pos < len(text):
        ctx = frames[-1].kind
        prev = tokens[-1] if tokens else None
        char = text[pos]
        kind = "punct"
        m = None
        if char == "<":
            after_operand = prev is not None and (
                prev.kind in _OPERAND_ENDS or prev.text == ")" or prev.word() in ("TRUE", "FALSE"))
            if not (ctx == "expr" and after_operand):
                m = _IRIREF.match(text, pos)
                kind = "iri" if m else "punct"
        elif char in "\"'":
            m = _STRING.match(text, pos)
            if not m:
                raise QueryError(f"{_where(text, pos)}: a string that does not end (or holds a bad escape)")
            kind = "string"
        elif char in "?$":
            m = _VAR.match(text, pos)
            kind = "var" if m else "punct"
        elif text.startswith("_:", pos):
            m, kind = _BNODE.match(text, pos), "bnode"
        elif char == "@":
            m, kind = _LANGTAG.match(text, pos), "langtag"
        elif char.isdigit() or (char == "." and text[pos + 1:pos + 2].isdigit()):
            m, kind = _NUMBER.match(text, pos), "number"
        else:
            m = _PNAME.match(text, pos)
            if m:
                kind = "pname"
            else:
                m = _WORD.match(text, pos)
                kind = "word" if m else "punct"
        if m is None and kind == "punct":
            m = _PUNCT.match(text, pos)
        if m is None:
            raise QueryError(f"{_where(text, pos)}: unexpected {text[pos]!r}")
        token = Token(kind, m.group(), pos, m.end(), tuple(frames))

        # Which bracket opens what: the context decides how later tokens are read.
        if construct == "keyword" and len(frames) == 1:
            construct = "template" if token.text == "{" else "short"
        if token.text in ("{", "(", "["):
            if token.text == "{":
                if values_pending:
                    opens, values_pending = "data", False
                elif construct == "template" and len(frames) == 1:
                    opens, construct = "template", ""
                elif construct == "short" and len(frames) == 1:
                    opens, construct = "shortform", ""
                else:
                    opens = "group"
            elif token.text == "[" or ctx in ("list", "template", "data") or values_pending:
                opens = "list"
            elif ctx in ("expr", "query", "select"):
                opens = "expr"
            elif prev is not None and (
                    (prev.kind == "word" and prev.word() not in ("A", "TRUE", "FALSE", "UNDEF"))
                    or (prev.kind in ("iri", "pname") and len(tokens) > 1 and tokens[-2].word() == "FILTER")):
                opens = "expr"  # FILTER(, BIND(, a built-in call, or a function call after FILTER
            else:
                opens = "list"  # a collection in a triple pattern
            token = replace(token, opens=opens)
            frames.append(Frame(opens, len(tokens)))
        elif token.text in ("}", ")", "]"):
            opener = tokens[frames[-1].at].text if len(frames) > 1 else ""
            if {"}": "{", ")": "(", "]": "["}[token.text] != opener:
                raise QueryError(f"{_where(text, pos)}: {token.text!r} closes nothing open")
            frames.pop()
        elif token.kind == "word":
            word = token.word()
            if word == "VALUES" and ctx in ("query", "select", "group"):
                values_pending = True
            elif word == "CONSTRUCT" and len(frames) == 1:
                construct = "keyword"
            elif word == "SELECT" and prev is not None and prev.text == "{" and frames[-1].at == len(tokens) - 1:
                # `{ SELECT`: the bracket holds a sub-select, read like a query of its own
                frames[-1] = Frame("select", frames[-1].at)
                tokens[-1] = replace(prev, opens="select")
                token = replace(token, frames=tuple(frames))
        tokens.append(token)
        pos = _SKIP.match(text, m.end()).end()
    if len(frames) > 1:
        opener = tokens[frames[-1].at]
        raise QueryError(f"{_where(text, opener.start)}: {opener.text!r} is never closed")
    return tuple(tokens)


def query_form_of(tokens: tuple[Token, ...]) -> str:
    """SELECT, CONSTRUCT, ASK or DESCRIBE; a :class:`QueryError` for an update or anything else."""
    for token in tokens:
        word = token.word()
        if word in _FORMS:
            return word
        if word in _UPDATES:
            raise QueryError(f"this is a SPARQL update ({word}), not a query")
    raise QueryError("this is not a SPARQL query (no SELECT, CONSTRUCT, ASK or DESCRIBE)")


def _checked(bindings: dict) -> dict[str, NamedNode | Literal]:
    for name, term in bindings.items():
        if not isinstance(name, str) or not _VARIABLE_NAME.fullmatch(name):
            raise QueryError(f"{name!r} is not a SPARQL variable name")
        if not isinstance(term, NamedNode | Literal):
            raise QueryError(f"?{name} can only be bound to an IRI or a literal, not {term!r}")
    return bindings


def _mentioned(tokens: tuple[Token, ...], bindings: dict) -> list[str]:
    used = {t.text[1:] for t in tokens if t.kind == "var"}
    return sorted(name for name in bindings if name in used)


def _after_minus(tokens: tuple[Token, ...], frame: Frame) -> bool:
    return frame.kind in ("group", "select") and frame.at > 0 and tokens[frame.at - 1].word() == "MINUS"


def bound_query_text(text: str, bindings: dict, *, as_bind: bool = False) -> str:
    """The query with its variables bound by ``VALUES`` blocks (see the module docstring): the same
    rows on any SPARQL 1.1 store as the query with each term written in by hand.

    ``as_bind`` writes ``BIND(term AS ?name)`` instead, which means the same at the start of a
    group (a join with one solution): Virtuoso 7.2 refuses a property path (``tk:subTropeOf+``)
    whose start only a ``VALUES`` block binds ("transitive start not given"), but takes ``BIND``."""
    if not bindings:
        return text
    terms = {name: str(term) for name, term in _checked(bindings).items()}
    if _UNICODE_ESCAPE.search(text):
        raise QueryError("the query text holds a \\u escape, which stores read in different places: "
                         "write the character itself to bind parameters in it")
    tokens = sparql_tokens(text)
    names = _mentioned(tokens, terms)
    if not names:
        return text
    form = query_form_of(tokens)

    # Each MINUS group gets fresh names for the bound variables, so MINUS shares none of them.
    taken = {t.text[1:] for t in tokens if t.kind == "var"}
    renamed: dict[int, dict[str, str]] = {}
    for i, token in enumerate(tokens):
        if token.opens in ("group", "select") and _after_minus(tokens, Frame(token.opens, i)):
            fresh = {}
            for name in names:
                n = 1
                while f"{name}_{n}" in taken:
                    n += 1
                taken.add(f"{name}_{n}")
                fresh[name] = f"{name}_{n}"
            renamed[i] = fresh

    def names_in(frames: tuple[Frame, ...]) -> dict[str, str]:
        for frame in reversed(frames):
            if frame.at in renamed:
                return renamed[frame.at]
        return {name: name for name in names}

    def block(frames: tuple[Frame, ...]) -> str:
        emitted = names_in(frames)
        if as_bind:
            return " " + " ".join(f"BIND({terms[n]} AS ?{emitted[n]})" for n in names) + " "
        variables = " ".join("?" + emitted[n] for n in names)
        return f" VALUES ({variables}) {{ ({' '.join(terms[n] for n in names)}) }} "

    # The groups that mention a bound variable, directly or in a nested group. A group that does
    # not gets no block: the block at the start of the group around it already binds the variable
    # for it, and a block in an OPTIONAL or a UNION branch that does not use the variable would
    # have the store match the branch against the whole graph before joining (measured: 30x slower
    # on Oxigraph for example-provenance). A query's or sub-select's own WHERE group always gets
    # one, so a projected variable shows its term even when no pattern uses it. BINDs (for Virtuoso)
    # still go in every group: Virtuoso 7.2 fails with an internal error ("no SPART_VARR_FIXED") on
    # an OPTIONAL left without one below a bound variable.
    mentioning = {frame.at for t in tokens if t.kind == "var" and t.text[1:] in names for frame in t.frames}

    # (start, end, text): an insertion where start == end, a renamed variable otherwise
    edits: list[tuple[int, int, str]] = []
    has_group = False
    for i, token in enumerate(tokens):
        if token.kind == "var" and token.text[1:] in names:
            emitted = names_in(token.frames)[token.text[1:]]
            if emitted != token.text[1:]:
                edits.append((token.start, token.end, "?" + emitted))
        elif token.opens in ("group", "shortform"):
            has_group = True
            if as_bind or token.opens == "shortform" or i in mentioning or token.frames[-1].kind in ("query", "select"):
                edits.append((token.end, token.end, block(token.frames + (Frame(token.opens, i),))))
            if token.opens == "shortform":
                # CONSTRUCT WHERE { T } is CONSTRUCT { T } WHERE { T }: spell the template out
                close = next(t for t in tokens[i + 1:] if t.text == "}" and t.frames[-1].at == i)
                where = tokens[i - 1]
                if where.word() != "WHERE":
                    raise QueryError(f"{_where(text, token.start)}: CONSTRUCT without a template needs WHERE")
                edits.append((where.start, where.start, "{" + text[token.end:close.start] + "} "))
        elif token.opens == "select":
            has_group = True
    if not has_group:
        if form != "DESCRIBE":
            raise QueryError(f"the {form} query has no group graph pattern to bind its parameters in")
        # DESCRIBE ?x: the bound terms need a WHERE of their own, before any solution modifier
        last = tokens[-1]
        for token in tokens:
            if token.word() in _MODIFIERS and len(token.frames) == 1:
                break
            last = token
        edits.append((last.end, last.end, " WHERE {" + block((Frame("query", -1),)) + "}"))

    out: list[str] = []
    pos = 0
    # insertions before replacements at the same place; edits never overlap
    for start, end, insert in sorted(edits, key=lambda e: (e[0], e[1] != e[0])):
        out.append(text[pos:start])
        out.append(insert)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def substitutions_for(text: str, bindings: dict) -> dict[Variable, NamedNode | Literal] | None:
    """The bindings as pyoxigraph ``substitutions``, when they give the same rows as
    :func:`bound_query_text` (see the module docstring for the shapes); else None."""
    if not bindings:
        return {}
    bindings = _checked(bindings)
    tokens = sparql_tokens(text)
    names = _mentioned(tokens, bindings)
    if not names:
        return {}
    form = query_form_of(tokens)
    if form not in ("SELECT", "CONSTRUCT", "ASK"):
        return None
    projected: set[str] = set()
    in_scope: set[str] = set()
    in_projection = False
    last_word = ""  # the last keyword outside all brackets
    for token in tokens:
        if len(token.frames) == 1:
            if token.word() == "SELECT":
                in_projection = True
            elif token.text == "{" or token.word() in ("WHERE", "FROM"):
                in_projection = False
            last_word = token.word() or last_word
        if token.kind != "var" or token.text[1:] not in names:
            continue
        name = token.text[1:]
        kinds = [f.kind for f in token.frames]
        if "select" in kinds or any(_after_minus(tokens, f) for f in token.frames):
            return None
        if kinds[-1] == "query":
            if in_projection:
                projected.add(name)
            elif last_word != "BY":
                return None  # a trailing VALUES header; GROUP BY ?v and ORDER BY ?v are fine
        elif kinds[-1] in ("group", "shortform"):
            if "expr" not in kinds:
                in_scope.add(name)
        elif kinds[-1] != "template":
            return None  # an expression, a collection, a VALUES data block
    needed = projected if form == "SELECT" else in_scope
    if not all(name in needed for name in names):
        return None
    return {Variable(name): bindings[name] for name in names}
