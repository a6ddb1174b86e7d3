"""A synthetic TV Tropes corpus: sizes and a seed in, page-source files on disk out.

:func:`generate` writes trope, work, index and creator pages in the layout ``tropekg build`` reads
(``DIR/Main/TropeName.txt``, ``DIR/Film/WorkName.txt``, ...) with the wiki's shape: a sub-trope
hierarchy (a DAG about a dozen levels deep, some tropes with several parents, a few planted cycles),
descriptions stating relations in prose, quotes, examples in folders per medium, long-tailed in
number, nested, with potholes, spoilers, notes and comments, and modes stated at realistic rates;
work pages listing tropes; index pages; and a small share of broken markup, including unreadable
pages (a NUL byte) that a build must reject. The prose is filler; the structure is real. The same
seed gives byte-identical files. Pages are streamed to disk one at a time, and the statistics
returned (and written to ``DIR/synth-stats.json``) count what the files hold, so a test can check
them by parsing the pages back.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from itertools import accumulate
from pathlib import Path

from tropekg.synth.html import render_page, render_unreadable
from tropekg.titles import spaced as _spaced

STATS_FILE = "synth-stats.json"

# The kinds of broken page the corpus plants, each in a small share of pages.
BREAKAGES = ("crlf", "invalid_utf8", "unclosed_folder", "missing_folder_close", "stray_folder_close",
             "unclosed_spoiler", "unclosed_italic")
BROKEN_SHARE = 0.015

# How examples state their mode: the share of all examples, per mode; the rest state none.
# Most examples just describe the trope in the work; "averted" is by far the commonest note.
MODE_RATES = (
    ("Averted", 0.040), ("Subverted", 0.022), ("Straight", 0.014), ("Inverted", 0.012),
    ("Lampshaded", 0.008), ("Discussed", 0.006), ("Justified", 0.006), ("Invoked", 0.005),
    ("Exaggerated", 0.004), ("Downplayed", 0.004), ("Parodied", 0.004), ("ZigZagged", 0.003),
    ("Deconstructed", 0.003), ("Defied", 0.003), ("DoubleSubverted", 0.002), ("Exploited", 0.002),
    ("Enforced", 0.001), ("Implied", 0.001), ("Reconstructed", 0.001), ("Conversed", 0.0005),
)
# mode -> (the phrase opening a bullet, the page a link to states it: {{Word|Trope}} or [[Page word]])
MODE_WORDING = {
    "Averted": ("Averted", "AvertedTrope"), "Subverted": ("Subverted", "SubvertedTrope"),
    "Straight": ("Played straight", "PlayedStraight"), "Inverted": ("Inverted", "InvertedTrope"),
    "Lampshaded": ("Lampshaded", "LampshadeHanging"), "Discussed": ("Discussed", "DiscussedTrope"),
    "Justified": ("Justified", "JustifiedTrope"), "Invoked": ("Invoked", "InvokedTrope"),
    "Exaggerated": ("Exaggerated", "ExaggeratedTrope"), "Downplayed": ("Downplayed", "DownplayedTrope"),
    "Parodied": ("Parodied", "ParodiedTrope"), "ZigZagged": ("Zig-zagged", "ZigZaggingTrope"),
    "Deconstructed": ("Deconstructed", "DeconstructedTrope"), "Defied": ("Defied", "DefiedTrope"),
    "DoubleSubverted": ("Double subverted", "DoubleSubverted"), "Exploited": ("Exploited", "ExploitedTrope"),
    "Enforced": ("Enforced", "EnforcedTrope"), "Implied": ("Implied", "ImpliedTrope"),
    "Reconstructed": ("Reconstructed", "ReconstructedTrope"), "Conversed": ("Conversed", "ConversedTrope"),
}

# Media: (namespace, the folder trope pages file its examples under, weight, what a work of it is).
MEDIA = (
    ("Film", "Film \u2014 Live-Action", 20, "film"), ("Series", "Live-Action TV", 14, "television series"),
    ("Literature", "Literature", 14, "novel"), ("VideoGame", "Video Games", 14, "video game"),
    ("Anime", "Anime and Manga", 6, "anime series"), ("Manga", "Anime and Manga", 5, "manga"),
    ("ComicBook", "Comic Books", 6, "comic book"), ("WesternAnimation", "Western Animation", 7,
                                                     "animated series"),
    ("Webcomic", "Webcomics", 4, "webcomic"), ("TabletopGame", "Tabletop Games", 2, "tabletop game"),
    ("Music", "Music", 2, "album"), ("Theatre", "Theatre", 2, "play"),
    ("WebOriginal", "Web Original", 2, "web series"), ("LightNovel", "Light Novels", 1, "light novel"),
    ("Radio", "Radio", 1, "radio drama"),
)
REAL_LIFE = "Real Life"

# Relation notes other than the hierarchy: (page-model key, chance a trope page has one, wordings).
OTHER_RELATIONS = (
    ("seeAlso", 0.30, ("See also {}.", "See also {}, for the reverse.")),
    ("compare", 0.30, ("Compare {}.", "Compare with {}.")),
    ("contrast", 0.20, ("Contrast {}.", "Contrast with {}, where the opposite happens.")),
    ("notToBeConfusedWith", 0.10, ("Not to Be Confused with {}.",)),
    ("sisterTrope", 0.05, ("Sister Trope to {}.",)),
)

# -- words ---------------------------------------------------------------------------------------
# Names are CamelCase joins of these (WikiWords: two or more capitals with a lower-case letter between).
# None is, or ends in, a word the wiki gives a meaning (Trope, Index, Tropes, a mode).

def _words(block: str) -> list[str]:
    return block.split()


ADJECTIVES = _words("""Absent Ancient Angry Bad Big Bitter Black Blind Bloody Blue Bold Brave Broken Burning
Calm Careful Clever Cold Cosmic Crazy Cruel Cursed Dark Dead Deadly Deep Dire Distant Dumb Empty
Epic Evil Fake False Fast Fatal Final Fine Flying Foolish Forgotten Frozen Gentle Giant Golden
Good Grand Great Green Grim Happy Hard Heavy Hidden Holy Hollow Honest Hopeless Hot Hungry Idle
Iron Jealous Kind Last Lazy Little Lonely Lost Loud Loyal Lucky Mad Magic Mighty Modern Mute
Mysterious Naked Narrow Noble Odd Old Open Pale Perfect Plain Polite Poor Proud Quiet Rapid Red
Rich Rogue Royal Rude Rusty Sacred Sad Scarlet Secret Shady Sharp Shy Silent Silver Simple Sleepy
Slow Small Smart Smug Soft Sole Sour Stoic Stone Strange Strong Stubborn Sudden Sweet Swift Tall
Tiny Tired Toxic True Twin Ugly Vain Wild Wise Wooden Worthy Wrong Young Zealous""")

NOUNS = _words("""Anchor Angel Archer Armor Army Arrow Ash Assassin Baker Bandit Bank Baron Beast Bell Blade
Blood Bomb Bone Book Bridge Brother Butler Cage Candle Captain Castle Cat Chain Champion Child
Cloak Clock Clown Coin Crow Crown Cult Dagger Dancer Dragon Dream Duel Duke Eagle Echo Egg Empire
Engine Exile Eye Fang Father Feast Fire Flag Flame Fleet Flower Fool Forest Fortress Friend Frog
Garden Gate Ghost Giant Gift Glove Goblin Guard Guild Hammer Hand Harbor Hat Heart Heir Hero
Hermit Horse Hound Hunter Island Jester Jewel Judge Key King Knife Knight Lady Lamp Legion Letter
Liar Lion Lord Machine Mage Map Mask Master Mentor Mirror Monk Monster Moon Mother Mountain Ninja
Oath Ocean Oracle Orphan Owl Palace Parrot Pawn Pilot Pirate Plan Poet Potion Prince Princess
Prophet Puppet Queen Raven Rebel Ring River Robot Rogue Rose Ruler Sage Sailor Scar Scholar Secret
Servant Shadow Shield Ship Sister Skull Sky Snake Soldier Song Spear Spy Squire Star Storm Stranger
Sword Temple Thief Throne Thunder Tiger Tomb Tower Traitor Tree Twin Tyrant Vampire Villain Voice
Wall Wanderer War Witch Wizard Wolf Word World Wraith""")

VERBS = _words("""Betray Break Burn Call Catch Chase Crown Defend Drop Fight Find Follow Guard Hide Hunt Join
Keep Kill Lose Love Mock Name Pity Protect Punch Rescue Save Serve Shoot Spare Steal Summon Tame
Test Trust Wake Warn""")

VERBS_S = _words("""Betrays Breaks Burns Calls Catches Chases Defends Drops Fights Finds Follows Guards Hides
Hunts Joins Keeps Kills Loses Loves Mocks Names Pities Protects Rescues Saves Serves Spares Steals
Summons Tames Tests Trusts Wakes Warns""")

FIRST_NAMES = _words("""Ada Alan Alma Amos Anna Arlo Bea Beth Cara Cleo Cora Dana Dora Edda Elsa Emil Enzo Ezra
Fay Finn Gail Gus Hana Hugo Ida Ines Ivan Jada Jon Jude Kai Kira Lena Leo Lila Luca Mae Mara Milo
Nadia Nell Nico Nina Noor Olga Omar Otto Pia Rafe Remy Rita Rosa Ruth Sami Sara Theo Tove Uma Vera
Wade Wren Yara Zane Zora""")

SURNAMES = _words("""Abbott Alder Ashby Baird Barlow Bellamy Blythe Brandt Calder Carrow Corwin Dalton Dane
Dorsey Easton Ellery Falk Farrow Fenn Garrick Gilroy Hale Harlow Hollis Ingram Jarvis Keane Kellan
Kerr Lachlan Lindqvist Lorne Marlow Mercer Morrow Nash Norwood Oakes Orton Pace Penrose Quill Radley
Rourke Sable Sayer Sterling Strand Tallis Thorne Ulmer Vance Varga Voss Walsh Webb Whitlock Yates
Zeller""")

# Filler prose: lower-case words only, so it never forms a link, and none of the words that state a
# relation or a mode (checked by the tests against the parser's own patterns).
_SUBJECTS = """the hero|the villain|her mentor|his partner|the crew|an old friend|the captain|a rookie guard|
the whole town|the narrator|the young pilot|a rival gang|the detective|the queen|a stranger|the twins|
the old king|a retired soldier|the main character|the sidekick|her brother|his mother|the whole team|
the new recruit|a bored clerk|the local sheriff|the ship's cook|the last survivor|the rebel leader|
the court wizard|a wandering monk|the class clown|the hired muscle|the lead singer|the reporter"""
_VERBS = """refuses to|tries to|manages to|decides to|has to|promises to|forgets to|learns to|wants to|
pretends to|is forced to|almost fails to|is the first to|never gets to|finally agrees to|is too proud to"""
_ACTIONS = """leave the city|open the vault|fire a single shot|hide the map|trust the new recruit|
warn the others|burn the letters|cross the river|finish the job|spare the guards|keep the secret|
walk away|sell the family farm|tell anyone the truth|fight back|take the blame|win the duel|
steal the crown|read the letter aloud|answer the phone|climb the tower|face the dragon|go home|
admit the mistake|break the curse|repair the engine|leave a note|follow the plan|sing the old song|
rescue the hostages|pay the ransom|wake the sleeping giant|find the missing page|return the favor"""
_TAILS = """before the end of the first act|in the final episode|at the worst possible moment|
without a word|for reasons never explained|twice in a row|after a long argument|when nobody is looking|
in the second season|during the big heist|on the eve of the battle|as the credits roll|
in a flashback|halfway through the book|at the wedding|in the very last scene|until it is far too late|
in front of the entire court|while the city burns|at the start of every episode"""
_STANDALONE = """It happens again in the sequel.|Nobody notices until it is far too late.|
The fans still argue about it.|The writers clearly had fun with this one.|It works better than anyone expected.|
This becomes a running gag.|It does not end well.|The payoff comes much later.|
Everyone involved pretends it never happened.|The result is played for laughs.|
It is the emotional core of the story.|The audience sees it coming long before anyone on screen does.|
It later turns out to matter a great deal.|Things only get worse from there.|
The ending makes it all worth it.|It takes three tries to get it right."""


def _split(block: str) -> list[str]:
    return [w.strip() for w in block.replace("\n", "").split("|") if w.strip()]


def filler_sentences(count: int = 2048) -> list[str]:
    """A fixed pool of filler sentences (the same for every seed: they carry no structure)."""
    rng = random.Random(20120601)
    subjects, verbs, actions, tails = (_split(b) for b in (_SUBJECTS, _VERBS, _ACTIONS, _TAILS))
    standalone = _split(_STANDALONE)
    out = []
    for _ in range(count):
        if rng.random() < 0.12:
            out.append(rng.choice(standalone))
            continue
        words = f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(actions)}"
        if rng.random() < 0.6:
            words += " " + rng.choice(tails)
        if rng.random() < 0.08:
            words += " \u2014 or so it seems"
        out.append(words[0].upper() + words[1:] + ".")
    return out


# -- the statistics ------------------------------------------------------------------------------

@dataclass
class SynthStats:
    """What a generated corpus holds, counted as the pages were written."""

    seed: int
    tropes: int                         # the sizes asked for
    works: int
    pages: dict[str, int] = field(default_factory=dict)   # by kind: trope, work, index, creator, unreadable
    bytes: int = 0
    largest_page: str = ""
    largest_page_bytes: int = 0
    pages_over_200k: int = 0
    examples: int = 0                   # example bullets on trope and work pages
    trope_page_examples: int = 0
    work_page_examples: int = 0
    nested_examples: int = 0            # bullets at depth 2 or more
    nested_share: float = 0.0
    spoiler_examples: int = 0
    real_life_examples: int = 0         # examples naming no work (the Real Life folder)
    modes_stated: dict[str, int] = field(default_factory=dict)
    mode_shares: dict[str, float] = field(default_factory=dict)   # of all examples; "unstated" too
    examples_per_trope_mean: float = 0.0   # bullets on a trope page
    examples_per_trope_max: int = 0
    tropes_per_work_mean: float = 0.0      # trope entries on a work page
    tropes_per_work_max: int = 0
    hierarchy_edges: int = 0            # distinct (sub-trope, super-trope) pairs the pages state
    hierarchy_edges_sha256: str = ""    # of the sorted "Main/Sub Main/Super" lines
    hierarchy_depth: int = 0            # sub-trope steps on the longest chain, planted cycles aside
    multi_parent_tropes: int = 0        # tropes with two or more super-tropes
    planted_cycles: list[list[str]] = field(default_factory=list)  # [sub, super] edges closing a cycle
    relations: dict[str, int] = field(default_factory=dict)  # other relation statements, by key
    index_entries: int = 0
    broken_pages: dict[str, str] = field(default_factory=dict)   # title -> kind of breakage
    unreadable_pages: list[str] = field(default_factory=list)    # hold a NUL byte: a build rejects them
    samples: dict[str, str] = field(default_factory=dict)        # titles worth querying for
    seconds: float = 0.0                # not written to the stats file: it would break byte-identity

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("seconds")
        return data

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in self.pages.items())
        modes = ", ".join(f"{m} {self.mode_shares[m]:.2%}" for m in self.modes_stated)
        broken = {}
        for kind in self.broken_pages.values():
            broken[kind] = broken.get(kind, 0) + 1
        lines = [
            f"pages:            {sum(self.pages.values())} ({kinds})",
            (f"bytes:            {self.bytes:,} (largest {self.largest_page} "
             f"{self.largest_page_bytes:,}; {self.pages_over_200k} over 200 KB)"),
            (f"examples:         {self.examples:,} ({self.trope_page_examples:,} on trope pages, "
             f"{self.work_page_examples:,} on work pages)"),
            f"nested:           {self.nested_examples:,} ({self.nested_share:.1%})",
            f"spoilers:         {self.spoiler_examples:,}",
            f"modes stated:     {1 - self.mode_shares.get('unstated', 1):.1%} ({modes})",
            (f"per trope page:   mean {self.examples_per_trope_mean:.1f}, "
             f"max {self.examples_per_trope_max} examples"),
            f"per work page:    mean {self.tropes_per_work_mean:.1f}, max {self.tropes_per_work_max} tropes",
            (f"hierarchy:        {self.hierarchy_edges:,} edges, depth {self.hierarchy_depth}, "
             f"{self.multi_parent_tropes:,} tropes with several parents, "
             f"{len(self.planted_cycles)} planted cycles"),
            "other relations:  " + ", ".join(f"{k} {n}" for k, n in self.relations.items()),
            f"index entries:    {self.index_entries:,}",
            f"broken pages:     {len(self.broken_pages)} ("
            + ", ".join(f"{k} {n}" for k, n in sorted(broken.items())) + ")",
            f"unreadable pages: {len(self.unreadable_pages)} (NUL bytes: a build reports them failed)",
            f"time:             {self.seconds:.1f} s",
        ]
        return "\n".join(lines)


class SynthError(Exception):
    """The corpus cannot be written where asked."""


# -- names ---------------------------------------------------------------------------------------

# Pages the wiki gives a meaning that a generated name must not take.
_RESERVED = {w.casefold() for w in (
    "SubTrope", "SuperTrope", "SisterTrope", "SeeAlso", "CompareAndContrast", "NotToBeConfusedWith",
    "PlayedStraight", "PlayingItStraight", "LampshadeHanging", "DoubleSubverted", "DoubleSubversion",
    "ZigZagged", "Averted", "Deconstruction", "Reconstruction", "RealLife",
)}


class _Names:
    """Unique CamelCase names drawn from the word lists."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.taken: set[str] = set(_RESERVED)

    def _take(self, make: Callable[[], str], suffix: str = "") -> str:
        for attempt in range(200):
            name = make()
            if attempt > 50:  # the word lists are running out: add a distinguishing word
                name += self.rng.choice(NOUNS) + self.rng.choice(NOUNS)
            name += suffix
            key = name.casefold()
            if key not in self.taken and (suffix or not key.endswith(("trope", "tropes", "index"))):
                self.taken.add(key)
                return name
        raise AssertionError("synth: could not find an unused name")  # pragma: no cover

    def trope(self) -> str:
        r = self.rng
        c = r.choice
        shapes = (
            lambda: c(ADJECTIVES) + c(NOUNS),
            lambda: "The" + c(ADJECTIVES) + c(NOUNS),
            lambda: c(NOUNS) + c(VERBS_S) + c(NOUNS),
            lambda: c(VERBS) + "The" + c(NOUNS),
            lambda: c(NOUNS) + "Of" + c(NOUNS),
            lambda: c(ADJECTIVES) + c(NOUNS) + c(NOUNS),
            lambda: "Never" + c(VERBS) + "A" + c(ADJECTIVES) + c(NOUNS),
            lambda: c(NOUNS) + "Is" + c(ADJECTIVES),
            lambda: c(ADJECTIVES) + c(ADJECTIVES) + c(NOUNS),
        )
        return self._take(lambda: shapes[int(r.random() * len(shapes))]())

    def work(self) -> str:
        r = self.rng
        c = r.choice
        shapes = (
            lambda: "The" + c(ADJECTIVES) + c(NOUNS),
            lambda: c(NOUNS) + "Of" + "The" + c(NOUNS),
            lambda: c(ADJECTIVES) + c(NOUNS),
            lambda: c(NOUNS) + c(NOUNS),
            lambda: "The" + c(NOUNS) + c(NOUNS),
            lambda: c(NOUNS) + c(NOUNS) + "Returns",
        )
        if r.random() < 0.06:  # a one-word title, written Film/{{Title}}
            return self._take(lambda: c(NOUNS) + c(("ia", "us", "ica", "o", "ara", "ix")))
        return self._take(lambda: shapes[int(r.random() * len(shapes))]())

    def creator(self) -> str:
        c = self.rng.choice
        return self._take(lambda: c(FIRST_NAMES) + c(SURNAMES))

    def index(self) -> str:
        c = self.rng.choice
        return self._take(lambda: c(ADJECTIVES) + c(NOUNS), suffix="Tropes")


