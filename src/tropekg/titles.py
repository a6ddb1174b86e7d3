"""Page titles: what a link points at, in canonical ``Namespace/PageName`` form.

In: the spellings people write in wiki source (``Comicbook/ThePunisherMAX``, ``{{Worthy Opponent}}``,
``Series.Dexter``). Out: :class:`Title` values with a canonical namespace (from the data table
``data/namespaces.tsv``) and a case-insensitive identity. What role a namespace plays (media, creator,
sub-page, ...) is data too, so adding a namespace never needs code.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache

from tropekg.shipped import data_path

DEFAULT_NAMESPACE = "Main"

WORK = "work"
TROPE = "trope"
CREATOR = "creator"
USEFULNOTES = "usefulnotes"
SUBPAGE = "subpage"
META = "meta"
OTHER = "other"  # a namespace the table does not know


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    role: str
    work_class: str | None  # ontology class local name for media namespaces


def _load_namespaces() -> dict[str, Namespace]:
    table: dict[str, Namespace] = {}
    with open(data_path("namespaces.tsv"), encoding="utf-8", newline="") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        for row in rows:
            ns = Namespace(row["namespace"], row["role"], row["class"] or None)
            for spelling in [ns.name, *filter(None, (row["aliases"] or "").split(","))]:
                table[spelling.strip().casefold()] = ns
    return table


NAMESPACES: dict[str, Namespace] = _load_namespaces()


@lru_cache(maxsize=8192)
def namespace(spelling: str) -> Namespace:
    """The namespace a spelling names; unknown ones keep their spelling and role ``other``."""
    known = NAMESPACES.get(spelling.casefold())
    if known is not None:
        return known
    return Namespace(spelling[:1].upper() + spelling[1:], OTHER, None)


def is_known_namespace(spelling: str) -> bool:
    return spelling.casefold() in NAMESPACES


@dataclass(frozen=True, slots=True)
class Title:
    """A page title. Equality and hashing are case-insensitive: one page, however it is spelt."""

    namespace: str
    name: str
    key: str = field(init=False, repr=False, compare=False)  # the case-insensitive identity

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", f"{self.namespace}/{self.name}".casefold())

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Title) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def role(self) -> str:
        return namespace(self.namespace).role

    @property
    def work_class(self) -> str | None:
        return namespace(self.namespace).work_class

    @property
    def label(self) -> str:
        return spaced(self.name)

    def url(self) -> str:
        return f"https://tvtropes.org/pmwiki/pmwiki.php/{self.namespace}/{self.name}"


_PAGE_NAME = re.compile(r"[A-Za-z0-9]+")


def make_title(ns: str | None, name: str) -> Title | None:
    """A title from a namespace spelling and a page name; ``None`` if the name is not a page name."""
    name = name.split("#", 1)[0]
    if not _PAGE_NAME.fullmatch(name):
        return None
    canonical = namespace(ns).name if ns else DEFAULT_NAMESPACE
    return Title(canonical, name[:1].upper() + name[1:])


_TITLE_TEXT = re.compile(r"(?:([A-Za-z][A-Za-z0-9]*)[/.])?([A-Za-z0-9]+)")


def parse_title(text: str) -> Title | None:
    """``Film/RushHour``, ``Film.RushHour`` or ``RushHour`` (Main); ``None`` if not a title."""
    m = _TITLE_TEXT.fullmatch(text.strip())
    if m is None:
        return None
    return make_title(m.group(1), m.group(2))


_WORD_CHARS = re.compile(r"[^A-Za-z0-9]+")


def free_link_name(text: str) -> str:
    """The page name of a free link: ``Worthy Opponent`` -> ``WorthyOpponent``,
    ``You Can't Make an Omelette`` -> ``YouCantMakeAnOmelette``."""
    words = (_WORD_CHARS.sub("", w) for w in text.split())
    return "".join(w[:1].upper() + w[1:] for w in words if w)


# PmWiki's $WikiWordPattern, which TV Tropes' engine grew from: a capital, then somewhere a capital
# followed by a lower-case letter or digit, or a lower-case letter or digit followed by a capital;
# and, as this reader has always read them, a lower-case letter followed by a digit. ``AaA``,
# ``AA20``, ``AAaa``, ``Aa20``, ``A2BcDe`` and ``NPCs`` are WikiWords (which is why pages escape
# ``[=NPCs=]``); ``Aaaa``, ``AAAA`` and ``A2`` are not. The lazy run keeps the search linear: each
# position of a word tries the two-character alternatives once.
WIKIWORD_PATTERN = r"[A-Z][A-Za-z0-9]*?(?:[A-Z][a-z0-9]|[a-z0-9][A-Z]|[a-z][0-9])[A-Za-z0-9]*+"
_WIKIWORD = re.compile(WIKIWORD_PATTERN)


def is_wikiword(word: str) -> bool:
    """Whether a word is a WikiWord, a link by itself (see :data:`WIKIWORD_PATTERN`)."""
    return _WIKIWORD.fullmatch(word) is not None


_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z0-9])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[0-9])(?=[A-Za-z])")


def _read_small_words() -> frozenset[str]:
    with open(data_path("small_words.tsv"), encoding="utf-8", newline="") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return frozenset(row["word"].strip().casefold() for row in rows)


SMALL_WORDS: frozenset[str] = _read_small_words()


@lru_cache(maxsize=8192)  # as the tokenizer's caches: 65,536 held 7 MB of names on a page of 200,000 links
def spaced(name: str) -> str:
    """The words a page name is shown as when no display title is known, by the wiki's display rule:
    humps become spaces and the small words of ``data/small_words.tsv`` are lower case inside the
    title (never first or last): ``WouldNotShootAGoodGuy`` -> ``Would Not Shoot a Good Guy``,
    ``GetItOverWith`` -> ``Get It Over With``. Every label made from a page name comes from here."""
    words = _HUMP.sub(" ", name).split(" ")
    for i in range(1, len(words) - 1):
        word = words[i]
        # only a capitalised word: "AND" in an acronym is no small word
        if word.casefold() in SMALL_WORDS and (len(word) == 1 or word[1:].islower()):
            words[i] = word.lower()
    return " ".join(words)
