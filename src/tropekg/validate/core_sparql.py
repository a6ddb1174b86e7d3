"""SHACL core shapes as SPARQL: the node-local shapes graph in, a SELECT per constraint out, run by
pyoxigraph on each batch of page graphs instead of pySHACL, and the results pySHACL would give.

pySHACL spends about 100 µs of CPU a statement on the node-local shapes (and rdflib as much again
holding the batch), 2,600 s for the whole wiki; the same constraints as SPARQL over a pyoxigraph
store holding the batch run in a small fraction of that. Each constraint component the shapes use
is written as the SPARQL that finds its violations, after the SHACL recommendation and pySHACL's
reading of it (the focus nodes of the shape's targets, its value nodes along ``sh:path``, a row per
result with the same focus node, path and value). Where SPARQL and pySHACL could judge a value
differently (a literal whose lexical form is not the canonical one: ``"01"^^xsd:integer``, ``"abc"``
typed as a number; a regular expression, which SPARQL reads as XPath and pySHACL as Python), the
query only proposes it and pySHACL's own rule decides in Python: rdflib's reading of the literal,
``re.search``, pySHACL's ``compare_literal``. A shape using anything this module does not know is
refused (:class:`Unsupported`), and the caller runs pySHACL instead; tests plant a violation of
every constraint and check both give the same results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tropekg.rdf.namespaces import SH_NS
from tropekg.validate.results import (
    RDF_TYPE,
    RDFS_SUBCLASS_OF,
    ValidationResult,
    rdflib_path_text,
    rdflib_term_text,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Lexical forms whose reading is the same in rdflib and in Oxigraph (a well-formed, plain value):
# a literal of these datatypes whose text does not match is checked in Python as pySHACL checks it.
_PLAIN_FORMS = {
    XSD + "integer": "^(0|-?[1-9][0-9]*)$",
    XSD + "boolean": "^(true|false)$",
    XSD + "nonNegativeInteger": "^(0|[1-9][0-9]*)$",
    XSD + "string": None,  # any text is a string, for both
    RDF_LANG_STRING: None,
}

_NODE_KINDS = {
    "IRI": "isIRI(?value)",
    "BlankNode": "isBlank(?value)",
    "Literal": "isLiteral(?value)",
    "BlankNodeOrIRI": "(isBlank(?value) || isIRI(?value))",
    "BlankNodeOrLiteral": "(isBlank(?value) || isLiteral(?value))",
    "IRIOrLiteral": "(isIRI(?value) || isLiteral(?value))",
}

_TARGETS = ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode")
# what a shape may say besides its constraints
_DESCRIPTIVE = {"name", "description", "message", "severity", "path", *_TARGETS}
_COMPONENTS = {"minCount", "maxCount", "nodeKind", "class", "datatype", "pattern", "flags",
               "minInclusive", "minLength", "languageIn", "in", "hasValue", "equals"}


class Unsupported(Exception):
    """The shapes use something this module does not write as SPARQL; pySHACL runs them."""


@dataclass(frozen=True, slots=True)
class Constraint:
    """One constraint component of a shape, within a :class:`CoreCheck`'s query: ``flag`` is the
    variable saying a row fails it (or ``min``/``max``: the row's count ``?n`` is below or above
    ``argument``; or empty: every row fails it). ``confirm`` names the pySHACL rule a value must
    still fail in Python (``datatype``, ``pattern``, ``minInclusive``), with ``argument``."""

    component: str
    flag: str = ""
    confirm: str | None = None
    argument: object = None


@dataclass(frozen=True, slots=True)
class CoreCheck:
    """Some constraints of one shape as one SELECT of ``?this`` rows (with ``?value``, or the
    count ``?n``): a shape's value constraints share one query, its counts another, so the focus
    nodes and their values are found once."""

    shape: str
    severity: str
    message: str
    path: str | None
    query: str
    has_value: bool
    constraints: tuple[Constraint, ...]


def _nt(term) -> str:
    return rdflib_term_text(term)


def _path_pattern(graph, path, this: str, value: str) -> str:
    """The triple pattern from the focus node to its value nodes along a predicate or an inverse."""
    import rdflib

    shn = rdflib.Namespace(SH_NS)
    if isinstance(path, rdflib.URIRef):
        return f"{this} {_nt(path)} {value} ."
    inverse = graph.value(path, shn.inversePath)
    if inverse is not None and isinstance(inverse, rdflib.URIRef) and len(list(graph.predicate_objects(path))) == 1:
        return f"{value} {_nt(inverse)} {this} ."
    raise Unsupported(f"path {path} (only a predicate or sh:inversePath of one)")


def _focus_pattern(graph, shape, subclasses: bool) -> str:
    import rdflib

    shn = rdflib.Namespace(SH_NS)
    parts = []
    type_path = f"<{RDF_TYPE}>/<{RDFS_SUBCLASS_OF}>*" if subclasses else f"<{RDF_TYPE}>"
    for c in sorted(graph.objects(shape, shn.targetClass)):
        parts.append(f"?this {type_path} {_nt(c)} .")
    for p in sorted(graph.objects(shape, shn.targetSubjectsOf)):
        parts.append(f"?this {_nt(p)} ?tkgTargetObject .")
    for p in sorted(graph.objects(shape, shn.targetObjectsOf)):
        parts.append(f"?tkgTargetSubject {_nt(p)} ?this .")
    for n in sorted(graph.objects(shape, shn.targetNode)):
        parts.append(f"BIND ({_nt(n)} AS ?this)")
    if (shape, rdflib.RDF.type, rdflib.RDFS.Class) in graph:  # an implicit class target
        parts.append(f"?this {type_path} {_nt(shape)} .")
    if not parts:
        return ""
    return "{ " + " }\nUNION { ".join(parts) + " }" if len(parts) > 1 else parts[0]


def _list(graph, head) -> list:
    import rdflib

    return list(rdflib.collection.Collection(graph, head))


def compile_shapes(graph, subclasses: bool = False) -> list[CoreCheck]:
    """Every constraint of the shapes in ``graph`` (an rdflib graph of core SHACL shapes, with
    targets on the shapes that have constraints, as :class:`~tropekg.validate.shapes.Shapes`
    makes its node-local part) as a :class:`CoreCheck`. ``subclasses``: class targets and
    ``sh:class`` take in instances of subclasses (when the data has ``rdfs:subClassOf``)."""
    import rdflib

    shn = rdflib.Namespace(SH_NS)
    checks: list[CoreCheck] = []
    # a shape: what has targets, a path or a constraint (not a prefix declaration, a list, a path)
    marks = {shn[k] for k in (*_TARGETS, *_COMPONENTS, "path")}
    shapes = {s for s, p, _ in graph if p in marks}
    shapes |= set(graph.subjects(rdflib.RDF.type, shn.NodeShape)) | set(graph.subjects(rdflib.RDF.type, shn.PropertyShape))
    type_path = f"<{RDF_TYPE}>/<{RDFS_SUBCLASS_OF}>*" if subclasses else f"<{RDF_TYPE}>"
    for shape in sorted(shapes, key=str):
        said = {str(p).removeprefix(SH_NS) for p in graph.predicates(shape, None) if str(p).startswith(SH_NS)}
        unknown = said - _DESCRIPTIVE - _COMPONENTS
        if unknown:
            raise Unsupported(f"shape {shape}: {', '.join(sorted(unknown))}")
        if not said & _COMPONENTS:
            continue
        if isinstance(shape, rdflib.BNode):  # (a report could not say which shape)
            raise Unsupported(f"a shape without a name ({shape})")
        if (shape, shn.deactivated, None) in graph:
            raise Unsupported(f"shape {shape}: sh:deactivated")
        focus = _focus_pattern(graph, shape, subclasses)
        if not focus:
            continue  # no targets: no focus nodes, no results
        sev = graph.value(shape, shn.severity)
        severity = str(sev).removeprefix(SH_NS) if sev is not None else "Violation"
        messages = sorted(str(m) for m in graph.objects(shape, shn.message))
        if not messages:
            raise Unsupported(f"shape {shape}: no sh:message (pySHACL writes its own)")
        path_node = graph.value(shape, shn.path)
        path = rdflib_path_text(graph, path_node) if path_node is not None else None
        values = (_path_pattern(graph, path_node, "?this", "?value") if path_node is not None
                  else "BIND (?this AS ?value)")

        common = {"shape": str(shape), "severity": severity, "message": messages[0], "path": path}
        conditions: list[tuple[str, Constraint]] = []  # (SPARQL condition, constraint) on each value

        def check(query: str, has_value: bool, *constraints: Constraint, common: dict = common) -> None:
            checks.append(CoreCheck(query=query, has_value=has_value, constraints=constraints, **common))

        def component(name: str) -> str:
            return SH_NS + name + "ConstraintComponent"

        def on_each_value(name: str, condition: str, confirm: str | None = None, argument: object = None,
                          conditions: list = conditions) -> None:
            flag = f"tkgFails{len(conditions)}"
            conditions.append((condition, Constraint(component(name), flag, confirm, argument)))

        low = [int(n) for n in graph.objects(shape, shn.minCount)]
        high = [int(n) for n in graph.objects(shape, shn.maxCount)]
        if (low or high) and path_node is None:
            raise Unsupported(f"shape {shape}: sh:minCount or sh:maxCount on a node shape")
        if low or high:
            tests = [f"COUNT(DISTINCT ?value) < {n}" for n in low] + [f"COUNT(DISTINCT ?value) > {n}" for n in high]
            check(f"SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{\n{focus}\nOPTIONAL {{ {values} }}\n}} "
                  f"GROUP BY ?this HAVING ({' || '.join(tests)})", False,
                  *[Constraint(component("MinCount"), "min", argument=n) for n in low],
                  *[Constraint(component("MaxCount"), "max", argument=n) for n in high])
        for kind in graph.objects(shape, shn.nodeKind):
            test = _NODE_KINDS.get(str(kind).removeprefix(SH_NS))
            if test is None:
                raise Unsupported(f"shape {shape}: sh:nodeKind {kind}")
            on_each_value("NodeKind", f"!{test}")
        for c in graph.objects(shape, shn["class"]):
            on_each_value("Class", f"NOT EXISTS {{ ?value {type_path} {_nt(c)} }}")
        for d in graph.objects(shape, shn.datatype):
            d = str(d)
            if d in (str(rdflib.RDFS.Literal), str(rdflib.RDFS.Datatype)):
                raise Unsupported(f"shape {shape}: sh:datatype {d}")
            # a literal of another datatype (or no literal) fails for both; one of this datatype
            # whose text is not a plain value is for rdflib to read
            plain = _PLAIN_FORMS.get(d, "^$")
            odd = f" || !REGEX(STR(?value), \"{plain}\")" if plain is not None else ""
            on_each_value("Datatype", f"!isLiteral(?value) || datatype(?value) != <{d}>{odd}", "datatype", d)
        for lit in graph.objects(shape, shn.pattern):
            flags_lit = graph.value(shape, shn.flags)
            flags = str(flags_lit) if flags_lit is not None else ""
            if set(flags) - set("ims"):
                raise Unsupported(f"shape {shape}: sh:flags {flags!r}")
            # XPath and Python read these patterns alike, but for Python's $ before a final
            # newline: SPARQL proposes what it does not match, Python decides
            sparql_pattern = str(lit).replace("\\", "\\\\").replace('"', '\\"')
            on_each_value("Pattern", f"isBlank(?value) || !REGEX(STR(?value), \"{sparql_pattern}\", \"{flags}\")",
                          "pattern", (str(lit), flags))
        for m in graph.objects(shape, shn.minInclusive):
            if not isinstance(m, rdflib.Literal) or str(m.datatype) not in (XSD + "integer", XSD + "nonNegativeInteger"):
                raise Unsupported(f"shape {shape}: sh:minInclusive {m!r}")
            plain = "^-?[0-9]+$"  # what both read as the same whole number
            on_each_value("MinInclusive", f"!COALESCE(?value >= {_nt(m)}, false) || !isLiteral(?value) "
                                          f"|| !REGEX(STR(?value), \"{plain}\")", "minInclusive", m)
        for n in graph.objects(shape, shn.minLength):
            on_each_value("MinLength", f"isBlank(?value) || STRLEN(STR(?value)) < {int(n)}")
        for head in graph.objects(shape, shn.languageIn):
            langs = [str(x).lower() for x in _list(graph, head)]
            if "*" in langs:
                ok = "lang(?value) != \"\""
            else:
                listed = ", ".join('"' + x.replace('"', "") + '"' for x in langs)
                ok = (f"lang(?value) != \"\" && (LCASE(lang(?value)) IN ({listed}) || "
                      f"LCASE(STRBEFORE(CONCAT(lang(?value), \"-\"), \"-\")) IN ({listed}))")
            on_each_value("LanguageIn", f"!(isLiteral(?value) && {ok})")
        for head in graph.objects(shape, shn["in"]):
            members = _list(graph, head)
            same = " || ".join(f"sameTerm(?value, {_nt(t)})" for t in members) or "false"
            on_each_value("In", f"!({same})")
        if conditions:
            binds = "\n".join(f"BIND ({cond} AS ?{con.flag})" for cond, con in conditions)
            fails = " || ".join(f"COALESCE(?{con.flag}, false)" for _, con in conditions)
            flags = " ".join(f"?{con.flag}" for _, con in conditions)
            check(f"SELECT ?this ?value {flags} WHERE {{\n{focus}\n{values}\n{binds}\nFILTER ({fails})\n}}",
                  True, *[con for _, con in conditions])
        for v in graph.objects(shape, shn.hasValue):
            has = (_path_pattern(graph, path_node, "?this", _nt(v)) if path_node is not None
                   else f"FILTER (sameTerm(?this, {_nt(v)}))")
            check(f"SELECT DISTINCT ?this WHERE {{\n{focus}\nFILTER NOT EXISTS {{ {has} }}\n}}", False,
                  Constraint(component("HasValue")))
        for other in graph.objects(shape, shn.equals):
            if not isinstance(other, rdflib.URIRef):
                raise Unsupported(f"shape {shape}: sh:equals {other}")
            theirs = f"?this {_nt(other)} ?value ."
            check(f"SELECT ?this ?value WHERE {{\n{focus}\n{{ {values} FILTER NOT EXISTS {{ {theirs} }} }}\n"
                  f"UNION {{ {theirs} FILTER NOT EXISTS {{ {values} }} }}\n}}", True, Constraint(component("Equals")))
    return checks


def _datatype_holds(lexical: str, datatype: str) -> bool:
    """pySHACL's sh:datatype rule for a literal of that datatype: rdflib reads it, and it must be
    well-typed and read as the datatype's Python type."""
    import datetime
    from decimal import Decimal

    import rdflib

    lit = rdflib.Literal(lexical, datatype=rdflib.URIRef(datatype))
    if getattr(lit, "ill_typed", None) is True:
        return False
    kinds = {XSD + "string": (str, bytes), RDF_LANG_STRING: (str, bytes), XSD + "integer": int,
             XSD + "float": float, XSD + "decimal": Decimal, XSD + "boolean": bool,
             XSD + "date": datetime.date, XSD + "time": datetime.time, XSD + "dateTime": datetime.datetime}
    kind = kinds.get(datatype)
    return True if kind is None else isinstance(lit.value, kind)


