"""Peak memory for one pathological page: generated page files in, the peak memory of ``tropekg
build`` and ``tropekg parse`` on each, against the page's size, out.

The pages (seeded; no real page text):

- ``one-line``: 30 MB on a single line, the markup of ``parse_scaling.py``'s writer at its real
  density (an example bullet that never ends);
- ``links-in-prose``: 4 MB of prose holding 200,000 links to 200,000 different pages (wiki words
  and potholes, a paragraph a line);
- ``link-bullets``: 4 MB of 200,000 example bullets, each a link to a work;
- ``rendered-bullets``: the same bullets as the site renders them, an 18 MB HTML page (read as a
  stream too, but around lxml's DOM of the whole page).

Each command runs in a child process and its peak resident memory is read from ``os.wait4``
(``ru_maxrss``); the same command on a one-line page gives the interpreter's own (imports,
shapes), and the difference is the page's. The target is the issue's: under 20 times the page's
size. Prints a table with PASS or MISS and writes benchmarks/results/page_memory.json; exit 1 on a
MISS with ``--strict``.

``--profile`` shows where the memory goes instead: each step of one page in this process
(tokens, tree, page model, quads, serialised blocks), with tracemalloc's count of what each
step's result holds and the peak while it was made.

    python benchmarks/page_memory.py               # a few minutes
    python benchmarks/page_memory.py --quick       # pages a tenth the size
    python benchmarks/page_memory.py --profile --quick
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

from parse_scaling import PageWriter

from tropekg import __version__

RESULTS = HERE / "results" / "page_memory.json"
MB = 1_000_000
TARGET = 20  # peak memory for one page, in page sizes


# -- the pages -------------------------------------------------------------------------------------

def one_line(size: int, seed: int) -> str:
    return PageWriter(seed).line(size) + "\n"


def links_in_prose(size: int, links: int, seed: int) -> str:
    """``links`` links to different pages in about ``size`` bytes of prose, a paragraph a line."""
    rng = random.Random(seed)
    words = ("the", "a", "hero", "and", "of", "is", "not", "but", "so", "in")
    parts: list[str] = []
    for i in range(links):
        name = f"LinkedTrope{i:06d}"
        parts.append(f"[[{name} {rng.choice(words)}]]" if rng.random() < 0.2 else name)
        parts.append(rng.choice(words))
        if i % 12 == 11:
            parts.append("\n")
    text = "A trope page. " + " ".join(parts).replace(" \n ", "\n") + "\n"
    assert abs(len(text) - size) < size, (len(text), size)
    return text


def link_bullets(links: int) -> str:
    return "A trope page.\n" + "".join(f"* ''Film/W{i:06d}'' x\n" for i in range(links))


def rendered_bullets(links: int) -> str:
    """:func:`link_bullets` as a saved page of the site: an article of ``li`` elements."""
    items = "".join(f'<li><em><a class="twikilink" href="/pmwiki/pmwiki.php/Film/W{i:06d}">W{i:06d}</a></em> x</li>\n'
                    for i in range(links))
    return ('<!DOCTYPE html><html><head><title>Some Page - TV Tropes</title><link rel="canonical" '
            'href="https://tvtropes.org/pmwiki/pmwiki.php/Main/RenderedBullets"></head><body>'
            f'<div id="main-article" class="article-content"><p>A trope page.</p>\n<ul>\n{items}</ul></div>'
            '</body></html>\n')


def page_makers(quick: bool, seed: int) -> dict[str, Callable[[], str]]:
    scale = 10 if quick else 1
    return {
        "one-line": lambda: one_line(30 * MB // scale, seed),
        "links-in-prose": lambda: links_in_prose(4 * MB // scale, 200_000 // scale, seed),
        "link-bullets": lambda: link_bullets(200_000 // scale),
        "rendered-bullets": lambda: rendered_bullets(200_000 // scale),
    }


def pages(quick: bool, seed: int) -> dict[str, str]:
    return {name: make() for name, make in page_makers(quick, seed).items()}


# -- peak memory of a command, in a child process ---------------------------------------------------

def peak_rss(args: list[str]) -> tuple[int, float, int]:
    """Peak resident bytes, seconds and exit code of ``tropekg ARGS`` in a child process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tropekg.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    return usage.ru_maxrss * 1024, time.perf_counter() - t0, proc.returncode


def commands(page: Path, out: Path) -> dict[str, list[str]]:
    return {
        "build": ["build", str(page), "-o", str(out), "-q", "--jobs", "1", "--no-cache"],
        "parse": ["parse", str(page)],
    }


