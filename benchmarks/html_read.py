"""How fast are rendered HTML pages read? The real pages in ``../shared/html`` in, a table of
pages/s and MB/s out.

The shared pages are repeated into a larger corpus in a temporary folder at run time (each copy
renamed through its canonical link, so every copy is a page of its own; nothing is committed).
Measured, on one core: the HTML parsers alone (lxml, which tropekg uses, and html5lib and
selectolax when installed, for comparison; only lxml reports source lines), then the whole reading
of a page into the page model (decode, parse, page tree, extraction), and the same pages read
from one gzip-compressed WARC file (finding the records and inflating them too). Then a whole
build of the corpus (parse, map, all four outputs) with ``--jobs`` workers. Prints the figures and, with
``--json``, writes them to a file. No target is asserted: these are figures to report.

    python benchmarks/html_read.py              # about 2,800 pages (~50 MB), a minute or two
    python benchmarks/html_read.py --quick      # a smoke run: the shared pages a few times
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import shutil
import tempfile
import time
from pathlib import Path

from lxml import etree
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tropekg import __version__
from tropekg.build import build
from tropekg.markup.html import parse_html
from tropekg.markup.parse import parse_records
from tropekg.readers import WarcReader
from tropekg.readers.html import decode_html

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "html"
MB = 1_000_000
_SELF = re.compile(rb"(pmwiki\.php/[A-Za-z0-9]+/)([A-Za-z0-9]+)")


def make_corpus(folder: Path, copies: int) -> list[Path]:
    """``copies`` renamed copies of every shared page: page Foo becomes FooCopy7 in its canonical
    link and og:url (its links to other pages stay as they are)."""
    pages = sorted(SHARED.glob("*.html"))
    out: list[Path] = []
    for path in pages:
        data = path.read_bytes()
        own = re.search(rb'rel="canonical" href="[^"]*pmwiki\.php/([A-Za-z0-9]+/[A-Za-z0-9]+)"', data).group(1)
        for i in range(copies):
            renamed = data.replace(own + b'"', own + b"Copy%d\"" % i)
            target = folder / f"{i:04d}-{path.name}"
            target.write_bytes(renamed)
            out.append(target)
    return out


def write_warc(path: Path, datas: list[bytes]) -> Path:
    """The pages as a crawl's web archive: one gzip-compressed response record each."""
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for data in datas:
            own = re.search(rb'rel="canonical" href="([^"]*)"', data).group(1).decode()
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=UTF-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(own, "response", payload=io.BytesIO(data), http_headers=http))
    return path


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=400, help="copies of each shared page (default 400)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 5 copies")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="build workers")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    copies = 5 if args.quick else args.copies
    if not any(SHARED.glob("*.html")):
        print(f"html_read: no pages in {SHARED} (the benchmark reads the shared real pages); skipped")
        return
    results: dict = {"tropekg": __version__, "python": platform.python_version(), "machine": platform.machine(),
                     "cores": os.cpu_count(), "copies": copies}
    with tempfile.TemporaryDirectory(prefix="tropekg-html-bench-") as tmp:
        corpus = Path(tmp) / "pages"
        corpus.mkdir()
        files = make_corpus(corpus, copies)
        datas = [p.read_bytes() for p in files]
        size = sum(map(len, datas))
        sample = datas[::copies]  # one copy of each page, for the parser comparison
        sample_size = sum(map(len, sample))
        results["pages"], results["bytes"] = len(files), size
        print(f"corpus: {len(files)} pages, {size / MB:.1f} MB ({copies} copies of {len(sample)} shared pages)")
        print(f"{'what':58s} {'pages/s':>9s} {'MB/s':>7s}")

        def row(name: str, pages: int, nbytes: int, seconds: float, key: str) -> None:
            results[key] = {"pages_per_s": pages / seconds, "mb_per_s": nbytes / MB / seconds, "seconds": seconds}
            print(f"{name:58s} {pages / seconds:9.1f} {nbytes / MB / seconds:7.1f}")

        texts = [decode_html(d, "x")[0] for d in sample]
        html_parser = etree.HTMLParser()
        reps = 20 if not args.quick else 3
        row("parser only: lxml (libxml2; gives lines)", len(sample) * reps, sample_size * reps,
            timed(lambda: [etree.fromstring(t, html_parser) for _ in range(reps) for t in texts]), "lxml")
        try:
            from selectolax.lexbor import LexborHTMLParser
        except ImportError:
            print("parser only: selectolax (not installed)")
        else:
            row("parser only: selectolax/lexbor (no source lines)", len(sample) * reps, sample_size * reps,
                timed(lambda: [LexborHTMLParser(t) for _ in range(reps) for t in texts]), "selectolax")
        try:
            import html5lib
        except ImportError:
            print("parser only: html5lib (not installed)")
        else:
            row("parser only: html5lib (pure Python; no source lines)", len(sample), sample_size,
                timed(lambda: [html5lib.parse(t, treebuilder="lxml") for t in texts], repeat=1), "html5lib")
        row("read into page models (decode, parse, tree, extract)", len(files), size,
            timed(lambda: [parse_html(d, "x") for d in datas], repeat=1), "read")
        archive = write_warc(Path(tmp) / "pages.warc.gz", datas)
        warc = WarcReader()
        row("WARC.gz records only (find, name, inflate; no parsing)", len(files), size,
            timed(lambda: [warc.read(archive, r.offset) for r in warc.records(archive) if r.kind == "page"],
                  repeat=1), "warc_records")
        row("the same from one WARC.gz (find records, inflate, read)", len(files), size,
            timed(lambda: [r.page for r in parse_records(archive)], repeat=1), "warc")
        out = Path(tmp) / "out"
        start = time.perf_counter()
        report = build([corpus], out, jobs=args.jobs, cache=False)
        seconds = time.perf_counter() - start
        assert not report.failed, report.failed[:3]
        row(f"whole build, {args.jobs} jobs (parse, map, 4 outputs)", report.pages, size, seconds, "build")
        results["build"].update(examples=report.examples, quads=report.quads)
        print(f"  {report.examples} examples, {report.quads} quads in {seconds:.1f} s")
        shutil.rmtree(out, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
