"""Chains between two tropes: a backend and two tropes in, the shortest chain of relations out, with
the pages that state each step."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import pairwise

import networkx as nx

from tropekg.analysis.reader import reader_of
from tropekg.analysis.report import markdown_text
from tropekg.analysis.views import relation_graph

# -- paths ---------------------------------------------------------------------------------------

@dataclass
class PathStep:
    """One step of a chain: ``source`` to ``target``, and the relations stated between them.
    ``forward`` relations are stated from source to target, ``backward`` ones from target to source."""

    source: str
    target: str
    forward: list[str]
    backward: list[str]

    def describe(self, labels: dict[str, str] | None = None) -> str:
        labels = labels or {}
        a, b = labels.get(self.source, self.source), labels.get(self.target, self.target)
        parts = [f"{a} --{r}--> {b}" for r in self.forward]
        parts += [f"{a} <--{r}-- {b}" for r in self.backward]
        return "; ".join(parts)


@dataclass
class TropePath:
    source: str
    target: str
    steps: list[PathStep]
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def tropes(self) -> list[str]:
        return [self.source] + [s.target for s in self.steps]

    def to_json(self) -> dict:
        return {"source": self.source, "target": self.target, "length": len(self.steps),
                "steps": [asdict(s) for s in self.steps], "labels": self.labels}

    def to_text(self) -> str:
        if not self.steps:
            return f"{self.source} is {self.target}: no step needed\n"
        lines = [(f"{len(self.steps)} step{'s' if len(self.steps) != 1 else ''} from {self.source} "
                  f"to {self.target}:")]
        for i, step in enumerate(self.steps, 1):
            lines.append(f"{i:>3}. {step.describe()}")
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return "\n".join(f"- {markdown_text(line.strip())}" for line in self.to_text().splitlines())


def trope_path(source, a: str, b: str) -> TropePath | None:
    """The shortest chain of named relations (sub-trope of, see also, compare, contrast, not to be
    confused with, sister trope) from trope ``a`` to trope ``b``, found treating every relation as
    undirected; each step keeps the direction it is stated in. ``None`` if none links them.
    ``a`` and ``b`` are names as people write them (see :meth:`GraphReader.resolve`)."""
    reader = reader_of(source)
    g = relation_graph(reader)
    known = set(g) | set(reader.tropes)
    start, end = reader.resolve(a, known), reader.resolve(b, known)
    if start == end:
        return TropePath(start, end, [], {start: reader.label(start)})
    if start not in g or end not in g:
        return None
    try:
        nodes = nx.shortest_path(g.to_undirected(as_view=True), start, end)
    except nx.NetworkXNoPath:
        return None
    steps = []
    for u, v in pairwise(nodes):
        forward = sorted(g.get_edge_data(u, v, default={}))
        backward = sorted(g.get_edge_data(v, u, default={}))
        steps.append(PathStep(u, v, forward, backward))
    return TropePath(start, end, steps, {n: reader.label(n) for n in nodes})
