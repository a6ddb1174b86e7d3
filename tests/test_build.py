"""Tests for building the dataset (tropekg.build): determinism, named graphs and their provenance, wanted
pages, pages listed from both sides, every output read back by two parsers, failed pages, atomic outputs."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyoxigraph
import pytest
from pyld import jsonld
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib import BNode as RdflibBNode
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import FOAF, PROV, RDFS, SKOS

import tropekg.build.outputs as outputs_module
import tropekg.build.page as page_module
import tropekg.build.pool as pool_module
from tropekg import __version__
from tropekg.build import OUTPUT_FILES, PART_FILES, REPORT_FILE, BuildError, build
from tropekg.rdf.iris import DEFAULT_BASE

TK = Namespace("https://w3id.org/tropekg/ontology#")
TKR = Namespace(DEFAULT_BASE + "resource/")
TKG = Namespace(DEFAULT_BASE + "graph/")
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
WANTED = URIRef(DEFAULT_BASE + "graph/_/wanted")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "pages"
GENERATED = 20


def _small_page(n: int) -> str:
    return (
        f"A small generated trope, number {n}. A sub-trope of NeverHurtAnInnocent.\n\n"
        "[[folder:Film]]\n"
        f"* ''Film/GeneratedFilm{n}'': The hero holds his fire.\n"
        f"** Averted in the sequel, ''Film/GeneratedSequel{n}''.\n"
        f"* Averted in ''Series/GeneratedShow{n}'': everybody shoots.\n"
        "[[/folder]]\n"
    )


@pytest.fixture(scope="module")
def pool_corpus(tmp_path_factory) -> Path:
    """examples/pages plus enough small pages that a build with --jobs 2 uses the process pool."""
    root = tmp_path_factory.mktemp("corpus") / "pages"
    shutil.copytree(EXAMPLES, root)
    for n in range(GENERATED):
        (root / "Main" / f"GeneratedTrope{n}.txt").write_text(_small_page(n), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def pool_built(pool_corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built")
    report = build([pool_corpus], out, jobs=1)
    assert not report.failed
    return out


def _read_dataset(path: Path) -> Dataset:
    ds = Dataset(default_union=True)
    ds.parse(path, format="nquads" if path.suffix == ".nq" else "trig")
    return ds


@pytest.fixture(scope="module")
def dataset(pool_built) -> Dataset:
    return _read_dataset(pool_built / OUTPUT_FILES["nquads"])


def _graph_of(ds: Dataset, name: URIRef) -> Graph:
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, name)):
        g.add((s, p, o))
    return g


def _merged(ds: Dataset) -> Graph:
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _page_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.txt"))


# -- determinism -------------------------------------------------------------------------------------

def test_same_pages_give_byte_identical_outputs(pool_corpus, pool_built, tmp_path):
    again = tmp_path / "elsewhere" / "out"
    build([pool_corpus], again, jobs=1)
    for name in OUTPUT_FILES.values():
        assert (again / name).read_bytes() == (pool_built / name).read_bytes(), name


def test_parallel_build_gives_the_same_bytes(pool_corpus, pool_built, tmp_path, monkeypatch):
    pools = []

    class RecordingPool(pool_module.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(pool_module, "ProcessPoolExecutor", RecordingPool)
    report = build([pool_corpus], tmp_path, jobs=2)
    assert pools == [2], "the build did not use the process pool"
    assert report.pages == len(_page_files(pool_corpus))
    for name in OUTPUT_FILES.values():
        assert (tmp_path / name).read_bytes() == (pool_built / name).read_bytes(), name


def test_nquads_are_canonical(pool_built):
    lines = (pool_built / OUTPUT_FILES["nquads"]).read_bytes().splitlines()
    # sorted within each graph, and each graph's lines together
    graphs = [line[line.rindex(b" <"):] for line in lines]
    seen: list[bytes] = []
    for g in graphs:
        if not seen or seen[-1] != g:
            assert g not in seen, f"graph {g!r} is split"
            seen.append(g)
    assert len(lines) == len(set(lines))


# -- named graphs and provenance ---------------------------------------------------------------------

def test_every_page_is_a_named_graph_with_its_provenance(pool_corpus, dataset):
    files = _page_files(pool_corpus)
    graphs = {getattr(g, "identifier", g) for _, _, _, g in dataset.quads((None, None, None, None))}
    assert graphs == {TKG[f"{p.parent.name}/{p.stem}"] for p in files} | {WANTED, TKG["_/dataset"]}
    for path in files:
        title = f"{path.parent.name}/{path.stem}"
        g = _graph_of(dataset, TKG[title])
        name, subject = TKG[title], TKR[title]
        assert (name, RDF.type, TK.PageGraph) in g
        assert g.value(name, TK.sourcePath) == Literal(f"{path.parent.name}/{path.name}")
        assert g.value(name, TK.sourceSha256) == Literal(hashlib.sha256(path.read_bytes()).hexdigest())
        assert g.value(name, PROV.wasDerivedFrom) == URIRef(f"https://tvtropes.org/pmwiki/pmwiki.php/{title}")
        assert g.value(name, TK.tropekgVersion) == Literal(__version__)
        assert g.value(name, FOAF.primaryTopic) == subject
        assert (subject, TK.describedBy, name) in g
        # a page graph states only what its page says: its examples are its own
        for e in g.subjects(RDF.type, TK.Example):
            assert str(e).startswith(f"{subject}/example/")
            assert g.value(e, TK.onPage) == subject


def test_nothing_time_dependent(dataset):
    for _, p, o, _ in dataset.quads((None, None, None, None)):
        if isinstance(o, Literal) and o.datatype is not None:
            assert "date" not in o.datatype.lower() and "time" not in o.datatype.lower(), (p, o)


# -- wanted pages ----------------------------------------------------------------------------------------

def test_linked_pages_no_page_describes_are_wanted(dataset):
    wanted = _graph_of(dataset, WANTED)
    cases = {  # title: (classes from how it was linked, label)
        "Main/ApologeticAttacker": ({TK.Trope}, "Apologetic Attacker"),      # a see-also target
        "Creator/JonathanNolan": ({TK.Creator}, "Jonathan Nolan"),          # a work page's creator
        "Film/BatmanBegins": ({TK.Film, TK.Work}, "Batman Begins"),         # a creator's work
        "Series/Dexter": ({TK.Series, TK.Work}, "Dexter"),                  # the work of examples
        "Film/GeneratedSequel3": ({TK.Film, TK.Work}, "Generated Sequel 3"),  # a nested example's work
        "UsefulNotes/Miami": ({TK.UsefulNotesTopic}, "Miami"),              # a mention
    }
    for title, (classes, label) in cases.items():
        s = TKR[title]
        assert set(wanted.objects(s, RDF.type)) == {TK.WantedPage} | classes, title
        assert wanted.value(s, RDFS.label) == Literal(label, lang="en"), title
        assert wanted.value(s, SKOS.prefLabel) == Literal(label, lang="en"), title
        assert wanted.value(s, TK.wikiName) == Literal(title)
        assert wanted.value(s, FOAF.isPrimaryTopicOf) == URIRef(f"https://tvtropes.org/pmwiki/pmwiki.php/{title}")
    # nothing but wanted pages in the wanted graph
    assert set(wanted.subjects()) == set(wanted.subjects(RDF.type, TK.WantedPage))


def test_described_pages_are_not_wanted(pool_corpus, dataset):
    wanted = set(dataset.subjects(RDF.type, TK.WantedPage))
    for path in _page_files(pool_corpus):
        assert TKR[f"{path.parent.name}/{path.stem}"] not in wanted, path
    # a page linked under another spelling of its title is still the described page
    assert TKR["Film/TheDarkKnight"] not in wanted


def test_report_counts_wanted_pages(pool_built, dataset):
    report = json.loads((pool_built / REPORT_FILE).read_text(encoding="utf-8"))
    assert report["wanted_pages"] == len(set(dataset.subjects(RDF.type, TK.WantedPage)))
    assert report["failed"] == []
    assert report["tropekg_version"] == __version__


# -- a trope page and a work page listing each other --------------------------------------------------

def test_both_sides_give_examples_with_their_own_provenance(pool_built, dataset):
    trope, work = TKR["Main/WouldNotShootAGoodGuy"], TKR["Series/BurnNotice"]
    examples = [e for e in dataset.subjects(TK.trope, trope) if (e, TK.work, work) in dataset]
    on_pages = {dataset.value(e, TK.onPage) for e in examples}
    assert on_pages == {trope, work}
    homes = {getattr(g, "identifier", g) for e in examples for _, _, _, g in dataset.quads((e, RDF.type, TK.Example, None))}
    assert homes == {TKG["Main/WouldNotShootAGoodGuy"], TKG["Series/BurnNotice"]}

    shortcut = (trope, TK.exemplifiedBy, work)
    stated_in = {getattr(g, "identifier", g) for *_, g in dataset.quads((*shortcut, None))}
    assert stated_in == homes
    # once in the merged graph: count the triples exactly as written, without a store deduplicating them
    written = [t for t in pyoxigraph.parse(path=str(pool_built / OUTPUT_FILES["turtle"]), format=pyoxigraph.RdfFormat.TURTLE)
               if t.subject.value == str(trope) and t.predicate.value == str(TK.exemplifiedBy)
               and t.object.value == str(work)]
    assert len(written) == 1


# -- every output read back by two parsers -------------------------------------------------------------

def _from_oxigraph(term):
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return RdflibBNode(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD_STRING):  # rdflib reads a plain literal without a datatype
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(term)


def _oxigraph_quads(path: Path, fmt) -> set[tuple]:
    out = set()
    for q in pyoxigraph.parse(path=str(path), format=fmt):
        graph = getattr(q, "graph_name", None)
        name = None if graph is None or isinstance(graph, pyoxigraph.DefaultGraph) else _from_oxigraph(graph)
        out.add((_from_oxigraph(q.subject), _from_oxigraph(q.predicate), _from_oxigraph(q.object), name))
    return out


def _rdflib_quads(ds: Dataset) -> set[tuple]:
    return {(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in ds.quads((None, None, None, None))}


def _graph(triples) -> Graph:
    g = Graph()
    for t in triples:
        g.add(tuple(t[:3]))
    return g


def assert_isomorphic(expected: Graph, actual: Graph, what: str) -> None:
    ie, ia = to_isomorphic(expected), to_isomorphic(actual)
    if ie == ia:
        return
    _, only_e, only_a = graph_diff(ie, ia)
    lines = [f"{what} differs from the reference:"]
    lines += sorted(f"  only in expected: {' '.join(t.n3() for t in tr)}" for tr in only_e)[:20]
    lines += sorted(f"  only in actual:   {' '.join(t.n3() for t in tr)}" for tr in only_a)[:20]
    pytest.fail("\n".join(lines))


def _no_network(url, options=None):
    raise AssertionError(f"pyld tried to fetch {url}: the context must be embedded")


def _check_round_trips(out: Path) -> None:
    reference = _oxigraph_quads(out / OUTPUT_FILES["nquads"], pyoxigraph.RdfFormat.N_QUADS)
    assert reference and all(q[3] is not None for q in reference), "every quad sits in a named graph"
    assert _rdflib_quads(_read_dataset(out / OUTPUT_FILES["nquads"])) == reference
    assert _rdflib_quads(_read_dataset(out / OUTPUT_FILES["trig"])) == reference
    assert _oxigraph_quads(out / OUTPUT_FILES["trig"], pyoxigraph.RdfFormat.TRIG) == reference

    merged = _graph(reference)
    ttl = out / OUTPUT_FILES["turtle"]
    assert_isomorphic(merged, Graph().parse(ttl, format="turtle"), "graph.ttl read by rdflib")
    assert_isomorphic(merged, _graph(_oxigraph_quads(ttl, pyoxigraph.RdfFormat.TURTLE)), "graph.ttl read by pyoxigraph")

    jl = out / OUTPUT_FILES["jsonld"]
    assert_isomorphic(merged, Graph().parse(jl, format="json-ld"), "graph.jsonld read by rdflib")
    doc = json.loads(jl.read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": _no_network})
    assert_isomorphic(merged, Graph().parse(data=nquads, format="nt"), "graph.jsonld read by pyld")


def test_every_output_reads_back_isomorphic(pool_built):
    _check_round_trips(pool_built)


def test_outputs_read_back_under_another_base(tmp_path):
    base = "http://example.org/kg/"
    build([EXAMPLES], tmp_path, jobs=1, base=base)
    _check_round_trips(tmp_path)
    text = (tmp_path / OUTPUT_FILES["nquads"]).read_text(encoding="utf-8")
    assert f"<{base}resource/Main/WouldNotShootAGoodGuy>" in text
    assert f"<{base}graph/_/wanted>" in text
    assert DEFAULT_BASE + "resource/" not in text and DEFAULT_BASE + "graph/" not in text
    context = json.loads((tmp_path / OUTPUT_FILES["jsonld"]).read_text(encoding="utf-8"))["@context"]
    assert context["tkr"] == base + "resource/"


def test_formats_pick_the_outputs(tmp_path):
    report = build([EXAMPLES], tmp_path, formats=("turtle",), jobs=1)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted([OUTPUT_FILES["turtle"], REPORT_FILE, *PART_FILES])
    assert set(report.outputs) == {"turtle", "report", "manifest"}
    with pytest.raises(BuildError, match="unknown output format"):
        build([EXAMPLES], tmp_path, formats=("rdfxml",))


# -- failures ----------------------------------------------------------------------------------------------

def test_a_bad_page_is_reported_and_the_others_are_built(tmp_path):
    good = tmp_path / "good"
    shutil.copytree(EXAMPLES, good)
    build([good], tmp_path / "good-out", jobs=1)
    mixed = tmp_path / "mixed"
    shutil.copytree(EXAMPLES, mixed)
    bad = mixed / "Main" / "BrokenPage.txt"
    bad.write_bytes(b"A page\n* with a \x00 byte in it\n")
    report = build([mixed], tmp_path / "mixed-out", jobs=1)
    assert report.pages == len(_page_files(good))
    assert len(report.failed) == 1
    failure = report.failed[0]
    assert failure["path"] == str(bad)
    assert failure["line"] == 2
    assert "NUL" in failure["reason"]
    assert json.loads((tmp_path / "mixed-out" / REPORT_FILE).read_text())["failed"] == [failure]
    # every triple of the good pages is there: the page nobody links to changes nothing else
    name = OUTPUT_FILES["nquads"]
    assert (tmp_path / "mixed-out" / name).read_bytes() == (tmp_path / "good-out" / name).read_bytes()


def test_input_errors(tmp_path):
    with pytest.raises(BuildError, match="no such file"):
        build([tmp_path / "missing"], tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BuildError, match="no page files"):
        build([tmp_path / "empty"], tmp_path / "out")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(BuildError, match="cannot write the output folder"):
        build([EXAMPLES], tmp_path / "a-file" / "out")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() if p.is_file() else "a folder" for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


@pytest.mark.parametrize("victim", ["wanted_quad_chunks", "jsonld_header", "turtle_block"])
def test_a_failed_build_leaves_the_previous_outputs(tmp_path, monkeypatch, victim):
    out = tmp_path / "out"
    build([EXAMPLES], out, jobs=1, cache=False)
    before = _snapshot(out)
    assert set(before) == set(OUTPUT_FILES.values()) | {REPORT_FILE, *PART_FILES}

    def fail_midway(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(outputs_module, victim, fail_midway)
    with pytest.raises(RuntimeError, match="simulated failure"):
        build([EXAMPLES, Path(__file__).resolve().parent / "golden"], out, jobs=1)
    assert _snapshot(out) == before  # byte-identical, and no staging folder or temporary file left


# -- the page cache ----------------------------------------------------------------------------------------

def test_a_rebuild_parses_only_changed_pages_and_gives_the_same_bytes(tmp_path, monkeypatch):
    pages = tmp_path / "pages"
    shutil.copytree(EXAMPLES, pages)
    out = tmp_path / "out"
    first = build([pages], out, jobs=1)
    assert first.cached == 0
    clean = (out / OUTPUT_FILES["nquads"]).read_bytes()
    page = pages / "Main" / "FriendOrFoe.txt"
    page.write_text(page.read_text() + "* ''Film/RushHour'': a new example bullet.\n")
    parsed = []
    real = page_module.parse_bytes

    def counting(data, source, title, **kw):
        parsed.append(str(title))
        return real(data, source, title, **kw)

    monkeypatch.setattr(page_module, "parse_bytes", counting)
    second = build([pages], out, jobs=1)
    assert parsed == ["Main/FriendOrFoe"]
    assert second.cached == second.pages - 1
    fresh = build([pages], tmp_path / "fresh", jobs=1, cache=False)
    assert (out / OUTPUT_FILES["nquads"]).read_bytes() == (tmp_path / "fresh" / OUTPUT_FILES["nquads"]).read_bytes()
    assert (out / OUTPUT_FILES["nquads"]).read_bytes() != clean
    assert fresh.cached == 0


def test_a_damaged_cache_entry_is_parsed_again(tmp_path):
    out = tmp_path / "out"
    build([EXAMPLES], out, jobs=1)
    entries = [p for p in (out / ".cache").rglob("*") if p.is_file()]
    assert len(entries) == 9
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:-10])
    again = build([EXAMPLES], out, jobs=1)
    assert again.cached == 0
    assert build([EXAMPLES], out, jobs=1).cached == 9


def test_a_mapping_bug_on_one_page_is_reported_and_the_rest_built(tmp_path, monkeypatch):
    real = page_module.map_page

    def buggy(page, prov, iris, emit, chunk=0):
        if page.title.name == "FriendOrFoe":
            raise KeyError("simulated mapper bug")
        return real(page, prov, iris, emit, chunk)

    monkeypatch.setattr(page_module, "map_page", buggy)
    report = build([EXAMPLES], tmp_path / "out", jobs=1, cache=False)
    assert [f["path"].endswith("FriendOrFoe.txt") for f in report.failed] == [True]
    assert "please report" in report.failed[0]["reason"]
    assert report.pages == 8


def test_a_build_where_every_page_fails_keeps_the_previous_outputs(tmp_path):
    out = tmp_path / "out"
    build([EXAMPLES], out, jobs=1)
    before = _snapshot(out)
    bad = tmp_path / "bad" / "Main"
    bad.mkdir(parents=True)
    (bad / "Broken.txt").write_bytes(b"nul\x00byte")
    with pytest.raises(BuildError, match="no page could be built"):
        build([tmp_path / "bad"], out, jobs=1)
    assert _snapshot(out) == before


# -- one page, however a link spells it ------------------------------------------------------------------

def test_links_take_the_spelling_of_the_page_that_describes_them(tmp_path):
    pages = tmp_path / "pages" / "Main"
    pages.mkdir(parents=True)
    (pages / "CallOfDutyFan.txt").write_text("A trope about fans. See also TheHero.\n")
    (pages / "LinkingTrope.txt").write_text("A SubTrope of CallofDutyFan. Compare TheHeroFan.\n")
    out = tmp_path / "out"
    build([tmp_path / "pages"], out, jobs=1)
    text = (out / OUTPUT_FILES["nquads"]).read_text()
    assert "resource/Main/CallOfDutyFan>" in text
    assert "resource/Main/CallofDutyFan>" not in text  # the link's own spelling is not an IRI
    assert "resource/Main/TheHeroFan>" in text  # a page with no file keeps its written spelling
