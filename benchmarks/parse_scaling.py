"""Is parsing linear in the size of a page? Synthetic page source in, a timing table out.

Generates trope pages of realistic markup density (folders, nested bullets, potholes, free links,
italicised work titles, spoilers, notes, comments; seeded, from the word lists below, no real page
text) at 1x, 2x, 4x and 8x a base size of about 1 MB, and times tropekg's parse of each (tokens ->
tree -> page model, best of three) next to mwparserfromhell's parse of the same text. Then it times
the pathological inputs: a 50 MB page, a 1 MB line, 100,000 unclosed ``[[``, ``''``, ``{{`` and
``[=``, and a 10,000-deep bullet. Prints a table (size, seconds, MB/s, time relative to 1x) and
writes benchmarks/results/parse_scaling.json.

Exit status 1 if tropekg's time per MB at the largest size is more than twice that at 1x (not linear).

    python benchmarks/parse_scaling.py            # a few minutes
    python benchmarks/parse_scaling.py --quick    # smoke run: small sizes, a few seconds
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import mwparserfromhell

from tropekg import __version__
from tropekg.markup.extract import extract
from tropekg.markup.tokens import tokenize
from tropekg.markup.tree import build_tree
from tropekg.titles import parse_title

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "parse_scaling.json"
MB = 1_000_000
TITLE = parse_title("Main/SyntheticTrope")

# -- a synthetic trope page -----------------------------------------------------------------------

_WORDS = (
    "hero", "villain", "guard", "soldier", "police", "officer", "agent", "rival", "mole", "friend",
    "ally", "enemy", "captain", "city", "tower", "mission", "orders", "gun", "holster", "shot",
    "fight", "chase", "escape", "trap", "plan", "secret", "truth", "honour", "duty", "mercy",
    "order", "chaos", "night", "storm", "bridge", "station", "harbour", "prison", "court", "army",
    "squad", "team", "leader", "general", "doctor", "pilot", "ship", "crew", "station", "border",
    "river", "castle", "forest", "desert", "empire", "republic", "rebel", "spy",
)
_VERBS = (
    "refuses", "avoids", "tries", "decides", "manages", "fails", "hesitates", "chooses", "needs", "wants",
)
_FILLER = (
    "the", "a", "his", "her", "their", "every", "no", "one", "that", "this", "later", "again",
    "instead", "still", "never", "only", "even", "just", "already", "almost",
)
_MEDIA = (
    ("Film", "Films"), ("Series", "Live-Action TV"), ("VideoGame", "Video Games"),
    ("Literature", "Literature"), ("Anime", "Anime and Manga"), ("ComicBook", "Comic Books"),
    ("WesternAnimation", "Western Animation"), ("Webcomic", "Webcomics"),
)
_MODES = ("Averted", "Subverted", "Played straight", "Inverted", "Discussed", "Lampshaded", "Justified")


class PageWriter:
    """Writes one trope page, line by line, until it reaches a size. The same seed, the same page."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.tropes = [self._name(3) for _ in range(400)]
        self.works = [(ns, self._name(2)) for ns, _ in _MEDIA for _ in range(120)]

    def _name(self, words: int) -> str:
        return "".join(w.capitalize() for w in self.rng.sample(_WORDS, self.rng.randint(2, words + 1)))

    def _trope(self) -> str:
        return self.rng.choice(self.tropes)

    def _work(self, ns: str | None = None) -> str:
        candidates = [w for w in self.works if ns is None or w[0] == ns]
        space, name = self.rng.choice(candidates)
        return f"{space}/{name}"

    def _words(self, n: int) -> str:
        rng = self.rng
        return " ".join(rng.choice(_FILLER) if rng.random() < 0.4 else rng.choice(_WORDS) for _ in range(n))

    def _inline(self) -> str:
        """One phrase of prose, with the markup a real bullet carries at about its real rate."""
        rng = self.rng
        r = rng.random()
        if r < 0.14:
            return self._trope()
        if r < 0.22:
            return f"[[{self._trope()} {self._words(rng.randint(2, 6))}]]"
        if r < 0.26:
            return "{{" + " ".join(w.capitalize() for w in rng.sample(_WORDS, 3)) + "}}"
        if r < 0.29:
            return f"[[spoiler:{self._words(rng.randint(3, 12))}]]"
        if r < 0.31:
            return f"[[note]]{self._words(rng.randint(4, 14))}[[/note]]"
        if r < 0.34:
            return f"''{self._words(rng.randint(1, 4))}''"
        if r < 0.36:
            return f"'''{self._words(rng.randint(1, 3))}'''"
        if r < 0.38:
            return f"''{self._work()}''"
        return self._words(rng.randint(3, 12))

    def _sentence(self, phrases: int) -> str:
        text = " ".join(self._inline() for _ in range(phrases))
        return text[:1].upper() + text[1:] + self.rng.choice(".....!?")

    def _bullet(self, depth: int, ns: str) -> str:
        rng = self.rng
        opening = f"{rng.choice(_MODES)} in " if rng.random() < 0.12 else "In "
        work = f"''{self._work(ns)}''" if depth == 1 or rng.random() < 0.3 else "the sequel"
        body = " ".join(self._sentence(rng.randint(2, 6)) for _ in range(rng.randint(1, 4)))
        line = f"{'*' * depth} {opening}{work}, {rng.choice(_VERBS)} {body}"
        if rng.random() < 0.05:
            line += f" %% {self._words(6)}"
        return line

    def _head(self) -> list[str]:
        rng = self.rng
        return [
            f"->''\"{self._sentence(3)}\"''",
            f"-->-- '''{self._name(2)}''', ''{self._work('Literature')}''",
            "",
            " ".join(self._sentence(rng.randint(3, 7)) for _ in range(4))
            + f" A sub-trope of {self._trope()} and {self._trope()}.",
            "",
            " ".join(self._sentence(rng.randint(3, 7)) for _ in range(3)) + f" See also {self._trope()}.",
            "",
            "[[foldercontrol]]",
            "",
        ]

    def line(self, size: int) -> str:
        """One bullet of about ``size`` characters: a page whose example never ends."""
        parts = ["* In ''Film/LongLine'',"]
        total = len(parts[0])
        while total < size:
            parts.append(self._sentence(6))
            total += len(parts[-1]) + 1
        return " ".join(parts)

    def page(self, size: int) -> str:
        lines = self._head()
        total = sum(len(line) + 1 for line in lines)
        rng = self.rng
        while total < size:
            ns, folder = rng.choice(_MEDIA)
            block = [f"[[folder:{folder}]]"]
            for _ in range(rng.randint(5, 40)):
                block.append(self._bullet(1, ns))
                depth = 1
                while rng.random() < 0.25 and depth < 4:
                    depth += 1
                    block.append(self._bullet(depth, ns))
            block += ["[[/folder]]", ""]
            lines += block
            total += sum(len(line) + 1 for line in block)
        return "\n".join(lines)


