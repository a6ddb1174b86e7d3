"""The merged outputs read as a linked-data user expects: graph.ttl groups each subject's
statements in one place under a prefix per wiki namespace (``main:WouldNotShootAGoodGuy``), and
graph.jsonld has one node object per subject with numbers and booleans as JSON numbers and
booleans. Checked on examples/pages built once, and on a merge large enough to spill sorted runs
to disk."""

from __future__ import annotations

import json
import re

from pyld import jsonld
from pyoxigraph import RdfFormat, parse

from tropekg.build.merged import MergedGraph

TK = "https://w3id.org/tropekg/ontology#"


def _subject_blocks(text: str) -> list[str]:
    """The subject written at the start of each Turtle statement block."""
    return [line.split(" ", 1)[0] for line in text.splitlines()
            if line and not line.startswith(("@prefix", "\t", " "))]


def test_turtle_groups_each_subject_once_under_its_namespace_prefix(built):
    text = (built / "graph.ttl").read_text(encoding="utf-8")
    subjects = _subject_blocks(text)
    repeated = sorted({s for s in subjects if subjects.count(s) > 1})
    assert not repeated, f"subjects written in more than one block: {repeated[:5]}"
    assert "@prefix main: <https://w3id.org/tropekg/resource/Main/> ." in text
    assert "@prefix film: <https://w3id.org/tropekg/resource/Film/> ." in text
    assert "main:WouldNotShootAGoodGuy" in subjects
    assert "tkr:Main\\/" not in text and "tkr:Film\\/" not in text
    # a trope's block holds its type from every page that links to it, once
    block = text.split("\nmain:NeverHurtAnInnocent ", 1)[1].split("\n", 1)[0]
    assert block.startswith("a tk:Trope")


def test_jsonld_has_one_node_per_subject_and_native_numbers_and_booleans(built):
    doc = json.loads((built / "graph.jsonld").read_text(encoding="utf-8"))
    ids = [node["@id"] for node in doc["@graph"]]
    assert len(ids) == len(set(ids))
    examples = [n for n in doc["@graph"] if n.get("@type") == "Example"]
    assert examples
    for node in examples:
        assert type(node["sourceLine"]) is int and type(node["depth"]) is int
        assert type(node["modeStated"]) is bool and type(node["hasSpoiler"]) is bool
    dataset = next(n for n in doc["@graph"] if n["@id"].endswith("/dataset"))
    assert type(dataset["void:triples"]) is int
    # and they read back as the same typed literals: the JSON-LD and the Turtle are one graph
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads",
                                 "documentLoader": lambda url, options=None: (_ for _ in ()).throw(
                                     AssertionError(f"fetched {url}"))})
    from_jsonld = set(parse(nquads.encode(), format=RdfFormat.N_TRIPLES))
    from_turtle = set(parse(path=str(built / "graph.ttl"), format=RdfFormat.TURTLE))
    assert from_jsonld == from_turtle


def test_a_merge_larger_than_memory_runs_gives_each_triple_once_in_order(tmp_path):
    """Runs spilled to disk are merged into the same sorted, distinct lines a single sort gives."""
    lines = [f"<http://x/s{i % 97}> <http://x/p> \"{i % 41}\" .".encode() for i in range(3000)]
    spilled = MergedGraph(tmp_path / "runs", run_lines=250)
    for i in range(0, len(lines), 100):
        spilled.add(b"\n".join(lines[i:i + 100]) + b"\n")
    got = list(spilled.lines())
    assert len(spilled.runs) > 5
    assert len(got) == len(set(lines))
    whole = MergedGraph(tmp_path / "whole")
    whole.add(b"\n".join(lines))
    assert got == list(whole.lines())
    subjects = [re.match(rb"<[^>]*>", line).group() for line in got]
    assert subjects == sorted(subjects, key=lambda s: s.replace(b">", b"\x00"))
    spilled.close()
    assert not (tmp_path / "runs").exists()
