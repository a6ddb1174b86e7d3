"""What a load reads: build folders and RDF files in, quads grouped by named graph out; and what
every backend does the same way after a load (the wanted-pages clean-up, telling the base IRI).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from tropekg.build import OUTPUT_FILES, REPORT_FILE, BuildError, published
from tropekg.build.manifest import MANIFEST_FILE, ManifestError, PartsReader
from tropekg.rdf.iris import DEFAULT_BASE, IriScheme, base_of_page_graph
from tropekg.rdf.namespaces import TK_NS

FORMATS_BY_SUFFIX = {
    ".nq": RdfFormat.N_QUADS, ".trig": RdfFormat.TRIG, ".nt": RdfFormat.N_TRIPLES,
    ".ttl": RdfFormat.TURTLE, ".jsonld": RdfFormat.JSON_LD,
}


class BackendError(Exception):
    """A backend that cannot be opened or that refused a request; the message is one line."""


class StoreError(BackendError):
    """The store cannot be opened or an input cannot be loaded; the message names which."""


@dataclass
class LoadReport:
    graphs_replaced: int = 0
    graphs_pruned: int = 0
    quads: int = 0
    bulk: bool = False
    wanted_pages: int = 0
    sources: list[str] = field(default_factory=list)
    base: str | None = None


def dataset_files(paths: Iterable[Path]) -> list[Path]:
    """The RDF files to load: a build folder means its dataset.nq, or its manifest when the build
    wrote no merged files (``--no-merged``); :func:`open_input` reads either. A build folder is
    only read, never changed, and may come from someone else: see :func:`tropekg.build.published`."""
    out = []
    for p in paths:
        if p.is_dir():
            # a version holds only its own build's outputs: dataset.nq when it wrote one
            nq = _build_output(p, OUTPUT_FILES["nquads"])
            manifest = _build_output(p, MANIFEST_FILE) if nq is None else None
            if nq is None and manifest is None:
                raise StoreError(f"{p}: not a build folder (no {OUTPUT_FILES['nquads']} or "
                                 f"{MANIFEST_FILE}; run tropekg build)")
            out.append(nq or manifest)
        elif p.is_file():
            if p.suffix not in FORMATS_BY_SUFFIX:
                raise StoreError(f"{p}: unknown RDF file type (use .nq, .trig, .nt, .ttl or .jsonld)")
            out.append(p)
        else:
            raise StoreError(f"{p}: no such file or folder")
    return out


def _build_output(folder: Path, name: str) -> Path | None:
    try:
        return published(folder, name)
    except BuildError as e:
        raise StoreError(str(e)) from None


# A report far larger than any build writes is not read (the base is then told from the data).
_REPORT_LIMIT = 256 * 1024 * 1024


def format_of(path: Path) -> RdfFormat:
    return RdfFormat.N_QUADS if path.name == MANIFEST_FILE else FORMATS_BY_SUFFIX[path.suffix]


def open_input(path: Path):
    """A binary file object reading ``path``: the file itself, or the N-Quads a manifest points at."""
    if path.name == MANIFEST_FILE:
        try:
            return PartsReader(path.parent)
        except ManifestError as e:
            raise StoreError(str(e)) from None
    return open(path, "rb")


def input_size(path: Path) -> int:
    """The bytes :func:`open_input` reads from ``path`` (for progress and size limits)."""
    if path.name == MANIFEST_FILE:
        try:
            return PartsReader(path.parent).size
        except ManifestError as e:
            raise StoreError(str(e)) from None
    return path.stat().st_size


class CountingReader:
    """A binary file object that tells ``progress(done, total)`` how far it has read."""

    def __init__(self, f, total: int, progress: Callable[[int, int], None] | None, done: int = 0):
        self.f, self.total, self.progress, self.done = f, total, progress, done

    def read(self, size: int = -1) -> bytes:
        try:
            data = self.f.read(size)
        except ManifestError as e:  # a page part gone: said as any unreadable input is
            raise StoreError(str(e)) from None
        self.done += len(data)
        if self.progress is not None:
            self.progress(self.done, self.total)
        return data

    def readable(self) -> bool:
        return True


def built_quads(paths: Iterable[Path]) -> int | None:
    """The quads the build folders ``paths`` hold, as their reports say; None when a path is not a
    build folder or a report does not say."""
    total = 0
    for p in paths:
        if not p.is_dir():
            return None
        try:
            report = _build_output(p, REPORT_FILE)
            if report is None or report.stat().st_size > _REPORT_LIMIT:
                return None
            quads = json.loads(report.read_text(encoding="utf-8"))["quads"]
        except (OSError, ValueError, KeyError, TypeError, StoreError):
            return None
        if not isinstance(quads, int):
            return None
        total += quads
    return total


def build_base(paths: Iterable[Path]) -> str | None:
    """The base IRI the build folders among ``paths`` were built with (from their report), if they
    say; several builds with different bases cannot be loaded together."""
    bases = set()
    for p in paths:
        if p.is_dir():
            report = _build_output(p, REPORT_FILE)
            try:
                if report is None or report.stat().st_size > _REPORT_LIMIT:
                    continue
                base = json.loads(report.read_text(encoding="utf-8")).get("base")
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(base, str) and base:
                bases.add(base)
    if len(bases) > 1:
        raise StoreError(f"the builds were made with different base IRIs ({', '.join(sorted(bases))}); "
                         "load them into different stores")
    return bases.pop() if bases else None


def quads_by_graph(files: list[Path], progress: Callable[[int, int], None] | None = None
                   ) -> Iterator[tuple[object, list[Quad]]]:
    """The quads of ``files``, graph by graph; ``progress(done, total)`` in bytes read."""
    total = sum(input_size(path) for path in files)
    done = 0
    for path in files:
        fmt = format_of(path)
        with open_input(path) as f:
            reader = CountingReader(f, total, progress, done)
            try:
                for graph, quads in groupby(parse(reader, format=fmt), key=lambda q: q.graph_name):
                    yield graph, list(quads)
            except SyntaxError as e:
                raise StoreError(f"{path}: not valid RDF: {e}") from None
            done = reader.done


def described_pages_not_wanted(iris: IriScheme) -> str:
    """The update that drops from the wanted-pages graph every page some loaded page describes."""
    wanted = iris.wanted_graph
    return (f"DELETE {{ GRAPH {wanted} {{ ?page ?p ?o }} }} WHERE {{ GRAPH {wanted} {{ ?page ?p ?o }} "
            f"GRAPH ?page_graph {{ ?page <{TK_NS}describedBy> ?described }} }}")


# Any page graph states its own source path: its IRI tells the base the graph was built with.
FIND_PAGE_GRAPH = f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g <{TK_NS}sourcePath> ?path }} }} LIMIT 1"


def base_told_by(run) -> str:
    """The base IRI a backend's page graphs were built with, asked through its ``run``; the
    default base when it holds no page graph."""
    for (g, *_) in run(FIND_PAGE_GRAPH).rows:
        if isinstance(g, NamedNode):
            return base_of_page_graph(g.value) or DEFAULT_BASE
    return DEFAULT_BASE


def first_syntax_error(path: Path) -> str:
    """Where the RDF that :func:`open_input` reads from ``path`` is first wrong, as its parser
    says (line and column in that file); read again only when a load has failed."""
    from pyoxigraph import parse

    try:
        with open_input(path) as f:
            for _ in parse(f, format=format_of(path)):
                pass
    except SyntaxError as e:
        return str(e)
    except (OSError, ManifestError) as e:
        return f"cannot read it again: {e}"
    return "the loader refused it"
