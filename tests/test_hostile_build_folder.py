"""A build folder is untrusted input: one received from someone else, or tampered with, never makes
tropekg change or read a file outside it, and whatever tropekg did not write there is refused with
a message saying what to do, never an internal error, never a folder that blocks every later run.

Each case is one the hostile-user review of the project reproduced (a journal naming
``../home_sim/.bashrc``, a ``.cache`` or ``.lock`` link, a read-only folder), plus the links a
build folder now holds (``.current``, ``.versions``, the output names)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from tropekg.build import OUTPUT_FILES, REPORT_FILE, build
from tropekg.cli import cli

from .unprivileged import permissions_stop, run_tropekg

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "pages"
NAMES = (*OUTPUT_FILES.values(), REPORT_FILE)


def _tropekg(*args: str) -> tuple[int, str]:
    """Run a command in process; anything but a clean exit (an exception: what a user would see
    as "internal error") fails the test."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"tropekg {' '.join(map(str, args))} raised {result.exception!r}:\n{result.output}")
    return result.exit_code, result.output


def _shipped(tmp_path: Path, name: str = "shipped") -> Path:
    out = tmp_path / name
    build([EXAMPLES], out, jobs=1)
    return out


def _older_layout(out: Path) -> Path:
    """A build folder as tropekg made them before output versions: the outputs as plain files."""
    for name in NAMES:
        data = (out / name).read_bytes()
        (out / name).unlink()
        (out / name).write_bytes(data)
    if (out / ".current").is_symlink():
        (out / ".current").unlink()
    shutil.rmtree(out / ".versions", ignore_errors=True)
    return out


def _victim(tmp_path: Path) -> Path:
    home = tmp_path / "home_sim"
    home.mkdir()
    (home / ".bashrc").write_text("the victim's own file\n")
    (home / "docs").mkdir()
    (home / "docs" / "notes.txt").write_text("the victim's notes\n")
    return home


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in NAMES if (out / name).exists()}


# -- the journal of an older tropekg ----------------------------------------------------------------

@pytest.mark.parametrize("layout", ["current", "older"])
@pytest.mark.parametrize("journal", [
    {"staging": "s", "files": ["../home_sim/.bashrc"]},
    {"staging": "{victim}/docs", "files": ["notes.txt"]},
    {"staging": ".staging-x", "files": ["../../home_sim/.bashrc"]},
], ids=["files-leave-the-folder", "staging-elsewhere", "staging-like-ours-files-leave"])
def test_a_journal_never_moves_a_file_in_or_out_of_the_folder(tmp_path, layout, journal):
    victim = _victim(tmp_path)
    out = _shipped(tmp_path)
    if layout == "older":
        _older_layout(out)
    (out / "s").mkdir()
    (out / "home_sim").mkdir()
    (out / "home_sim" / ".bashrc").write_text("planted by the sender\n")
    (out / ".staging-x").mkdir()
    text = json.dumps(journal).replace("{victim}", str(victim))
    (out / ".commit").write_text(text)
    before = _tree(victim)

    code, output = _tropekg("validate", out, "--jobs", "1")
    assert _tree(victim) == before
    if layout == "older":  # the outputs may be half switched: said, with the way out
        assert code == 2 and ".commit" in output and "build into it again" in output
    else:  # tropekg no longer writes journals: one in a folder of versions is inert
        assert code == 0, output
    code, output = _tropekg("load", out, "--store", tmp_path / "kg")
    assert _tree(victim) == before
    assert code == (2 if layout == "older" else 0), output

    code, output = _tropekg("build", EXAMPLES, "-o", out, "-q", "--jobs", "1")
    assert code == 0, output
    assert _tree(victim) == before
    assert not (out / ".commit").exists() and not (out / ".staging-x").exists()
    assert _tropekg("load", out, "--store", tmp_path / "kg2")[0] == 0


