"""The page model: what one page states, independent of markup and of RDF.

Produced by :mod:`tropekg.markup.extract`, consumed by :mod:`tropekg.rdf.mapping`. ``Page.to_json()`` is the
output of ``tropekg parse``; its keys are a contract other tools rely on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from tropekg.titles import Title

# Page kinds.
TROPE = "trope"
WORK = "work"
INDEX = "index"
CREATOR = "creator"
OTHER = "other"

# Relation keys, in the order they are reported.
RELATIONS = ("subTropeOf", "superTropeOf", "seeAlso", "compare", "contrast",
             "notToBeConfusedWith", "sisterTrope")

STRAIGHT = "Straight"


def _converted_now(items: list, convert: Callable) -> list:
    return [convert(item) for item in items]


class _Converted(list):
    """To the JSON encoder, a list of ``convert(item)`` for each of ``items``, made as it is
    written (the encoder asks a list for its length and its items, nothing else)."""

    def __init__(self, items: list, convert: Callable):
        super().__init__()
        self.items = items
        self.convert = convert

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator:
        return map(self.convert, self.items)


class Replayed(Sequence):
    """A page's examples, links or mentions when the page is too big to hold them
    (:func:`tropekg.markup.extract.extract_lines`): read again from the page's source each time
    they are iterated, never all held. Its length is known without reading them; indexing reads
    up to the item asked for. Equal to a list of the same items."""

    __slots__ = ("_count", "_make")

    def __init__(self, make: Callable[[], Iterable], count: int):
        self._make = make
        self._count = count

    def __iter__(self) -> Iterator:
        return iter(self._make())

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("index out of range")
        return next(islice(iter(self), index, None))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Replayed, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{self._count} items read again from the page's source>"


@dataclass(slots=True)
class Link:
    target: Title
    label: str | None
    line: int

    def to_json(self) -> dict:
        return {"target": str(self.target), "label": self.label, "line": self.line}


@dataclass(slots=True)
class Warning:
    line: int
    message: str

    def to_json(self) -> dict:
        return {"line": self.line, "message": self.message}


@dataclass(slots=True)
class Example:
    """One bullet saying how a trope plays in a work."""

    trope: Title | None
    work: Title | None
    mode: str
    mode_stated: bool
    depth: int
    parent: int | None      # line of the enclosing bullet
    folder: str | None
    line: int
    spoiler: bool
    mentions: list[Title] | tuple[Title, ...]  # a shared empty tuple when none
    text: str
    column: int | None = None  # on ``line``, where the source has many bullets on one line (HTML)

    @property
    def medium(self) -> str | None:
        return self.work.work_class if self.work is not None else None

    def to_json(self) -> dict:
        return {
            "trope": str(self.trope) if self.trope else None,
            "work": str(self.work) if self.work else None,
            "medium": self.medium,
            "mode": self.mode,
            "modeStated": self.mode_stated,
            "depth": self.depth,
            "parent": self.parent,
            "folder": self.folder,
            "line": self.line,
            "column": self.column,
            "spoiler": self.spoiler,
            "mentions": [str(t) for t in self.mentions],
            "text": self.text,
        }


@dataclass(slots=True)
class Page:
    title: Title
    kind: str
    label: str | None = None       # the display title when the page gives one (rendered HTML)
    alt_titles: list[str] = field(default_factory=list)  # other display titles the page gives
    aliases: list[Title] = field(default_factory=list)  # other wiki names that lead here (redirects)
    description: str = ""
    quote: str | None = None
    quote_attribution: str | None = None
    quote_source: Title | None = None
    # a page too big to hold has its links, mentions and examples as Replayed, read again when asked for
    links: list[Link] | Replayed = field(default_factory=list)
    relations: dict[str, list[Title]] = field(default_factory=lambda: {k: [] for k in RELATIONS})
    mentions: list[Title] | Replayed = field(default_factory=list)  # description links no relation governs
    examples: list[Example] | Replayed = field(default_factory=list)
    lists: list[Title] = field(default_factory=list)      # pages an index page lists
    creators: list[Title] = field(default_factory=list)   # creators a work page names
    works: list[Title] = field(default_factory=list)      # works a creator page lists
    warnings: list[Warning] = field(default_factory=list)

    def add_aliases(self, aliases: list[Title]) -> None:
        """Take other wiki names of the page (redirects to it): each is kept as an alias, and
        its spaced-out name as an alternative title unless the page already shows it."""
        shown = {self.label or self.title.label, *self.alt_titles}
        for alias in sorted(set(aliases) - {self.title, *self.aliases}, key=lambda t: t.key):
            self.aliases.append(alias)
            if alias.label not in shown:
                shown.add(alias.label)
                self.alt_titles.append(alias.label)

    def to_json(self) -> dict:
        return self._json(_converted_now)

    def json_text(self) -> Iterator[str]:
        """``json.dumps(self.to_json(), ensure_ascii=False, indent=2)``, a piece at a time: the
        links, examples and titles are turned into JSON as they are written, never all held at
        once (a page of 200,000 links would take a hundred times its size)."""
        encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
        return encoder.iterencode(self._json(_Converted))

    def _json(self, each: Callable[[list, Callable], list]) -> dict:
        return {
            "title": str(self.title),
            "kind": self.kind,
            "label": self.label or self.title.label,
            "altTitles": list(self.alt_titles),
            "aliases": [str(t) for t in self.aliases],
            "description": self.description,
            "quote": self.quote,
            "quoteAttribution": self.quote_attribution,
            "quoteSource": str(self.quote_source) if self.quote_source else None,
            "links": each(self.links, Link.to_json),
            "relations": {k: each(self.relations[k], str) for k in RELATIONS},
            "mentions": each(self.mentions, str),
            "examples": each(self.examples, Example.to_json),
            "lists": each(self.lists, str),
            "creators": each(self.creators, str),
            "works": each(self.works, str),
            "warnings": [w.to_json() for w in self.warnings],
        }
