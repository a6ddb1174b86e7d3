"""Generate src/tropekg/rdf/vocab.py, a closed rdflib namespace, from ontology/tropekg.ttl.

Usage::

    python -m tropekg.rdf.vocab_codegen          # (re)write vocab.py
    python -m tropekg.rdf.vocab_codegen --check  # exit 1 if vocab.py is out of date

Every ``tk:`` IRI that the ontology gives an ``rdf:type`` (classes, properties,
individuals) becomes one annotated attribute of ``TK``; ``TK`` has ``_fail = True``,
so a misspelt term raises ``AttributeError`` as soon as it is accessed.
"""

from __future__ import annotations

import argparse
import json
import keyword
import sys
from collections.abc import Sequence
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

TK_NAMESPACE = "https://w3id.org/tropekg/ontology#"
ONTOLOGY_IRI = URIRef("https://w3id.org/tropekg/ontology")
VOCAB_PATH = Path(__file__).resolve().with_name("vocab.py")

# How each kind of term is described in the comment next to its attribute, by priority.
_KINDS: tuple[tuple[URIRef, str], ...] = (
    (OWL.Class, "class"),
    (OWL.ObjectProperty, "object property"),
    (OWL.DatatypeProperty, "datatype property"),
    (OWL.AnnotationProperty, "annotation property"),
    (SKOS.ConceptScheme, "concept scheme"),
    (OWL.NamedIndividual, "individual"),
)


def load_ontology(path: Path | None = None) -> Graph:
    """Parse the ontology (by default the one tropekg ships) into an rdflib graph."""
    if path is None:
        from tropekg.shipped import ontology_path

        path = ontology_path()
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


def declared_terms(graph: Graph) -> dict[str, URIRef]:
    """Local name -> IRI of every tk: term that has an rdf:type in ``graph``."""
    terms: dict[str, URIRef] = {}
    for subject in set(graph.subjects(RDF.type, None)):
        if not isinstance(subject, URIRef) or not str(subject).startswith(TK_NAMESPACE):
            continue
        name = str(subject)[len(TK_NAMESPACE) :]
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            raise ValueError(f"tk: term {name!r} cannot be a Python attribute name")
        terms[name] = subject
    return terms


def _kind(graph: Graph, term: URIRef) -> str:
    types = set(graph.objects(term, RDF.type))
    for rdf_type, kind in _KINDS:
        if rdf_type in types:
            return kind
    return "term"


def _label(graph: Graph, term: URIRef) -> str:
    labels = [o for o in graph.objects(term, RDFS.label) if isinstance(o, Literal)]
    english = [o for o in labels if o.language in (None, "en")]
    chosen = sorted(english or labels)
    return " ".join(str(chosen[0]).split()) if chosen else ""


def render(graph: Graph) -> str:
    """The source text of vocab.py for the ontology in ``graph``."""
    terms = declared_terms(graph)
    if not terms:
        raise ValueError("the ontology declares no tk: terms")
    version = graph.value(ONTOLOGY_IRI, OWL.versionInfo)
    lines = [
        '"""The TropeKG ontology terms as a closed rdflib namespace.',
        "",
        "GENERATED FILE: do not edit by hand. It is generated from ontology/tropekg.ttl by",
        "tropekg.rdf.vocab_codegen; after changing the ontology, regenerate it with",
        "",
        "    python -m tropekg.rdf.vocab_codegen",
        "",
        "and check that it is up to date with ``python -m tropekg.rdf.vocab_codegen --check``.",
        '"""',
        "",
        "from rdflib.namespace import DefinedNamespace, Namespace",
        "from rdflib.term import URIRef",
        "",
        f'ONTOLOGY_IRI = URIRef("{ONTOLOGY_IRI}")',
        f"ONTOLOGY_VERSION = {json.dumps(str(version))}"
        if version is not None
        else "ONTOLOGY_VERSION = None",
        "",
        "",
        "class TK(DefinedNamespace):",
        f'    """Terms of the TropeKG ontology, {TK_NAMESPACE}',
        "",
        "    Closed: accessing a term the ontology does not declare raises AttributeError.",
        '    """',
        "",
        "    _fail = True",
        f'    _NS = Namespace("{TK_NAMESPACE}")',
        "",
    ]
    for name in sorted(terms):
        term = terms[name]
        comment = _kind(graph, term)
        label = _label(graph, term)
        if label:
            comment = f"{comment}: {label}"
        lines.append(f"    {name}: URIRef  # {comment}")
    return "\n".join(lines) + "\n"


def generate(ontology: Path | None = None) -> str:
    """Render vocab.py from the ontology file."""
    return render(load_ontology(ontology))


def write(ontology: Path | None = None, vocab_path: Path = VOCAB_PATH) -> bool:
    """Write vocab.py; return True if its content changed."""
    text = generate(ontology)
    old = vocab_path.read_text(encoding="utf-8") if vocab_path.exists() else None
    if old == text:
        return False
    vocab_path.write_text(text, encoding="utf-8")
    return True


def check(ontology: Path | None = None, vocab_path: Path = VOCAB_PATH) -> bool:
    """True if ``vocab_path`` holds exactly what the ontology generates."""
    if not vocab_path.exists():
        return False
    return vocab_path.read_text(encoding="utf-8") == generate(ontology)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tropekg.rdf.vocab_codegen",
        description="Generate src/tropekg/rdf/vocab.py from ontology/tropekg.ttl.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if vocab.py is out of date",
    )
    args = parser.parse_args(argv)
    if args.check:
        if check():
            return 0
        print(
            f"{VOCAB_PATH} is out of date with the ontology; "
            "regenerate it with: python -m tropekg.rdf.vocab_codegen",
            file=sys.stderr,
        )
        return 1
    changed = write()
    print(f"{'wrote' if changed else 'unchanged'} {VOCAB_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