def rdflib_term(term):
    """A pyoxigraph term as the rdflib term pySHACL would see (as the engine builds its graphs)."""
    import rdflib
    from pyoxigraph import BlankNode, NamedNode

    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _fails(check: Constraint, value) -> bool:
    """Whether a value SPARQL proposed fails the constraint as pySHACL judges it."""
    import rdflib
    from pyoxigraph import BlankNode, Literal

    if check.confirm == "datatype":
        if not isinstance(value, Literal):
            return True
        if value.language:
            return check.argument != RDF_LANG_STRING
        if value.datatype.value != check.argument:
            return True
        return not _datatype_holds(value.value, check.argument)
    if check.confirm == "pattern":
        if isinstance(value, BlankNode):
            return True
        pattern, flags = check.argument
        re_flags = 0
        for f, bit in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL)):
            if f in flags:
                re_flags |= bit
        return re.search(pattern, str(rdflib_term(value)), re_flags) is None
    if check.confirm == "minInclusive":
        from pyshacl.rdfutil.compare import compare_literal

        v = rdflib_term(value)
        if not isinstance(v, rdflib.Literal):
            return True
        m = check.argument
        if isinstance(m.value, str) != isinstance(v.value, str):
            return True
        try:
            return not compare_literal(v, m) >= 0
        except (TypeError, NotImplementedError):
            return True
    return True