@pytest.mark.parametrize("journal", [
    '{"files": []}', '{"staging": ".staging-a"}', '{"staging": 1, "files": [2]}', '{"staging": null, "files": [null]}',
    "null", "42", '"a string"', "[]", "not json at all", "{", '{"staging": ".staging-a", "files": "dataset.nq"}',
    '{"staging": ".staging-a", "files": ["dataset.nq"], "more": 1}', "\x00\xff" * 10,
])
def test_a_malformed_journal_is_refused_clearly_and_a_build_clears_it(tmp_path, journal):
    out = _older_layout(_shipped(tmp_path))
    (out / ".commit").write_text(journal, encoding="latin-1")
    for command in (["validate", out, "--jobs", "1"], ["load", out, "--store", tmp_path / "kg"]):
        code, output = _tropekg(*command)
        assert code == 2, output
        assert "internal error" not in output and ".commit" in output and "remove" in output
    code, output = _tropekg("build", EXAMPLES, "-o", out, "-q", "--jobs", "1")
    assert code == 0, output
    assert not (out / ".commit").exists()
    assert _tropekg("load", out, "--store", tmp_path / "kg")[0] == 0  # not blocked any more


@pytest.mark.parametrize("kind", ["a link to /dev/zero", "a folder", "a FIFO"])
def test_a_journal_that_is_not_a_file_is_never_read(tmp_path, kind):
    out = _older_layout(_shipped(tmp_path))
    journal = out / ".commit"
    if kind == "a folder":
        journal.mkdir()
    elif kind == "a FIFO":
        os.mkfifo(journal)
    else:
        journal.symlink_to("/dev/zero")
    assert _tropekg("load", out, "--store", tmp_path / "kg")[0] == 2
    assert _tropekg("build", EXAMPLES, "-o", out, "-q", "--jobs", "1")[0] == 0
    assert not os.path.lexists(journal)
    assert Path("/dev/zero").exists()


def test_a_switch_an_older_tropekg_left_halfway_is_finished_by_the_next_build(tmp_path):
    """Readers refuse the half-switched folder (its files come from two builds); the next build
    completes the journal, which names our own staging folder and output names, and then
    replaces everything."""
    old = _older_layout(_shipped(tmp_path))
    pages = tmp_path / "pages"
    shutil.copytree(EXAMPLES, pages)
    (pages / "Main" / "AddedTrope.txt").write_text("A trope added since. See also TheHero.\n")
    newer = tmp_path / "newer"
    build([pages], newer, jobs=1)
    staging = old / ".staging-k1ll3d"
    staging.mkdir()
    for name in NAMES:
        (staging / name).write_bytes((newer / name).read_bytes())
    (old / ".commit").write_text(json.dumps({"staging": staging.name, "files": list(NAMES)}))
    os.replace(staging / NAMES[0], old / NAMES[0])  # killed after the first rename

    code, output = _tropekg("load", old, "--store", tmp_path / "kg")
    assert code == 2 and "from two builds" in output
    assert _tropekg("build", pages, "-o", old, "-q", "--jobs", "1")[0] == 0
    assert _outputs(old)[OUTPUT_FILES["nquads"]] == _outputs(newer)[OUTPUT_FILES["nquads"]]
    assert not [p.name for p in old.iterdir() if p.name.startswith((".staging", ".commit"))]


# -- the page cache and the lock ---------------------------------------------------------------------

def test_a_cache_that_is_a_link_is_refused_and_nothing_is_deleted_or_written_through_it(tmp_path):
    victim = _victim(tmp_path)
    for n in range(3):
        (victim / "docs" / f"{n:02x}").mkdir()
        (victim / "docs" / f"{n:02x}" / "kept.txt").write_text("not a cache entry\n")
    out = _shipped(tmp_path)
    shutil.rmtree(out / ".cache")
    (out / ".cache").symlink_to(victim / "docs")
    before = _tree(victim)
    code, output = _tropekg("build", EXAMPLES, "-o", out, "-q", "--jobs", "1")
    assert code == 2
    assert ".cache is a symbolic link" in output and "--no-cache" in output
    assert _tree(victim) == before
    code, output = _tropekg("build", EXAMPLES, "-o", out, "-q", "--jobs", "1", "--no-cache")
    assert code == 0, output
    assert _tree(victim) == before


