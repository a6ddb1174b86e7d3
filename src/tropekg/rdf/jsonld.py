"""Serialising graphs for other datasets: a pyoxigraph store in, Turtle / JSON-LD / TriG files out.

Turtle and TriG come from pyoxigraph's own writers (fast, streaming). Compact JSON-LD is written node
by node from the store with the shipped context (``ontology/context.jsonld``) embedded, so nothing is
fetched to read it and memory does not grow with the graph: pyoxigraph's JSON-LD writer has no
compaction, and compacting a whole-wiki graph with pyld would hold it all in memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import IO

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Store

from tropekg.rdf.namespaces import RDF_TYPE, XSD_BOOLEAN, XSD_INTEGER, XSD_STRING, prefixes_for
from tropekg.shipped import context_path

_CANONICAL_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")


def native(literal: Literal) -> bool | int | None:
    """A boolean or an integer as JSON carries it natively (``true``, ``12``), when reading it back
    gives the same literal; else None (the lexical form is kept, as a string with its type)."""
    datatype = literal.datatype.value
    if datatype == XSD_BOOLEAN.value and literal.value in ("true", "false"):
        return literal.value == "true"
    # JSON-LD turns a number of 21 digits or more into a double; stay well inside
    if datatype == XSD_INTEGER.value and _CANONICAL_INTEGER.fullmatch(literal.value) \
            and abs(int(literal.value)) < 2**53:
        return int(literal.value)
    return None


@lru_cache(maxsize=1)
def shipped_context() -> dict:
    with open(context_path(), encoding="utf-8") as f:
        return json.load(f)["@context"]


class _Compactor:
    """Compacts IRIs and values with a JSON-LD context whose terms we wrote ourselves."""

    def __init__(self, context: dict):
        self.context = context
        self.prefixes = sorted(
            ((name, iri) for name, iri in context.items()
             if isinstance(iri, str) and not name.startswith("@") and iri.endswith(("#", "/"))),
            key=lambda kv: -len(kv[1]),
        )
        self.terms: dict[str, tuple[str, dict]] = {}  # full IRI -> (term, definition)
        for name, definition in context.items():
            if name.startswith("@") or name in dict(self.prefixes):
                continue
            iri = definition if isinstance(definition, str) else definition.get("@id")
            if not iri:
                continue
            full = self.expand(iri)
            spec = definition if isinstance(definition, dict) else {}
            # the first term for an IRI wins; terms with no coercion are kept for classes
            self.terms.setdefault(full, (name, spec))

    def expand(self, value: str) -> str:
        prefix, sep, rest = value.partition(":")
        if sep and prefix in self.context and isinstance(self.context[prefix], str):
            return self.context[prefix] + rest
        return value

    def iri(self, iri: str) -> str:
        """A compact IRI (``tkr:Main/Foo``) where a prefix fits, else the IRI itself."""
        for name, ns in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{name}:{iri[len(ns):]}"
        return iri

    def vocab(self, iri: str) -> str:
        """A term name for a class or individual where the context has one."""
        term = self.terms.get(iri)
        return term[0] if term else self.iri(iri)

    def value(self, spec: dict, obj) -> object:
        coercion = spec.get("@type")
        if isinstance(obj, NamedNode):
            if coercion == "@id":
                return self.iri(obj.value)
            if coercion == "@vocab":
                return self.vocab(obj.value)
            return {"@id": self.iri(obj.value)}
        if isinstance(obj, BlankNode):
            return {"@id": f"_:{obj.value}"}
        assert isinstance(obj, Literal)
        if obj.language:
            if spec.get("@language") == obj.language and coercion is None:
                return obj.value
            return {"@value": obj.value, "@language": obj.language}
        datatype = obj.datatype.value
        value = native(obj)
        if value is not None and (coercion is None or self.expand(coercion) == datatype):
            return value  # a JSON number or boolean, not a string
        if coercion not in (None, "@id", "@vocab") and self.expand(coercion) == datatype:
            return obj.value
        if datatype == XSD_STRING.value and coercion is None and "@language" not in spec:
            return obj.value
        return {"@value": obj.value, "@type": self.iri(datatype)}

    def node(self, subject, pairs: list[tuple[NamedNode, object]]) -> dict:
        node: dict = {"@id": self.iri(subject.value) if isinstance(subject, NamedNode)
                      else f"_:{subject.value}"}
        types = [self.vocab(o.value) for p, o in pairs if p.value == RDF_TYPE.value and isinstance(o, NamedNode)]
        if types:
            node["@type"] = types[0] if len(types) == 1 else sorted(types)
        grouped: dict[str, list] = {}
        for p, o in pairs:
            if p.value == RDF_TYPE.value and isinstance(o, NamedNode):
                continue
            term = self.terms.get(p.value)
            if term is not None:
                key, spec = term
                value = self.value(spec, o)
            else:
                key = self.iri(p.value)
                value = self.value({}, o)
            grouped.setdefault(key, []).append(value)
        for key in sorted(grouped):
            values = grouped[key]
            node[key] = values[0] if len(values) == 1 else values
        return node


def _by_subject(quads: Iterable) -> Iterator[tuple[object, list]]:
    """(subject, [(predicate, object)]) for runs of quads or triples sharing a subject."""
    current = None
    pairs: list = []
    for q in quads:
        if q.subject != current:
            if current is not None:
                yield current, pairs
            current, pairs = q.subject, []
        pairs.append((q.predicate, q.object))
    if current is not None:
        yield current, pairs


def jsonld_context(base: str) -> dict:
    """The shipped context, with ``tkr:``/``tkg:`` and a prefix per wiki namespace following the
    build's base."""
    context = dict(shipped_context())
    context["tkr"] = f"{base}resource/"
    context["tkg"] = f"{base}graph/"
    for prefix, iri in prefixes_for(base).items():  # main:, film:, ... and the vocabularies
        context.setdefault(prefix, iri)
    return context


@lru_cache(maxsize=4)
def _compactor(base: str) -> _Compactor:
    return _Compactor(jsonld_context(base))


def jsonld_nodes(statements: Iterable, base: str) -> list[bytes]:
    """Compact JSON-LD node objects (one per subject, as JSON text) for triples or quads."""
    ordered = sorted(statements, key=lambda s: str(s.subject))
    compactor = _compactor(base)
    return [json.dumps(compactor.node(subject, pairs), ensure_ascii=False).encode("utf-8")
            for subject, pairs in _by_subject(ordered)]


def jsonld_header(base: str) -> bytes:
    return (b'{\n"@context": ' + json.dumps(jsonld_context(base), ensure_ascii=False, indent=1).encode("utf-8")
            + b',\n"@graph": [\n')


JSONLD_FOOTER = b"\n]}\n"


def write_jsonld(store: Store, out: IO[bytes], base: str) -> int:
    """Compact JSON-LD of the store's default graph, one node object per subject. Returns nodes."""
    compactor = _compactor(base)
    out.write(jsonld_header(base))
    count = 0
    for subject, pairs in _by_subject(store.quads_for_pattern(None, None, None, DefaultGraph())):
        if count:
            out.write(b",\n")
        out.write(json.dumps(compactor.node(subject, pairs), ensure_ascii=False).encode("utf-8"))
        count += 1
    out.write(JSONLD_FOOTER)
    return count


def triples_to_jsonld(triples: Iterable, base: str) -> str:
    """Compact JSON-LD text for a small set of triples (a CONSTRUCT result), with our context."""
    return (jsonld_header(base) + b",\n".join(jsonld_nodes(triples, base)) + JSONLD_FOOTER).decode("utf-8")
