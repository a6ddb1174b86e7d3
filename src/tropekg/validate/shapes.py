"""The SHACL shapes: ``shapes/*.ttl`` in, the node-local shapes graph for pySHACL and the SPARQL
constraints to run over the whole store out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tropekg.rdf.namespaces import (
    SH_NS,
)
from tropekg.shipped import shapes_dir
from tropekg.validate.results import (
    RDF_TYPE,
    RDFS_SUBCLASS_OF,
    ShapeInfo,
    ValidationError,
    rdflib_path_text,
    rdflib_term_text,
)

# -- shapes -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint, read out of the shapes graph to run over the whole store."""

    shape: str
    select: str
    prefixes: str
    message: str
    severity: str
    targets: tuple[tuple[str, str], ...]  # (target predicate local name, N-Triples term)
    path: str | None  # the shape's sh:path, when the shape is a property shape

    def query(self, subclasses: bool = True) -> str:
        """The SELECT with ``$this`` left free and the rows kept to the shape's focus nodes. A
        class target takes in instances of subclasses only if the data has ``rdfs:subClassOf``
        statements at all (the mapper writes none), as pySHACL does."""
        tests = []
        for kind, term in self.targets:
            if kind == "targetClass" and subclasses:
                tests.append(f"EXISTS {{ ?this <{RDF_TYPE}>/<{RDFS_SUBCLASS_OF}>* {term} }}")
            elif kind == "targetClass":
                tests.append(f"EXISTS {{ ?this <{RDF_TYPE}> {term} }}")
            elif kind == "targetSubjectsOf":
                tests.append(f"EXISTS {{ ?this {term} ?tkgTargetObject }}")
            elif kind == "targetObjectsOf":
                tests.append(f"EXISTS {{ ?tkgTargetSubject {term} ?this }}")
            elif kind == "targetNode":
                tests.append(f"sameTerm(?this, {term})")
        target = " || ".join(tests) if tests else "false"
        return f"{self.prefixes}SELECT * WHERE {{\n{{ {self.select.strip()} }}\nFILTER ({target})\n}}"


class Shapes:
    """The shapes graph, split into the node-local part (for pySHACL, per page graph) and the
    cross-page SPARQL constraints (for the whole store)."""

    def __init__(self, graph):
        import rdflib

        self.graph = graph
        shn = rdflib.Namespace(SH_NS)
        self.info: dict[str, ShapeInfo] = {}
        shape_nodes = set(graph.subjects(rdflib.RDF.type, shn.NodeShape)) | set(
            graph.subjects(rdflib.RDF.type, shn.PropertyShape)) | set(graph.objects(None, shn.property))
        for node in shape_nodes:
            if not isinstance(node, rdflib.URIRef):
                continue
            sev = graph.value(node, shn.severity)
            # a SPARQL-based shape keeps its message on the constraint, where both engines read it
            message = graph.value(node, shn.message) or next(
                (graph.value(c, shn.message) for c in graph.objects(node, shn.sparql)), None)
            self.info[str(node)] = ShapeInfo(
                iri=str(node),
                name=str(graph.value(node, shn.name) or node),
                description=str(graph.value(node, shn.description) or ""),
                message=str(message or ""),
                severity=str(sev).removeprefix(SH_NS) if sev is not None else "Violation",
            )
        self.sparql: list[SparqlConstraint] = []
        local = rdflib.Graph()
        for triple in graph:
            local.add(triple)
        for shape, constraint in list(graph.subject_objects(shn.sparql)):
            self.sparql.append(self._constraint(shape, constraint))
            local.remove((shape, shn.sparql, constraint))
            for t in _closure(graph, constraint):
                local.remove(t)
        # pySHACL checks a node shape's sh:property once per focus node, building the property
        # shape's constraints anew each time; a property shape with targets of its own is checked
        # once for all its focus nodes, about ten times faster. So the node shape's targets move onto
        # its property shapes: the same focus nodes, constraints and results (sh:sourceShape is the
        # property shape either way).
        for node_shape, prop in list(local.subject_objects(shn.property)):
            for kind in _TARGETS:
                for target in local.objects(node_shape, shn[kind]):
                    local.add((prop, shn[kind], target))
            local.remove((node_shape, shn.property, prop))
        for shape in set(local.subjects(shn.name, None)):
            if not any(str(p).startswith(SH_NS) and str(p).removeprefix(SH_NS) not in _NON_CONSTRAINTS
                       for p in local.predicates(shape, None)):
                for t in list(local.triples((shape, None, None))):
                    local.remove(t)
        self.local = local

    def _constraint(self, shape, node) -> SparqlConstraint:
        import rdflib

        g, shn = self.graph, rdflib.Namespace(SH_NS)
        select = str(g.value(node, shn.select))
        lines = []
        for decl_holder in g.objects(node, shn.prefixes):
            for decl in g.objects(decl_holder, shn.declare):
                lines.append(f"PREFIX {g.value(decl, shn.prefix)}: <{g.value(decl, shn.namespace)}>\n")
        message = g.value(node, shn.message) or g.value(shape, shn.message) or ""
        sev = g.value(shape, shn.severity)
        targets = []
        for kind in _TARGETS:
            for t in g.objects(shape, shn[kind]):
                targets.append((kind, rdflib_term_text(t)))
        path = g.value(shape, shn.path)
        return SparqlConstraint(
            shape=str(shape), select=select, prefixes="".join(sorted(set(lines))), message=str(message),
            severity=str(sev).removeprefix(SH_NS) if sev is not None else "Violation",
            targets=tuple(sorted(targets)), path=rdflib_path_text(g, path) if path is not None else None,
        )

    def local_turtle(self) -> str:
        return self.local.serialize(format="turtle")


_TARGETS = ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode")
_NON_CONSTRAINTS = {"name", "description", "message", "severity", "deactivated", "order", "group",
                    "path", *_TARGETS, "target"}


def _closure(graph, node) -> list:
    """The triples of a blank node and the blank nodes it leads to (an sh:sparql constraint)."""
    import rdflib

    out, todo, seen = [], [node], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for t in graph.triples((n, None, None)):
            out.append(t)
            if isinstance(t[2], rdflib.BNode):
                todo.append(t[2])
    return out


def shape_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or shapes_dir()).glob("*.ttl"))


def load_shapes(folder: Path | None = None) -> Shapes:
    """The shapes in ``shapes/*.ttl`` (or another folder)."""
    import rdflib

    g = rdflib.Graph()
    files = shape_files(folder)
    if not files:
        raise ValidationError(f"{folder or shapes_dir()}: no shapes (*.ttl) found")
    for path in files:
        g.parse(path, format="turtle")
    return Shapes(g)
