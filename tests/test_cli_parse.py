"""``tropekg parse`` in process (click's CliRunner): the JSON page model, where the title comes from,
and one clear line (never a traceback) for input it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tropekg.cli import cli
from tropekg.cli.common import ExitCode

PAGE = """->''"A quote."''
-->-- Someone, ''Film/RushHour''

A sub-trope of FriendOrFoe. See also ApologeticAttacker. Not about TheHero.

[[folder:Film]]
* Averted in ''Film/RushHour''.
** Lee again.
[[/folder]]
"""

EXAMPLE_KEYS = {"trope", "work", "mode", "modeStated", "depth", "parent", "folder", "line", "spoiler",
                "mentions"}
RELATION_KEYS = {"subTropeOf", "superTropeOf", "seeAlso", "compare", "contrast", "notToBeConfusedWith",
                 "sisterTrope"}


def run(*args: str, input: str | bytes | None = None):
    result = CliRunner().invoke(cli, ["parse", *args], input=input)
    # an exception other than the exit is a bug, whatever the input
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def one_error_line(result, *names: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for name in names:
        assert name in lines[0]
    return lines[0]


def test_parse_prints_the_page_model(tmp_path):
    path = write(tmp_path / "Main" / "WouldNotShootAGoodGuy.txt", PAGE)
    result = run(str(path))
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert page["title"] == "Main/WouldNotShootAGoodGuy"
    assert page["kind"] == "trope"
    assert set(page["relations"]) == RELATION_KEYS
    assert page["relations"]["subTropeOf"] == ["Main/FriendOrFoe"]
    assert page["relations"]["seeAlso"] == ["Main/ApologeticAttacker"]
    assert {"target": "Main/TheHero", "label": None, "line": 4} in page["links"]
    assert all(set(link) == {"target", "label", "line"} for link in page["links"])
    first, second = page["examples"]
    assert EXAMPLE_KEYS <= set(first)
    assert (first["work"], first["mode"], first["modeStated"], first["folder"], first["line"]) == (
        "Film/RushHour", "Averted", True, "Film", 7)
    assert (second["parent"], second["depth"], second["work"]) == (7, 2, "Film/RushHour")
    assert page["warnings"] == []


@pytest.mark.parametrize(("relative", "title"), [
    ("Main/WouldNotShootAGoodGuy.txt", "Main/WouldNotShootAGoodGuy"),
    ("pages/Film/RushHour.txt", "Film/RushHour"),
    ("Comicbook/ThePunisherMAX.txt", "ComicBook/ThePunisherMAX"),
    ("Film.RushHour", "Film/RushHour"),
    ("Series.BurnNotice.txt", "Series/BurnNotice"),
    ("backup/Film.RushHour@action=source", "Film/RushHour"),
])
def test_title_from_the_path(tmp_path, relative, title):
    text = PAGE if "@" not in relative else "<html><body>" + PAGE.replace("\n", "<br/>\n") + "</body></html>"
    path = write(tmp_path / relative, text)
    result = run(str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"] == title


def test_title_option_overrides_the_path(tmp_path):
    path = write(tmp_path / "Main" / "Anything.txt", PAGE)
    result = run(str(path), "--title", "Film.RushHour")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "Film/RushHour"


def test_no_title_in_the_path_says_how_to_give_one(tmp_path):
    path = write(tmp_path / "page", PAGE)
    result = run(str(path))
    assert result.exit_code == ExitCode.USAGE
    line = one_error_line(result, str(path))
    assert "--title" in line and "Namespace/PageName.txt" in line
    assert result.stdout == ""


def test_standard_input_with_title():
    result = run("-", "--title", "Main/WouldNotShootAGoodGuy", input=PAGE)
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert page["title"] == "Main/WouldNotShootAGoodGuy"
    assert page["examples"][0]["work"] == "Film/RushHour"


def test_standard_input_needs_a_title():
    result = run("-", input=PAGE)
    assert result.exit_code == ExitCode.USAGE
    assert "--title" in one_error_line(result, "<stdin>")


def test_a_bad_title_option_is_a_usage_error():
    result = run("-", "--title", "not a title", input=PAGE)
    assert result.exit_code == ExitCode.USAGE
    assert "Namespace/PageName" in result.stderr


def test_title_option_names_one_page(tmp_path):
    a = write(tmp_path / "Main" / "A.txt", PAGE)
    b = write(tmp_path / "Main" / "B.txt", PAGE)
    result = run(str(a), str(b), "--title", "Main/C")
    assert result.exit_code == ExitCode.USAGE
    assert "one FILE" in result.stderr


@pytest.mark.parametrize(("name", "data", "says"), [
    ("Main/Binary.txt", b"TheHero\x00\x01\x02", "NUL"),
    ("Main/Missing.txt", None, "cannot read"),
    ("Main/BadBom.txt", b"\xff\xfeA\x00B", "UTF-16"),
])
def test_unreadable_input_is_one_line_naming_the_file(tmp_path, name, data, says):
    path = tmp_path / name
    if data is not None:
        write(path, data)
    result = run(str(path))
    assert result.exit_code == ExitCode.USAGE
    one_error_line(result, str(path), says)
    assert result.stdout == ""


def test_legacy_encoding_parses_with_a_warning(tmp_path):
    path = write(tmp_path / "Main" / "Cafe.txt", "Caf\u00e9 TheHero.\n".encode("cp1252"))
    result = run(str(path))
    assert result.exit_code == 0
    page = json.loads(result.stdout)
    assert page["description"] == "Caf\u00e9 The Hero."
    assert page["warnings"] == [{"line": 1, "message": "not valid UTF-8; read as Windows-1252 (cp1252)"}]


def test_some_pages_failing_is_exit_3_and_the_rest_still_print(tmp_path):
    good = write(tmp_path / "Main" / "Good.txt", PAGE)
    bad = write(tmp_path / "Main" / "Bad.txt", b"\x00")
    result = run(str(good), str(bad), "--summary")
    assert result.exit_code == ExitCode.PARTIAL
    assert result.stdout.startswith("Main/Good\ttrope\t2 examples (1 with a stated mode)\t2 relations")
    one_error_line(result, str(bad))


def test_summary_of_the_real_page(corpus):
    result = run(str(corpus / "Main" / "WouldNotShootAGoodGuy.txt"), "--summary")
    assert result.exit_code == 0
    assert result.stdout.startswith("Main/WouldNotShootAGoodGuy\ttrope\t52 examples (5 with a stated mode)"
                                    "\t3 relations")


def test_the_real_page_as_json(corpus):
    result = run(str(corpus / "Main" / "WouldNotShootAGoodGuy.txt"))
    page = json.loads(result.stdout)
    assert page["relations"]["subTropeOf"] == ["Main/NeverHurtAnInnocent", "Main/FriendOrFoe"]
    assert sum(1 for ex in page["examples"] if ex["parent"] is None) == 44
    assert page["quoteSource"] == "Literature/TheExecutioner"


def test_help_has_an_example():
    result = CliRunner().invoke(cli, ["parse", "--help"])
    assert result.exit_code == 0
    assert "tropekg parse" in result.output and "--title" in result.output