def test_a_cache_that_is_a_file_is_refused(tmp_path):
    out = _shipped(tmp_path)
    shutil.rmtree(out / ".cache")
    (out / ".cache").write_text("not a folder\n")
    code, output = _tropekg("build", EXAMPLES, "-o", out, "-q", "--jobs", "1")
    assert code == 2 and ".cache is not a folder" in output
    assert (out / ".cache").read_text() == "not a folder\n"


def test_links_inside_the_cache_are_never_followed(tmp_path):
    """A cache entry that is a link is not read through (here it leads to a planted entry that
    would add a triple to the graph), a cache subfolder that is a link is removed, not emptied."""
    victim = _victim(tmp_path)
    out = _shipped(tmp_path)
    clean = _outputs(out)[OUTPUT_FILES["nquads"]]
    entry = min(p for p in (out / ".cache").rglob("*") if p.is_file())
    with entry.open("rb") as f:  # the entry's format (build/cache.py): a JSON header, then the blocks
        header = json.loads(f.readline())
        blocks = {name: f.read(n) for name, n in header["lengths"].items()}
    blocks["nquads"] = b'<https://evil.example/s> <https://evil.example/p> "injected" .\n' + blocks["nquads"]
    header["lengths"] = {name: len(block) for name, block in blocks.items()}
    (victim / "planted-entry").write_bytes(json.dumps(header).encode() + b"\n" + b"".join(blocks.values()))
    entry.unlink()
    entry.symlink_to(victim / "planted-entry")
    (out / ".cache" / "zz").symlink_to(victim / "docs")  # not a subfolder name tropekg uses
    (out / ".cache" / "ff").mkdir(exist_ok=True)
    shutil.rmtree(out / ".cache" / "ff")
    (out / ".cache" / "ff").symlink_to(victim / "docs")
    before = _tree(victim)

    code, output = _tropekg("build", EXAMPLES, "-o", out, "-q", "--jobs", "1")
    assert code == 0, output
    assert _tree(victim) == before
    assert _outputs(out)[OUTPUT_FILES["nquads"]] == clean
    assert entry.is_file() and not entry.is_symlink()
    assert not os.path.lexists(out / ".cache" / "ff")


@pytest.mark.parametrize("kind", ["a link", "a FIFO", "a folder"])
def test_a_lock_that_is_not_a_file_is_refused_and_creates_nothing(tmp_path, kind):
    out = _shipped(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / ".lock").unlink()
    if kind == "a link":
        (out / ".lock").symlink_to(elsewhere / "created-by-tropekg")
    elif kind == "a FIFO":
        os.mkfifo(out / ".lock")
    else:
        (out / ".lock").mkdir()
    result = run_tropekg("build", str(EXAMPLES), "-o", str(out), "-q", "--jobs", "1", timeout=60)
    assert result.returncode == 2, result.stderr
    assert ".lock" in result.stderr and "remove it" in result.stderr
    assert list(elsewhere.iterdir()) == []


# -- the links of a build folder ---------------------------------------------------------------------

def _plant(out: Path, victim: Path, what: str) -> None:
    other = victim / "other-build"
    if what == ".current leads out":
        (out / ".current").unlink()
        (out / ".current").symlink_to(other)
    elif what == ".current leads up":
        (out / ".current").unlink()
        (out / ".current").symlink_to("../home_sim/other-build")
    elif what == ".current is a folder":
        (out / ".current").unlink()
        shutil.copytree(other, out / ".current")
        for name in NAMES:  # the names lead through it as tropekg spells them
            assert os.readlink(out / name) == f".current/{name}"
    elif what == ".versions leads out":
        number = os.readlink(out / ".current").split("/")[1]
        shutil.rmtree(out / ".versions")
        (victim / "versions" / number).parent.mkdir()
        shutil.copytree(other, victim / "versions" / number)
        (out / ".versions").symlink_to(victim / "versions")
    elif what == "an output leads out":
        (out / OUTPUT_FILES["nquads"]).unlink()
        (out / OUTPUT_FILES["nquads"]).symlink_to(other / OUTPUT_FILES["nquads"])
    elif what == "an output in the version leads out":
        version = out / os.readlink(out / ".current")
        (version / OUTPUT_FILES["nquads"]).unlink()
        (version / OUTPUT_FILES["nquads"]).symlink_to(other / OUTPUT_FILES["nquads"])


