"""Nothing lost, nothing escapes: builds killed with SIGKILL at random points, titles that try to
leave the output folder, and runs with the network blocked."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest

from tropekg.build import OUTPUT_FILES, REPORT_FILE, build
from tropekg.rdf.iris import IriScheme
from tropekg.readers.source import PageError, title_from_path
from tropekg.titles import make_title, parse_title

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "pages"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in (*OUTPUT_FILES.values(), REPORT_FILE)
            if (out / name).exists()}


def _corpus(root: Path, pages: int) -> Path:
    main = root / "Main"
    main.mkdir(parents=True)
    for i in range(pages):
        bullets = "\n".join(f"* ''Film/Work{i % 40}x{j}'': TheHero and TheMole, {j}." for j in range(25))
        (main / f"KillTrope{i}.txt").write_text(f"A SubTrope of KillTrope{i // 3}. See also TheHero.\n{bullets}\n")
    return root


def test_builds_killed_at_random_points_lose_nothing(tmp_path):
    pages = _corpus(tmp_path / "pages", 300)
    clean = tmp_path / "clean"
    build([pages], clean, jobs=1, cache=False)
    expected = (clean / OUTPUT_FILES["nquads"]).read_bytes()

    out = tmp_path / "out"
    build([EXAMPLES], out, jobs=1)  # earlier results that a killed build must leave alone
    previous = _outputs(out)
    rng = random.Random(7)
    kills = 0
    for attempt in range(8):
        proc = subprocess.Popen([sys.executable, "-m", "tropekg.cli", "build", str(pages), "-o", str(out),
                                 "--jobs", "2", "-q"], env=ENV, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        now = _outputs(out)
        if now != previous:
            # a build that finished replaced the outputs with a complete, consistent set
            assert now[OUTPUT_FILES["nquads"]] == expected
            previous = now
        for name, data in now.items():  # never a torn file
            if name.endswith(".nq"):
                pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_QUADS)
        if proc.returncode == 0:  # a finished build leaves nothing behind, stale folders included
            assert not [p for p in out.iterdir() if p.name.startswith((".staging", ".commit"))]
    assert kills >= 3, "the kills should land while builds run"
    time.sleep(1.5)  # the workers of killed builds notice and end
    leftovers = subprocess.run(["pgrep", "-f", f"build {pages} -o {out}"], capture_output=True, text=True, check=False)
    assert leftovers.stdout.strip() == "", "workers of a killed build outlived it"
    subprocess.run([sys.executable, "-m", "tropekg.cli", "build", str(pages), "-o", str(out), "-q"],
                   env=ENV, check=True)
    assert (out / OUTPUT_FILES["nquads"]).read_bytes() == expected


@pytest.mark.parametrize("name", ["../../x.txt", "..", "Main", "Main/..", "a\x00b.txt", "Main.%2e%2e", "Main./x"])
def test_titles_cannot_escape_or_make_bad_iris(name):
    title = parse_title(name)
    assert title is None or (title.name.isalnum() and title.namespace.isalnum())


def test_odd_file_names_never_write_outside_the_output_folder(tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(EXAMPLES, pages)
    (pages / "..weird").mkdir()
    (pages / "..weird" / "x.txt").write_text("* ''Film/Foo''\n")
    (pages / "Main" / "Bad Name With Spaces.txt").write_text("TheHero.\n")
    (pages / "Main" / "Main.Dotted.txt").write_text("TheHero.\n")
    out = tmp_path / "out"
    before = set(tmp_path.rglob("*"))
    report = build([pages], out, jobs=1)
    after = set(tmp_path.rglob("*"))
    assert all(out in p.parents or p == out for p in after - before)
    assert any("Bad Name With Spaces" in f["path"] for f in report.failed)
    for quad in pyoxigraph.parse(path=str(out / OUTPUT_FILES["nquads"]), format=pyoxigraph.RdfFormat.N_QUADS):
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, pyoxigraph.NamedNode):
                assert " " not in term.value and ".." not in term.value


def test_iris_from_titles_are_always_valid():
    iris = IriScheme()
    for raw in ["Foo", "Foo2Bar", "ABC", "x"]:
        title = make_title("Main", raw)
        pyoxigraph.NamedNode(iris.resource(title).value)  # raises on an invalid IRI
    assert make_title("Main", "a/b") is None and make_title("Main", "a b") is None
    with pytest.raises(PageError):
        title_from_path(Path("weird name.txt"))


NO_NETWORK = """
import socket, sys
def refuse(*a, **k):
    raise OSError("network access attempted: " + repr(a[:1]))
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
sys.argv = ["tropekg"] + sys.argv[1:]
from tropekg.cli import main
main()
"""


@pytest.mark.parametrize("command", [
    ["parse", "{examples}/Main/WouldNotShootAGoodGuy.txt"],
    ["build", "{examples}", "-o", "{tmp}/out", "-q"],
])
def test_parse_and_build_make_no_network_access(tmp_path, command):
    args = [a.format(examples=EXAMPLES, tmp=tmp_path) for a in command]
    result = subprocess.run([sys.executable, "-c", NO_NETWORK, *args], env=ENV, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "network access attempted" not in result.stderr


def test_a_second_build_into_the_same_folder_is_refused_while_one_runs(tmp_path):
    from tropekg.build import BuildError

    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.lockf(f, fcntl.LOCK_EX); "
        "print('locked', flush=True); time.sleep(30)"), str(out / ".lock")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(BuildError, match="another tropekg build"):
            build([EXAMPLES], out, jobs=1)
    finally:
        holder.kill()
        holder.wait()
    build([EXAMPLES], out, jobs=1)  # and once it is gone, the build runs


def test_validate_and_export_make_no_network_access(tmp_path):
    from tropekg.store.embedded import GraphStore

    out = tmp_path / "out"
    build([EXAMPLES], out, jobs=1)
    GraphStore(tmp_path / "kg").load([out])
    for args in (["validate", str(out), "--jobs", "1"],
                 ["export", "--store", str(tmp_path / "kg"), "-o", str(tmp_path / "kg.jsonld")],
                 ["export", "--store", str(tmp_path / "kg"), "--view", "hierarchy", "-o", str(tmp_path / "h.graphml")]):
        result = subprocess.run([sys.executable, "-c", NO_NETWORK, *args], env=ENV, capture_output=True, text=True, check=False)
        assert result.returncode == 0, (args, result.stderr)
        assert "network access attempted" not in result.stderr
    assert (tmp_path / "kg.jsonld").stat().st_size > 1000
