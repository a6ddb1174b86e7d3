"""Tests for the page model to RDF mapping (tropekg.rdf.mapping): golden files, IRIs, vocabulary, a real page.

Golden files: each ``tests/golden/{Namespace}.{PageName}.txt`` is mapped and compared, as isomorphic
named graphs, with the ``.trig`` next to it. After a deliberate change to the parser or the mapper,
regenerate them with ``pytest tests/test_mapping.py --regen-golden`` and read the diff before
committing: never edit a golden by hand to make a test pass.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, serialize
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import FOAF, PROV, RDFS, SKOS

from tropekg import __version__
from tropekg.build import build
from tropekg.markup.parse import parse_source, parse_text
from tropekg.rdf.iris import DEFAULT_BASE, IriScheme
from tropekg.rdf.mapping import Provenance, emitted_predicates, page_quads
from tropekg.rdf.namespaces import VOCABULARY_PREFIXES, prefixes_for
from tropekg.readers.source import decode, title_from_path
from tropekg.shipped import ontology_path
from tropekg.titles import parse_title

TK = Namespace("https://w3id.org/tropekg/ontology#")
TKR = Namespace(DEFAULT_BASE + "resource/")
TKG = Namespace(DEFAULT_BASE + "graph/")

REPO = Path(__file__).resolve().parents[1]
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
GOLDEN_INPUTS = sorted(GOLDEN_DIR.glob("*.txt"))
EXAMPLES = REPO / "examples" / "pages"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
REAL_PAGE = CORPUS / "Main" / "WouldNotShootAGoodGuy.txt"
needs_corpus = pytest.mark.skipif(
    not REAL_PAGE.is_file(),
    reason=f"the real page corpus is absent ({REAL_PAGE} not found; it lives outside the repository)",
)

# Vocabularies other than tk: that the mapper may use, as rdflib closed namespaces.
STANDARD = (RDF, RDFS, SKOS, FOAF, PROV)


# -- helpers ---------------------------------------------------------------------------------------

def _map(text: str, title: str, base: str = DEFAULT_BASE, source_path: str = "x.txt") -> Dataset:
    """The named graph of one page of markup, read back into an rdflib Dataset."""
    page = parse_text(text, parse_title(title))
    prov = Provenance(source_path, hashlib.sha256(text.encode("utf-8")).hexdigest())
    return _dataset(serialize(page_quads(page, prov, IriScheme(base)), format=RdfFormat.N_QUADS), "nquads")


def _dataset(data: bytes | str, fmt: str) -> Dataset:
    ds = Dataset(default_union=True)
    ds.parse(data=data, format=fmt)
    return ds


def _graphs(ds: Dataset) -> dict[URIRef, Graph]:
    """Each named graph of a dataset as a plain Graph (empty graphs left out)."""
    out: dict[URIRef, Graph] = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        name = getattr(g, "identifier", g)
        out.setdefault(name, Graph()).add((s, p, o))
    return out


def _lines(triples) -> list[str]:
    return sorted(" ".join(term.n3() for term in t) for t in triples)


def assert_isomorphic_datasets(expected: Dataset, actual: Dataset) -> None:
    """Every named graph isomorphic to its counterpart, else a readable diff per graph."""
    exp, act = _graphs(expected), _graphs(actual)
    problems: list[str] = []
    for name in sorted(set(exp) | set(act)):
        e, a = exp.get(name, Graph()), act.get(name, Graph())
        ie, ia = to_isomorphic(e), to_isomorphic(a)
        if ie == ia:
            continue
        _, only_e, only_a = graph_diff(ie, ia)
        problems.append(f"graph {name.n3()}:")
        problems += [f"  only in expected: {line}" for line in _lines(only_e)]
        problems += [f"  only in actual:   {line}" for line in _lines(only_a)]
    assert not problems, "datasets differ:\n" + "\n".join(problems)


def _without_version(ds: Dataset) -> Dataset:
    """The dataset minus tk:tropekgVersion, so goldens do not churn on every release."""
    out = Dataset(default_union=True)
    for s, p, o, g in ds.quads((None, None, None, None)):
        if p != TK.tropekgVersion:
            out.add((s, p, o, getattr(g, "identifier", g)))
    return out


def _golden_trig(path: Path) -> bytes:
    data = path.read_bytes()
    title = title_from_path(path)
    page = parse_source(decode(data, str(path)), title)
    quads = page_quads(page, Provenance(path.name, hashlib.sha256(data).hexdigest()))
    return serialize(quads, format=RdfFormat.TRIG, prefixes=prefixes_for(DEFAULT_BASE))


# -- golden files ----------------------------------------------------------------------------------

def test_there_are_golden_inputs():
    assert len(GOLDEN_INPUTS) >= 6


@pytest.mark.parametrize("source", GOLDEN_INPUTS, ids=lambda p: p.stem)
def test_golden(source: Path, request):
    golden = source.with_suffix(".trig")
    actual_trig = _golden_trig(source)
    if request.config.getoption("--regen-golden"):
        golden.write_bytes(actual_trig)
    if not golden.is_file():
        pytest.fail(f"{golden.name} is missing: run pytest tests/test_mapping.py --regen-golden and review it")
    actual = _dataset(actual_trig, "trig")
    versions = set(actual.objects(None, TK.tropekgVersion))
    assert versions == {Literal(__version__)}
    assert_isomorphic_datasets(_without_version(_dataset(golden.read_bytes(), "trig")),
                               _without_version(actual))


# -- IRIs ------------------------------------------------------------------------------------------

TROPE_PAGE = """\
A hero who will not shoot at honest pursuers. A sub-trope of NeverHurtAnInnocent.

