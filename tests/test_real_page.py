"""The real page ``../shared/corpus/Main/WouldNotShootAGoodGuy.txt``, checked for what a reader of it
finds (the corpus README lists those facts). The page's text stays outside the repository; these tests
skip with a reason when the corpus is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tropekg.markup.parse import parse_file
from tropekg.model import INDEX, RELATIONS, TROPE, Page
from tropekg.titles import CREATOR, USEFULNOTES, parse_title

PAGE = Path("Main") / "WouldNotShootAGoodGuy.txt"

# What a reader says each top-level example is about, in page order, folder by folder.
# The Eisenhorn bullet ("Creator/DanAbnett's ''Warhammer 40000'' ''Eisenhorn'' novels") is None here:
# the rule "first italicised work link" picks the setting, a reader may say the novels; see the test.
TOP_LEVEL_WORKS = {
    "Anime and Manga": [
        "Manga/FullmetalAlchemist", "Manga/BusouRenkin", "Anime/GhostInTheShellStandAloneComplex",
        "Anime/TransformersCybertron", "Manga/FistOfTheNorthStar",
    ],
    "Comic Books": [
        "ComicBook/CaptainAmerica", "Main/Superman", "ComicBook/ThePunisherMAX", "Franchise/TheDCU",
        # the films, with no folder header of their own
        "Film/Terminator2JudgmentDay", "Film/RED", "Film/TheDarkKnight", "Film/Salt", "Film/MinorityReport",
        "Film/RushHour", "Film/GIJoeRetaliation", "Film/FirstBlood",
        # the literature, likewise
        "Literature/TheZombieKnight", None, "Literature/TheExecutioner", "Literature/TheSpider",
        "Literature/XWingSeries", "Literature/ModestyBlaise", "Literature/TheHungerGames",
        "Literature/TheDresdenFiles", "Literature/SwordOfTruth", "Main/DeathMerchant",
    ],
    "Live Action Television": [
        "Series/BabylonFive", "Series/Dexter", "Series/Leverage", "Series/BurnNotice", "Series/TwentyFour",
        "Series/PersonOfInterest", "Series/StarTrekDeepSpaceNine",
    ],
    "Video Games": [
        "VisualNovel/FateStayNight", "VideoGame/SplinterCell", "VideoGame/CallOfDutyBlackOps2",
        "VideoGame/DawnOfWar", "VideoGame/ShadowTheHedgehog", "VideoGame/AlphaProtocol",
        "VideoGame/Battlefield3", "VideoGame/MetalGearSolid2SonsOfLiberty",
        "VideoGame/DeadlyRoomsOfDeath", "Franchise/DeusExUniverse",
    ],
}

# (nested example's work, its parent's work): the Splinter Cell sequels name their own work, the
# others continue their parent's.
NESTED_WORKS = [
    ("Film/TheDarkKnight", "Film/TheDarkKnight"),
    ("Film/MinorityReport", "Film/MinorityReport"),
    ("Main/DeathMerchant", "Main/DeathMerchant"),           # the C.O.B.R.A. series, same author
    ("VideoGame/SplinterCellChaosTheory", "VideoGame/SplinterCell"),
    ("VideoGame/SplinterCellDoubleAgent", "VideoGame/SplinterCell"),
    ("VideoGame/SplinterCellConviction", "VideoGame/SplinterCell"),
    ("VideoGame/SplinterCellBlacklist", "VideoGame/SplinterCell"),
    ("VideoGame/MetalGearSolid2SonsOfLiberty", "VideoGame/MetalGearSolid2SonsOfLiberty"),
]


def t(text: str):
    title = parse_title(text)
    assert title is not None, text
    return title


@pytest.fixture(scope="module")
def page(corpus: Path) -> Page:
    return parse_file(corpus / PAGE)


@pytest.fixture(scope="module")
def top(page: Page):
    return [ex for ex in page.examples if ex.parent is None]


@pytest.fixture(scope="module")
def nested(page: Page):
    return [ex for ex in page.examples if ex.parent is not None]


def test_title_from_the_path_and_kind(page: Page):
    assert str(page.title) == "Main/WouldNotShootAGoodGuy"
    assert page.kind == TROPE != INDEX


def test_relations(page: Page):
    assert page.relations["subTropeOf"] == [t("NeverHurtAnInnocent"), t("FriendOrFoe")]
    assert page.relations["seeAlso"] == [t("ApologeticAttacker")]
    for relation in set(RELATIONS) - {"subTropeOf", "seeAlso"}:
        assert page.relations[relation] == [], relation


def test_mentions_are_not_relations(page: Page):
    related = {title for titles in page.relations.values() for title in titles}
    for name in ("TheHero", "TheMole", "ThouShaltNotKill"):
        assert t(name) in page.mentions
        assert t(name) not in related


def test_quote_attributed_to_mack_bolan_in_the_executioner(page: Page):
    assert page.quote.startswith('"Make no mistake, all of you.')
    assert page.quote_attribution.startswith("Mack Bolan")
    assert page.quote_source == t("Literature/TheExecutioner")


def test_44_top_level_and_8_nested_examples(page: Page, top, nested):
    assert (len(top), len(nested)) == (44, 8)
    assert all(ex.trope == page.title for ex in page.examples)


def test_each_top_level_example_is_about_its_work_in_its_folder(top):
    expected = [(folder, work and t(work)) for folder, works in TOP_LEVEL_WORKS.items() for work in works]
    actual = [(ex.folder, ex.work) for ex in top]
    assert len(actual) == len(expected)
    eisenhorn = expected.index(("Comic Books", None))
    # first italicised work link ("Warhammer 40000"), or the novels a reader names
    assert actual[eisenhorn][1] in (t("TabletopGame/Warhammer40000"), t("Literature/Eisenhorn"))
    expected[eisenhorn] = actual[eisenhorn]
    assert actual == expected  # titles compare case-insensitively: the page writes CallofDutyBlackOps2


def test_media_come_from_the_work_namespace(top):
    films = [ex for ex in top if ex.work is not None and ex.work.namespace == "Film"]
    assert len(films) == 8 and {ex.medium for ex in films} == {"Film"}
    assert {ex.folder for ex in films} == {"Comic Books"}
    literature = [ex for ex in top if ex.medium == "Literature"]
    assert len(literature) >= 8 and {ex.folder for ex in literature} == {"Comic Books"}
    assert {ex.medium for ex in top if ex.folder == "Live Action Television"} == {"Series"}
    assert {ex.medium for ex in top if ex.folder == "Anime and Manga"} == {"Anime", "Manga"}


def test_no_creator_or_usefulnotes_works(page: Page):
    assert all(ex.work is not None for ex in page.examples)
    assert not [ex for ex in page.examples if ex.work.role in (CREATOR, USEFULNOTES)]


def test_nested_examples_name_or_continue_their_work(page: Page, nested):
    by_line = {ex.line: ex for ex in page.examples}
    actual = [(ex.work, by_line[ex.parent].work) for ex in nested]
    assert actual == [(t(work), t(parent)) for work, parent in NESTED_WORKS]
    assert all(ex.depth == 2 for ex in nested)


def test_stated_modes(page: Page, top, nested):
    def only(work: str, examples):
        (ex,) = [ex for ex in examples if str(ex.work) == work]
        return ex

    averted_by_link = only("Anime/GhostInTheShellStandAloneComplex", top)
    death_merchant = only("Main/DeathMerchant", top)
    cobra = only("Main/DeathMerchant", nested)
    conviction = only("VideoGame/SplinterCellConviction", nested)
    battlefield = only("VideoGame/Battlefield3", top)
    stated = {
        averted_by_link.line: "Averted", death_merchant.line: "Averted", cobra.line: "Inverted",
        conviction.line: "Straight", battlefield.line: "Discussed",
    }
    for ex in page.examples:
        if ex.line in stated:
            assert (ex.mode, ex.mode_stated) == (stated[ex.line], True), ex.text
        else:
            assert ex.mode == "Straight", ex.text
    # the mode link is no mention
    assert t("AvertedTrope") not in averted_by_link.mentions


def test_every_link_and_example_keeps_its_line(page: Page, corpus: Path):
    lines = (corpus / PAGE).read_text(encoding="utf-8").split("\n")
    assert page.links and all(1 <= link.line <= len(lines) for link in page.links)
    for ex in page.examples:
        assert lines[ex.line - 1].lstrip().startswith("*"), ex.line
    for link in page.links:
        if link.target.namespace != "Main" and "{{" not in lines[link.line - 1]:
            assert link.target.name.casefold() in lines[link.line - 1].casefold(), link


def test_warnings_are_only_about_folders(page: Page):
    # the capture never writes [[/folder]]; nothing else on the page is broken
    assert page.warnings
    assert all("folder" in w.message for w in page.warnings), page.warnings
