"""Input folders are untrusted input: a page file that is a link out of the folder is not read
unless asked (``--follow-symlinks``), a loop of links is reported, a subfolder that cannot be read
is a failure with its path, and a single bad file is named with its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tropekg.build import OUTPUT_FILES, REPORT_FILE, build
from tropekg.cli import cli

from .unprivileged import permissions_stop, run_tropekg

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "pages"
SECRET = "HunterTwoIsMyPassword"


@pytest.fixture
def pages(tmp_path) -> Path:
    pages = tmp_path / "pages"
    shutil.copytree(EXAMPLES, pages)
    return pages


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file outside the input folder that reads as wiki source (as /etc/passwd does)."""
    path = tmp_path / "elsewhere" / "passwd"
    path.parent.mkdir()
    path.write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n")
    return path


def _nquads(out: Path) -> str:
    return (out / OUTPUT_FILES["nquads"]).read_text(encoding="utf-8")


def test_a_page_file_that_links_out_of_the_folder_is_not_read(tmp_path, pages, secret):
    link = pages / "Main" / "Passwd.txt"
    link.symlink_to(secret)
    report = build([pages], tmp_path / "out", jobs=1)
    assert [f["path"] for f in report.failed] == [str(link)]
    reason = report.failed[0]["reason"]
    assert "outside the input folder" in reason and "--follow-symlinks" in reason and str(secret) in reason
    assert SECRET not in _nquads(tmp_path / "out")
    assert report.pages == len(list(EXAMPLES.rglob("*.txt")))

    result = CliRunner().invoke(cli, ["build", str(pages), "-o", str(tmp_path / "cli"), "-q"])
    assert result.exit_code == 3
    assert f"page failed: {link}: a symbolic link to {secret}, outside the input folder" in result.output

    asked = build([pages], tmp_path / "asked", jobs=1, follow_symlinks=True)
    assert not asked.failed
    assert SECRET in _nquads(tmp_path / "asked")


def test_a_link_to_a_folder_outside_is_not_walked_unless_asked(tmp_path, pages):
    outside = tmp_path / "elsewhere" / "Main"
    outside.mkdir(parents=True)
    (outside / "OutsideTrope.txt").write_text(f"A trope from elsewhere. {SECRET}\n")
    (pages / "More").symlink_to(outside.parent)
    report = build([pages], tmp_path / "out", jobs=1)
    assert [f["path"] for f in report.failed] == [str(pages / "More")]
    assert "outside the input folder" in report.failed[0]["reason"]
    assert SECRET not in _nquads(tmp_path / "out")
    asked = build([pages], tmp_path / "asked", jobs=1, follow_symlinks=True)
    assert not asked.failed
    assert SECRET in _nquads(tmp_path / "asked")


def test_links_that_stay_inside_the_folder_are_read_as_before(tmp_path, pages):
    (pages / "Main" / "SameTrope.txt").symlink_to("ThouShaltNotKill.txt")  # a page file under another name
    (pages / "Again").symlink_to("Main")  # a folder found under its own name already
    report = build([pages], tmp_path / "out", jobs=1)
    assert not report.failed
    assert report.pages == len(list(EXAMPLES.rglob("*.txt"))) + 1
    assert "<https://w3id.org/tropekg/graph/Main/SameTrope>" in _nquads(tmp_path / "out")


def test_symlink_loops_are_reported_and_the_build_ends(tmp_path, pages):
    (pages / "Main" / "Loop.txt").symlink_to("Loop.txt")
    (pages / "Main" / "PingTrope.txt").symlink_to("PongTrope.txt")
    (pages / "Main" / "PongTrope.txt").symlink_to("PingTrope.txt")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "back").symlink_to(pages)  # out of the folder, and back into it
    (pages / "Out").symlink_to(outside)
    report = run_tropekg("build", str(pages), "-o", str(tmp_path / "out"), "-q", "--jobs", "1",
                         "--follow-symlinks", timeout=120)
    assert report.returncode == 3, report.stderr
    for name in ("Main/Loop.txt", "Main/PingTrope.txt", "Main/PongTrope.txt", "Out/back"):
        line = next(ln for ln in report.stderr.splitlines() if ln.startswith(f"tropekg: page failed: {pages / name}:"))
        assert "symbolic link loop" in line, line
    assert (tmp_path / "out" / REPORT_FILE).is_file()


def test_a_subfolder_that_cannot_be_read_is_a_failure_with_its_path(tmp_path, pages):
    """As root too: the build runs in a child that permission bits stop (tests/unprivileged.py)."""
    locked = pages / "Film"
    locked.chmod(0)
    try:
        assert permissions_stop(locked), "the child must be refused a folder with no permission bits"
        result = run_tropekg("build", str(pages), "-o", str(tmp_path / "out"), "-q", "--jobs", "1")
    finally:
        locked.chmod(0o755)
    assert result.returncode == 3, result.stderr
    assert f"page failed: {locked}: cannot read this folder (Permission denied)" in result.stderr
    nquads = _nquads(tmp_path / "out")
    assert "graph/Film/TheDarkKnight>" not in nquads and "graph/Main/ThouShaltNotKill>" in nquads


def test_a_page_file_that_cannot_be_read_is_a_failure_with_its_path(tmp_path, pages):
    page = pages / "Main" / "ThouShaltNotKill.txt"
    page.chmod(0)
    try:
        result = run_tropekg("build", str(pages), "-o", str(tmp_path / "out"), "-q", "--jobs", "1")
    finally:
        page.chmod(0o644)
    assert result.returncode == 3, result.stderr
    assert f"page failed: {page}" in result.stderr and "Permission denied" in result.stderr


def test_building_a_single_bad_file_names_its_path_and_line(tmp_path):
    bad = tmp_path / "Main" / "BrokenPage.txt"
    bad.parent.mkdir()
    bad.write_bytes(b"A first line\nand a second\nthen a NUL \x00 byte\n")
    parsed = CliRunner().invoke(cli, ["parse", str(bad)])
    built = CliRunner().invoke(cli, ["build", str(bad), "-o", str(tmp_path / "out")])
    assert built.exit_code == 2
    assert f"{bad}:3: not a text file" in parsed.output
    assert f"{bad}:3: not a text file" in built.output


def test_follow_symlinks_is_documented():
    result = CliRunner().invoke(cli, ["build", "--help"])
    assert "--follow-symlinks" in result.output
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "--follow-symlinks" in readme
