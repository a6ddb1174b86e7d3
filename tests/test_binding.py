"""Binding parameters with VALUES blocks: every group gets one, nothing else does, and the query
stays valid SPARQL whatever the values hold."""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode, Store

from tropekg.query.saved import QueryError, with_values

BINDINGS = {"trope": NamedNode("http://example.org/T"), "s": Literal('x"} } DROP ALL { {')}
BLOCK = 'VALUES (?s ?trope) { ("x\\"} } DROP ALL { {" <http://example.org/T>) }'


def test_each_group_gets_the_block_and_nothing_else_does():
    query = """PREFIX ex: <http://example.org/odd#>
CONSTRUCT { ?x ex:p ?trope } WHERE {
  ?x ex:p "a { brace" .  # a { in a comment
  OPTIONAL { ?x ex:q ?y }
  { SELECT ?z WHERE { ?z ex:r ?trope } }
  VALUES ?w { ex:a ex:b }
  FILTER NOT EXISTS { ?x ex:s ?s }
}"""
    bound = with_values(query, BINDINGS)
    assert bound.count(BLOCK) == 4  # WHERE, OPTIONAL, the sub-select's WHERE, NOT EXISTS
    assert "CONSTRUCT { ?x ex:p ?trope }" in bound
    assert "VALUES ?w { ex:a ex:b }" in bound
    assert '"a { brace"' in bound and "# a { in a comment" in bound
    assert "{ SELECT ?z" in bound
    Store().query(bound)  # valid SPARQL


def test_a_query_without_a_group_is_refused():
    with pytest.raises(QueryError, match="no WHERE"):
        with_values("DESCRIBE <http://example.org/x>", BINDINGS)


def test_no_bindings_leave_the_query_untouched():
    assert with_values("SELECT * WHERE { ?s ?p ?o }", {}) == "SELECT * WHERE { ?s ?p ?o }"


def test_bound_values_select_as_substitution_would():
    store = Store()
    store.update('INSERT DATA { <http://example.org/a> <http://example.org/p> <http://example.org/T> . '
                 '<http://example.org/b> <http://example.org/p> <http://example.org/U> }')
    query = "SELECT ?x WHERE { { ?x <http://example.org/p> ?trope } UNION { ?x <http://example.org/q> ?trope } }"
    rows = [s["x"].value for s in store.query(with_values(query, {"trope": NamedNode("http://example.org/T")}))]
    assert rows == ["http://example.org/a"]