def _text(term) -> str:
    """A term as the engine writes pySHACL's (rdflib reads a literal's text as its value: an
    integer ``"01"`` is ``"1"``)."""
    from pyoxigraph import Literal

    if isinstance(term, Literal) and not term.language and term.datatype.value != XSD + "string":
        return rdflib_term_text(rdflib_term(term))
    return str(term)


def run_checks(store, checks: list[CoreCheck]) -> list[ValidationResult]:
    """Run the checks over everything a pyoxigraph store holds, its graphs read as one: the
    results, as pySHACL gives them."""
    out: list[ValidationResult] = []
    for c in checks:
        for solution in store.query(c.query, use_default_graph_as_union=True):
            focus = _text(solution["this"])
            value = solution["value"] if c.has_value else None
            count = int(solution["n"].value) if not c.has_value and c.constraints[0].flag else None
            for con in c.constraints:
                if con.flag == "min" or con.flag == "max":
                    if not (count < con.argument if con.flag == "min" else count > con.argument):
                        continue
                elif con.flag:
                    fails = solution[con.flag]
                    if fails is None or fails.value != "true":
                        continue
                if con.confirm is not None and not _fails(con, value):
                    continue
                out.append(ValidationResult(
                    severity=c.severity, shape=c.shape, focus=focus, path=c.path,
                    value=_text(value) if value is not None else None, message=c.message,
                    component=con.component,
                ))
    return out
