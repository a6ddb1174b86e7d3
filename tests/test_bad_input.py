"""Bad input: each one parses (a page model, maybe warnings) or fails with one line naming the file,
never a traceback. Inputs are generated here and kept small enough to run in a second or two; that
parsing is linear in the input's size is shown by ``benchmarks/parse_scaling.py``, not timed here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tropekg.cli import cli
from tropekg.cli.common import ExitCode
from tropekg.markup.parse import parse_text
from tropekg.markup.tree import MAX_NESTING
from tropekg.titles import parse_title

TITLE = parse_title("Main/BadInput")
N = 100_000


def cli_parse(path: Path):
    result = CliRunner().invoke(cli, ["parse", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def page_file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "Main" / "BadInput.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def assert_sane(page, text: str) -> None:
    """Whatever the input, every line the model points to is in it."""
    last = text.count("\n") + 1
    for item in (*page.links, *page.examples, *page.warnings):
        assert 1 <= item.line <= last, item


# -- files that are not (UTF-8) text ----------------------------------------------------------------

def test_nul_bytes_fail_with_one_line_naming_the_file(tmp_path):
    path = page_file(tmp_path, b"* ''Film/RushHour''\n\x00\x01\x02\xff" * 10)
    result = cli_parse(path)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.strip() == f"tropekg: error: {path}:2: not a text file (it holds NUL bytes)"
    assert result.stdout == ""


def test_invalid_utf8_parses_as_cp1252_with_a_warning(tmp_path):
    path = page_file(tmp_path, b"Intro.\n* In ''Film/RushHour'', Lee\x92s badge \x96 gone.\n")
    result = cli_parse(path)
    assert result.exit_code == 0
    page = json.loads(result.stdout)
    assert page["examples"][0]["text"] == "In Rush Hour, Lee\u2019s badge \u2013 gone."
    assert page["warnings"] == [{"line": 2, "message": "not valid UTF-8; read as Windows-1252 (cp1252)"}]


def test_empty_file_is_an_empty_page(tmp_path):
    result = cli_parse(page_file(tmp_path, b""))
    assert result.exit_code == 0
    page = json.loads(result.stdout)
    assert (page["title"], page["links"], page["examples"], page["warnings"]) == (
        "Main/BadInput", [], [], [])


def test_whitespace_only_page():
    page = parse_text("\n\n \t \r\n\n", TITLE)
    assert (page.links, page.examples, page.warnings, page.description) == ([], [], [], "")


def test_utf16_with_byte_order_mark_parses(tmp_path):
    path = page_file(tmp_path, "\ufeffA sub-trope of FriendOrFoe.\r\n".encode("utf-16-le"))
    result = cli_parse(path)
    assert result.exit_code == 0
    page = json.loads(result.stdout)
    assert page["relations"]["subTropeOf"] == ["Main/FriendOrFoe"]


def test_truncated_utf16_fails_with_one_line(tmp_path):
    path = page_file(tmp_path, b"\xff\xfeA\x00B")
    result = cli_parse(path)
    assert result.exit_code == ExitCode.USAGE
    (line,) = result.stderr.strip().splitlines()
    assert str(path) in line and "UTF-16" in line


# -- 100,000 unclosed openers -----------------------------------------------------------------------

@pytest.mark.parametrize("opener", ["[[", "{{", "''", "[=", "@@", "[[spoiler:", "[[note]]", "[[TheHero ",
                                    "[[index]]", "[[folder:"])
def test_100k_unclosed(opener):
    text = "Start TheHero " + opener * N + " end\n"
    page = parse_text(text, TITLE)
    assert page.links[0].target == parse_title("TheHero")
    assert_sane(page, text)


def test_100k_unclosed_on_as_many_lines():
    text = "".join(f"* ''Film/RushHour'' [[spoiler:{i} ''open\n" for i in range(20_000))
    page = parse_text(text, TITLE)
    assert len(page.examples) == 20_000
    assert all(ex.spoiler for ex in page.examples)
    assert len(page.warnings) == 40_000  # an unclosed spoiler and italics per line, each on its line
    assert page.warnings[-1].line == 20_000


def test_nesting_past_the_cap_warns_once_per_line():
    text = "[[TheHero " * (MAX_NESTING * 3) + "\nNext line TheMole.\n"
    page = parse_text(text, TITLE)
    deep = [w for w in page.warnings if "nested more than" in w.message]
    assert [w.line for w in deep] == [1]
    assert page.links[-1].target == parse_title("TheMole") and page.links[-1].line == 2


def test_many_closers_with_nothing_open():
    text = "]] [[/folder]] [[/note]] [[/index]] " * 1000 + "TheHero\n"
    page = parse_text(text, TITLE)
    assert page.links[-1].target == parse_title("TheHero")
    assert len(page.warnings) == 4000


# -- long lines, deep bullets ---------------------------------------------------------------------------

def test_one_megabyte_line(tmp_path):
    unit = "TheHero meets [[TheMole a mole]] in ''Film/RushHour'' {{Free Link}} x "
    line = "* " + unit * (1_000_000 // len(unit))
    path = page_file(tmp_path, line.encode())
    result = cli_parse(path)
    assert result.exit_code == 0
    page = json.loads(result.stdout)
    assert len(page["examples"]) == 1 and page["examples"][0]["work"] == "Film/RushHour"
    assert len(page["links"]) == 4 * (1_000_000 // len(unit))


def test_one_megabyte_word():
    text = "TheHero " + "x" * 1_000_000 + " [[TheMole#" + "y" * 1_000_000 + "\n"
    page = parse_text(text, TITLE)
    # the [[ never closes, so it is text and the word after it a bare link
    assert [str(link.target) for link in page.links] == ["Main/TheHero", "Main/TheMole"]
    assert page.warnings == []


def test_ten_thousand_deep_bullet():
    text = "Intro.\n* ''Film/RushHour'' top\n" + "*" * 10_000 + " deepest\n* ''Film/RED'' next\n"
    page = parse_text(text, TITLE)
    _top, deep, nxt = page.examples
    assert (deep.depth, deep.parent, str(deep.work)) == (10_000, 2, "Film/RushHour")
    assert nxt.parent is None


def test_bullets_nested_one_deeper_per_line():
    depth = 1_000
    text = "Intro.\n* ''Film/RushHour''\n" + "".join("*" * d + f" level {d}\n" for d in range(2, depth + 1))
    page = parse_text(text, TITLE)
    assert len(page.examples) == depth
    assert [ex.parent for ex in page.examples[1:]] == [ex.line for ex in page.examples[:-1]]
    assert {str(ex.work) for ex in page.examples} == {"Film/RushHour"}


def test_old_mac_line_ends_are_one_line():
    text = "* ''Film/RushHour'' a\r* ''Film/RED'' b\r"
    page = parse_text(text, TITLE)
    assert len(page.examples) == 1
    assert_sane(page, text)


# -- anything at all ------------------------------------------------------------------------------------

MARKUP = st.sampled_from([
    "[[", "]]", "{{", "}}", "''", "'''", "'''''", "@@", "[=", "=]", "%%", "\\\\", "\n", "\r\n", "\t", " ",
    "*", "**", "+", "!", "!!", "->", "-->", "----", "[[folder:", "[[/folder]]", "[[spoiler:", "[[note]]",
    "[[/note]]", "[[labelnote:", "[[/labelnote]]", "[[index]]", "[[/index]]", "[[AC:", "[[quoteright:",
    "[[strike:", "[[foldercontrol]]", "TheHero", "Film/RushHour", "Film.RushHour", "{{averted|Trope}}",
    "{{Free Link}}s", "[[TheMole ", "[[http://x.y ", "@/Troper", "#anchor", "Averted in ", "See also ",
    "a sub-trope of ", ":", ".", "x", "\u00e9", "\x00",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MARKUP, max_size=60).map("".join))
def test_any_markup_parses(text):
    page = parse_text(text, TITLE)
    assert_sane(page, text)
    json.dumps(page.to_json())