def measure(quick: bool, seed: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="tropekg-page-memory-") as tmp:
        folder = Path(tmp) / "Main"
        folder.mkdir()
        small = folder / "SmallPage.txt"
        small.write_text("A trope page. See also TheHero.\n")
        baseline = {name: peak_rss(args)[0] for name, args in commands(small, Path(tmp) / "out-small").items()}
        for name, make in page_makers(quick, seed).items():
            # one page at a time, let go before the command runs: a child starts as a copy of
            # this process, and its peak resident memory counts that copy (holding every page
            # here once made each command's peak at least this process's size, about 140 MB)
            page = folder / f"{name.title().replace('-', '')}.txt"
            page.write_text(make(), encoding="utf-8")
            size = page.stat().st_size
            gc.collect()
            for command, args in commands(page, Path(tmp) / f"out-{name}").items():
                peak, seconds, code = peak_rss(args)
                own = peak - baseline[command]
                rows.append({"page": name, "bytes": size, "command": command, "exit": code, "seconds": seconds,
                             "peak_rss": peak, "baseline_rss": baseline[command], "page_rss": own,
                             "times_size": own / size, "pass": code == 0 and own < TARGET * size})
            page.unlink()
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"Peak memory for one page: the command's peak RSS less its peak on a one-line page; "
          f"target under {TARGET}x the page")
    print(f"{'page':<16} {'MB':>6} {'command':<8} {'exit':>4} {'s':>7} {'peak MB':>8} {'page MB':>8} "
          f"{'x size':>7}")
    for r in rows:
        print(f"{r['page']:<16} {r['bytes'] / MB:>6.1f} {r['command']:<8} {r['exit']:>4} {r['seconds']:>7.1f} "
              f"{r['peak_rss'] / MB:>8.0f} {r['page_rss'] / MB:>8.0f} {r['times_size']:>7.1f}  "
              f"{'PASS' if r['pass'] else 'MISS'}")


# -- where the memory goes -------------------------------------------------------------------------

def profile(quick: bool, seed: int) -> None:
    from tropekg.build.discover import SourceFile
    from tropekg.build.page import BuildConfig, build_page
    from tropekg.build.spool import block_length
    from tropekg.markup.extract import extract
    from tropekg.markup.tokens import iter_tokens, tokenize
    from tropekg.markup.tree import build_tree
    from tropekg.rdf.iris import IriScheme
    from tropekg.rdf.mapping import Provenance, page_quads
    from tropekg.titles import parse_title

    title = parse_title("Main/SomePage")
    # as in a build: a page past one chunk of quads is spooled to disk
    spool = tempfile.TemporaryDirectory(prefix="tropekg-page-memory-")
    config = BuildConfig.for_build("https://w3id.org/tropekg/", {}, spool_dir=Path(spool.name))
    for name, text in pages(quick, seed).items():
        if name.startswith("rendered"):
            continue  # its steps are the HTML reader's, not these
        size = len(text.encode("utf-8"))
        print(f"{name}: {size / MB:.1f} MB")
        gc.collect()
        tracemalloc.start()

        def step(label: str, held, size: int = size) -> None:
            gc.collect()
            now, peak = tracemalloc.get_traced_memory()
            print(f"  {label:<22} holds {now / MB:7.1f} MB ({now / size:5.1f}x)   peak so far "
                  f"{peak / MB:7.1f} MB ({peak / size:5.1f}x)")
            tracemalloc.reset_peak()

        tokens = list(tokenize(text))
        step("tokens (all)", tokens)
        del tokens
        tracemalloc.reset_peak()
        root, warnings = build_tree(iter_tokens(text))  # tokens one at a time, as parse_text reads them
        step("tree", root)
        page = extract(title, root, warnings, consume=True)  # as parse_text does: the tree let go as read
        del root
        step("page model", page)
        quads = page_quads(page, Provenance("x", "0" * 64), IriScheme())
        step(f"+ {len(quads):,} quads", quads)
        del page, quads
        data = text.encode("utf-8")
        tracemalloc.reset_peak()
        result = build_page(SourceFile(Path("Main/SomePage.txt"), "Main/SomePage.txt", title), data, config)
        step("build_page, spooled", result)
        print(f"  blocks: {', '.join(f'{k} {block_length(v) / MB:.1f} MB' for k, v in result.blocks.items())}")
        del result, data
        tracemalloc.stop()
    spool.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="pages a tenth the size")
    parser.add_argument("--profile", action="store_true", help="where the memory goes, step by step")
    parser.add_argument("--strict", action="store_true", help="exit 1 on a MISS")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.quick, args.seed)
        return 0
    rows = measure(args.quick, args.seed)
    print_table(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"tropekg": __version__, "python": platform.python_version(),
                                    "quick": args.quick, "seed": args.seed, "target_times_size": TARGET,
                                    "rows": rows}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 1 if args.strict and not all(r["pass"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
