"""Relationship analysis gives the known answers: on examples/ (what a reader of those pages would
say) and on a generated graph planted with known roots, depth, multi-parent tropes, one cycle and two
communities. The same analysis through a real SPARQL endpoint gives the same report."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode, Quad

from tropekg import analysis
from tropekg.analysis import (
    AnalysisError,
    GraphReader,
    analyze,
    bipartite_graph,
    cooccurrence_graph,
    hierarchy_graph,
    related_graph,
    trope_path,
)
from tropekg.cli.analysis import analyze_command, path_command
from tropekg.store.embedded import GraphStore

ROOT = Path(__file__).resolve().parents[1]
TK = "https://w3id.org/tropekg/ontology#"
RES = "https://w3id.org/tropekg/resource/"
GRAPH = "https://w3id.org/tropekg/graph/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_DEFINITION = NamedNode("http://www.w3.org/2004/02/skos/core#definition")
FOAF_PRIMARY_TOPIC = NamedNode("http://xmlns.com/foaf/0.1/primaryTopic")


def tk(name: str) -> NamedNode:
    return NamedNode(TK + name)


def res(title: str) -> NamedNode:
    return NamedNode(RES + title)


class PlantedGraph:
    """Quads for a graph of known shape, each statement in the named graph of the page stating it."""

    def __init__(self):
        self.quads: list[Quad] = []
        self._examples = 0

    def page(self, title: str) -> NamedNode:
        g = NamedNode(GRAPH + title)
        self.add(g, FOAF_PRIMARY_TOPIC, res(title), page=title)
        return g

    def add(self, s, p, o, page: str) -> None:
        self.quads.append(Quad(s, p, o, NamedNode(GRAPH + page)))

    def trope(self, title: str, label: str | None = None, description: str | None = None) -> None:
        self.page(title)
        self.add(res(title), RDF_TYPE, tk("Trope"), page=title)
        self.add(res(title), RDFS_LABEL, Literal(label or title.split("/")[1], language="en"), page=title)
        if description:
            self.add(res(title), SKOS_DEFINITION, Literal(description, language="en"), page=title)

    def sub(self, sub: str, sup: str, *pages: str) -> None:
        for page in pages or (sub,):
            self.add(res(sub), tk("subTropeOf"), res(sup), page=page)
            self.add(res(sup), tk("superTropeOf"), res(sub), page=page)

    def relate(self, s: str, prop: str, o: str) -> None:
        self.add(res(s), tk(prop), res(o), page=s)

    def work(self, title: str, medium: str = "Film") -> None:
        self.page(title)
        self.add(res(title), RDF_TYPE, tk("Work"), page=title)
        self.add(res(title), RDF_TYPE, tk(medium), page=title)

    def example(self, trope: str, work: str, mode: str = "Straight") -> None:
        self._examples += 1
        e = NamedNode(f"{RES}{trope}/example/{self._examples}")
        for p, o in ((RDF_TYPE, tk("Example")), (tk("trope"), res(trope)), (tk("work"), res(work)),
                     (tk("mode"), tk(mode)), (tk("onPage"), res(trope))):
            self.add(e, p, o, page=trope)
        shortcut = "avertedIn" if mode == "Averted" else "exemplifiedBy"
        self.add(res(trope), tk(shortcut), res(work), page=trope)

    def store(self) -> GraphStore:
        store = GraphStore.in_memory()
        store.store.extend(self.quads)
        return store


def planted() -> PlantedGraph:
    """Two roots (RootA: depth 3; RootB); Shared under A2 and B1; the cycle C1 -> C2 -> C3 -> C1
    with C4 below it; communities P1..P5 and Q1..Q5 (six works each, one work bridging them)."""
    g = PlantedGraph()
    for t in ("RootA", "A1", "A2", "A11", "A12", "A111", "RootB", "B1", "Shared",
              "C1", "C2", "C3", "C4"):
        g.trope(f"Main/{t}")
    g.sub("Main/A1", "Main/RootA", "Main/A1", "Main/RootA")
    g.sub("Main/A2", "Main/RootA")
    g.sub("Main/A11", "Main/A1")
    g.sub("Main/A12", "Main/A1")
    g.sub("Main/A111", "Main/A11")
    g.sub("Main/B1", "Main/RootB")
    g.sub("Main/Shared", "Main/A2")
    g.sub("Main/Shared", "Main/B1", "Main/B1")  # stated on the super-trope's page only
    g.sub("Main/C1", "Main/C2")
    g.sub("Main/C2", "Main/C3")
    g.sub("Main/C3", "Main/C1", "Main/C3", "Main/C1")
    g.sub("Main/C4", "Main/C1")
    g.relate("Main/RootA", "seeAlso", "Main/RootB")
    g.relate("Main/A2", "contrastWith", "Main/C4")
    for group in ("P", "Q"):
        for i in range(1, 6):
            g.trope(f"Main/{group}{i}")
        for w in range(1, 7):
            g.work(f"Film/{group}Work{w}", "Film" if group == "P" else "Series")
            for i in range(1, 6):
                g.example(f"Main/{group}{i}", f"Film/{group}Work{w}")
    g.work("Film/Bridge")
    g.example("Main/P1", "Film/Bridge")
    g.example("Main/Q1", "Film/Bridge")
    for w in ("Film/Z1", "Film/Z2"):
        g.work(w)
        g.example("Main/P2", w, "Averted")
    g.work("Film/Z3")
    g.example("Main/Q2", "Film/Z3", "Subverted")
    g.example("Main/Q3", "Film/Z3", "Averted")
    return g


@pytest.fixture(scope="module")
def planted_store() -> GraphStore:
    return planted().store()


@pytest.fixture(scope="module")
def planted_report(planted_store):
    return analyze(planted_store)


@pytest.fixture(scope="module")
def examples_store(built) -> GraphStore:
    store = GraphStore.in_memory()
    store.load([built])
    return store


@pytest.fixture(scope="module")
def disk_store(built, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "kg"
    store = GraphStore(path)
    store.load([built])
    del store  # release the store's lock so commands can open it read-only
    return path


# -- the planted graph -----------------------------------------------------------------------------

def test_roots_leaves_and_depths_are_the_planted_ones(planted_report):
    h = planted_report.hierarchy
    assert h["roots"] == ["Main/RootA", "Main/RootB"]
    # RootA, RootB and the cycle's entry C1 at 0; A1 A2 B1 C2 C4 at 1; A11 A12 Shared C3 at 2; A111 at 3
    assert h["depths"] == {0: 3, 1: 5, 2: 4, 3: 1}
    assert h["unreached"] == 0
    assert h["leaves"] == 4
    assert h["linked"] == 13 and h["tropes"] == 23


def test_leaves_are_tropes_with_a_super_trope_and_no_sub_trope(planted_store):
    h = hierarchy_graph(planted_store)
    assert analysis.leaves(h) == ["Main/A111", "Main/A12", "Main/C4", "Main/Shared"]


def test_the_multi_parent_trope_is_listed_with_both_parents(planted_report):
    assert planted_report.hierarchy["multi_parent"] == {"Main/Shared": ["Main/A2", "Main/B1"]}


def test_the_planted_cycle_is_found_with_the_pages_stating_each_edge(planted_report):
    h = planted_report.hierarchy
    assert h["in_cycles"] == 3
    assert len(h["cycles"]) == 1
    cycle = h["cycles"][0]
    assert cycle["tropes"] == ["Main/C1", "Main/C2", "Main/C3"]
    pages = {(e["sub"], e["super"]): e["pages"] for e in cycle["edges"]}
    assert pages == {
        ("Main/C1", "Main/C2"): ["Main/C1"],
        ("Main/C2", "Main/C3"): ["Main/C2"],
        ("Main/C3", "Main/C1"): ["Main/C1", "Main/C3"],
    }


def test_hierarchy_edges_carry_the_pages_that_state_them(planted_store):
    h = hierarchy_graph(planted_store)
    assert h.edges["Main/A1", "Main/RootA"]["pages"] == ["Main/A1", "Main/RootA"]
    assert h.edges["Main/Shared", "Main/B1"]["pages"] == ["Main/B1"]
    assert h.nodes["Main/A1"]["label"] == "A1"


def test_louvain_finds_the_planted_communities_and_is_repeatable(planted_store, planted_report):
    found = {frozenset(c["members"]) for c in planted_report.communities}
    assert frozenset(f"Main/P{i}" for i in range(1, 6)) in found
    assert frozenset(f"Main/Q{i}" for i in range(1, 6)) in found
    again = analyze(planted_store)
    assert again.communities == planted_report.communities


def test_cooccurrence_weights_count_shared_works_and_the_threshold_cuts(planted_store):
    co = cooccurrence_graph(planted_store)
    assert co.edges["Main/P1", "Main/P2"]["weight"] == 6
    assert co.edges["Main/P1", "Main/Q1"]["weight"] == 1  # the bridge
    assert not co.has_edge("Main/P2", "Main/Q3")  # averted examples do not count
    strong = cooccurrence_graph(planted_store, threshold=2)
    assert not strong.has_edge("Main/P1", "Main/Q1")
    assert strong.has_edge("Main/Q4", "Main/Q5")


def test_rankings_by_works_sub_tropes_and_modes(planted_report):
    r = planted_report.rankings
    assert r["works"][0] == {"trope": "Main/P1", "score": 7}
    assert r["sub_tropes"][0]["trope"] == "Main/A1" and r["sub_tropes"][0]["score"] == 2
    assert r["sub_tropes"][0]["all"] == 3
    assert r["averted"] == [{"trope": "Main/P2", "score": 2}, {"trope": "Main/Q3", "score": 1}]
    assert r["subverted"] == [{"trope": "Main/Q2", "score": 1}]
    # rank flows up the hierarchy and gathers in the cycle; RootB also gets RootA's see-also
    ranked = [row["trope"] for row in r["pagerank"]]
    assert set(ranked[:3]) == {"Main/C1", "Main/C2", "Main/C3"}
    assert ranked[3:5] == ["Main/RootB", "Main/RootA"]


def test_counts_by_kind_and_medium(planted_report):
    assert planted_report.kinds["Trope"] == {"total": 23, "wanted": 0}
    assert planted_report.kinds["Work"]["total"] == 16
    assert planted_report.media == {"Film": 10, "Series": 6}


def test_bipartite_edges_carry_the_modes(planted_store):
    b = bipartite_graph(planted_store)
    assert b.edges["Main/P2", "Film/Z1"]["mode"] == "Averted"
    assert b.nodes["Film/Z1"]["bipartite"] == 1 and b.nodes["Main/P2"]["bipartite"] == 0
    assert b.nodes["Film/QWork1"]["medium"] == "Series"


def test_related_graph_keeps_the_stated_direction(planted_store):
    rel = related_graph(planted_store)
    assert rel.has_edge("Main/RootA", "Main/RootB") and not rel.has_edge("Main/RootB", "Main/RootA")
    assert rel.edges["Main/A2", "Main/C4", "contrast with"]["relation"] == "contrast with"


def test_path_gives_each_step_with_its_relation_and_direction(planted_store):
    found = trope_path(planted_store, "A111", "Main/B1")
    assert found.tropes == ["Main/A111", "Main/A11", "Main/A1", "Main/RootA", "Main/RootB", "Main/B1"]
    steps = [(s.forward, s.backward) for s in found.steps]
    assert steps == [(["sub-trope of"], []), (["sub-trope of"], []), (["sub-trope of"], []),
                     (["see also"], []), ([], ["sub-trope of"])]
    text = found.to_text()
    assert "Main/RootA --see also--> Main/RootB" in text
    assert "Main/RootB <--sub-trope of-- Main/B1" in text


def test_path_crosses_a_contrast_note_and_reports_no_chain(planted_store):
    found = trope_path(planted_store, "C3", "A2")
    assert found.tropes == ["Main/C3", "Main/C1", "Main/C4", "Main/A2"]
    assert found.steps[-1].backward == ["contrast with"]
    assert trope_path(planted_store, "P1", "Q1") is None


def test_an_unknown_trope_is_named_with_suggestions(planted_store):
    with pytest.raises(AnalysisError, match=r"no trope 'RootAA'.*did you mean Main/RootA"):
        trope_path(planted_store, "RootAA", "RootB")


def test_tropes_are_found_by_title_name_or_label(planted_store):
    reader = GraphReader(planted_store)
    assert reader.resolve("Main/roota") == "Main/RootA"
    assert reader.resolve("Main.RootA") == "Main/RootA"
    assert reader.resolve("root a") == "Main/RootA"


def test_a_large_cycle_count_is_bounded(planted_store):
    g = nx.complete_graph(7, create_using=nx.DiGraph)
    listed, caught = analysis.cycles(g, limit=5)
    assert len(listed) == 5 and caught == 7


# -- examples/ ---------------------------------------------------------------------------------

def test_examples_hierarchy_is_what_the_pages_say(examples_store):
    report = analyze(examples_store)
    h = report.hierarchy
    assert h["roots"] == ["Main/FriendOrFoe", "Main/NeverHurtAnInnocent"]
    assert h["multi_parent"] == {"Main/WouldNotShootAGoodGuy": ["Main/FriendOrFoe",
                                                                "Main/NeverHurtAnInnocent"]}
    assert h["depths"] == {0: 2, 1: 2, 2: 1}
    assert h["cycles"] == [] and h["in_cycles"] == 0
    hg = hierarchy_graph(examples_store)
    # each sub-trope note is written on both pages
    assert hg.edges["Main/TechnicalPacifist", "Main/ThouShaltNotKill"]["pages"] == [
        "Main/TechnicalPacifist", "Main/ThouShaltNotKill"]
    assert report.rankings["averted"][0] == {"trope": "Main/ThouShaltNotKill", "score": 2}
    assert report.kinds["Trope"]["total"] >= 5


def test_examples_path_and_cli(examples_store, disk_store):
    found = trope_path(examples_store, "TechnicalPacifist", "FriendOrFoe")
    assert len(found.steps) == 4
    runner = CliRunner()
    result = runner.invoke(path_command, ["TechnicalPacifist", "FriendOrFoe", "--store", str(disk_store)])
    assert result.exit_code == 0, result.output
    assert "Main/NeverHurtAnInnocent <--sub-trope of-- Main/WouldNotShootAGoodGuy" in result.output
    result = runner.invoke(path_command, ["TechnicalPacifist", "CrazyPrepared", "--store", str(disk_store)])
    assert result.exit_code == 1
    result = runner.invoke(path_command, ["NoSuchTrope", "CrazyPrepared", "--store", str(disk_store)])
    assert result.exit_code == 2 and "no trope 'NoSuchTrope'" in result.output


def test_analyze_command_prints_text_and_json(disk_store):
    runner = CliRunner()
    result = runner.invoke(analyze_command, ["--store", str(disk_store)])
    assert result.exit_code == 0, result.output
    for heading in ("Resources by kind", "Works by medium", "Hierarchy", "Tropes by PageRank",
                    "Tropes by number of works", "Tropes by number of sub-tropes",
                    "Communities of co-occurring tropes", "Most averted tropes", "Most subverted tropes"):
        assert heading in result.output
    result = runner.invoke(analyze_command, ["--store", str(disk_store), "--format", "json", "--top", "3"])
    data = json.loads(result.output)
    assert data["hierarchy"]["roots"] == ["Main/FriendOrFoe", "Main/NeverHurtAnInnocent"]
    assert len(data["rankings"]["works"]) == 3
    result = runner.invoke(analyze_command, [])
    assert result.exit_code == 2 and "--store PATH or --endpoint URL" in result.output


def test_report_displays_in_a_notebook_with_page_text_escaped():
    g = planted()
    g.trope("Main/Evil", label="<script>alert(1)</script>")
    g.sub("Main/Evil", "Main/RootA")
    g.sub("Main/Evil", "Main/RootB")
    report = analyze(g.store())
    assert "<script>" not in report._repr_html_()
    assert "&lt;script&gt;" in report._repr_html_()
    assert "<script>" not in report._repr_markdown_()
    json.dumps(report.to_json())


# -- a real endpoint ---------------------------------------------------------------------------

def test_an_endpoint_gives_the_same_report_as_the_store(built, examples_store, tmp_path):
    from tropekg.store.endpoint import Endpoint

    from .sparql_server import oxigraph_executable, oxigraph_server

    if not Path(oxigraph_executable()).exists():
        pytest.skip("the oxigraph server (pip install 'tropekg[serve]') is not installed")
    with oxigraph_server(tmp_path / "server") as server:
        remote = Endpoint(server.query_url, server.update_url, server.graph_store_url)
        remote.load([built])
        assert analyze(remote).to_json() == analyze(examples_store).to_json()
        def edges(g):
            return sorted((a, b, d["pages"]) for a, b, d in g.edges(data=True))

        assert edges(hierarchy_graph(remote)) == edges(hierarchy_graph(examples_store))
