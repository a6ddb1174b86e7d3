"""Binding parameters: for adversarial query shapes, the bound query gives the rows of the query with
the term written in by hand, on the embedded store (through pyoxigraph's substitutions where they
apply, and through VALUES blocks) and on a real Oxigraph server; the lexer reads every token whole."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import BlankNode, Literal, NamedNode, Store

from tropekg.query.binding import bound_query_text, sparql_tokens, substitutions_for
from tropekg.query.saved import QueryError
from tropekg.store import StoreError
from tropekg.store.answers import Rows, Triples, to_answer
from tropekg.store.embedded import GraphStore
from tropekg.store.endpoint import Endpoint, EndpointError

from .sparql_server import oxigraph_server

EX = "http://example.org/"
PREFIX = f"PREFIX ex: <{EX}>\n"
T = NamedNode(EX + "T")

DATA = """@prefix ex: <http://example.org/> .
ex:g1 {
  ex:a ex:p ex:T ; ex:r ex:T ; ex:label "a" ; ex:n 1 .
  ex:b ex:p ex:U ; ex:label "b" ; ex:n 5 .
  ex:c ex:q ex:a , ex:b ; ex:label "c" .
  ex:d ex:q ex:e .
}
ex:g2 {
  ex:e ex:p ex:T .
  ex:b ex:r ex:U .
  ex:f ex:values ex:T .
  ex:h ex:label "a\\"} }{ DROP ALL" .
}
"""
NEEDLE = Literal('a"} }{ DROP ALL')

# (name, query, bindings, the query with the terms written in by hand, substitutions apply)
SHAPES = [
    ("projected variable", "SELECT ?x ?t WHERE { ?x ex:p ?t }", {"t": T},
     "SELECT ?x (ex:T AS ?t) WHERE { ?x ex:p ex:T }", True),
    ("variable not projected", "SELECT ?x WHERE { ?x ex:p ?t }", {"t": T},
     "SELECT ?x WHERE { ?x ex:p ex:T }", False),
    ("$ variable", "SELECT ?x WHERE { ?x ex:p $t }", {"t": T}, "SELECT ?x WHERE { ?x ex:p ex:T }", False),
    ("aggregate", "SELECT (COUNT(?x) AS ?n) WHERE { ?x ex:p ?t }", {"t": T},
     "SELECT (COUNT(?x) AS ?n) WHERE { ?x ex:p ex:T }", False),
    ("sub-select projecting the variable",
     "SELECT ?x ?t WHERE { { SELECT ?x ?t WHERE { ?x ex:p ?t } } }", {"t": T},
     "SELECT ?x (ex:T AS ?t) WHERE { { SELECT ?x WHERE { ?x ex:p ex:T } } }", False),
    ("sub-select not projecting the variable",
     "SELECT ?x WHERE { ?x ex:q ?y { SELECT ?y WHERE { ?y ex:p ?t } } }", {"t": T},
     "SELECT ?x WHERE { ?x ex:q ?y { SELECT ?y WHERE { ?y ex:p ex:T } } }", False),
    ("sub-select not projecting a variable the outer query projects",
     "SELECT ?x ?t WHERE { { SELECT ?x WHERE { ?x ex:p ?t } } }", {"t": T},
     "SELECT ?x (ex:T AS ?t) WHERE { { SELECT ?x WHERE { ?x ex:p ex:T } } }", False),
    ("sub-select after a comment",
     "SELECT ?x WHERE { ?x ex:q ?y { # the inner query\n SELECT ?y WHERE { ?y ex:p ?t } } }", {"t": T},
     "SELECT ?x WHERE { ?x ex:q ?y { SELECT ?y WHERE { ?y ex:p ex:T } } }", False),
    ("OPTIONAL", "SELECT ?x ?y ?t WHERE { ?x ex:q ?y OPTIONAL { ?y ex:p ?t } }", {"t": T},
     "SELECT ?x ?y (ex:T AS ?t) WHERE { ?x ex:q ?y OPTIONAL { ?y ex:p ex:T } }", True),
    ("OPTIONAL filtering on it", "SELECT ?x ?o WHERE { ?x ex:q ?y OPTIONAL { ?y ex:p ?o FILTER(?o = ?t) } }",
     {"t": T}, "SELECT ?x ?o WHERE { ?x ex:q ?y OPTIONAL { ?y ex:p ?o FILTER(?o = ex:T) } }", False),
    ("UNION", "SELECT ?x WHERE { { ?x ex:p ?t } UNION { ?x ex:r ?t } }", {"t": T},
     "SELECT ?x WHERE { { ?x ex:p ex:T } UNION { ?x ex:r ex:T } }", False),
    ("UNION, projected", "SELECT ?x ?t WHERE { { ?x ex:p ?t } UNION { ?x ex:r ?t } }", {"t": T},
     "SELECT ?x (ex:T AS ?t) WHERE { { ?x ex:p ex:T } UNION { ?x ex:r ex:T } }", True),
    ("MINUS sharing another variable", "SELECT DISTINCT ?x WHERE { ?x ex:label ?l MINUS { ?x ex:p ?t } }",
     {"t": T}, "SELECT DISTINCT ?x WHERE { ?x ex:label ?l MINUS { ?x ex:p ex:T } }", False),
    ("MINUS sharing only the bound variable", "SELECT ?x ?t WHERE { ?x ex:p ?t MINUS { ?y ex:r ?t } }",
     {"t": T}, "SELECT ?x (ex:T AS ?t) WHERE { ?x ex:p ex:T MINUS { ?y ex:r ex:T } }", False),
    ("nested MINUS", "SELECT ?x WHERE { ?x ex:label ?l MINUS { ?x ex:q ?y MINUS { ?y ex:p ?t } } }",
     {"t": T}, "SELECT ?x WHERE { ?x ex:label ?l MINUS { ?x ex:q ?y MINUS { ?y ex:p ex:T } } }", False),
    ("FILTER EXISTS", "SELECT ?x WHERE { ?x ex:q ?y FILTER EXISTS { ?y ex:p ?t } }", {"t": T},
     "SELECT ?x WHERE { ?x ex:q ?y FILTER EXISTS { ?y ex:p ex:T } }", False),
    ("FILTER NOT EXISTS, projected",
     "SELECT ?x ?y ?t WHERE { ?x ex:q ?y FILTER NOT EXISTS { ?y ex:p ?t } }", {"t": T},
     "SELECT ?x ?y (ex:T AS ?t) WHERE { ?x ex:q ?y FILTER NOT EXISTS { ?y ex:p ex:T } }", True),
    ("EXISTS in BIND", "SELECT ?x ?e WHERE { ?x ex:q ?y BIND(EXISTS { ?y ex:p ?t } AS ?e) }", {"t": T},
     "SELECT ?x ?e WHERE { ?x ex:q ?y BIND(EXISTS { ?y ex:p ex:T } AS ?e) }", False),
    ("GRAPH", "SELECT ?g ?x WHERE { GRAPH ?g { ?x ex:p ?t } }", {"t": T},
     "SELECT ?g ?x WHERE { GRAPH ?g { ?x ex:p ex:T } }", False),
    ("GRAPH name bound", "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": NamedNode(EX + "g2")},
     "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ex:g2 { ?s ?p ?o } }", True),
    ("property path sequence", "SELECT ?x WHERE { ?x ex:q/ex:p ?t }", {"t": T},
     "SELECT ?x WHERE { ?x ex:q/ex:p ex:T }", False),
    ("property path inverse and alternative", "SELECT ?x WHERE { ?t ^ex:p|^ex:r ?x }", {"t": T},
     "SELECT ?x WHERE { ex:T ^ex:p|^ex:r ?x }", False),
    ("zero-length property path", "SELECT ?x WHERE { ?x ex:q* ?t }", {"t": NamedNode(EX + "a")},
     "SELECT ?x WHERE { ?x ex:q* ex:a }", False),
    ("zero-length property path, projected", "SELECT ?x ?t WHERE { ?x ex:q* ?t }", {"t": NamedNode(EX + "a")},
     "SELECT ?x (ex:a AS ?t) WHERE { ?x ex:q* ex:a }", True),
    ("nested groups", "SELECT ?x WHERE { { { ?x ex:p ?t } } }", {"t": T},
     "SELECT ?x WHERE { { { ?x ex:p ex:T } } }", False),
    ("BIND from it", "SELECT ?x ?same WHERE { ?x ex:p ?o BIND(?o = ?t AS ?same) }", {"t": T},
     "SELECT ?x ?same WHERE { ?x ex:p ?o BIND(?o = ex:T AS ?same) }", False),
    ("projection expression", "SELECT ?x (?t AS ?u) WHERE { ?x ex:p ?t }", {"t": T},
     "SELECT ?x (ex:T AS ?u) WHERE { ?x ex:p ex:T }", False),
    ("VALUES already in the group", "SELECT ?x WHERE { VALUES ?x { ex:a ex:b ex:e } ?x ex:p ?t }", {"t": T},
     "SELECT ?x WHERE { VALUES ?x { ex:a ex:b ex:e } ?x ex:p ex:T }", False),
    ("VALUES of the bound variable", "SELECT ?x WHERE { VALUES ?t { ex:T ex:U } ?x ex:p ?t }", {"t": T},
     "SELECT ?x WHERE { ?x ex:p ex:T }", False),
    ("VALUES after the query", "SELECT ?x WHERE { ?x ex:p ?t } VALUES ?x { ex:a ex:b }", {"t": T},
     "SELECT ?x WHERE { ?x ex:p ex:T } VALUES ?x { ex:a ex:b }", False),
    ("CONSTRUCT template", "CONSTRUCT { ?x ex:tagged ?t } WHERE { ?x ex:r ?t }", {"t": T},
     "CONSTRUCT { ?x ex:tagged ex:T } WHERE { ?x ex:r ex:T }", True),
    ("CONSTRUCT, variable only in the template", "CONSTRUCT { ?x ex:tagged ?t } WHERE { ?x ex:q ?y }",
     {"t": T}, "CONSTRUCT { ?x ex:tagged ex:T } WHERE { ?x ex:q ?y }", False),
    ("CONSTRUCT WHERE", "CONSTRUCT WHERE { ?x ex:p ?t }", {"t": T}, "CONSTRUCT WHERE { ?x ex:p ex:T }", True),
    ("CONSTRUCT ordered by it", "CONSTRUCT { ?x ex:tagged ?t } WHERE { ?x ex:p ?t } ORDER BY ?t", {"t": T},
     "CONSTRUCT { ?x ex:tagged ex:T } WHERE { ?x ex:p ex:T }", True),
    ("grouped and ordered by it",
     "SELECT ?t (COUNT(?x) AS ?n) WHERE { ?x ex:p ?t } GROUP BY ?t ORDER BY ?t", {"t": T},
     "SELECT (ex:T AS ?t) (COUNT(?x) AS ?n) WHERE { ?x ex:p ex:T }", True),
    ("ordered by an expression of it", "SELECT ?x ?t WHERE { ?x ex:p ?t } ORDER BY DESC(STR(?t)) ?x", {"t": T},
     "SELECT ?x (ex:T AS ?t) WHERE { ?x ex:p ex:T }", False),
    ("ASK", "ASK { ?t ex:q ?y }", {"t": NamedNode(EX + "a")}, "ASK { ex:a ex:q ?y }", True),
    ("ASK filtering on a bound boolean", "ASK { ?x ex:p ?o FILTER(?b) }", {"b": Literal(True)},
     "ASK { ?x ex:p ?o FILTER(true) }", False),
    ("FILTER on a bound boolean, projected", "SELECT ?x ?b WHERE { ?x ex:p ?o FILTER(?b) }",
     {"b": Literal(True)}, "SELECT ?x (true AS ?b) WHERE { ?x ex:p ?o FILTER(true) }", False),
    ("DESCRIBE a bound variable", "DESCRIBE ?t", {"t": NamedNode(EX + "c")}, "DESCRIBE ex:c", False),
    ("DESCRIBE WHERE", "DESCRIBE ?x WHERE { ?x ex:r ?t }", {"t": T}, "DESCRIBE ?x WHERE { ?x ex:r ex:T }", False),
    ("less-than without spaces", "SELECT ?x WHERE { ?x ex:n ?n FILTER(?n<?limit&&?n>0) }",
     {"limit": Literal(3)}, "SELECT ?x WHERE { ?x ex:n ?n FILTER(?n<3&&?n>0) }", False),
    ("a string with quotes and braces", "SELECT ?x WHERE { ?x ex:label ?needle }", {"needle": NEEDLE},
     f"SELECT ?x WHERE {{ ?x ex:label {NEEDLE} }}", False),
    # issue 11: the old scanner read `values` in `?values` as the keyword and skipped the next group
    ("?values before a sub-select",
     "SELECT ?x WHERE { ?x ex:q ?values { SELECT ?values WHERE { ?values ex:p ?t } } }", {"t": T},
     "SELECT ?x WHERE { ?x ex:q ?values { SELECT ?values WHERE { ?values ex:p ex:T } } }", False),
    ("?construct before a sub-select",
     "SELECT ?construct WHERE { ?construct ex:q ?y { SELECT ?y WHERE { ?y ex:p ?t } } }", {"t": T},
     "SELECT ?construct WHERE { ?construct ex:q ?y { SELECT ?y WHERE { ?y ex:p ex:T } } }", False),
    ("bound variables named like keywords",
     "SELECT ?select ?graph WHERE { ?select ?where ?graph FILTER NOT EXISTS { ?graph ex:p ?optional } }",
     {"where": NamedNode(EX + "q"), "optional": T},
     "SELECT ?select ?graph WHERE { ?select ex:q ?graph FILTER NOT EXISTS { ?graph ex:p ex:T } }", False),
    ("bound ?values and ?construct", "SELECT ?x WHERE { ?x ?values ?construct { SELECT ?x WHERE { ?x ?p ?construct } } }",
     {"values": NamedNode(EX + "values"), "construct": T},
     "SELECT ?x WHERE { ?x ex:values ex:T { SELECT ?x WHERE { ?x ?p ex:T } } }", False),
    ("keywords in prefixed names, strings, comments and language tags",
     ("PREFIX values: <http://example.org/>\nSELECT ?x WHERE {\n"
     "  FILTER(?y != \"} VALUES ?t { CONSTRUCT {\"@where && ?y != '''it's \"}\" {''')\n"
     "  ?x values:q ?y  # { SELECT ?t WHERE {\n"
     "  { SELECT ?y WHERE { ?y values:construct|values:p ?t } } }"), {"t": T},
     "SELECT ?x WHERE { ?x ex:q ?y { SELECT ?y WHERE { ?y ex:construct|ex:p ex:T } } }", False),
]
IDS = [s[0] for s in SHAPES]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("binding") / "shapes.trig"
    path.write_text(DATA, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def local(dataset) -> GraphStore:
    store = GraphStore.in_memory()
    store.load([dataset])
    return store


@pytest.fixture(scope="module")
def remote(dataset, tmp_path_factory) -> Endpoint:
    with oxigraph_server(tmp_path_factory.mktemp("binding-server")) as server:
        endpoint = Endpoint(server.query_url, server.update_url, server.graph_store_url)
        endpoint.load([dataset])
        yield endpoint


def comparable(result):
    if isinstance(result, Rows):
        return result.columns, sorted(tuple(str(v) for v in row) for row in result.rows)
    if isinstance(result, Triples):
        return sorted(str(t) for t in result.triples)
    return result.value


@pytest.mark.parametrize(("name", "query", "bindings", "hand", "substitutes"), SHAPES, ids=IDS)
def test_each_shape_gives_the_rows_of_the_terms_written_by_hand_on_the_embedded_store(
        local, name, query, bindings, hand, substitutes):
    query, hand = PREFIX + query, PREFIX + hand
    expected = comparable(local.run(hand))
    assert comparable(local.run(query)) != expected, "the case does not depend on the binding"
    assert comparable(local.run(query, bindings)) == expected
    # both ways of binding, each on its own
    by_values = local.store.query(bound_query_text(query, bindings))  # the merged graph, as run reads it
    assert comparable(to_answer(by_values)) == expected
    substitutions = substitutions_for(query, bindings)
    assert (substitutions is not None) == substitutes
    if substitutions:
        by_substitution = local.store.query(query, substitutions=substitutions)
        assert comparable(to_answer(by_substitution)) == expected


@pytest.mark.parametrize(("name", "query", "bindings", "hand", "substitutes"), SHAPES, ids=IDS)
def test_each_shape_gives_the_rows_of_the_terms_written_by_hand_on_a_remote_endpoint(
        remote, local, name, query, bindings, hand, substitutes):
    query, hand = PREFIX + query, PREFIX + hand
    expected = comparable(remote.run(hand))
    assert expected == comparable(local.run(hand))  # the same data on both
    assert comparable(remote.run(query, bindings)) == expected


def test_each_group_gets_a_block_and_nothing_else_does():
    query = """PREFIX ex: <http://example.org/odd#>