@pytest.mark.parametrize("what", [".current leads out", ".current leads up", ".current is a folder",
                                  ".versions leads out", "an output leads out",
                                  "an output in the version leads out"])
def test_links_a_build_folder_holds_are_never_followed_out_of_it(tmp_path, what):
    victim = _victim(tmp_path)
    pages = tmp_path / "other-pages" / "Main"
    pages.mkdir(parents=True)
    (pages / "SomeoneElsesTrope.txt").write_text("Data the sender wants loaded from outside.\n")
    build([pages.parent], victim / "other-build", jobs=1)
    shutil.rmtree(victim / "other-build" / ".cache")
    for name in NAMES:  # plain files, as any folder outside could hold
        data = (victim / "other-build" / name).read_bytes()
        (victim / "other-build" / name).unlink()
        (victim / "other-build" / name).write_bytes(data)
    out = _shipped(tmp_path)
    _plant(out, victim, what)
    before = _tree(victim)

    for command in (["load", out, "--store", tmp_path / "kg"], ["validate", out, "--jobs", "1"]):
        code, output = _tropekg(*command)
        assert code == 2, (command, output)
        assert "internal error" not in output

    code, output = _tropekg("build", EXAMPLES, "-o", out, "-q", "--jobs", "1")
    if what == ".versions leads out":  # tropekg's own folder of outputs: refused, not written through
        assert code == 2 and ".versions is a symbolic link" in output and "remove it" in output
    else:
        assert code == 0, output
        assert "SomeoneElsesTrope" not in _outputs(out)[OUTPUT_FILES["nquads"]].decode()
        assert _tropekg("load", out, "--store", tmp_path / "kg3")[0] == 0
    assert _tree(victim) == before


def test_a_copy_that_resolved_the_links_is_read_and_rebuilt(tmp_path):
    """``cp -rL`` (or shutil.copytree) turns the links into plain files and ``.current`` into a
    folder: readers take the plain files, and a build puts its own links back."""
    out = _shipped(tmp_path)
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)  # follows links
    assert not (copy / OUTPUT_FILES["nquads"]).is_symlink()
    assert _tropekg("load", copy, "--store", tmp_path / "kg")[0] == 0
    assert _tropekg("build", EXAMPLES, "-o", copy, "-q", "--jobs", "1")[0] == 0
    assert os.readlink(copy / OUTPUT_FILES["nquads"]) == f".current/{OUTPUT_FILES['nquads']}"
    assert os.path.islink(copy / ".current")
    assert _outputs(copy)[OUTPUT_FILES["nquads"]] == _outputs(out)[OUTPUT_FILES["nquads"]]


def test_an_older_layout_becomes_versions_and_keeps_its_bytes(tmp_path):
    out = _older_layout(_shipped(tmp_path))
    before = _outputs(out)
    build([EXAMPLES], out, jobs=1)
    assert _outputs(out)[OUTPUT_FILES["nquads"]] == before[OUTPUT_FILES["nquads"]]
    assert sorted(os.listdir(out / ".versions")) == ["2"]  # the older files became version 1, then went
    build([EXAMPLES], out, jobs=1, formats=("nquads",))
    assert set(_outputs(out)) == {OUTPUT_FILES["nquads"], REPORT_FILE}  # the others went with their build
    assert sorted(os.listdir(out / ".versions")) == ["3"]


# -- folders that cannot be written ------------------------------------------------------------------

def _read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o555)


def _writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)


def test_a_read_only_output_folder_is_an_input_error_not_an_internal_one(tmp_path):
    out = _shipped(tmp_path)
    before = _outputs(out)
    out.chmod(0o555)
    try:
        result = run_tropekg("build", str(EXAMPLES), "-o", str(out), "-q", "--jobs", "1")
    finally:
        out.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert "cannot write" in result.stderr and "internal error" not in result.stderr
    assert _outputs(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".tropekg-link")]