# -- timing ----------------------------------------------------------------------------------------------

def _best(run: Callable[[str], dict], text: str, repeat: int) -> dict:
    best: dict | None = None
    for _ in range(repeat):
        gc.collect()
        result = run(text)
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    return best


def time_tropekg(text: str) -> dict:
    t0 = time.perf_counter()
    tokens = tokenize(text)
    t1 = time.perf_counter()
    root, warnings = build_tree(tokens)
    t2 = time.perf_counter()
    page = extract(TITLE, root, warnings)
    t3 = time.perf_counter()
    return {"seconds": t3 - t0, "tokenize": t1 - t0, "tree": t2 - t1, "extract": t3 - t2,
            "links": len(page.links), "examples": len(page.examples), "warnings": len(page.warnings)}


def time_mwparserfromhell(text: str) -> dict:
    t0 = time.perf_counter()
    mwparserfromhell.parse(text)
    return {"seconds": time.perf_counter() - t0}


def _rate(size: int, seconds: float) -> float:
    return size / MB / seconds if seconds > 0 else float("inf")


def scaling(base: int, repeat: int, seed: int) -> list[dict]:
    rows = []
    for multiple in (1, 2, 4, 8):
        text = PageWriter(seed).page(base * multiple)
        size = len(text.encode("utf-8"))
        ours = _best(time_tropekg, text, repeat)
        theirs = _best(time_mwparserfromhell, text, repeat)
        rows.append({"multiple": multiple, "bytes": size, "tropekg": ours, "mwparserfromhell": theirs})
        del text
    for row in rows:
        for parser in ("tropekg", "mwparserfromhell"):
            row[parser]["mb_per_s"] = _rate(row["bytes"], row[parser]["seconds"])
            row[parser]["ratio_to_1x"] = row[parser]["seconds"] / rows[0][parser]["seconds"]
    return rows