# -- the corpus plan -----------------------------------------------------------------------------

@dataclass(slots=True)
class _Work:
    namespace: str
    name: str
    medium: int          # index into MEDIA
    one_word: bool


class _Plan:
    """The corpus's structure, drawn from the seed before any page is written: names, the trope
    hierarchy, how many examples each page has, who made what, which pages are broken."""

    def __init__(self, tropes: int, works: int, seed: int):
        rng = random.Random(seed)
        self.seed = seed
        names = _Names(rng)
        self.tropes = [names.trope() for _ in range(tropes)]
        self.indexes = [names.index() for _ in range(max(1, tropes // 40))]
        medium_weights = list(accumulate(m[2] for m in MEDIA))
        universe = works + works // 2  # works with a page, then works only linked to
        self.works: list[_Work] = []
        for _ in range(universe):
            m = bisect.bisect_right(medium_weights, rng.random() * medium_weights[-1])
            name = names.work()
            self.works.append(_Work(MEDIA[m][0], name, m, not any(ch.isupper() for ch in name[1:])))
        self.page_works = works
        self.creators = [names.creator() for _ in range(max(3, works // 8))]
        self.creator_pages = max(1, len(self.creators) // 3)
        self.unreadable = [names.trope() for _ in range(1 if tropes + works < 50 else 2)]
        # tropes that pages mention but that have no page (yet): the wiki's red links
        self.wanted = [names.trope() for _ in range(max(1, tropes // 25))]

        # The hierarchy: each trope gets a level (0 = no super-trope); a trope at level L has one
        # super-trope at level L-1 and sometimes more at any level above, so the graph is a DAG
        # whose longest chain is the deepest level. Then a few edges pointing back down plant cycles.
        n = tropes
        level = [0] * n
        by_level: list[list[int]] = [[] for _ in range(12)]
        for t in range(n):
            if t < max(1, n // 50) or rng.random() < 0.12:
                lv = 0
            else:
                lv = 1
                while lv < 11 and rng.random() < 0.62:
                    lv += 1
                while lv > 0 and not by_level[lv - 1]:
                    lv -= 1
            level[t] = lv
            by_level[lv].append(t)
        self.level = level
        self.parents: list[list[int]] = [[] for _ in range(n)]
        for t in range(n):
            lv = level[t]
            if lv == 0:
                continue
            above = by_level[lv - 1]
            primary = above[int(rng.random() * len(above))]
            self.parents[t].append(primary)
            extra = 0
            if rng.random() < 0.09:
                extra = 2 if rng.random() < 0.12 else 1
            for _ in range(extra):
                lv2 = int(rng.random() * lv)
                cand = by_level[lv2][int(rng.random() * len(by_level[lv2]))]
                if cand not in self.parents[t]:
                    self.parents[t].append(cand)
        self.depth = max(level) if n else 0
        self.cycles: list[tuple[int, int]] = []  # (sub, super) edges that close a cycle
        want = max(1, round(n / 6000)) if n >= 20 else 0
        deep = [t for t in range(n) if level[t] >= 2]
        for k in range(want):
            if not deep:
                break
            a = deep[int(rng.random() * len(deep))]
            p = self.parents[a][0]
            # a 2-cycle (the parent also says it is a sub-trope of its child) or a 3-cycle
            top = p if k % 2 == 0 else self.parents[p][0]
            if a not in self.parents[top]:
                self.parents[top].append(a)
                self.cycles.append((top, a))
        # Which page states each edge: mostly the sub-trope's ("A sub-trope of X"), sometimes the
        # super-trope's too ("Super-Trope to Y"), sometimes only the super-trope's.
        self.states_up: list[list[int]] = [[] for _ in range(n)]
        self.states_down: list[list[int]] = [[] for _ in range(n)]
        for t in range(n):
            for p in self.parents[t]:
                r = rng.random()
                if r < 0.85 or (t, p) in self.cycles:
                    self.states_up[t].append(p)
                    if r < 0.2:
                        self.states_down[p].append(t)
                else:
                    self.states_down[p].append(t)

        # Long-tailed sizes: top-level examples per trope page and trope entries per work page.
        self.trope_examples = [max(1, min(6000, int(rng.lognormvariate(2.4, 1.3)))) for _ in range(n)]
        self.work_tropes = [max(1, min(n, 3000, int(rng.lognormvariate(3.3, 0.95)))) for _ in range(works)]
        # Popularity: which works trope pages pick (a Zipf law over a shuffled order, works without a
        # page in the tail) and which tropes work pages pick (the tropes with many examples).
        order = list(range(works))
        rng.shuffle(order)
        order += list(range(works, universe))
        weights = [0.0] * universe
        for rank, w in enumerate(order):
            weights[w] = 1.0 / (rank + 10) ** 0.9
        self.work_cum = list(accumulate(weights))
        self.trope_cum = list(accumulate(float(x) for x in self.trope_examples))
        self.top_trope = max(range(n), key=lambda t: (self.trope_examples[t], -t))
        # Creators: each work page names up to three; a creator's page lists its works.
        self.work_creators: list[list[int]] = []
        self.creator_works: list[list[int]] = [[] for _ in self.creators]
        for w in range(works):
            made_by = []
            for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
                c = int(rng.random() ** 2 * len(self.creators))
                if c not in made_by:
                    made_by.append(c)
                    self.creator_works[c].append(w)
            self.work_creators.append(made_by)
        # Broken pages: a small share of trope and work pages, every kind of breakage at least once.
        total = n + works
        count = min(total, max(len(BREAKAGES), round(total * BROKEN_SHARE))) if total >= 50 else 0
        chosen = rng.sample(range(total), count)
        self.broken: dict[int, str] = {p: BREAKAGES[i % len(BREAKAGES)] for i, p in enumerate(chosen)}


# -- writing pages ------------------------------------------------------------------------------

class _Writer:
    """Writes the pages of a plan one at a time, counting what it writes."""

    def __init__(self, plan: _Plan, out_dir: Path, stats: SynthStats, html: bool = False):
        self.plan = plan
        self.out = out_dir
        self.html = html
        self.stats = stats
        self.filler = filler_sentences()
        self.actions = _split(_ACTIONS)
        self.mode_cum = list(accumulate(rate for _, rate in MODE_RATES))
        self.edges: set[tuple[str, str]] = set()
        self.modes: dict[str, int] = {m: 0 for m, _ in MODE_RATES}
        self.relations: dict[str, set[tuple[str, str]]] = {k: set() for k, _, _ in OTHER_RELATIONS}
        self.trope_counts: list[int] = []
        self.work_counts: list[int] = []
        self.top_trope_work = ""  # a work the most used trope's page gives an example of

    # -- small pieces ---------------------------------------------------------------------------
    def rng_for(self, title: str) -> random.Random:
        return random.Random(f"{self.plan.seed}|{title}")

    def shown(self, rng: random.Random) -> str:
        """The text a pothole shows. (Never opening with "to" or "with": "Compare [[X to ...]]"
        would read as "compare to" and the phrase would swallow the link.)"""
        return self.actions[int(rng.random() * len(self.actions))]

    def sentences(self, rng: random.Random, k: int) -> str:
        f = self.filler
        return " ".join(f[int(rng.random() * len(f))] for _ in range(k))

    def trope_link(self, rng: random.Random, t: int, style: float | None = None) -> str:
        """A link to a trope, in one of the ways pages write one."""
        name = self.plan.tropes[t]
        r = rng.random() if style is None else style
        if r < 0.72:
            return name
        if r < 0.84:
            return "[[" + name + " " + self.shown(rng) + "]]"
        if r < 0.94:
            return "{{" + _spaced(name) + "}}"
        return "Main/" + name

    def wanted_link(self, rng: random.Random) -> str:
        """A link to a trope no page describes."""
        return self.plan.wanted[int(rng.random() * len(self.plan.wanted))]

    def work_link(self, rng: random.Random, w: int) -> str:
        """A work's title as example bullets write it (italicised, mostly)."""
        work = self.plan.works[w]
        ns, name = work.namespace, work.name
        if work.one_word:
            return f"''{ns}/{{{{{name}}}}}''"
        r = rng.random()
        if r < 0.70:
            return f"''{ns}/{name}''"
        if r < 0.82:
            return f"''[[{ns}/{name} {_spaced(name)}]]''"
        if r < 0.90:
            return f"''{{{{{ns}/{name}}}}}''"
        return f"{ns}/{name}"

    def pick_mode(self, rng: random.Random) -> str | None:
        r = rng.random()
        if r >= self.mode_cum[-1]:
            return None
        return MODE_RATES[bisect.bisect_right(self.mode_cum, r)][0]

    def mode_link(self, rng: random.Random, mode: str, lower: bool) -> str:
        word, page = MODE_WORDING[mode]
        shown = word.lower() if lower else word
        if page.endswith("Trope") and rng.random() < 0.6:
            return "{{" + (page[:-5].lower() if lower else page[:-5]) + "|Trope}}"
        return f"[[{page} {shown}]]"

    def example_text(self, rng: random.Random, page_trope: int | None, flags: dict,
                     comment: bool = True) -> str:
        """The prose of an example: filler with the occasional link, pothole, spoiler, note."""
        parts = [self.sentences(rng, 1 + int(rng.random() * 3.2))]
        r = rng.random
        n = len(self.plan.tropes)
        if r() < 0.22 and n > 1:
            if r() < 0.04:
                parts.append(f"It is an obvious case of {self.wanted_link(rng)}.")
            else:
                t = int(r() * n)
                if t != page_trope:
                    parts.append(f"It is an obvious case of {self.trope_link(rng, t)}.")
        if r() < 0.08:
            parts.append("[[spoiler:" + self.sentences(rng, 1) + "]]")
            flags["spoiler"] = True
        if r() < 0.03:
            parts.append("[[note]]" + self.sentences(rng, 1) + "[[/note]]")
        if r() < 0.01:
            parts.append("[=" + self.sentences(rng, 1) + "=]")
        if r() < 0.01 and comment:  # a comment runs to the end of the line
            parts.append("%% " + self.sentences(rng, 1))
        return " ".join(parts)

    # -- pages ----------------------------------------------------------------------------------
    def write(self, ns: str, name: str, text: str, breakage: str | None = None,
              nul: bool = False) -> None:
        if self.html:  # the page as the site renders it; an unreadable one has no article
            text = render_unreadable(ns, name) if nul else render_page(ns, name, text)
            nul = False
        data = text.encode("utf-8")
        if breakage == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif breakage == "invalid_utf8":
            cut = data.find(b". ") + 1 or len(data)
            data = data[:cut] + b" A caf\xe9 scene." + data[cut:]  # a Windows-1252 e-acute
        if nul:
            mid = len(data) // 2
            data = data[:mid] + b"\x00" + data[mid:]
        path = self.out / ns / f"{name}.{'html' if self.html else 'txt'}"
        path.write_bytes(data)
        st = self.stats
        size = len(data)
        st.bytes += size
        if size > 200_000:
            st.pages_over_200k += 1
        if size > st.largest_page_bytes:
            st.largest_page_bytes = size
            st.largest_page = f"{ns}/{name}"

    def count_example(self, mode: str | None, depth: int, spoiler: bool) -> None:
        st = self.stats
        st.examples += 1
        if depth > 1:
            st.nested_examples += 1
        if spoiler:
            st.spoiler_examples += 1
        if mode is not None:
            self.modes[mode] += 1

    def quote_lines(self, rng: random.Random) -> list[str]:
        quote = self.sentences(rng, 1 + int(rng.random() * 2))
        speaker = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        w = int(rng.random() * len(self.plan.works))
        work = self.plan.works[w]
        return [f"->''\"{quote}\"''", f"-->-- '''{speaker}''', ''{work.namespace}/{work.name}''", ""]

    def trope_page(self, t: int, breakage: str | None) -> None:
        plan, st = self.plan, self.stats
        name = plan.tropes[t]
        title = f"Main/{name}"
        rng = self.rng_for(title)
        r = rng.random
        n = len(plan.tropes)
        lines: list[str] = []
        if r() < 0.15:
            w = plan.works[int(r() * len(plan.works))]
            lines.append(f"[[quoteright:350:[[{w.namespace}/{w.name} "
                         f"https://static.tvtropes.org/pmwiki/pub/images/{name.lower()}.png]]]]")
            lines.append(f"[[caption-width-right:350:{self.sentences(rng, 1)}]]")
        if r() < 0.35:
            lines.extend(self.quote_lines(rng))
        # the description: filler paragraphs, mentions in their own sentences, relation notes
        for _ in range(1 + int(r() * 3)):
            para = [self.sentences(rng, 2 + int(r() * 4))]
            if r() < 0.5 and n > 1:
                other = int(r() * n)
                if r() < 0.05:
                    para.append(f"It often turns up alongside {self.wanted_link(rng)}.")
                elif other != t:
                    para.append(f"It often turns up alongside {self.trope_link(rng, other)}.")
            lines += [" ".join(para), ""]
        notes = []
        ups = plan.states_up[t]
        if ups:
            links = [self.trope_link(rng, p) for p in ups]
            lead = rng.choice(("A sub-trope of", "A SubTrope of", "Sub-Trope of", "This is a sub-trope of"))
            notes.append(f"{lead} {_and(links)}.")
            for p in ups:
                self.edges.add((name, plan.tropes[p]))
        downs = plan.states_down[t]
        if downs:
            links = [self.trope_link(rng, c) for c in downs[:60]]
            lead = rng.choice(("Super-Trope to", "The SuperTrope of", "Sub-Tropes include"))
            notes.append(f"{lead} {_and(links)}.")
            for c in downs[:60]:
                self.edges.add((plan.tropes[c], name))
        for key, chance, wordings in OTHER_RELATIONS:
            if r() < chance and n > 2:
                targets: list[int] = []
                for _ in range(1 + int(r() * 2.5)):
                    x = int(r() * n)
                    if x != t and x not in targets:
                        targets.append(x)
                if targets:
                    notes.append(rng.choice(wordings).format(_and([self.trope_link(rng, x) for x in targets])))
                    for x in targets:
                        self.relations[key].add((name, plan.tropes[x]))
        rng.shuffle(notes)
        if notes:
            lines += [" ".join(notes), ""]
        if r() < 0.1:
            lines += ["%% " + self.sentences(rng, 1), ""]
        if breakage == "stray_folder_close":
            lines += ["[[/folder]]", ""]

        # the examples, filed by medium, sorted by work within a folder
        k = plan.trope_examples[t]
        works = self.pick_works(rng, k)
        if t == plan.top_trope and works:
            self.top_trope_work = f"{plan.works[works[0]].namespace}/{plan.works[works[0]].name}"
        folders: dict[str, list[int]] = {}
        for w in works:
            folders.setdefault(MEDIA[plan.works[w].medium][1], []).append(w)
        real_life = int(r() * 3) + 1 if r() < 0.1 else 0
        use_folders = len(works) >= 5 or r() < 0.5
        folder_names = sorted(folders)
        if real_life:
            folders[REAL_LIFE] = []
            folder_names.append(REAL_LIFE)  # last, as on the wiki
        breakage = _applicable(breakage, len(folder_names) if use_folders else 0)
        if r() < 0.3:
            lines.append("[[foldercontrol]]")
            lines.append("")
        if not use_folders:
            lines.append(rng.choice(("!!Examples:", "!!Examples")))
        count = 0
        first_break = breakage if breakage in ("unclosed_spoiler", "unclosed_italic") else None
        for fi, folder in enumerate(folder_names):
            if use_folders:
                lines.append(f"[[folder:{folder}]]")
            members = sorted(folders[folder], key=lambda w: plan.works[w].name.casefold())
            if folder == REAL_LIFE:
                for _ in range(real_life):
                    count += self.trope_example(rng, t, None, lines, first_break)
                    first_break = None
            for w in members:
                count += self.trope_example(rng, t, w, lines, first_break)
                first_break = None
            if use_folders:
                if not ((breakage == "missing_folder_close" and fi == 0)
                        or (breakage == "unclosed_folder" and fi == len(folder_names) - 1)):
                    lines.append("[[/folder]]")
                lines.append("")
        if breakage is not None:
            st.broken_pages[title] = breakage
        st.trope_page_examples += count
        self.trope_counts.append(count)
        self.write("Main", name, "\n".join(lines).rstrip("\n") + "\n", breakage)

    def broken_tail(self, rng: random.Random, breakage: str | None, flags: dict) -> str:
        """Markup left open at the end of an example line, for the pages planted with it."""
        if breakage == "unclosed_spoiler":
            flags["spoiler"] = True
            return " [[spoiler:" + self.sentences(rng, 1)
        if breakage == "unclosed_italic":
            return " ''" + self.sentences(rng, 1)
        return ""

    def pick_works(self, rng: random.Random, k: int) -> list[int]:
        universe = len(self.plan.works)
        if k * 2 >= universe:
            return rng.sample(range(universe), min(k, universe))
        picked: dict[int, None] = {}
        cum = self.plan.work_cum
        for _ in range(4):
            for w in rng.choices(range(universe), cum_weights=cum, k=(k - len(picked)) * 2):
                picked[w] = None
                if len(picked) == k:
                    return list(picked)
        return list(picked)

    def trope_example(self, rng: random.Random, t: int, w: int | None, lines: list[str],
                      breakage: str | None) -> int:
        """One top-level example bullet (and its nested ones); the number of bullets written."""
        r = rng.random
        flags = {"spoiler": False}
        mode = self.pick_mode(rng)
        body = self.example_text(rng, t, flags, comment=breakage is None)
        body += self.broken_tail(rng, breakage, flags)
        if w is None:  # Real Life: no work
            if mode is None:
                line = f"* {body}"
            else:
                line = f"* {MODE_WORDING[mode][0]} in real life. {body}"
        else:
            subject = self.work_link(rng, w)
            if mode is None:
                line = f"* {subject}: {body}" if r() < 0.85 else f"* In {subject}, {body[0].lower()}{body[1:]}"
            else:
                form = r()
                if form < 0.55:
                    lead = MODE_WORDING[mode][0]
                    if r() < 0.1:
                        lead = "Totally " + lead.lower()
                    line = f"* {lead} in {subject}: {body}"
                elif form < 0.8:
                    line = f"* {self.mode_link(rng, mode, lower=False)} in {subject}: {body}"
                else:
                    line = f"* {subject}: {self.mode_link(rng, mode, lower=True)} here. {body}"
        lines.append(line)
        self.count_example(mode, 1, flags["spoiler"])
        if w is None:
            self.stats.real_life_examples += 1
        written = 1
        if r() < 0.09:
            for _ in range(1 + (r() < 0.5) + (r() < 0.2)):
                written += self.nested_trope_example(rng, t, w, lines, 2)
                if r() < 0.15:
                    written += self.nested_trope_example(rng, t, w, lines, 3)
        return written

    def nested_trope_example(self, rng: random.Random, t: int, parent_work: int | None,
                             lines: list[str], depth: int) -> int:
        r = rng.random
        flags = {"spoiler": False}
        mode = self.pick_mode(rng)
        body = self.example_text(rng, t, flags)
        stars = "*" * depth
        other = ""
        if r() < 0.3:
            other = self.work_link(rng, int(r() * len(self.plan.works)))
        if mode is None:
            line = f"{stars} The follow-up, {other}, does it too. {body}" if other else f"{stars} {body}"
        else:
            lead = MODE_WORDING[mode][0]
            line = f"{stars} {lead} in {other}. {body}" if other else f"{stars} {lead} later on. {body}"
        lines.append(line)
        self.count_example(mode, depth, flags["spoiler"])
        if parent_work is None and not other:
            self.stats.real_life_examples += 1
        return 1

    def work_page(self, w: int, breakage: str | None) -> None:
        plan, st = self.plan, self.stats
        work = plan.works[w]
        title = f"{work.namespace}/{work.name}"
        rng = self.rng_for(title)
        r = rng.random
        lines: list[str] = []
        if r() < 0.25:
            lines.extend(self.quote_lines(rng))
        year = 1950 + int(r() * 75)
        made_by = [f"Creator/{plan.creators[c]}" for c in plan.work_creators[w]]
        shown = _spaced(work.name)
        intro = f"''{shown}'' is a {year} {MEDIA[work.medium][3]}"
        intro += f" by {_and(made_by)}." if made_by else "."
        lines += [intro + " " + self.sentences(rng, 2 + int(r() * 3)), ""]
        for _ in range(int(r() * 3)):
            lines += [self.sentences(rng, 2 + int(r() * 4)), ""]
        if breakage == "stray_folder_close":
            lines += ["[[/folder]]", ""]
        k = plan.work_tropes[w]
        tropes = self.pick_tropes(rng, k)
        tropes.sort(key=lambda t: plan.tropes[t].casefold())
        chunks = [tropes]
        if len(tropes) > 60:
            size = 40 + int(r() * 20)
            chunks = [tropes[i:i + size] for i in range(0, len(tropes), size)]
            lines += ["[[foldercontrol]]", ""]
        breakage = _applicable(breakage, len(chunks) if len(chunks) > 1 else 0)
        if len(chunks) == 1:
            lines.append(rng.choice(("!!Tropes used in this work:", "!!This work provides examples of:",
                                     "!!Tropes:")))
        first_break = breakage if breakage in ("unclosed_spoiler", "unclosed_italic") else None
        count = 0
        for ci, chunk in enumerate(chunks):
            folders = len(chunks) > 1
            if folders:
                a, b = plan.tropes[chunk[0]][0], plan.tropes[chunk[-1]][0]
                lines.append(f"[[folder:Tropes {a} to {b}]]")
            for t in chunk:
                count += self.work_entry(rng, t, lines, first_break)
                first_break = None
            if folders:
                if not ((breakage == "missing_folder_close" and ci == 0)
                        or (breakage == "unclosed_folder" and ci == len(chunks) - 1)):
                    lines.append("[[/folder]]")
                lines.append("")
        if breakage is not None:
            st.broken_pages[title] = breakage
        st.work_page_examples += count
        self.work_counts.append(len(tropes))
        self.write(work.namespace, work.name, "\n".join(lines).rstrip("\n") + "\n", breakage)

    def pick_tropes(self, rng: random.Random, k: int) -> list[int]:
        n = len(self.plan.tropes)
        if k * 2 >= n:
            return rng.sample(range(n), min(k, n))
        picked: dict[int, None] = {}
        for _ in range(4):
            for t in rng.choices(range(n), cum_weights=self.plan.trope_cum, k=(k - len(picked)) * 2):
                picked[t] = None
                if len(picked) == k:
                    return list(picked)
        return list(picked)

    def work_entry(self, rng: random.Random, t: int, lines: list[str], breakage: str | None) -> int:
        r = rng.random
        name = self.plan.tropes[t]
        style = r()
        if style < 0.70:
            head = name
        elif style < 0.82:
            head = "{{" + _spaced(name) + "}}"
        elif style < 0.92:
            head = f"[[{name} {self.shown(rng)}]]"
        else:
            head = f"''{name}''"
        flags = {"spoiler": False}
        mode = self.pick_mode(rng)
        body = self.example_text(rng, t, flags, comment=breakage is None)
        body += self.broken_tail(rng, breakage, flags)
        if mode is not None:
            if r() < 0.6:
                body = f"{MODE_WORDING[mode][0]}. {body}"
            else:
                body = f"{self.mode_link(rng, mode, lower=False)} here. {body}"
        lines.append(f"* {head}: {body}")
        self.count_example(mode, 1, flags["spoiler"])
        written = 1
        if r() < 0.09:
            for _ in range(1 + (r() < 0.5) + (r() < 0.2)):
                depth = 3 if written > 1 and r() < 0.15 else 2
                flags = {"spoiler": False}
                mode = self.pick_mode(rng)
                body = self.example_text(rng, t, flags)
                if mode is not None:
                    body = f"{MODE_WORDING[mode][0]} later on. {body}"
                lines.append("*" * depth + " " + body)
                self.count_example(mode, depth, flags["spoiler"])
                written += 1
        return written

    def index_page(self, i: int) -> None:
        plan = self.plan
        name = plan.indexes[i]
        rng = self.rng_for(f"Main/{name}")
        n = len(plan.tropes)
        members = sorted(set(rng.sample(range(n), min(n, 10 + int(rng.random() * 90)))),
                         key=lambda t: plan.tropes[t].casefold())
        lines = [self.sentences(rng, 2 + int(rng.random() * 3)), "", "[[index]]"]
        lines += [f"* {self.trope_link(rng, t, style=rng.random() * 0.84)}" for t in members]
        lines += ["[[/index]]"]
        self.stats.index_entries += len(members)
        self.write("Main", name, "\n".join(lines) + "\n")

    def creator_page(self, c: int) -> None:
        plan = self.plan
        name = plan.creators[c]
        rng = self.rng_for(f"Creator/{name}")
        lines = [f"{_spaced(name)} is a creator. {self.sentences(rng, 2)}", "", "!!Works:"]
        for w in plan.creator_works[c][:300]:
            work = plan.works[w]
            lines.append(f"* ''{work.namespace}/{work.name}'' ({1950 + int(rng.random() * 75)})")
        self.write("Creator", name, "\n".join(lines) + "\n")

    def unreadable_page(self, name: str) -> None:
        rng = self.rng_for(f"Main/{name}")
        text = "\n\n".join(self.sentences(rng, 4) for _ in range(4)) + "\n"
        self.write("Main", name, text, nul=True)


def _applicable(breakage: str | None, folders: int) -> str | None:
    """The breakage a page can carry: folder breakages need folders (two, for a missing close);
    a page without them gets an unclosed italic instead."""
    needed = {"unclosed_folder": 1, "missing_folder_close": 2}.get(breakage or "", 0)
    return "unclosed_italic" if folders < needed else breakage


def _and(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


# -- the corpus ----------------------------------------------------------------------------------

def _prepare(out_dir: Path) -> None:
    """An empty output folder, or a previous corpus (its stats file says so) to replace."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / STATS_FILE).is_file():
            raise SynthError(f"{out_dir}: not empty and not a synthetic corpus (no {STATS_FILE}); "
                             "give an empty or new folder")
        (out_dir / STATS_FILE).unlink()
        for child in out_dir.iterdir():
            if child.is_dir() and child.name[:1].isupper():
                shutil.rmtree(child)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SynthError(f"{out_dir}: cannot create the folder: {e.strerror or e}") from None


def generate(out_dir: Path, tropes: int, works: int, seed: int = 1,
             progress: Callable[[int, int], None] | None = None, html: bool = False) -> SynthStats:
    """Write a synthetic corpus of ``tropes`` trope pages and ``works`` work pages (plus index and
    creator pages, and one or two unreadable ones) into ``out_dir``; the statistics of what it holds,
    also written to ``out_dir/synth-stats.json``. With ``html``, each page is written as the site
    renders it (``Namespace/PageName.html``, :mod:`tropekg.synth.html`) instead of its markup."""
    if tropes < 1 or works < 1:
        raise SynthError("a corpus needs at least one trope and one work")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    _prepare(out_dir)
    plan = _Plan(tropes, works, seed)
    stats = SynthStats(seed=seed, tropes=tropes, works=works)
    writer = _Writer(plan, out_dir, stats, html)
    for ns in {"Main", "Creator", *(plan.works[w].namespace for w in range(works))}:
        (out_dir / ns).mkdir(exist_ok=True)
    total = tropes + works + len(plan.indexes) + plan.creator_pages + len(plan.unreadable)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    for t in range(tropes):
        writer.trope_page(t, plan.broken.get(t))
        step()
    for w in range(works):
        writer.work_page(w, plan.broken.get(tropes + w))
        step()
    for i in range(len(plan.indexes)):
        writer.index_page(i)
        step()
    by_works = sorted(range(len(plan.creators)), key=lambda c: (-len(plan.creator_works[c]), c))
    for c in by_works[:plan.creator_pages]:
        writer.creator_page(c)
        step()
    for name in plan.unreadable:
        writer.unreadable_page(name)
        step()

    stats.pages = {"trope": tropes, "work": works, "index": len(plan.indexes),
                   "creator": plan.creator_pages, "unreadable": len(plan.unreadable)}
    stats.unreadable_pages = [f"Main/{name}" for name in plan.unreadable]
    stats.broken_pages = dict(sorted(stats.broken_pages.items()))
    stats.nested_share = round(stats.nested_examples / max(1, stats.examples), 4)
    stats.modes_stated = dict(sorted(((m, n) for m, n in writer.modes.items() if n), key=lambda kv: -kv[1]))
    unstated = stats.examples - sum(writer.modes.values())
    stats.mode_shares = {"unstated": round(unstated / max(1, stats.examples), 4)}
    stats.mode_shares.update({m: round(n / max(1, stats.examples), 4) for m, n in stats.modes_stated.items()})
    stats.examples_per_trope_mean = round(sum(writer.trope_counts) / max(1, tropes), 2)
    stats.examples_per_trope_max = max(writer.trope_counts, default=0)
    stats.tropes_per_work_mean = round(sum(writer.work_counts) / max(1, works), 2)
    stats.tropes_per_work_max = max(writer.work_counts, default=0)
    edges = sorted(writer.edges)
    stats.hierarchy_edges = len(edges)
    stats.hierarchy_edges_sha256 = hashlib.sha256(
        "".join(f"Main/{a} Main/{b}\n" for a, b in edges).encode()).hexdigest()
    parents: dict[str, int] = {}
    for sub, _ in edges:
        parents[sub] = parents.get(sub, 0) + 1
    stats.multi_parent_tropes = sum(1 for n in parents.values() if n > 1)
    stats.planted_cycles = [[f"Main/{plan.tropes[a]}", f"Main/{plan.tropes[b]}"] for a, b in plan.cycles]
    stats.hierarchy_depth = _longest_chain(edges, {(plan.tropes[a], plan.tropes[b]) for a, b in plan.cycles})
    stats.relations = {k: len(v) for k, v in writer.relations.items()}
    stats.samples = _samples(plan, writer)
    stats.seconds = round(time.perf_counter() - started, 2)
    (out_dir / STATS_FILE).write_text(json.dumps(stats.to_json(), indent=2) + "\n", encoding="utf-8")
    return stats


def _longest_chain(edges: list[tuple[str, str]], skip: set[tuple[str, str]]) -> int:
    """Sub-trope steps on the longest chain of the DAG left when the planted back edges are removed."""
    ups: dict[str, list[str]] = {}
    for a, b in edges:
        if (a, b) not in skip:
            ups.setdefault(a, []).append(b)
    memo: dict[str, int] = {}
    for start in ups:
        stack = [start]
        while stack:
            node = stack[-1]
            pending = [p for p in ups.get(node, ()) if p not in memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            memo[node] = max((memo[p] + 1 for p in ups.get(node, ())), default=0)
    return max(memo.values(), default=0)


def _samples(plan: _Plan, writer: _Writer) -> dict[str, str]:
    """Titles that exist in the corpus and make queries do real work (benchmarks pick from these)."""
    top = plan.top_trope
    top_work = max(range(len(writer.work_counts)), key=lambda w: (writer.work_counts[w], -w))
    deepest = max(range(len(plan.tropes)), key=lambda t: (plan.level[t], -t))
    root = deepest
    while plan.level[root] > 0:
        root = plan.parents[root][0]
    by_works = sorted(range(len(plan.creators)), key=lambda c: (-len(plan.creator_works[c]), c))
    creator = by_works[0]
    work = plan.works[top_work]
    first_word = _spaced(plan.tropes[top]).split()[-1].lower()
    return {
        "trope": f"Main/{plan.tropes[top]}",
        "trope_work": writer.top_trope_work,
        "work": f"{work.namespace}/{work.name}",
        "medium": work.namespace,
        "creator": f"Creator/{plan.creators[creator]}",
        "index": f"Main/{plan.indexes[0]}",
        "root_trope": f"Main/{plan.tropes[root]}",
        "deep_trope": f"Main/{plan.tropes[deepest]}",
        "search": first_word,
    }