def test_a_read_only_version_folder_keeps_the_previous_outputs(tmp_path):
    out = _shipped(tmp_path)
    before = _outputs(out)
    (out / ".versions").chmod(0o555)
    try:
        result = run_tropekg("build", str(EXAMPLES), "-o", str(out), "-q", "--jobs", "1")
    finally:
        (out / ".versions").chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert "cannot write the output folder" in result.stderr and "internal error" not in result.stderr
    assert _outputs(out) == before


def test_a_read_only_cache_only_costs_time(tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(EXAMPLES, pages)
    out = tmp_path / "out"
    build([pages], out, jobs=1)
    page = pages / "Main" / "FriendOrFoe.txt"
    page.write_text(page.read_text() + "* ''Film/RushHour'': a new example bullet.\n")
    (pages / "Main" / "ThouShaltNotKill.txt").unlink()  # its cache entry cannot be pruned: left
    clean = tmp_path / "clean"
    build([pages], clean, jobs=1, cache=False)
    _read_only(out / ".cache")
    try:
        result = run_tropekg("build", str(pages), "-o", str(out), "-q", "--jobs", "1")
    finally:
        _writable(out / ".cache")
    assert result.returncode == 0, result.stderr
    assert _outputs(out)[OUTPUT_FILES["nquads"]] == _outputs(clean)[OUTPUT_FILES["nquads"]]


def test_the_permission_checks_really_stop_the_child(tmp_path):
    """What the tests above rely on: the child is refused a folder with no permission bits, even
    when the tests run as root."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        assert permissions_stop(locked)
    finally:
        locked.chmod(stat.S_IRWXU)


def test_a_report_that_leads_to_an_endless_file_is_never_read(tmp_path):
    """``load`` reads a build's report.json for the length of its progress bar; one that is a link
    to /dev/zero must be refused like any output leading out of the folder, not read until memory
    runs out. The child gets 1 GiB of address space and a minute: reading the endless file breaks
    either limit."""
    import resource
    import subprocess
    import sys

    out = _shipped(tmp_path)
    (out / REPORT_FILE).unlink()
    (out / REPORT_FILE).symlink_to("/dev/zero")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    from .unprivileged import ENV

    done = subprocess.run([sys.executable, "-m", "tropekg.cli", "load", str(out), "--store", str(tmp_path / "kg")],
                          env=ENV, capture_output=True, text=True, timeout=60, preexec_fn=limit, check=False)
    assert done.returncode == 2, done.stderr
    assert "report.json is a symbolic link to /dev/zero" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


# -- the page parts of a build without merged files ---------------------------------------------------

PART_CASES = ["an entry leads out", "a subfolder leads out", "the cache leads out", "a part's name leads up",
              "the manifest leads out", "an entry is a FIFO"]


def _plant_part(out: Path, victim: Path, what: str) -> None:
    """Tamper with the page parts of ``out`` so that reading them as tropekg reads its own would
    read the victim's copy: every copy holds the very bytes of the part, so a reader that
    followed it would load without a word."""
    manifest = out / "manifest.json"
    key = json.loads(manifest.read_bytes())["pages"][0][1]
    entry = out / ".cache" / key[:2] / key
    if what == "an entry leads out":
        shutil.copy(entry, victim / "planted-entry")
        entry.unlink()
        entry.symlink_to(victim / "planted-entry")
    elif what == "a subfolder leads out":
        shutil.copytree(entry.parent, victim / "planted-subfolder")
        shutil.rmtree(entry.parent)
        entry.parent.symlink_to(victim / "planted-subfolder")
    elif what == "the cache leads out":
        shutil.copytree(out / ".cache", victim / "planted-cache")
        shutil.rmtree(out / ".cache")
        (out / ".cache").symlink_to(victim / "planted-cache")
    elif what == "a part's name leads up":
        shutil.copy(entry, victim / "planted-entry")
        doc = json.loads(manifest.read_bytes())
        doc["pages"][0][1] = "../../home_sim/planted-entry"
        manifest.write_text(json.dumps(doc))  # through .current: the version's own manifest
    elif what == "the manifest leads out":
        version = out / os.readlink(out / ".current")
        shutil.copy(version / "manifest.json", victim / "planted-manifest.json")
        (version / "manifest.json").unlink()
        (version / "manifest.json").symlink_to(victim / "planted-manifest.json")
    elif what == "an entry is a FIFO":
        entry.unlink()
        os.mkfifo(entry)


@pytest.mark.parametrize("what", PART_CASES)
def test_page_parts_are_read_only_inside_the_folder(tmp_path, what):
    """load and validate read a --no-merged build through its manifest: the manifest, the cache,
    its subfolders and entries are each refused when they lead out of the folder or are not
    what tropekg writes; a build afterwards replaces them (or refuses a cache that is a link)."""
    victim = _victim(tmp_path)
    out = tmp_path / "parts"
    build([EXAMPLES], out, jobs=1, merged=False)
    _plant_part(out, victim, what)
    before = _tree(victim) if what != "an entry is a FIFO" else None

    for command in (["load", out, "--store", tmp_path / "kg"], ["validate", out, "--jobs", "1"]):
        code, output = _tropekg(*command)
        assert code == 2, (command, output)
        assert "internal error" not in output
        assert "build the folder again" in output or "leads" in output or "symbolic link" in output, output
    if before is not None:
        assert _tree(victim) == before

    code, output = _tropekg("build", EXAMPLES, "-o", out, "-q", "--jobs", "1", "--no-merged")
    if what == "the cache leads out":  # the parts' own folder: refused, never written through
        assert code == 2 and ".cache is a symbolic link" in output and "remove it" in output
        assert "--no-cache" not in output  # which would not help: the parts live there
    else:
        assert code == 0, output
        assert _tropekg("load", out, "--store", tmp_path / "kg2")[0] == 0
    if before is not None:
        assert _tree(victim) == before


def test_a_parts_build_with_no_cache_still_refuses_a_cache_that_is_a_link(tmp_path):
    victim = _victim(tmp_path)
    out = tmp_path / "parts"
    out.mkdir()
    (out / ".cache").symlink_to(victim / "docs")
    before = _tree(victim)
    code, output = _tropekg("build", EXAMPLES, "-o", out, "-q", "--jobs", "1", "--no-merged", "--no-cache")
    assert code == 2 and ".cache is a symbolic link" in output
    assert _tree(victim) == before


@pytest.mark.parametrize("link", [["main/zz", "Main/Z\x1fZ", None], ["main/z\nz", "Main/Z", None],
                                  ["main/zz", "Main/Zz", "Trope\x1e"], ["main/zz", 7, None], ["main/zz"]])
def test_a_manifest_link_that_names_no_page_makes_the_manifest_unusable_not_the_build(tmp_path, link):
    """The build writes a manifest's links as lines of fields: a link holding a separator, a line
    end or anything but a page's title is a manifest tropekg did not write, so the rebuild takes
    nothing from it (its pages come from their cache entries) rather than failing."""
    from tropekg.build.output_folder import published

    src = tmp_path / "pages"
    (src / "Main").mkdir(parents=True)
    (src / "Main" / "AlphaTrope.txt").write_text("Alpha. See also ZetaTrope.\n\n!!Examples\n* ''Film/Movie1'': x\n")
    out = tmp_path / "out"
    build([src], out, jobs=1, merged=False)
    fresh = published(out, "graphs.nq").read_bytes()
    manifest = published(out, "manifest.json")
    doc = json.loads(manifest.read_bytes())
    doc["pages"][0][8].append(link)
    os.chmod(manifest, 0o644)
    manifest.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
    report = build([src], out, jobs=1, merged=False)
    assert report.pages == 1 and not report.failed
    assert published(out, "graphs.nq").read_bytes() == fresh
    rewritten = json.loads(published(out, "manifest.json").read_bytes())
    assert link not in rewritten["pages"][0][8] and rewritten["pages"][0][8]
