"""What a query sent to the site may not do: query text in, a :class:`QueryRefused` naming the
reason out (or nothing).

The site answers queries from anyone who can reach it, and Oxigraph evaluates ``SERVICE <url>`` by
fetching that URL from inside the server: a query could make it read any address the machine can
reach (the other services on 127.0.0.1 included) and show the answer. So ``SERVICE`` is refused,
by two independent checks that must both find nothing:

1. a scan of the query's tokens (strings, IRIs, comments and variables skipped the way SPARQL's
   grammar reads them, ``\\u`` escapes decoded first as the grammar says) for ``service`` in any
   keyword or name, even inside another word, so no spelling slips through a tokenizer that reads
   keywords without word boundaries;
2. when the letters appear anywhere at all, rdflib's SPARQL parser must read the query and find no
   ``SERVICE`` pattern in it; a query it cannot read is refused too, since it cannot be checked.

Updates never reach the store (the site opens it read-only and runs only queries); LOAD, CLEAR and
the rest are SPARQL Update operations, which the query parser rejects.
"""

from __future__ import annotations

import re

MAX_QUERY_CHARS = 100_000


class QueryRefused(Exception):
    """The query is not run; the message says why."""


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# SPARQL's lexical rules for the parts that may hold any text (sparql11-query, section 19.8).
_SKIPPED = (
    r'"""(?:(?:"|"")?(?:[^"\\]|\\[\s\S]))*"""'      # STRING_LITERAL_LONG2, escapes included
    r"|'''(?:(?:'|'')?(?:[^'\\]|\\[\s\S]))*'''"     # STRING_LITERAL_LONG1
    r'|"(?:[^"\\\n\r]|\\.)*"'                        # STRING_LITERAL2
    r"|'(?:[^'\\\n\r]|\\.)*'"                        # STRING_LITERAL1
    r'|<[^<>"{}|^`\\\x00-\x20]*>'                   # IRIREF
    r"|[?$][\w\u00b7\u0300-\u036f\u203f\u2040]+"     # VAR1 / VAR2
    r"|#[^\n\r]*"                                    # a comment
)
_TOKEN = re.compile(rf"(?P<skip>{_SKIPPED})|(?P<code>[^\s\"'<?$#]+|[\"'<?$#])")
_SERVICE = re.compile("service", re.IGNORECASE)


def _decode_escapes(text: str) -> str:
    def char(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)

    return _ESCAPE.sub(char, text)


def _service_in_code(text: str) -> bool:
    """Does ``service`` appear outside strings, IRIs, comments and variables?"""
    for m in _TOKEN.finditer(text):
        code = m.group("code")
        if code is not None and _SERVICE.search(code):
            return True
    return False


def _service_pattern_parsed(text: str) -> bool | None:
    """Parse with rdflib and look for a SERVICE pattern; ``None`` if rdflib cannot read it."""
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        parsed = parseQuery(text)
    except Exception:  # noqa: BLE001 - any failure to read it means it cannot be checked
        return None

    def walk(node) -> bool:
        if isinstance(node, CompValue):
            return node.name == "ServiceGraphPattern" or any(walk(v) for v in node.values())
        if isinstance(node, dict):
            return any(walk(v) for v in node.values())
        if isinstance(node, (list, tuple)) or hasattr(node, "asList"):
            return any(walk(v) for v in node)
        return False

    return walk(parsed)


def check_query(text: str) -> None:
    """Raise :class:`QueryRefused` if the site must not run this query."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryRefused(f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    decoded = _decode_escapes(text)
    if not _SERVICE.search(decoded):
        return  # without those letters there is no way to write the keyword
    refused = ("SERVICE is refused: this server never fetches other endpoints for a query "
               "(a name or keyword containing 'service' counts too; write such IRIs in full as <...>)")
    if _service_in_code(decoded):
        raise QueryRefused(refused)
    found = _service_pattern_parsed(decoded)
    if found is None:
        raise QueryRefused("the query mentions 'service' and rdflib's SPARQL parser cannot read it to "
                           "check that it makes no SERVICE call, so it is not run")
    if found:
        raise QueryRefused(refused)