CONSTRUCT { ?x ex:p ?trope } WHERE {
  ?x ex:p "a { brace" .  # a { in a comment
  OPTIONAL { ?x ex:q ?y }
  { SELECT ?z WHERE { ?z ex:r ?trope } }
  VALUES ?w { ex:a ex:b }
  FILTER NOT EXISTS { ?x ex:s ?s }
}"""
    bindings = {"trope": T, "s": Literal('x"} } DROP ALL { {')}
    block = 'VALUES (?s ?trope) { ("x\\"} } DROP ALL { {" <http://example.org/T>) }'
    bound = bound_query_text(query, bindings)
    # WHERE, the sub-select's WHERE, NOT EXISTS; not the OPTIONAL, which mentions neither variable
    assert bound.count(block) == 3
    assert "OPTIONAL { ?x ex:q ?y }" in bound
    assert "CONSTRUCT { ?x ex:p ?trope }" in bound
    assert "VALUES ?w { ex:a ex:b }" in bound
    assert '"a { brace"' in bound and "# a { in a comment" in bound
    assert "{ SELECT ?z" in bound
    Store().query(bound)  # valid SPARQL


def test_minus_gets_fresh_names_that_clash_with_nothing():
    bound = bound_query_text("SELECT ?x WHERE { ?x ?p ?t_1 MINUS { ?x ?p ?t } }", {"t": T})
    assert "MINUS { VALUES (?t_2) { (<http://example.org/T>) }  ?x ?p ?t_2 }" in bound
    assert "?x ?p ?t_1 MINUS" in bound


def test_no_bindings_or_unused_ones_leave_the_query_untouched():
    query = "SELECT * WHERE { ?s ?p ?o }"
    assert bound_query_text(query, {}) == query
    assert bound_query_text(query, {"trope": T}) == query  # the query has no ?trope
    assert substitutions_for(query, {"trope": T}) == {}


def test_the_lexer_reads_each_token_whole():
    text = ("PREFIX values: <http://e/#> SELECT $construct WHERE { # { VALUES\n"
            "?values values:where _:select . ?x ?p 'it''s', \"\"\"a \"} \"\"\", '''x''', \"y\"@en-GB, 1.5e3 , -2 "
            "FILTER(?a<?b&&?c>?d || ?e < <http://e/x>) }")
    tokens = [(t.kind, t.text) for t in sparql_tokens(text)]
    assert ("pname", "values:where") in tokens and ("var", "?values") in tokens
    assert ("var", "$construct") in tokens and ("bnode", "_:select") in tokens
    assert ("iri", "<http://e/#>") in tokens  # a # in an IRI starts no comment
    assert ("string", "'it'") in tokens and ("string", "'s'") in tokens
    assert ("string", '"""a "} """') in tokens and ("string", "'''x'''") in tokens
    assert ("langtag", "@en-GB") in tokens and ("number", "1.5e3") in tokens
    assert [t for t in tokens if t[0] == "word"] == [
        ("word", "PREFIX"), ("word", "SELECT"), ("word", "WHERE"), ("word", "FILTER")]
    # in an expression `<` after an operand is less-than; before one it starts an IRI
    assert ("var", "?b") in tokens and ("var", "?c") in tokens and ("iri", "<http://e/x>") in tokens
    assert tokens.count(("punct", "<")) == 2
    # outside expressions `<` always starts an IRI: in a collection, after a var, after FILTER's IN (
    more = [(t.kind, t.text) for t in sparql_tokens(
        "SELECT * { ?s <http://e/m> (?a <http://e/x>) FILTER(?a IN (<http://e/y>)) }")]
    assert ("iri", "<http://e/x>") in more and ("iri", "<http://e/y>") in more


@pytest.mark.parametrize(("text", "message"), [
    ("SELECT * WHERE {\n  ?s ?p 'open\n}", "line 2, column 9: a string that does not end"),
    ("SELECT * WHERE { ?s ?p ?o ", "line 1, column 16: '{' is never closed"),
    ("SELECT * WHERE { ?s ?p ?o ) }", "line 1, column 27: ')' closes nothing open"),
    ("SELECT * WHERE { ?s ?p ?o ~ }", "line 1, column 27: unexpected '~'"),
])
def test_a_query_the_lexer_cannot_read_is_a_clear_error(text, message):
    with pytest.raises(QueryError, match=re.escape(message)):
        bound_query_text(text, {"s": T})


@pytest.mark.parametrize(("bindings", "message"), [
    ({"a b": T}, "not a SPARQL variable name"),
    ({"x) { } DROP ALL": T}, "not a SPARQL variable name"),
    ({"t": BlankNode()}, "an IRI or a literal"),
])
def test_bad_names_and_terms_are_refused(bindings, message):
    with pytest.raises(QueryError, match=message):
        bound_query_text("SELECT * WHERE { ?t ?p ?o }", bindings)
    with pytest.raises(QueryError, match=message):
        substitutions_for("SELECT * WHERE { ?t ?p ?o }", bindings)


def test_updates_and_escapes_in_the_query_text_are_refused():
    with pytest.raises(QueryError, match="update"):
        bound_query_text("INSERT { ?t ?t ?t } WHERE { ?t ?p ?o }", {"t": T})
    with pytest.raises(QueryError, match="escape"):
        bound_query_text("SELECT * WHERE { ?t ?p '\\u0041' }", {"t": T})


def test_a_binding_error_is_the_backends_own_error(local):
    with pytest.raises(StoreError, match="cannot bind the parameters: line 1"):
        local.run("SELECT * WHERE { ?t ?p 'open }", {"t": T})
    with pytest.raises(EndpointError, match="cannot bind the parameters: line 1"):
        Endpoint("http://127.0.0.1:1/query", retries=0).run("SELECT * WHERE { ?t ?p 'open }", {"t": T})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
def test_any_string_value_comes_back_unchanged_through_a_values_block(value):
    query = "SELECT ?w WHERE { BIND(?v AS ?w) }"
    assert substitutions_for(query, {"v": Literal(value)}) is None  # an expression: VALUES
    rows = list(Store().query(bound_query_text(query, {"v": Literal(value)})))
    assert [row["w"] for row in rows] == [Literal(value)]
