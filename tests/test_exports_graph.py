"""Exports for other tools read back intact: GraphML and GEXF through networkx (as Gephi and yEd
read them), Cytoscape JSON in cytoscape.js's elements format, DOT through Graphviz, CSV with a
header, and the RDF formats through pyoxigraph; files are replaced atomically."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from pyoxigraph import NamedNode, RdfFormat, parse

from tropekg.analysis.export import (
    FORMATS,
    GRAPH_FORMATS,
    RDF_FORMATS,
    VIEWS,
    ExportError,
    dot_text,
    export,
    view_graph,
)
from tropekg.atomic import write_with
from tropekg.cli.analysis import export_command
from tropekg.store.embedded import GraphStore

from .test_analysis import planted

NASTY = 'Say "hi" \\ then <script>window.__pwned=1</script> & {braces}; a:b\nnext line'


@pytest.fixture(scope="module")
def graph() -> GraphStore:
    g = planted()
    g.trope("Main/Nasty", label=NASTY, description=NASTY)
    g.sub("Main/Nasty", "Main/RootA")
    return g.store()


@pytest.mark.parametrize("view", VIEWS)
def test_graphml_reads_back_with_labels_and_attributes(graph, view, tmp_path):
    out = tmp_path / f"{view}.graphml"
    export(graph, "graphml", out, view=view)
    back = nx.read_graphml(out)
    original = view_graph(graph, view)
    assert set(back.nodes) == set(original.nodes)
    assert back.number_of_edges() == original.number_of_edges()
    some = next(iter(original.nodes))
    assert back.nodes[some]["label"] == original.nodes[some]["label"]


def test_graphml_keeps_hierarchy_pages_and_text_with_markup(graph, tmp_path):
    out = tmp_path / "h.graphml"
    export(graph, "graphml", out, view="hierarchy")
    back = nx.read_graphml(out)
    assert back.edges["Main/A1", "Main/RootA"]["pages"] == "Main/A1; Main/RootA"
    assert back.edges["Main/A1", "Main/RootA"]["relation"] == "sub-trope of"
    assert back.nodes["Main/Nasty"]["label"] == NASTY
    assert "Main/P1" not in back  # the whole hierarchy leaves out tropes in no sub-trope statement
    co = tmp_path / "co.graphml"
    export(graph, "graphml", co, view="cooccurrence")
    assert nx.read_graphml(co).nodes["Main/P1"]["works"] == 7


@pytest.mark.parametrize("view", VIEWS)
def test_gexf_reads_back_with_labels_and_attributes(graph, view, tmp_path):
    out = tmp_path / f"{view}.gexf"
    export(graph, "gexf", out, view=view)
    back = nx.read_gexf(out)
    original = view_graph(graph, view)
    assert set(back.nodes) == set(original.nodes)
    assert back.number_of_edges() == original.number_of_edges()


def test_gexf_keeps_weights_and_modes(graph, tmp_path):
    export(graph, "gexf", tmp_path / "co.gexf", view="cooccurrence")
    co = nx.read_gexf(tmp_path / "co.gexf")
    assert co.edges["Main/P1", "Main/P2"]["weight"] == 6
    assert co.nodes["Main/P1"]["label"] == "P1"
    export(graph, "gexf", tmp_path / "b.gexf", view="bipartite")
    b = nx.read_gexf(tmp_path / "b.gexf")
    assert b.edges["Main/P2", "Film/Z1"]["mode"] == "Averted"


def test_cytoscape_json_is_the_elements_format(graph, tmp_path):
    out = tmp_path / "related.cyjs"
    export(graph, "cytoscape", out, view="related")
    data = json.loads(out.read_text(encoding="utf-8"))
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    ids = {n["data"]["id"] for n in nodes}
    assert "Main/RootA" in ids
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in edges)
    assert {"source": "Main/RootA", "target": "Main/RootB", "relation": "see also"}.items() <= \
        next(e["data"] for e in edges if e["data"]["source"] == "Main/RootA").items()
    assert next(n for n in nodes if n["data"]["id"] == "Main/RootA")["data"]["name"] == "RootA"
    back = nx.cytoscape_graph(data)
    assert back.number_of_edges() == len(edges)


def test_csv_is_an_edge_list_with_a_header(graph, tmp_path):
    out = tmp_path / "h.csv"
    export(graph, "csv", out, view="hierarchy")
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert list(rows[0])[:4] == ["source", "target", "source_label", "target_label"]
    row = next(r for r in rows if r["source"] == "Main/Nasty")
    assert row["source_label"] == NASTY and row["target"] == "Main/RootA"
    assert len(rows) == view_graph(graph, "hierarchy").number_of_edges()


def test_dot_quotes_every_id_and_value():
    g = nx.MultiDiGraph()
    g.add_node("node", label=NASTY)  # a DOT keyword as a node name
    g.add_node("edge", label="back\\")
    g.add_edge("node", "edge", relation="a")
    g.add_edge("node", "edge", relation="b")
    text = dot_text(g)
    assert '"node" ["label"="Say \\"hi\\" \\\\ then <script>' in text
    assert '\\nnext line"' in text
    assert text.count("->") == 2


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (apt-get install graphviz) is not installed")
def test_graphviz_reads_the_dot_export_and_shows_text_literally(graph, tmp_path):
    out = tmp_path / "h.dot"
    export(graph, "dot", out, view="hierarchy")
    svg = subprocess.run(["dot", "-Tsvg", str(out)], capture_output=True, check=True).stdout.decode()
    assert "<script>" not in svg
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in svg
    assert "Say &quot;hi&quot; \\ then" in svg  # one backslash, as written


def test_a_view_cut_around_a_root(graph):
    below = view_graph(graph, "hierarchy", root="RootA", depth=1)
    assert set(below) == {"Main/RootA", "Main/A1", "Main/A2", "Main/Nasty"}
    everything = view_graph(graph, "hierarchy", root="RootA")
    assert "Main/A111" in everything and "Main/RootB" not in everything
    near = view_graph(graph, "cooccurrence", root="P1")
    assert set(near) == {f"Main/P{i}" for i in range(1, 6)} | {"Main/Q1"}
    with pytest.raises(ExportError, match="no trope 'Nope'"):
        view_graph(graph, "related", root="Nope")


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_rdf_formats_export_the_whole_graph(graph, fmt, tmp_path):
    out = tmp_path / f"all.{fmt}"
    export(graph, fmt, out)
    if fmt == "jsonld":
        data = json.loads(out.read_text(encoding="utf-8"))
        assert "@context" in data and len(data["@graph"]) > 20
        return
    rdf_format = {"turtle": RdfFormat.TURTLE, "nt": RdfFormat.N_TRIPLES, "nq": RdfFormat.N_QUADS,
                  "trig": RdfFormat.TRIG}[fmt]
    quads = list(parse(path=str(out), format=rdf_format))
    if fmt in ("nq", "trig"):
        assert len(quads) == len(graph)  # every quad, in its page graph
        assert {q.graph_name for q in quads} == set(graph.store.named_graphs())
    else:
        distinct = graph.run("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                             "WHERE { ?s ?p ?o } }").rows[0][0]
        assert len(quads) == int(distinct.value)


@pytest.mark.parametrize("fmt", ["turtle", "nq"])
def test_rdf_export_around_a_root_holds_the_neighbourhood_only(graph, fmt, tmp_path):
    out = tmp_path / f"around.{fmt}"
    export(graph, fmt, out, root="A1", depth=1)
    rdf_format = RdfFormat.TURTLE if fmt == "turtle" else RdfFormat.N_QUADS
    quads = list(parse(path=str(out), format=rdf_format))
    named = {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}
    described = {q.subject.value.rsplit("/", 1)[-1] for q in quads if q.predicate.value not in named}
    # A1, its super-trope RootA and its sub-tropes A11 and A12 (A111 is two steps away) ...
    assert described >= {"A1", "RootA", "A11", "A12"}
    assert "A111" not in described and "P1" not in described
    # ... and what their statements point to comes with its label
    labelled = {q.subject.value.rsplit("/", 1)[-1] for q in quads if q.predicate.value in named}
    assert "A111" in labelled
    sub_trope_of = NamedNode("https://w3id.org/tropekg/ontology#subTropeOf")
    assert any(q.predicate == sub_trope_of for q in quads)


def test_rdf_formats_take_no_view(graph, tmp_path):
    with pytest.raises(ExportError, match="--view picks a view"):
        export(graph, "turtle", tmp_path / "x.ttl", view="hierarchy")


def test_files_are_replaced_atomically(tmp_path):
    out = tmp_path / "kept.csv"
    out.write_text("old")

    def fail(f):
        f.write(b"half a fil")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_with(out, fail)
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.csv"]  # no temporary file left
    write_with(out, lambda f: f.write(b"new"))
    assert out.read_text() == "new"


def test_export_command_infers_the_format_and_reports_errors(graph, tmp_path):
    store_path = tmp_path / "kg"
    disk = GraphStore(store_path)
    disk.store.extend(graph.store.quads_for_pattern(None, None, None))
    disk.store.flush()
    del disk
    runner = CliRunner()
    out = tmp_path / "h.graphml"
    result = runner.invoke(export_command, ["--store", str(store_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert nx.read_graphml(out).has_edge("Main/A1", "Main/RootA")
    result = runner.invoke(export_command, ["--store", str(store_path), "--view", "related",
                                            "--format", "csv", "--root", "RootA", "-o",
                                            str(tmp_path / "r.csv")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(export_command, ["--store", str(store_path), "-o", str(tmp_path / "x.bin")])
    assert result.exit_code == 2 and "--format" in result.output
    result = runner.invoke(export_command, ["--store", str(store_path), "--root", "Nope", "-o",
                                            str(tmp_path / "x.ttl")])
    assert result.exit_code == 2 and "no trope 'Nope'" in result.output


def test_the_command_offers_every_format_and_view():
    params = {p.name: p for p in export_command.params}
    assert tuple(params["fmt"].type.choices) == FORMATS
    assert tuple(params["view"].type.choices) == VIEWS
    assert set(GRAPH_FORMATS) | set(RDF_FORMATS) == set(FORMATS)


def test_graph_formats_work_on_examples(tmp_path):
    from tropekg.build import build

    root = Path(__file__).resolve().parents[1]
    built = tmp_path / "built"
    build([root / "examples" / "pages"], built, jobs=1)
    store = GraphStore.in_memory()
    store.load([built])
    export(store, "gexf", tmp_path / "b.gexf", view="bipartite")
    b = nx.read_gexf(tmp_path / "b.gexf")
    assert b.edges["Main/ThouShaltNotKill", "Film/RED"]["mode"] == "Averted"
    assert b.nodes["Film/RED"]["label"] == "RED"


def test_graphml_edge_ids_are_unique(built, tmp_path):
    """Gephi and yEd key edges by id: a view's relation names ("contrast with", four times in
    examples/pages) are no ids."""
    import xml.etree.ElementTree as ET

    examples = GraphStore.in_memory()
    examples.load([built])
    out = tmp_path / "related.graphml"
    export(examples, "graphml", out, view="related")
    edges = [e for e in ET.parse(out).iter() if e.tag.endswith("}edge")]
    ids = [e.get("id") for e in edges if e.get("id") is not None]
    assert len(edges) > 3 and len(ids) == len(set(ids)) == len(edges)
    back = nx.read_graphml(out)
    relations = [d["relation"] for *_e, d in back.edges(data=True)]
    assert relations.count("contrast with") >= 4


def test_bipartite_csv_puts_the_trope_in_source_and_the_work_in_target(graph, tmp_path):
    out = tmp_path / "b.csv"
    export(graph, "csv", out, view="bipartite")
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    view = view_graph(graph, "bipartite")
    assert len(rows) == view.number_of_edges() > 10
    for row in rows:
        assert view.nodes[row["source"]]["bipartite"] == 0, row
        assert view.nodes[row["target"]]["bipartite"] == 1, row


def test_cytoscape_network_data_is_an_object(graph, tmp_path):
    out = tmp_path / "h.cyjs"
    export(graph, "cytoscape", out, view="hierarchy")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(data["data"], dict) and data["data"].get("view") == "hierarchy"
