"""Search over page names, alternative titles and descriptions: the catalogue and the store's
descriptions in, ranked hits out.

The index is SQLite's FTS5 full-text index (the standard library's sqlite3), in memory, built when
the site starts: the store has no text index, and scanning 30,000 labels per keystroke in SPARQL
would be far too slow for search-as-you-type. Ranking, best first: a page whose name or alternative
title *is* what was typed (any spelling, see ``catalogue.name_key``), then names that start with it,
then names holding every word, then description matches, each tier ordered by FTS5's BM25 with
names weighing most. Pages no page describes (wanted pages) come after described ones in a tier.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import NamedNode, Store

from tropekg.web.catalogue import SKOS, Catalogue, Entry, name_key

SKOS_DEFINITION = NamedNode(SKOS + "definition")
_WORD = re.compile(r"\w+")
# Snippet markers: control characters never found in page text, split on when rendering, so the
# highlighted words are shown with <mark> and everything else is escaped as text.
MARK_START, MARK_END = "\x02", "\x03"
MAX_QUERY = 200  # characters of a query that are read


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    tier: int  # 0 exact name, 1 name starts with it, 2 name holds every word, 3 description
    snippet: tuple[tuple[str, bool], ...] = ()  # (text, highlighted) pieces of the description

    @property
    def why(self) -> str:
        return ("same name", "name starts so", "name holds the words", "description")[self.tier]


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _squashed(text: str) -> str:
    return "".join(words(text))


def _fts_term(word: str) -> str:
    # FTS5 strings are double-quoted with "" for a quote; our words hold only \w characters anyway
    return '"' + word.replace('"', '""') + '"'


class SearchIndex:
    """An in-memory FTS5 index: one row per catalogue entry (rowid = position in ``entries``)."""

    def __init__(self, catalogue: Catalogue, descriptions: dict[str, str]):
        self.catalogue = catalogue
        self.entries: list[Entry] = list(catalogue.by_iri.values())
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE pages USING fts5(name, alt, description, squashed, "
            "tokenize='unicode61 remove_diacritics 2', prefix='2 3')")
        self._db.executemany(
            "INSERT INTO pages(rowid, name, alt, description, squashed) VALUES (?, ?, ?, ?, ?)",
            ((i, _name_text(e), " ; ".join(e.alt_titles), descriptions.get(e.iri, ""),
              " ".join({_squashed(e.title.name), _squashed(e.label), *map(_squashed, e.alt_titles)}))
             for i, e in enumerate(self.entries)))
        self._db.commit()

    def search(self, query: str, limit: int = 20, titles_only: bool = False) -> list[Hit]:
        """The pages matching ``query``, best first (see the module docstring for the order)."""
        query = query[:MAX_QUERY]
        typed = words(query)
        if not typed:
            return []
        exact = {e.iri for e in self.catalogue.resolve(query)}
        squashed = "".join(typed)
        terms = " ".join(_fts_term(w) for w in typed[:-1]) + " " + _fts_term(typed[-1]) + "*"
        names = f"{{name alt squashed}} : ({terms}) OR squashed : {_fts_term(squashed)}*"
        match = names if titles_only else f"({terms}) OR squashed : {_fts_term(squashed)}*"
        with self._lock:
            rows = self._db.execute(
                "SELECT rowid, bm25(pages, 10.0, 6.0, 1.0, 8.0), "
                f"snippet(pages, 2, '{MARK_START}', '{MARK_END}', '…', 14) "
                "FROM pages WHERE pages MATCH ? ORDER BY 2 LIMIT 400", (match,)).fetchall()
        hits = []
        seen = set()
        for rowid, score, snippet in rows:
            entry = self.entries[rowid]
            tier = self._tier(entry, typed, squashed, exact)
            hits.append((tier, not entry.described, score, entry.title.key, entry, snippet))
            seen.add(entry.iri)
        for iri in exact - seen:  # an exact spelling the text index tokenises differently
            entry = self.catalogue.by_iri[iri]
            hits.append((0, not entry.described, 0.0, entry.title.key, entry, ""))
        hits.sort(key=lambda h: h[:4])
        return [Hit(entry, tier, _pieces(snippet) if tier == 3 else ())
                for tier, _w, _s, _k, entry, snippet in hits[:limit]]

    @staticmethod
    def _tier(entry: Entry, typed: list[str], squashed: str, exact: set[str]) -> int:
        if entry.iri in exact:
            return 0
        names = [entry.label, entry.title.name, *entry.alt_titles]
        if any(_squashed(n).startswith(squashed) for n in names):
            return 1
        for n in names:
            have = words(n)
            if all(w in have for w in typed[:-1]) and any(h.startswith(typed[-1]) for h in have):
                return 2
        return 3


def _name_text(entry: Entry) -> str:
    spaced_name = entry.title.label
    return entry.label if spaced_name == entry.label else f"{entry.label} ; {spaced_name}"


def _pieces(snippet: str) -> tuple[tuple[str, bool], ...]:
    out = []
    for i, part in enumerate(re.split(f"[{MARK_START}{MARK_END}]", snippet or "")):
        if part:
            out.append((part, i % 2 == 1))
    return tuple(out)


def read_descriptions(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """The description of each page resource (one ``skos:definition`` scan)."""
    wanted = set(iris)
    out: dict[str, str] = {}
    for quad in store.quads_for_pattern(None, SKOS_DEFINITION, None):
        iri = quad.subject.value
        if iri in wanted and iri not in out:
            out[iri] = quad.object.value
    return out


def build_search_index(store: Store, catalogue: Catalogue) -> SearchIndex:
    return SearchIndex(catalogue, read_descriptions(store, catalogue.by_iri))


__all__ = ["Hit", "SearchIndex", "build_search_index", "name_key", "read_descriptions"]
