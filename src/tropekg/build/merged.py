"""The merged graph: every page's triples in (as N-Triples), graph.ttl and graph.jsonld out, each
triple once and each subject in one place, with the counts the dataset's description gives.

Pages repeat triples (a linked page's type, an inverse relation), and a subject's statements come
from many pages. The lines are sorted on disk in runs (an external merge sort, so memory stays
flat however large the wiki): sorted N-Triples lines put a subject's triples together and make a
repeated triple the line after itself. The runs are merged, repeats dropped, and the triples
written a batch of whole subjects at a time: one Turtle block per subject (pyoxigraph's writer
groups a subject's triples under it), one JSON-LD node object per subject; a subject of more
triples than a batch comes in a block (and a node object) a batch. Sorting bytes, not dicts or
sets, keeps the output the same for the same pages.
"""

from __future__ import annotations

import heapq
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby, islice
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse

from tropekg.build.page import turtle_block
from tropekg.rdf.jsonld import jsonld_nodes
from tropekg.rdf.namespaces import RDF_TYPE

RUN_LINES = 400_000   # lines sorted in memory before a run is written
# ... or fewer: about this many bytes of lines (with the objects holding them). 400,000 lines held
# about 75 MB, the most a build of one page of 200,000 links held at a time; a whole wiki's 20
# million lines make about 200 runs of 16 MB, merged at once.
RUN_BYTES = 16 << 20
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
    comes before the resources under it (a trope before its examples). No IRI holds a ``>``, and
    no N-Triples line a NUL (the writer escapes it), so :func:`_unorder` gives the line back."""
    return line.replace(b">", b"\x00", 1)


def _unorder(key: bytes) -> bytes:
    return key.replace(b"\x00", b">", 1)


class MergedGraph:
    """Collects N-Triples lines, then writes them merged (see the module doc)."""

    def __init__(self, work_dir: Path, run_lines: int = RUN_LINES, run_bytes: int = RUN_BYTES):
        self.work_dir = work_dir
        self.run_lines = run_lines
        self.run_bytes = run_bytes
        # held (and spilled) as their sort keys, sorted in place: sorting with a key function
        # held a second copy of every line
        self.pending: list[bytes] = []
        self.size = 0
        self.runs: list[Path] = []

    def add(self, ntriples: bytes) -> None:
        keys = [_order(line) for line in ntriples.split(b"\n") if line]
        self.pending.extend(keys)
        self.size += sum(map(len, keys)) + 48 * len(keys)  # and the objects holding them
        if len(self.pending) >= self.run_lines or self.size >= self.run_bytes:
            self._spill()

    def _spill(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        path = self.work_dir / f"run-{len(self.runs):05d}.nt"
        self.pending.sort()
        with open(path, "wb") as f:
            f.writelines(key + b"\n" for key in _distinct(self.pending))
        self.runs.append(path)
        self.pending, self.size = [], 0

    def lines(self) -> Iterator[bytes]:
        """Every line once, sorted."""
        if not self.runs:
            self.pending.sort()
            yield from map(_unorder, _distinct(self.pending))
            return
        if self.pending:
            self._spill()
        files = [open(path, "rb") for path in self.runs]  # noqa: SIM115 - closed below
        try:
            keys = (key.rstrip(b"\n") for key in heapq.merge(*files))
            yield from map(_unorder, _distinct(keys))
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
            counts.subjects += 1
            counts.entities += subject.startswith(resource)
            # a subject of more than a batch of triples (the trope of a page of 200,000 examples)
            # is written a batch at a time: a Turtle block and a node object for each, which say
            # the same graph as one would
            while piece := list(islice(group, BATCH_LINES)):
                batch.extend(piece)
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
