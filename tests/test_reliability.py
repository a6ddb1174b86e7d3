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

from tropekg.build import OUTPUT_FILES, PART_FILES, REPORT_FILE, build
from tropekg.build.manifest import PartsReader
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


# -- kills at the switch itself ----------------------------------------------------------------------

# Runs ``tropekg ARGS`` and SIGKILLs it right after its K-th rename of an output name or of the link
# that publishes them (``.current``) in the output folder: the moments a build changes what readers
# see. Renames elsewhere (cache entries, files inside a version folder) are not counted.
KILL_AFTER_RENAME = """
import os, signal, sys
out, k = os.path.realpath(sys.argv[1]), int(sys.argv[2])
names = set(sys.argv[3].split(","))
count = 0
def killing(real):
    def rename(src, dst, *args, **kwargs):
        global count
        real(src, dst, *args, **kwargs)
        dst = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(dst)), ".")) + "/" + os.path.basename(dst)
        if os.path.dirname(dst) == out and os.path.basename(dst) in names:
            count += 1
            if count == k:
                os.kill(os.getpid(), signal.SIGKILL)
    return rename
os.replace, os.rename = killing(os.replace), killing(os.rename)
sys.argv = ["tropekg"] + sys.argv[4:]
from tropekg.cli import main
main()
"""
SWITCH_NAMES = ",".join([*OUTPUT_FILES.values(), *PART_FILES, REPORT_FILE, ".current"])
ALL = ("nquads", "trig", "turtle", "jsonld")


def _seen(out: Path) -> dict[str, bytes]:
    """What a reader opening the output names sees (the report without the fields that name the
    folder or count the cache)."""
    import json

    seen = {}
    if (out / PART_FILES[0]).exists():  # and the dataset read through the page parts
        with PartsReader(out) as parts:
            seen["parts"] = parts.read()
    for name in (*OUTPUT_FILES.values(), *PART_FILES, REPORT_FILE):
        if (out / name).exists():
            data = (out / name).read_bytes()
            if name == REPORT_FILE:
                report = json.loads(data)
                report.pop("outputs")
                report.pop("cached")
                data = json.dumps(report, sort_keys=True).encode()
            seen[name] = data
    return seen


def _build_args(pages: Path, out: Path, formats) -> list[str]:
    if not formats:  # page parts, no merged file
        return ["build", str(pages), "-o", str(out), "-q", "--jobs", "1", "--no-merged"]
    return ["build", str(pages), "-o", str(out), "-q", "--jobs", "1", *[a for f in formats for a in ("--format", f)]]


@pytest.mark.parametrize("scenario", ["a second build", "fewer formats", "more formats", "an older tropekg's folder",
                                      "a first build", "page parts", "page parts after merged files"])
def test_a_build_killed_at_each_rename_of_the_switch_never_shows_a_mix(tmp_path, scenario):
    """The review killed builds just after the first rename of the switch 5 times of 5 and found
    dataset.nq new beside the old outputs. Here every rename that changes what readers see is a
    kill point, in five kinds of folder; after each kill a reader sees the previous build whole or
    the new one whole, and a rerun finishes the job."""
    first_formats, formats = {"fewer formats": (ALL, ("nquads",)),
                              "more formats": (("nquads", "turtle"), ALL),
                              "page parts": ((), ()),  # a rebuild writing only the changed pages' parts
                              "page parts after merged files": (ALL, ())}.get(scenario, (ALL, ALL))
    newer = tmp_path / "newer"
    shutil.copytree(EXAMPLES, newer)
    (newer / "Main" / "AddedTrope.txt").write_text("A trope added since. See also TheHero.\n")
    template = tmp_path / "template"
    if scenario != "a first build":
        build([EXAMPLES], template, jobs=1, formats=first_formats or ALL, merged=bool(first_formats))
        if scenario == "an older tropekg's folder":
            for name in PART_FILES:  # an older tropekg wrote none
                (template / name).unlink()
            for name in (*OUTPUT_FILES.values(), REPORT_FILE):
                if (template / name).exists():
                    data = (template / name).read_bytes()
                    (template / name).unlink()
                    (template / name).write_bytes(data)
            (template / ".current").unlink()
            shutil.rmtree(template / ".versions")
    else:
        template.mkdir()
    before = _seen(template)
    clean = tmp_path / "clean"
    build([newer], clean, jobs=1, formats=formats or ALL, merged=bool(formats))
    after = _seen(clean)
    kills = 0
    for k in range(1, 8):
        out = tmp_path / f"out-{k}"
        shutil.copytree(template, out, symlinks=True)
        proc = subprocess.run([sys.executable, "-c", KILL_AFTER_RENAME, str(out), str(k), SWITCH_NAMES,
                               *_build_args(newer, out, formats)], env=ENV, capture_output=True, text=True,
                              check=False)
        if proc.returncode == 0:
            break  # the build made fewer than k renames: it finished
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        kills += 1
        seen = _seen(out)
        assert seen in (before, after), f"killed after rename {k}: a mix of {sorted(seen)}"
        rerun = subprocess.run([sys.executable, "-m", "tropekg.cli", *_build_args(newer, out, formats)],
                               env=ENV, capture_output=True, text=True, check=False)
        assert rerun.returncode == 0, rerun.stderr
        assert _seen(out) == after
        assert not [p.name for p in out.iterdir() if p.name.startswith((".staging", ".commit", ".tropekg-link"))]
        assert sorted(os.listdir(out / ".versions")) == [os.readlink(out / ".current").split("/")[1]]
    assert kills >= 1, "a kill must land on the switch"


def _folder_state(folder: Path) -> dict[str, str | bytes]:
    return {str(p.relative_to(folder)): os.readlink(p) if p.is_symlink() else p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_symlink() or p.is_file()}


def test_two_loads_of_a_folder_a_killed_build_left_never_race(tmp_path):
    """Two loads of a build folder left by a build killed at its switch read it side by side and
    leave it as it was: no repair, nothing to race on (the review saw FileNotFoundError in 5 of
    10 when each load completed the switch itself)."""
    newer = tmp_path / "newer"
    shutil.copytree(EXAMPLES, newer)
    (newer / "Main" / "AddedTrope.txt").write_text("A trope added since. See also TheHero.\n")
    template = tmp_path / "template"
    build([EXAMPLES], template, jobs=1)
    for attempt in range(5):
        out = tmp_path / f"out-{attempt}"
        shutil.copytree(template, out, symlinks=True)
        subprocess.run([sys.executable, "-c", KILL_AFTER_RENAME, str(out), "1", SWITCH_NAMES,
                        *_build_args(newer, out, ALL)], env=ENV, capture_output=True, check=False)
        folder = _folder_state(out)
        loads = [subprocess.Popen([sys.executable, "-m", "tropekg.cli", "load", str(out), "--store",
                                   str(tmp_path / f"kg-{attempt}-{n}"), "-q"], env=ENV, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for n in range(2)]
        results = [(p.wait(), p.stderr.read()) for p in loads]
        for p in loads:
            p.stdout.close()
            p.stderr.close()
        assert [code for code, _ in results] == [0, 0], results
        assert _folder_state(out) == folder, "a load changed the build folder"
        counts = {pyoxigraph.Store.read_only(str(tmp_path / f"kg-{attempt}-{n}")).__len__() for n in range(2)}
        assert len(counts) == 1
