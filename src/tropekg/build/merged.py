"""The merged graph: every page's triples in (as N-Triples), graph.ttl and graph.jsonld out, each
triple once and each subject in one place, with the counts the dataset's description gives.

Pages repeat triples (a linked page's type, an inverse relation), and a subject's statements come
from many pages. The lines are sorted on disk in runs (an external merge sort, so memory stays
flat however large the wiki): sorted N-Triples lines put a subject's triples together and make a
repeated triple the line after itself. The runs are merged, repeats dropped, and the triples
written a batch of whole subjects at a time: one Turtle block per subject (pyoxigraph's writer
groups a subject's triples under it), one JSON-LD node object per subject. Sorting bytes, not
dicts or sets, keeps the output the same for the same pages.
"""

from __future__ import annotations

import heapq
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse

from tropekg.build.page import turtle_block
from tropekg.rdf.jsonld import jsonld_nodes
from tropekg.rdf.namespaces import RDF_TYPE

RUN_LINES = 400_000   # lines sorted in memory before a run is written (about 100 MB)
BATCH_LINES = 20_000  # lines parsed and written at once, cut between subjects


@dataclass
class MergedCounts:
    """What the merged graph holds, for the dataset's description (VoID)."""

    triples: int = 0
    subjects: int = 0
    entities: int = 0                     # subjects under the resource IRIs
    classes: Counter = field(default_factory=Counter)     # class IRI -> entities typed with it
    properties: Counter = field(default_factory=Counter)  # predicate IRI -> triples


def _subject(line: bytes) -> bytes:
    return line.split(b" ", 1)[0]


def _order(line: bytes) -> bytes:
    """The sort key: the line, its subject's closing ``>`` made the smallest byte, so a resource
    comes before the resources under it (a trope before its examples). No IRI holds a ``>``."""
    return line.replace(b">", b"\x00", 1)


class MergedGraph:
    """Collects N-Triples lines, then writes them merged (see the module doc)."""

    def __init__(self, work_dir: Path, run_lines: int = RUN_LINES):
        self.work_dir = work_dir
        self.run_lines = run_lines
        self.pending: list[bytes] = []
        self.runs: list[Path] = []

    def add(self, ntriples: bytes) -> None:
        self.pending.extend(line for line in ntriples.split(b"\n") if line)
        if len(self.pending) >= self.run_lines:
            self._spill()

    def _spill(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        path = self.work_dir / f"run-{len(self.runs):05d}.nt"
        with open(path, "wb") as f:
            f.writelines(line + b"\n" for line in _distinct(sorted(self.pending, key=_order)))
        self.runs.append(path)
        self.pending = []

    def lines(self) -> Iterator[bytes]:
        """Every line once, sorted."""
        if not self.runs:
            yield from _distinct(sorted(self.pending, key=_order))
            return
        if self.pending:
            self._spill()
        files = [open(path, "rb") for path in self.runs]  # noqa: SIM115 - closed below
        try:
            lines = (line.rstrip(b"\n") for line in heapq.merge(*files, key=_order))
            yield from _distinct(lines)
        finally:
            for f in files:
                f.close()

    def write(self, turtle, jsonld, prefixes: dict[str, str], base: str) -> MergedCounts:
        """Write the merged triples to ``turtle`` (a file) and ``jsonld`` (node objects); either
        may be None. Returns the counts."""
        counts = MergedCounts()
        resource = f"<{base}resource/".encode()
        batch: list[bytes] = []
        for subject, group in groupby(self.lines(), key=_subject):
            lines = list(group)
            counts.subjects += 1
            counts.entities += subject.startswith(resource)
            batch.extend(lines)
            if len(batch) >= BATCH_LINES:
                self._write_batch(batch, turtle, jsonld, prefixes, base, counts)
                batch = []
        self._write_batch(batch, turtle, jsonld, prefixes, base, counts)
        return counts

    @staticmethod
    def _write_batch(lines: list[bytes], turtle, jsonld, prefixes, base, counts: MergedCounts) -> None:
        if not lines:
            return
        if turtle is None and jsonld is None and not any(b"\\" in line for line in lines):
            _count_lines(lines, counts)  # only counting: the lines say it without parsing them
            return
        triples = list(parse(b"\n".join(lines) + b"\n", format=RdfFormat.N_TRIPLES))
        counts.triples += len(triples)
        for t in triples:
            counts.properties[t.predicate.value] += 1
            if t.predicate == RDF_TYPE and isinstance(t.object, NamedNode):
                counts.classes[t.object.value] += 1
        if turtle is not None:
            turtle.write(turtle_block(triples, prefixes))
        if jsonld is not None:
            jsonld.write(b",\n".join(jsonld_nodes(triples, base)))

    def close(self) -> None:
        shutil.rmtree(self.work_dir, ignore_errors=True)


_TYPE = f"<{RDF_TYPE.value}>".encode()


def _count_lines(lines: list[bytes], counts: MergedCounts) -> None:
    """Count N-Triples lines as pyoxigraph's parse would (lines written by pyoxigraph, with no
    escape in them): the predicate is the second term, a class the IRI object of an rdf:type."""
    counts.triples += len(lines)
    properties, classes = counts.properties, counts.classes
    for line in lines:
        _, predicate, rest = line.split(b" ", 2)
        properties[predicate[1:-1].decode()] += 1
        if predicate == _TYPE and rest.startswith(b"<"):
            classes[rest[1:rest.index(b">")].decode()] += 1


def _distinct(lines) -> Iterator[bytes]:
    last = None
    for line in lines:
        if line != last:
            yield line
            last = line
