"""Reading page source (tropekg.readers.source): decoding bytes, the title a path gives, and unwrapping the
June 2012 site backup (``Namespace.PageName@action=source``, an HTML page in ISO-8859-1 whose body
holds the source with ``<br/>`` line breaks and escaped entities)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tropekg.markup.parse import parse_file
from tropekg.readers import read_file as read
from tropekg.readers.source import PageError, decode, title_from_path

# -- decoding -------------------------------------------------------------------------------------


def test_utf8_is_read_as_is():
    source = decode("Caf\u00e9 \u2014 TheHero\n".encode(), "Main/X.txt")
    assert source.text == "Caf\u00e9 \u2014 TheHero\n"
    assert source.warnings == []


def test_utf8_byte_order_mark_is_dropped():
    assert decode(b"\xef\xbb\xbfTheHero\n", "x").text == "TheHero\n"


def test_invalid_utf8_falls_back_to_cp1252_with_the_line():
    source = decode(b"line one\nthe \x93quoted\x94 word\n", "Main/X.txt")
    assert source.text == "line one\nthe \u201cquoted\u201d word\n"
    assert source.warnings == [(2, "not valid UTF-8; read as Windows-1252 (cp1252)")]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_byte_order_mark(encoding):
    bom = b"\xff\xfe" if encoding.endswith("le") else b"\xfe\xff"
    source = decode(bom + "* ''Film/RushHour''\n".encode(encoding), "x")
    assert source.text == "* ''Film/RushHour''\n"
    assert source.warnings == [(1, "read as UTF-16 (byte order mark)")]


def test_nul_bytes_are_not_text_and_the_error_names_file_and_line():
    with pytest.raises(PageError) as e:
        decode(b"one\ntwo\x00\n", "pages/Main/X.txt")
    assert str(e.value) == "pages/Main/X.txt:2: not a text file (it holds NUL bytes)"
    assert "\n" not in str(e.value)


def test_read_names_a_missing_file(tmp_path):
    with pytest.raises(PageError, match=r"Missing\.txt: cannot read"):
        read(tmp_path / "Main" / "Missing.txt")


# -- the title a path gives ---------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "title"), [
    ("corpus/Main/WouldNotShootAGoodGuy.txt", "Main/WouldNotShootAGoodGuy"),
    ("Film/RushHour.txt", "Film/RushHour"),
    ("x/Comicbook/ThePunisherMAX.txt", "ComicBook/ThePunisherMAX"),
    ("x/film/RushHour.txt", "Film/RushHour"),
    ("Film.RushHour", "Film/RushHour"),
    ("Series.BurnNotice.txt", "Series/BurnNotice"),
    ("backup/Main.WouldNotShootAGoodGuy@action=source", "Main/WouldNotShootAGoodGuy"),
    ("backup/VideoGame.AlphaProtocol@action=source", "VideoGame/AlphaProtocol"),
])
def test_title_from_path(path, title):
    assert str(title_from_path(Path(path))) == title


@pytest.mark.parametrize("path", ["page", "notes/readme.txt", "Main/Not A Title.txt", "Main/.txt"])
def test_no_title_in_the_path_says_how_to_give_one(path):
    with pytest.raises(PageError) as e:
        title_from_path(Path(path))
    message = str(e.value)
    assert message.startswith(path + ":")
    assert "Namespace/PageName.txt" in message and "--title" in message


def test_title_identity_ignores_case():
    assert title_from_path(Path("VideoGame/CallofDutyBlackOps2.txt")) == title_from_path(
        Path("Videogame.CallOfDutyBlackOps2"))


# -- the June 2012 backup ---------------------------------------------------------------------------

def _backup(body_lines: list[str]) -> bytes:
    """A synthetic backup page: our own markup, laid out the way the backup stores a page."""
    body = "<br/>\n".join(body_lines)
    page = ("<!DOCTYPE html>\n<html><head><title>Main.SampleTrope source</title>"
            '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"></head>\n'
            f"<body>{body}<br/>\n</body></html>\n")
    return page.encode("cp1252")


BACKUP_LINES = [
    "-&gt;''&quot;I won&#39;t fire on them.&quot;''",
    "--&gt;-- Someone, ''Film/RushHour''",
    "",
    "A caf\u00e9 scene \u2014 a sub-trope of FriendOrFoe &amp; NeverHurtAnInnocent. &lt;pre&gt; is text.",
    "[[folder:Film]]",
    "* Averted in ''Film/FirstBlood''.",
    "[[/folder]]",
]


def test_backup_unwraps_to_the_source():
    source = decode(_backup(BACKUP_LINES), "Main.SampleTrope@action=source", backup=True)
    assert source.text.split("\n") == [
        "->''\"I won't fire on them.\"''",
        "-->-- Someone, ''Film/RushHour''",
        "",
        "A caf\u00e9 scene \u2014 a sub-trope of FriendOrFoe & NeverHurtAnInnocent. <pre> is text.",
        "[[folder:Film]]",
        "* Averted in ''Film/FirstBlood''.",
        "[[/folder]]",
        "",
    ]
    assert source.warnings == []


def test_backup_br_without_newlines():
    data = b"<html><body>* ''Film/RushHour''<br>** nested<BR />* ''Film/RED''</body></html>"
    text = decode(data, "x", backup=True).text
    assert text == "* ''Film/RushHour''\n** nested\n* ''Film/RED''\n"


def test_backup_file_parses_with_its_title(tmp_path):
    path = tmp_path / "Main.SampleTrope@action=source"
    path.write_bytes(_backup(BACKUP_LINES))
    page = parse_file(path)
    assert str(page.title) == "Main/SampleTrope"
    assert [str(t) for t in page.relations["subTropeOf"]] == ["Main/FriendOrFoe", "Main/NeverHurtAnInnocent"]
    assert page.quote == "\"I won't fire on them.\""
    assert str(page.quote_source) == "Film/RushHour"
    (example,) = page.examples
    assert (str(example.work), example.mode, example.folder, example.line) == ("Film/FirstBlood", "Averted",
                                                                              "Film", 6)


def test_backup_holding_nul_bytes_is_not_text():
    with pytest.raises(PageError, match="NUL"):
        decode(b"<html><body>a\x00b</body></html>", "Main.X@action=source", backup=True)


def test_a_saved_page_file_names_its_page_like_a_source_file(tmp_path):
    """A rendered page saved as Namespace/PageName.html (as the crawler saves pages that do not name
    themselves) is that page, not a page "Html" in a namespace named after the file."""
    assert str(title_from_path(tmp_path / "Main" / "Alpha.html")) == "Main/Alpha"
    assert str(title_from_path(tmp_path / "Film" / "TheDarkKnight.HTM")) == "Film/TheDarkKnight"
    assert str(title_from_path(tmp_path / "Main.FriendOrFoe.html")) == "Main/FriendOrFoe"
