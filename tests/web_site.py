"""The graph the site tests browse, and the site itself as a real server.

:func:`planted_store` builds ``examples/pages`` plus a few pages written here for what the examples
lack (a third hierarchy level, a sub-trope cycle, page text holding ``<script>`` and ``onerror=``),
loads them into an on-disk store, and adds the statements other steps will write (an alternative
title, Wikidata and DBpedia links, a hostile ``javascript:`` URL). :func:`running_site` starts
``tropekg serve`` on 127.0.0.1 and a free port, and stops it by its PID.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from pyoxigraph import Literal, NamedNode, Triple

from tropekg.build import build
from tropekg.store.embedded import GraphStore

from .sparql_server import _free_port

ROOT = Path(__file__).resolve().parents[1]
RES = "https://w3id.org/tropekg/resource/"
GRAPH = "https://w3id.org/tropekg/graph/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
EVIL_SCRIPT = "<script>window.__pwned=1</script>"
EVIL_IMG = '<img src=x onerror="window.__pwned=2">'
EVIL_LABEL = f"Evil {EVIL_SCRIPT} Trope"
ALT_TITLE = "Spare The Badge"
WIKIDATA = "http://www.wikidata.org/entity/Q4242"
DBPEDIA = "http://dbpedia.org/resource/Would_Not_Shoot_a_Good_Guy"

PAGES = {
    "Main/DeepRestraint.txt": """\
The hero's restraint goes one level deeper: even while fleeing, he disarms rather than wounds.
A sub-trope of WouldNotShootAGoodGuy.

[[folder:Film]]
* ''Film/TheDarkKnight'': Batman breaks a rifle instead of an arm.
** [[spoiler:The rifle belonged to Gordon all along]], which is the joke of the scene.
[[/folder]]
""",
    "Main/EvilTrope.txt": f"""\
A trope whose page holds markup: {EVIL_SCRIPT} and {EVIL_IMG} & <b>not bold</b>.
A sub-trope of NeverHurtAnInnocent.

[[folder:Film]]
* ''Film/TheDarkKnight'': {EVIL_IMG} shown as text. [[spoiler:{EVIL_SCRIPT} is the twist]]
[[/folder]]
""",
    "Main/CycleA.txt": """\
The first half of a loop the wiki's editors made. A sub-trope of CycleB.
""",
    "Main/CycleB.txt": """\
The second half of the loop. A sub-trope of CycleA.
""",
    "Main/CycleChild.txt": """\
Hangs under the loop. A sub-trope of CycleB.
""",
}


def planted_store(folder: Path) -> Path:
    """An on-disk store of examples/pages and the planted pages; returns its path."""
    pages = folder / "pages"
    shutil.copytree(ROOT / "examples" / "pages", pages)
    for name, text in PAGES.items():
        (pages / name).write_text(text, encoding="utf-8")
    out = folder / "out"
    report = build([pages], out, jobs=1)
    assert not report.failed, report.failed
    path = folder / "kg.store"
    store = GraphStore(path)
    store.load([out])
    trope = NamedNode(RES + "Main/WouldNotShootAGoodGuy")
    graph = NamedNode(GRAPH + "Main/WouldNotShootAGoodGuy")
    evil = NamedNode(RES + "Main/EvilTrope")
    evil_graph = NamedNode(GRAPH + "Main/EvilTrope")
    # a display title holding markup, as a reader of rendered pages could bring in; planted through
    # replace_graph, so the store's merged graph stays in step with its page graphs
    labels = (NamedNode(SKOS + "prefLabel"), NamedNode("http://www.w3.org/2000/01/rdf-schema#label"))

    def triples_of(graph, held=store):
        return [Triple(q.subject, q.predicate, q.object) for q in held.store.quads_for_pattern(None, None, None, graph)]

    evil_triples = [t for t in triples_of(evil_graph) if not (t.subject == evil and t.predicate in labels)]
    evil_triples += [Triple(evil, p, Literal(EVIL_LABEL, language="en")) for p in labels]
    evil_triples += [
        Triple(evil, NamedNode(SKOS + "altLabel"), Literal(EVIL_IMG, language="en")),
        Triple(evil, NamedNode("http://xmlns.com/foaf/0.1/isPrimaryTopicOf"), NamedNode("javascript:window.__pwned=5")),
    ]
    store.replace_graph(evil_graph, evil_triples)
    store.replace_graph(graph, triples_of(graph) + [
        Triple(trope, NamedNode(SKOS + "altLabel"), Literal(ALT_TITLE, language="en")),
        Triple(trope, NamedNode(SKOS + "exactMatch"), NamedNode(WIKIDATA)),
        Triple(trope, NamedNode("http://www.w3.org/2002/07/owl#sameAs"), NamedNode(DBPEDIA)),
    ])
    store.store.flush()
    del store
    return path


@dataclass(frozen=True)
class RunningSite:
    url: str
    port: int
    pid: int
    process: subprocess.Popen


@contextmanager
def running_site(store: Path, *extra: str):
    """``tropekg serve`` on 127.0.0.1 and a free port; stopped by its PID at the end."""
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tropekg.cli", "serve", "--store", str(store), "--port", str(port), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"tropekg serve exited: {proc.stderr.read().decode()[:800]}")
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("tropekg serve did not answer within 60 s")
            time.sleep(0.1)
        yield RunningSite(url, port, proc.pid, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def children_of(pid: int) -> list[int]:
    """The PIDs whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: the fields after it are fixed
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def source_line(pages: Path, page: str, startswith: str) -> int:
    """The line number of the first line of a page source that starts with ``startswith``."""
    for number, line in enumerate((pages / f"{page}.txt").read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(startswith):
            return number
    raise AssertionError(f"no line starting {startswith!r} in {page}")