[[folder:Film]]
* ''Film/Alpha'': The first example.
** A nested note on Alpha.
* ''Film/Beta'': The second example.
* Averted in ''Film/Gamma'': the third example.
[[/folder]]

[[folder:Literature]]
* ''Literature/Delta'': The fourth example.
[[/folder]]
"""
TROPE_PAGE_EDITED = (
    TROPE_PAGE
    .replace("* ''Film/Alpha''", "* ''Film/Aardvark'': A new example.\n* ''Film/Alpha''")
    .replace("* ''Film/Beta'': The second example.\n", "")
)
WORK_PAGE = """\
''Alpha'' is a film.

!!Tropes used in this film:
* ActionHero: The first example.
** A nested note.
* BigBad: The second example.
* ThouShaltNotKill: Averted; the third example.
"""
WORK_PAGE_EDITED = (
    WORK_PAGE
    .replace("* ActionHero:", "* AdaptationalVillainy: A new example.\n* ActionHero:")
    .replace("* BigBad: The second example.\n", "")
)


def _examples_by_text(ds: Dataset) -> dict[str, URIRef]:
    return {str(text): e for e in ds.subjects(RDF.type, TK.Example) for text in ds.objects(e, TK.text)}


@pytest.mark.parametrize(("title", "before", "after", "removed", "added"), [
    ("Main/WouldNotShoot", TROPE_PAGE, TROPE_PAGE_EDITED, "Beta: The second example.",
     "Aardvark: A new example."),
    ("Film/Alpha", WORK_PAGE, WORK_PAGE_EDITED, "The second example.", "A new example."),
])
def test_example_iris_survive_edits_to_other_examples(title, before, after, removed, added):
    old, new = _map(before, title), _map(after, title)
    old_iris, new_iris = _examples_by_text(old), _examples_by_text(new)
    assert removed in old_iris and removed not in new_iris
    assert added in new_iris and added not in old_iris
    untouched = set(old_iris) - {removed}
    assert len(untouched) >= 3
    for text in untouched:
        assert new_iris[text] == old_iris[text], f"the IRI of {text!r} changed"
    # some of them moved to other lines: the IRI does not depend on where an example sits
    moved = [t for t in untouched if old.value(old_iris[t], TK.sourceLine) != new.value(new_iris[t], TK.sourceLine)]
    assert moved
    nested = next(t for t in untouched if t.startswith("A nested note"))
    parent = next(new.objects(new_iris[nested], TK.parentExample))
    assert parent == old_iris[next(t for t in untouched if t.endswith("The first example."))]


def test_identical_bullets_get_distinct_iris():
    page = "A trope.\n\n[[folder:Film]]\n* ''Film/Alpha'': Same words.\n* ''Film/Alpha'': Same words.\n[[/folder]]\n"
    ds = _map(page, "Main/SomeTrope")
    assert len(set(ds.subjects(RDF.type, TK.Example))) == 2


def test_iris_follow_the_title_and_the_base():
    base = "http://example.org/kg/"
    ds = _map(TROPE_PAGE, "Main/WouldNotShoot", base=base, source_path="Main/WouldNotShoot.txt")
    graph = URIRef(base + "graph/Main/WouldNotShoot")
    subject = URIRef(base + "resource/Main/WouldNotShoot")
    assert set(_graphs(ds)) == {graph}
    assert (subject, TK.describedBy, graph) in ds
    assert (graph, FOAF.primaryTopic, subject) in ds
    assert (subject, TK.subTropeOf, URIRef(base + "resource/Main/NeverHurtAnInnocent")) in ds
    assert (subject, TK.exemplifiedBy, URIRef(base + "resource/Film/Alpha")) in ds
    for e in ds.subjects(RDF.type, TK.Example):
        assert str(e).startswith(base + "resource/Main/WouldNotShoot/example/")
    nodes = {t for q in ds.quads((None, None, None, None)) for t in q[:3] if isinstance(t, URIRef)}
    assert not [n for n in nodes if n.startswith((TKR, TKG))], "a default-base IRI under another base"


def test_provenance_of_a_page_graph():
    text = TROPE_PAGE
    ds = _map(text, "Main/WouldNotShoot", source_path="Main/WouldNotShoot.txt")
    g = TKG["Main/WouldNotShoot"]
    assert (g, RDF.type, TK.PageGraph) in ds
    assert (g, TK.sourcePath, Literal("Main/WouldNotShoot.txt")) in ds
    assert (g, TK.sourceSha256, Literal(hashlib.sha256(text.encode()).hexdigest())) in ds
    assert (g, PROV.wasDerivedFrom, URIRef("https://tvtropes.org/pmwiki/pmwiki.php/Main/WouldNotShoot")) in ds
    assert (g, TK.tropekgVersion, Literal(__version__)) in ds


# -- vocabulary: what the mapper emits is declared --------------------------------------------------

@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_path(), format="turtle")


@pytest.fixture(scope="module")
def declared(ontology) -> set[URIRef]:
    return {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(TK)}


def _build_dataset(tmp: Path, *paths: Path) -> Dataset:
    report = build(list(paths), tmp, formats=("nquads",), jobs=1)
    assert not report.failed, report.failed
    return _dataset((tmp / "dataset.nq").read_bytes(), "nquads")


@pytest.fixture(scope="module")
def example_build(tmp_path_factory) -> Dataset:
    """examples/pages and the golden inputs (their titles do not overlap), built together."""
    return _build_dataset(tmp_path_factory.mktemp("examples"), EXAMPLES, GOLDEN_DIR)


@pytest.fixture(scope="module")
def real_build(tmp_path_factory) -> Dataset:
    if not REAL_PAGE.is_file():
        pytest.skip(f"the real page corpus is absent ({REAL_PAGE} not found)")
    return _build_dataset(tmp_path_factory.mktemp("real"), REAL_PAGE)


def _outputs(request) -> list[Dataset]:
    out = [request.getfixturevalue("example_build")]
    if REAL_PAGE.is_file():
        out.append(request.getfixturevalue("real_build"))
    return out


def test_every_tk_term_in_the_output_is_declared(request, declared):
    used = set()
    for ds in _outputs(request):
        for quad in ds.quads((None, None, None, None)):
            for term in (*quad[:3], getattr(quad[3], "identifier", quad[3])):
                if isinstance(term, URIRef) and term.startswith(TK) and term != URIRef(TK):
                    used.add(term)  # (the namespace itself is named as a vocabulary the data uses)
                elif isinstance(term, Literal) and term.datatype and term.datatype.startswith(TK):
                    used.add(term.datatype)
    assert used, "no tk: terms in the output"
    assert not used - declared, f"used but not declared in the ontology: {sorted(used - declared)}"


def _expand(prefixed: str) -> URIRef:
    prefix, _, local = prefixed.partition(":")
    assert prefix in VOCABULARY_PREFIXES, f"{prefixed}: unknown prefix"
    return URIRef(VOCABULARY_PREFIXES[prefix] + local)


def test_emitted_predicates_are_declared_or_standard(declared):
    for name in sorted(emitted_predicates()):
        iri = _expand(name)
        if iri.startswith(TK):
            assert iri in declared, f"{name} is not declared in the ontology"
        else:
            assert any(iri in ns for ns in STANDARD), f"{name} is not a term of a standard vocabulary"


def test_emitted_predicates_cover_the_output(request):
    from tropekg.build.description import PREDICATES as DESCRIPTION_PREDICATES

    # the mapper's, and those of the description every build writes of itself
    emitted = {_expand(name) for name in (*emitted_predicates(), *DESCRIPTION_PREDICATES)}
    seen = {p for ds in _outputs(request) for p in ds.predicates()}
    assert not seen - emitted, f"emitted but not listed by emitted_predicates(): {sorted(seen - emitted)}"


# -- a real page -------------------------------------------------------------------------------------

SUBJECT = TKR["Main/WouldNotShootAGoodGuy"]
GRAPH = TKG["Main/WouldNotShootAGoodGuy"]


@pytest.fixture(scope="module")
def page_graph(real_build) -> Graph:
    return _graphs(real_build)[GRAPH]


@needs_corpus
def test_real_page_relations(page_graph):
    assert set(page_graph.objects(SUBJECT, TK.subTropeOf)) == {
        TKR["Main/NeverHurtAnInnocent"], TKR["Main/FriendOrFoe"]}
    assert set(page_graph.objects(SUBJECT, TK.seeAlso)) == {TKR["Main/ApologeticAttacker"]}
    for parent in ("Main/NeverHurtAnInnocent", "Main/FriendOrFoe"):
        assert (TKR[parent], TK.superTropeOf, SUBJECT) in page_graph
        assert (TKR[parent], RDF.type, TK.Trope) in page_graph
    # the description's other links are mentions, not relations
    assert TKR["Main/TheHero"] in set(page_graph.objects(SUBJECT, TK.mentions))
    assert (SUBJECT, TK.subTropeOf, TKR["Main/TheHero"]) not in page_graph


@needs_corpus
def test_real_page_shortcuts(page_graph):
    exemplified = set(page_graph.objects(SUBJECT, TK.exemplifiedBy))
    for work in ("Manga/FullmetalAlchemist", "Film/Terminator2JudgmentDay", "Film/TheDarkKnight",
                 "Series/BurnNotice", "Literature/TheExecutioner", "VideoGame/SplinterCell"):
        assert TKR[work] in exemplified, work
    averted = set(page_graph.objects(SUBJECT, TK.avertedIn))
    assert averted == {TKR["Anime/GhostInTheShellStandAloneComplex"], TKR["Main/DeathMerchant"]}
    # every work of an example is the object of exactly the shortcuts its examples' modes give
    for e in page_graph.subjects(RDF.type, TK.Example):
        for work in page_graph.objects(e, TK.work):
            mode = page_graph.value(e, TK.mode)
            shortcut = TK.avertedIn if mode == TK.Averted else TK.exemplifiedBy
            assert (SUBJECT, shortcut, work) in page_graph


@needs_corpus
def test_real_page_works_are_typed_by_medium(real_build, page_graph):
    works = {w for e in page_graph.subjects(RDF.type, TK.Example) for w in page_graph.objects(e, TK.work)}
    assert len(works) > 40
    for work in works:
        assert (work, RDF.type, TK.Work) in page_graph
        namespace = str(work)[len(TKR):].split("/")[0]
        if namespace in ("Film", "Series", "Manga", "Anime", "VideoGame", "Literature"):
            assert (work, RDF.type, TK[namespace]) in page_graph, work
    # a Main/ page used as the work of an example is a work, not a trope
    merged = Graph()
    for s, p, o, _ in real_build.quads((None, None, None, None)):
        merged.add((s, p, o))
    assert (TKR["Main/DeathMerchant"], RDF.type, TK.Work) in merged
    assert (TKR["Main/DeathMerchant"], RDF.type, TK.Trope) not in merged


@needs_corpus
def test_real_page_creators_are_never_works(real_build, page_graph):
    merged = Graph()
    for s, p, o, _ in real_build.quads((None, None, None, None)):
        merged.add((s, p, o))
    works = set(merged.objects(None, TK.work))
    for name in ("GarthEnnis", "JackieChan", "DanAbnett"):
        creator = TKR[f"Creator/{name}"]
        assert (creator, RDF.type, TK.Creator) in merged, name
        assert (creator, RDF.type, TK.Work) not in merged, name
        assert creator not in works, name
        assert creator in set(merged.objects(None, TK.mentions)), name
    assert not [w for w in works if "/Creator/" in w or "/UsefulNotes/" in w]


@needs_corpus
def test_real_page_examples_point_at_their_bullets(page_graph):
    lines = REAL_PAGE.read_text(encoding="utf-8").splitlines()
    bullets = {n for n, line in enumerate(lines, start=1) if line.startswith("*")}
    examples = set(page_graph.subjects(RDF.type, TK.Example))
    assert len(examples) == 52
    source_lines = {}
    for e in examples:
        (line,) = page_graph.objects(e, TK.sourceLine)
        source_lines[int(line)] = e
        assert (e, TK.trope, SUBJECT) in page_graph
        assert (e, TK.onPage, SUBJECT) in page_graph
        depth = int(page_graph.value(e, TK.depth))
        assert lines[int(line) - 1].startswith("*" * depth + " "), line
    assert set(source_lines) == bullets
    # "Averted in the DeathMerchant novel", and the nested C.O.B.R.A. bullet under it: inverted
    averted = next(ln for ln in bullets if "Averted in the ''DeathMerchant''" in lines[ln - 1])
    nested = averted + 1
    assert page_graph.value(source_lines[averted], TK.mode) == TK.Averted
    assert page_graph.value(source_lines[nested], TK.mode) == TK.Inverted
    assert page_graph.value(source_lines[nested], TK.parentExample) == source_lines[averted]
    assert page_graph.value(source_lines[nested], TK.work) == TKR["Main/DeathMerchant"]


@needs_corpus
def test_real_page_provenance(page_graph):
    assert (GRAPH, RDF.type, TK.PageGraph) in page_graph
    assert page_graph.value(GRAPH, TK.sourceSha256) == Literal(hashlib.sha256(REAL_PAGE.read_bytes()).hexdigest())
    assert page_graph.value(GRAPH, PROV.wasDerivedFrom) == URIRef(
        "https://tvtropes.org/pmwiki/pmwiki.php/Main/WouldNotShootAGoodGuy")
    assert page_graph.value(GRAPH, TK.sourcePath) == Literal("Main/WouldNotShootAGoodGuy.txt")
    assert page_graph.value(GRAPH, TK.tropekgVersion) == Literal(__version__)
    assert page_graph.value(GRAPH, FOAF.primaryTopic) == SUBJECT
    assert (SUBJECT, TK.describedBy, GRAPH) in page_graph
    assert (SUBJECT, RDF.type, TK.Trope) in page_graph
    assert (SUBJECT, RDFS.label, Literal("Would Not Shoot a Good Guy", lang="en")) in page_graph
