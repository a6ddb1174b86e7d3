"""The embedded store: loading replaces page graphs only, prunes on request, survives a kill."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import NamedNode

from tropekg.build import build
from tropekg.cli import cli
from tropekg.query.params import bind
from tropekg.query.saved import Param, SavedQuery
from tropekg.store.embedded import GraphStore, StoreError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "pages"
G = "https://w3id.org/tropekg/graph/"
R = "https://w3id.org/tropekg/resource/"


def _graph_quads(store: GraphStore, graph: str) -> set[str]:
    return {str(q) for q in store.store.quads_for_pattern(None, None, None, NamedNode(graph))}


def _all_quads(store: GraphStore) -> set[str]:
    return {str(q) for q in store.store}


@pytest.fixture
def pages(tmp_path) -> Path:
    dest = tmp_path / "pages"
    shutil.copytree(EXAMPLES, dest)
    return dest


def _build(pages: Path, out: Path) -> Path:
    report = build([pages], out, jobs=1)
    assert not report.failed
    return out


def test_empty_store_bulk_loads_and_a_reload_changes_nothing(pages, tmp_path):
    out = _build(pages, tmp_path / "out")
    store = GraphStore(tmp_path / "kg")
    first = store.load([out])
    assert first.bulk and first.graphs_replaced == 9
    before = _all_quads(store)
    second = store.load([out])
    assert not second.bulk and second.graphs_replaced == 9
    assert _all_quads(store) == before
    assert f"{G}Main/WouldNotShootAGoodGuy" in store.page_graphs()


def test_a_rebuilt_page_replaces_that_page_graph_only(pages, tmp_path):
    store = GraphStore(tmp_path / "kg")
    store.load([_build(pages, tmp_path / "out1")])
    others = {g: _graph_quads(store, g) for g in store.page_graphs() if not g.endswith("FriendOrFoe")}
    page = pages / "Main" / "FriendOrFoe.txt"
    lines = page.read_text().splitlines()
    dropped = next(i for i, line in enumerate(lines) if line.startswith("* ") and "Dexter" in line)
    page.write_text("\n".join(lines[:dropped] + lines[dropped + 1:]) + "\n")
    store.load([_build(pages, tmp_path / "out2")])
    friend = _graph_quads(store, f"{G}Main/FriendOrFoe")
    assert not any("Series/Dexter>" in q and "ontology#work>" in q for q in friend)
    for g, quads in others.items():
        if "/_/" in g:  # the wanted pages and the dataset's description (its counts) change too
            continue
        assert _graph_quads(store, g) == quads, g


def test_prune_removes_graphs_of_pages_no_longer_built(pages, tmp_path):
    store = GraphStore(tmp_path / "kg")
    store.load([_build(pages, tmp_path / "out1")])
    (pages / "Main" / "TechnicalPacifist.txt").unlink()
    out2 = _build(pages, tmp_path / "out2")
    store.load([out2])
    assert f"{G}Main/TechnicalPacifist" in store.page_graphs()
    report = store.load([out2], prune=True)
    assert report.graphs_pruned == 1
    assert f"{G}Main/TechnicalPacifist" not in store.page_graphs()


def test_wanted_pages_that_become_described_leave_the_wanted_graph(pages, tmp_path):
    (pages / "Main" / "HeroicVow.txt").unlink(missing_ok=True)
    store = GraphStore(tmp_path / "kg")
    store.load([_build(pages, tmp_path / "out1")])
    wanted = f"{G}_/wanted"
    assert any(f"<{R}Main/HeroicVow>" in q for q in _graph_quads(store, wanted))
    (pages / "Main" / "HeroicVow.txt").write_text("A vow a hero makes and keeps. Compare ThouShaltNotKill.\n")
    store.load([_build(pages, tmp_path / "out2")])
    assert not any(f"<{R}Main/HeroicVow>" in q for q in _graph_quads(store, wanted))
    assert any(f"<{R}Main/TechnicalPacifist>" not in q for q in _graph_quads(store, wanted))


def test_the_store_reads_as_an_rdflib_dataset(pages, tmp_path):
    store = GraphStore(tmp_path / "kg")
    store.load([_build(pages, tmp_path / "out")])
    ds = store.rdflib_dataset()
    from rdflib import URIRef

    sub = URIRef("https://w3id.org/tropekg/ontology#subTropeOf")
    pairs = {(str(s), str(o)) for s, o in ds.subject_objects(sub)}
    assert (f"{R}Main/ThouShaltNotKill", f"{R}Main/NeverHurtAnInnocent") in pairs


def test_missing_inputs_and_bad_files_are_clear_errors(tmp_path):
    store = GraphStore(tmp_path / "kg")
    with pytest.raises(StoreError, match="no such file"):
        store.load([tmp_path / "nope"])
    with pytest.raises(StoreError, match="not a build folder"):
        store.load([tmp_path])
    bad = tmp_path / "bad.nq"
    bad.write_text("<a> <b> .\n")
    with pytest.raises(StoreError, match="not valid RDF"):
        store.load([bad])
    result = CliRunner().invoke(cli, ["load", str(tmp_path / "nope"), "--store", str(tmp_path / "kg3")])
    assert result.exit_code == 2 and "no such file" in result.output and "Traceback" not in result.output



def test_a_bad_line_deep_in_a_big_file_is_named_by_its_own_line(tmp_path):
    """The first load sends the merged graph's lines to the bulk loader among the file's, so the
    loader's line numbers are not the file's: the error names the line of the file."""
    lines = [f'<http://e/s> <http://e/p> "v{i}" <http://e/g> .' for i in range(30_000)]
    lines[25_000] = "<http://e/s> <http://e/p> garbage <http://e/g> ."
    bad = tmp_path / "deep.nq"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(StoreError, match=r"deep\.nq: not valid RDF: .*line 25001\b"):
        GraphStore(tmp_path / "kg").load([bad])

INJECTIONS = [
    '" } ; DROP ALL ; SELECT * WHERE { "',
    "x' } DROP ALL { '",
    "> } DROP ALL #",
    "}} DROP ALL {{",
    'DROP ALL',
    'a\n} ; CLEAR ALL ; INSERT DATA { <http://e/x> <http://e/p> "1" }',
    'SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o }',
    '\\u0022 } DROP ALL { \\u0022',
    '\u202e\u0000 nul and bidi',
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_string_parameters_are_bound_as_literals_and_run_nothing(pages, tmp_path, value):
    store = GraphStore(tmp_path / "kg")
    store.load([_build(pages, tmp_path / "out")])
    before = _all_quads(store)
    query = SavedQuery(
        name="needle", path=Path("needle.rq"), summary="", description="", tags=(), columns=("s",),
        params=(Param("needle", "string", default=""),), heavy=False,
        text="SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?needle }",
    )
    result = store.run(query.text, bind(query, {"needle": value}))
    assert result.rows == []
    assert _all_quads(store) == before


@pytest.mark.parametrize("value", ['Main/Foo" } DROP ALL', "Main/Foo>", "../../x", "Main/{{x}}", "", "Film/RushHour"])
def test_a_bad_trope_name_is_a_clear_error(tmp_path, value):
    result = CliRunner().invoke(cli, ["query", "run", "subtropes", "-p", f"trope={value}",
                                      "--store", str(tmp_path / "kg")])
    assert result.exit_code == 2, result.output
    assert "trope" in result.output and "Traceback" not in result.output


KILL_SCRIPT = """
import sys
from pathlib import Path
from tropekg.store.embedded import GraphStore
GraphStore(Path(sys.argv[1])).load([Path(sys.argv[2])])
"""


def test_a_killed_load_leaves_the_store_usable_and_a_rerun_completes(tmp_path):
    pages = tmp_path / "pages" / "Main"
    pages.mkdir(parents=True)
    for i in range(200):
        body = "\n".join(f"* ''Film/Work{i}x{j}'' plays it with TheHero and TheMole." for j in range(20))
        (pages / f"GeneratedTrope{i}.txt").write_text(f"A SubTrope of GeneratedTrope{i // 2}.\n{body}\n")
    out = _build(tmp_path / "pages", tmp_path / "out")
    clean = GraphStore(tmp_path / "clean")
    clean.load([out])
    clean.load([out])  # the non-bulk path
    expected = _all_quads(clean)
    del clean
    store_path = tmp_path / "kg"
    small = GraphStore(store_path)
    small.load([_build(EXAMPLES, tmp_path / "small")])  # not empty: the per-graph path
    small_quads = _all_quads(small)
    del small
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(store_path), str(out)], env=env)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    store = GraphStore(store_path)
    assert store.run("ASK { ?s ?p ?o }").value  # usable
    store.load([out])
    got = _all_quads(store)
    assert expected <= got
    assert got - expected <= small_quads | {q for q in got if q.endswith("/graph/_/wanted> .")}
