"""The analysis report: a backend in, an :class:`AnalysisReport` (text, JSON, notebook HTML) out."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import networkx as nx

from tropekg.analysis.metrics import (
    communities,
    cycles,
    depths,
    leaves,
    linked_tropes,
    mode_counts,
    multi_parent,
    pagerank,
    ranked,
    roots,
    sub_tropes,
)
from tropekg.analysis.reader import KINDS, reader_of
from tropekg.analysis.views import cooccurrence_graph, hierarchy_graph

# -- the report ----------------------------------------------------------------------------------

@dataclass
class AnalysisReport:
    """What ``tropekg analyze`` prints; displays as a table in a notebook."""

    kinds: dict[str, dict] = field(default_factory=dict)
    media: dict[str, int] = field(default_factory=dict)
    hierarchy: dict = field(default_factory=dict)
    rankings: dict[str, list[dict]] = field(default_factory=dict)
    communities: list[dict] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)

    def name(self, node: str) -> str:
        label = self.labels.get(node)
        return f"{label} ({node})" if label and label != node else node

    def sections(self) -> list[tuple[str, list[str]]]:
        """The report as titled sections of plain-text lines (shared by text and notebook views)."""
        name = self.name
        out: list[tuple[str, list[str]]] = []
        out.append(("Resources by kind", [
            f"{kind}: {c['total']}" + (f" ({c['wanted']} wanted, described by no page)"
                                       if c["wanted"] and kind != "WantedPage" else "")
            for kind, c in self.kinds.items()]))
        out.append(("Works by medium", [f"{m}: {n}" for m, n in self.media.items()] or ["none"]))
        h = self.hierarchy
        lines = [
            f"tropes in the hierarchy: {h['linked']} of {h['tropes']}; sub-trope statements: {h['edges']}",
            f"roots ({len(h['roots'])}): " + (", ".join(map(name, h["roots"][:h["top"]])) or "none")
            + (" ..." if len(h["roots"]) > h["top"] else ""),
            f"leaves: {h['leaves']}",
            "depth distribution (steps below a root: tropes): "
            + (", ".join(f"{d}: {n}" for d, n in h["depths"].items()) or "none"),
        ]
        if h["unreached"]:
            lines.append(f"unreached from any root: {h['unreached']}")
        lines.append(f"tropes with several super-tropes: {len(h['multi_parent'])}")
        for node, parents in list(h["multi_parent"].items())[:h["top"]]:
            lines.append(f"  {name(node)} under {', '.join(map(name, parents))}")
        lines.append(f"cycles: {len(h['cycles'])} listed, {h['in_cycles']} tropes caught in cycles")
        for c in h["cycles"]:
            lines.append("  " + " -> ".join(c["tropes"] + c["tropes"][:1]))
            for e in c["edges"]:
                lines.append(f"    {e['sub']} sub-trope of {e['super']}: stated on "
                             f"{', '.join(e['pages']) or 'no named page'}")
        out.append(("Hierarchy", lines))
        titles = {
            "pagerank": "Tropes by PageRank (over the named relations)",
            "works": "Tropes by number of works",
            "sub_tropes": "Tropes by number of sub-tropes (direct; all below)",
            "averted": "Most averted tropes (works that avert them)",
            "subverted": "Most subverted tropes (works that subvert them)",
        }
        for key, title in titles.items():
            rows = self.rankings.get(key, [])
            lines = []
            for i, row in enumerate(rows, 1):
                extra = f"; {row['all']} below" if "all" in row else ""
                score = f"{row['score']:.4f}" if isinstance(row["score"], float) else str(row["score"])
                lines.append(f"{i:>3}. {name(row['trope'])}: {score}{extra}")
            out.append((title, lines or ["none"]))
        lines = []
        for i, c in enumerate(self.communities, 1):
            lines.append(f"{i:>3}. {c['size']} tropes: {', '.join(map(name, c['top']))}")
        out.append(("Communities of co-occurring tropes (Louvain)", lines or ["none"]))
        return out

    def to_text(self) -> str:
        parts = []
        for title, lines in self.sections():
            parts.append(title)
            parts.extend(f"  {line}" for line in lines)
            parts.append("")
        return "\n".join(parts).rstrip() + "\n"

    def _repr_markdown_(self) -> str:
        # page text is data: escaped so that a name holding markup shows as written
        parts = []
        for title, lines in self.sections():
            parts.append(f"**{markdown_text(title)}**\n")
            parts.extend(f"- {markdown_text(line.strip())}" for line in lines)
            parts.append("")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        parts = ['<div class="tropekg-report">']
        for title, lines in self.sections():
            parts.append(f"<h4>{html.escape(title)}</h4><ul>")
            parts.extend(f"<li>{html.escape(line.strip())}</li>" for line in lines)
            parts.append("</ul>")
        parts.append("</div>")
        return "".join(parts)


def markdown_text(text: str) -> str:
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", text)


# The steps of an analysis, for progress: reading the kinds, works, hierarchy, rankings,
# co-occurrence and communities.
ANALYSIS_STEPS = 6


def analyze(source, *, top: int = 10, threshold: int = 1, seed: int = 1,
            progress: Callable[[int, int], None] | None = None) -> AnalysisReport:
    """The relationship analysis of ``tropekg analyze``. ``threshold`` is the number of shared works
    that links two tropes in the co-occurrence graph; ``seed`` makes Louvain repeatable.
    ``progress(done, total)`` counts its steps (:data:`ANALYSIS_STEPS`)."""
    def step(n: int) -> None:
        if progress is not None:
            progress(n, ANALYSIS_STEPS)

    reader = reader_of(source)
    h = hierarchy_graph(reader)
    report = AnalysisReport()
    for kind in KINDS:
        total, wanted = reader.kind_counts.get(kind, (0, 0))
        if total:
            report.kinds[kind] = {"total": total, "wanted": wanted}
    step(1)
    media = Counter(info["medium"] for info in reader.works.values())
    report.media = dict(sorted(media.items(), key=lambda kv: (-kv[1], kv[0])))
    step(2)

    depth = depths(h)
    listed, in_cycles = cycles(h)
    linked = linked_tropes(h)
    report.hierarchy = {
        "tropes": h.number_of_nodes(),
        "linked": len(linked),
        "edges": h.number_of_edges(),
        "roots": roots(h),
        "leaves": len(leaves(h)),
        "depths": {d: n for d, n in sorted(Counter(depth.values()).items())},
        "max_depth": max(depth.values(), default=0),
        "unreached": len(linked) - len(depth),
        "multi_parent": multi_parent(h),
        "cycles": listed,
        "in_cycles": in_cycles,
        "top": top,
    }

    step(3)
    subs = {n: len(sub_tropes(h, n)) for n in h}
    by_subs = ranked(subs, top)
    report.rankings = {
        "pagerank": [{"trope": n, "score": s} for n, s in ranked(pagerank(reader), top)],
        "works": [{"trope": n, "score": s} for n, s in ranked(reader.work_counts, top)],
        "sub_tropes": [{"trope": n, "score": s, "all": len(nx.ancestors(h, n) - {n})}
                       for n, s in by_subs],
        "averted": [{"trope": n, "score": s} for n, s in ranked(mode_counts(reader, "Averted"), top)],
        "subverted": [{"trope": n, "score": s}
                      for n, s in ranked(mode_counts(reader, "Subverted"), top)],
    }
    step(4)
    co = cooccurrence_graph(reader, threshold=threshold)
    step(5)
    report.communities = communities(co, seed=seed, top=min(top, 5))
    mentioned = set(report.hierarchy["roots"]) | set(report.hierarchy["multi_parent"])
    for parents in report.hierarchy["multi_parent"].values():
        mentioned.update(parents)
    for rows in report.rankings.values():
        mentioned.update(r["trope"] for r in rows)
    for c in report.communities:
        mentioned.update(c["top"])
    report.labels = {n: reader.label(n) for n in sorted(mentioned)}
    step(6)
    return report