def pathological(quick: bool, seed: int) -> list[dict]:
    scale = 10 if quick else 1
    unclosed = 100_000 // scale
    cases: list[tuple[str, Callable[[], str]]] = [
        (f"{50 // scale} MB page", lambda: PageWriter(seed).page(50 * MB // scale)),
        (f"{1000 // scale} KB line", lambda: PageWriter(seed).line(MB // scale)),
        (f"{unclosed:,} unclosed [[", lambda: "[[" * unclosed),
        (f"{unclosed:,} unclosed ''", lambda: "''" * unclosed + "x"),
        (f"{unclosed:,} unclosed {{{{", lambda: "{{" * unclosed),
        (f"{unclosed:,} unclosed [=", lambda: "[=" * unclosed),
        (f"{unclosed:,} unclosed [[Page ", lambda: "[[SomePage " * unclosed),
        (f"{10_000 // scale:,}-deep bullet", lambda: "* ''Film/Foo''\n" + "*" * (10_000 // scale) + " deep\n"),
    ]
    rows = []
    for name, make in cases:
        text = make()
        size = len(text.encode("utf-8"))
        ours = time_tropekg(text)
        theirs = time_mwparserfromhell(text)
        rows.append({"case": name, "bytes": size,
                     "tropekg": {**ours, "mb_per_s": _rate(size, ours["seconds"])},
                     "mwparserfromhell": {**theirs, "mb_per_s": _rate(size, theirs["seconds"])}})
        del text
    return rows


# -- report ------------------------------------------------------------------------------------------------

def print_tables(scale_rows: list[dict], path_rows: list[dict], repeat: int) -> None:
    print(f"Scaling (best of {repeat}); ratio = time / time at 1x, linear means ratio = size multiple")
    print(f"{'size':>5} {'MB':>7} | {'tropekg s':>9} {'MB/s':>6} {'ratio':>6} "
          f"(tok/tree/model s) | {'mwpfh s':>8} {'MB/s':>6} {'ratio':>6}")
    for row in scale_rows:
        ours, theirs = row["tropekg"], row["mwparserfromhell"]
        split = f"{ours['tokenize']:.2f}/{ours['tree']:.2f}/{ours['extract']:.2f}"
        print(f"{row['multiple']:>4}x {row['bytes'] / MB:>7.2f} | {ours['seconds']:>9.3f} "
              f"{ours['mb_per_s']:>6.2f} {ours['ratio_to_1x']:>6.2f} ({split:>15}) | "
              f"{theirs['seconds']:>8.3f} {theirs['mb_per_s']:>6.2f} {theirs['ratio_to_1x']:>6.2f}")
    print()
    print("Pathological inputs (one run each)")
    print(f"{'case':<24} {'MB':>7} | {'tropekg s':>9} {'MB/s':>7} {'warnings':>8} | {'mwpfh s':>8} {'MB/s':>7}")
    for row in path_rows:
        ours, theirs = row["tropekg"], row["mwparserfromhell"]
        print(f"{row['case']:<24} {row['bytes'] / MB:>7.2f} | {ours['seconds']:>9.3f} "
              f"{ours['mb_per_s']:>7.2f} {ours['warnings']:>8} | {theirs['seconds']:>8.3f} "
              f"{theirs['mb_per_s']:>7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of a few seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)

    base = 50_000 if args.quick else MB
    repeat = 3
    scale_rows = scaling(base, repeat, args.seed)
    path_rows = pathological(args.quick, args.seed)
    print_tables(scale_rows, path_rows, repeat)

    first, last = scale_rows[0]["tropekg"], scale_rows[-1]["tropekg"]
    per_mb_growth = (last["seconds"] / scale_rows[-1]["bytes"]) / (first["seconds"] / scale_rows[0]["bytes"])
    linear = per_mb_growth <= 2.0
    print(f"\ntropekg time per MB at {scale_rows[-1]['multiple']}x is {per_mb_growth:.2f} times that at 1x: "
          + ("linear" if linear else "NOT linear"))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "tropekg": __version__, "mwparserfromhell": mwparserfromhell.__version__,
        "python": platform.python_version(), "machine": platform.machine(), "quick": args.quick,
        "seed": args.seed, "repeat": repeat, "scaling": scale_rows, "pathological": path_rows,
        "per_mb_growth": per_mb_growth, "linear": linear,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if linear else 1


if __name__ == "__main__":
    sys.exit(main())
