"""Pictures of the trope hierarchy and of a trope's neighbourhood: the analysis views in, pages out.

An interactive picture is one HTML file that works offline: plotly's JavaScript is written into it
(never fetched), and a Content-Security-Policy meta tag forbids every remote load. Static SVG and PNG
are drawn by Graphviz's ``dot`` program from the same selection.

- Hierarchy (:func:`hierarchy_figure`): a plotly icicle (or sunburst/treemap). Clicking a sector
  opens its sub-tree (the path bar goes back up). A trope with several super-tropes appears under
  each, its label marked ``◆`` and its hover naming the others. Hover shows the trope's description
  and its counts. A click also fills the side panel with the trope's description and a link to its
  page on tvtropes.org (opened only when that link is clicked: a click on a sector never navigates).
  A search box finds a trope by title or name and focuses it (the sector's sub-tree, or its family for
  a trope without sub-tropes).
- Neighbourhood (:func:`neighbourhood_figure`): the trope, its super- and sub-tropes, the tropes its
  notes relate it to (either way) and the other tropes that share the most works with it, edges
  labelled by relation, arrows pointing the way the page states it.

The modebar keeps its PNG download and drops plotly's "share" button, which would upload the chart.

Size: a picture holds at most :data:`MAX_NODES` sectors (2,000; :data:`STATIC_MAX_NODES`, 300, for
SVG/PNG). Families are listed most works first, each showing at most :data:`PER_FAMILY` members; what
does not fit becomes one ``+K more`` sector, levels are filled top down, and the page (and the CLI, on
stderr) says what was left out.

Text from pages is data, never markup: every label and hover text given to plotly has ``&``, ``<``
and ``>`` escaped (plotly renders a subset of HTML in them), and the page's own script writes page
text with ``textContent`` only.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import textwrap
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from tropekg.analysis import (
    SUB_TROPE_OF,
    AnalysisError,
    GraphReader,
    entry_points,
    hierarchy_graph,
    label_of,
    related_graph,
    sub_tropes,
    super_tropes,
    trope_works,
)
from tropekg.analysis.export import dot_text
from tropekg.atomic import write_with
from tropekg.titles import parse_title

MAX_NODES = 2000
STATIC_MAX_NODES = 300
PER_FAMILY = 50
NEIGHBOURS_PER_ROLE = 40
CHARTS = ("icicle", "sunburst", "treemap")
DIRECTIONS = ("down", "up", "both")
MULTI_PARENT_MARK = " ◆"
CYCLE_MARK = "↻ "
TVTROPES = "https://tvtropes.org/"
# Plotly's default qualitative colours, one per top-level branch.
PALETTE = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880",
           "#ff97ff", "#fecb52")
MORE_COLOUR = "#d9d9d9"
CYCLE_COLOUR = "#f4c2c2"

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data: blob:; font-src data:; connect-src 'none'; media-src 'none'; "
       "object-src 'none'; frame-src 'none'; worker-src 'none'; manifest-src 'none'; "
       "base-uri 'none'; form-action 'none'")


class VizError(Exception):
    """A picture that cannot be made: an unknown trope, a missing Graphviz, an unknown file type."""


def esc(text: object) -> str:
    """Text for plotly's labels and hovers, which render a subset of HTML: ``&``, ``<``, ``>``
    escaped so page text always shows as written."""
    return html.escape(str(text), quote=False)


def short_description(text: str | None, limit: int = 300) -> str:
    """The first paragraph of a description, cut at a word near ``limit`` characters."""
    if not text:
        return ""
    first = text.strip().split("\n\n", 1)[0]
    first = re.sub(r"\s+", " ", first)
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + " …"


def _hover_lines(text: str, width: int = 70, max_lines: int = 5) -> list[str]:
    lines = textwrap.wrap(text, width=width) if text else []
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += " …"
    return [esc(line) for line in lines]


def trope_url(node: str) -> str:
    title = parse_title(node) if "/" in node and ":" not in node else None
    return title.url() if title is not None else ""


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


# -- the hierarchy as a tree of sectors ----------------------------------------------------------

@dataclass
class Sector:
    id: str
    parent: str
    label: str        # plain text; escaped when handed to plotly
    hover: list[str]  # lines, already escaped
    custom: list      # [title, name, description, counts, url, note]: plain text for the side panel
    colour: str = ""
    trope: str | None = None
    kind: str = "trope"       # trope, more ("+K more"), group (a heading) or all (the top)
    direction: str = "down"   # which way this sector lies from its parent


@dataclass
class HierarchyTree:
    sectors: list[Sector]
    notes: list[str]
    root: str | None
    direction: str
    tropes_shown: int
    tropes_total: int
    sampled: bool


class _TreeBuilder:
    def __init__(self, h: nx.DiGraph, max_nodes: int, per_family: int, depth: int | None):
        self.h = h
        self.max_nodes = max_nodes
        self.per_family = per_family
        self.depth = depth
        self.sectors: list[Sector] = []
        self.by_id: dict[str, Sector] = {}
        self.shown: set[str] = set()
        self.aggregated = 0      # tropes folded into "+K more" sectors
        self.depth_cut = 0       # sectors whose sub-tropes lie below --depth
        self.budget_cut = 0      # sectors whose sub-tropes did not fit in max_nodes

    def _ordered(self, nodes) -> list[str]:
        h = self.h
        return sorted(nodes, key=lambda n: (-h.nodes[n].get("works", 0),
                                            str(h.nodes[n].get("label", n)).casefold(), n))

    def children(self, node: str, direction: str) -> list[str]:
        kids = sub_tropes(self.h, node) if direction == "down" else super_tropes(self.h, node)
        return self._ordered(kids)

    def add(self, sector: Sector) -> Sector:
        self.sectors.append(sector)
        self.by_id[sector.id] = sector
        if sector.trope is not None:
            self.shown.add(sector.trope)
        return sector

    def next_id(self) -> str:
        return f"s{len(self.sectors)}"

    def trope_sector(self, node: str, parent: Sector | None, direction: str, colour: str,
                     cycle: bool = False) -> Sector:
        h, data = self.h, self.h.nodes[node]
        label = str(data.get("label") or label_of(node))
        description = short_description(data.get("description"))
        works, subs = int(data.get("works", 0)), len(sub_tropes(h, node))
        supers = super_tropes(h, node)
        counts = f"{_plural(works, 'work')} · {_plural(subs, 'sub-trope')}"
        hover = [f"<b>{esc(label)}</b>", esc(node), *_hover_lines(description), esc(counts)]
        note = ""
        shown_label = label
        parent_trope = parent.trope if parent is not None else None
        if cycle:
            shown_label = CYCLE_MARK + label
            note = f"cycle: {node} is already above this sector"
            colour = CYCLE_COLOUR
        elif direction == "down" and len(supers) > 1:
            shown_label = label + MULTI_PARENT_MARK
            others = [self.h.nodes[p].get("label", p) for p in supers if p != parent_trope]
            note = "also under " + ", ".join(map(str, others))
        if note:
            hover.append(esc(note))
        sector = Sector(self.next_id(), parent.id if parent else "", shown_label, hover,
                        [node, label, description, counts, trope_url(node), note], colour, node,
                        direction=direction)
        return self.add(sector)

    def group_sector(self, parent: Sector | None, label: str, note: str, colour: str,
                     kind: str = "group") -> Sector:
        hover = [f"<b>{esc(label)}</b>", *_hover_lines(note)]
        return self.add(Sector(self.next_id(), parent.id if parent else "", label, hover,
                               ["", label, note, "", "", ""], colour, kind=kind))

    def more_sector(self, parent: Sector, hidden: list[str], why: str) -> None:
        names = ", ".join(str(self.h.nodes[n].get("label", n)) for n in hidden[:12])
        if len(hidden) > 12:
            names += ", …"
        label = f"+{len(hidden):,} more"
        note = f"{why}: {names}"
        self.aggregated += len(hidden)
        self.group_sector(parent, label, note, MORE_COLOUR, kind="more")

    def expand(self, queue: deque) -> None:
        """Breadth first, so that a full budget cuts the deepest levels."""
        while queue:
            sector, kids, level, above, direction = queue.popleft()
            if not kids:
                continue
            if self.depth is not None and level >= self.depth:
                self.depth_cut += 1
                sector.hover.append(esc(f"{_plural(len(kids), 'more level')} below: raise --depth"))
                continue
            room = self.max_nodes - len(self.sectors)
            take = min(len(kids), self.per_family)
            if take < len(kids):
                take = min(take, room - 1)
            elif take > room:
                take = room - 1
            if room <= 0 or take < 0:
                self.budget_cut += 1
                sector.hover.append(esc(f"{_plural(len(kids), 'trope')} below not shown (size limit)"))
                continue
            for i, kid in enumerate(kids[:take]):
                colour = sector.colour or PALETTE[i % len(PALETTE)]
                if kid in above:
                    self.trope_sector(kid, sector, direction, colour, cycle=True)
                    continue
                child = self.trope_sector(kid, sector, direction, colour)
                queue.append((child, self.children(kid, direction), level + 1, above | {kid}, direction))
            if take < len(kids):
                why = ("not shown, fewer works than those beside them"
                       if len(kids) > self.per_family and take == self.per_family
                       else "not shown (size limit)")
                self.more_sector(sector, kids[take:], why)


def hierarchy_tree(h: nx.DiGraph, root: str | None = None, depth: int | None = None,
                   direction: str = "down", max_nodes: int = MAX_NODES,
                   per_family: int = PER_FAMILY) -> HierarchyTree:
    """The sectors of a hierarchy picture: below (``down``), above (``up``) or around (``both``)
    ``root``, or the whole hierarchy from its roots. ``h`` is :func:`hierarchy_graph`'s DiGraph."""
    if direction not in DIRECTIONS:
        raise VizError(f"unknown direction {direction!r} (directions: {', '.join(DIRECTIONS)})")
    if root is None and direction != "down":
        raise VizError(f"--direction {direction} needs --root: the whole hierarchy is drawn downwards")
    b = _TreeBuilder(h, max(max_nodes, 2), per_family, depth)
    queue: deque = deque()
    if root is None:
        top = b.add(Sector("all", "", "All tropes", ["<b>All tropes</b>"],
                           ["", "All tropes", "", "", "", ""], "", kind="all"))
        entries = b._ordered(entry_points(h))
        unlinked = b._ordered(n for n in h if h.degree(n) == 0)
        queue.append((top, entries, -1, frozenset(), "down"))
        total = h.number_of_nodes()
        b.expand(queue)
        if unlinked:
            if len(b.sectors) < b.max_nodes:
                group = b.group_sector(top, f"Outside the hierarchy ({len(unlinked):,})",
                                       "tropes with no super-trope and no sub-trope", MORE_COLOUR)
                queue.append((group, unlinked, 0, frozenset(), "down"))
                b.expand(queue)
            else:
                b.more_sector(top, unlinked, "outside the hierarchy, not shown (size limit)")
    else:
        top = b.trope_sector(root, None, "down", "")
        above = frozenset({root})
        below = nx.ancestors(h, root) if direction in ("down", "both") else set()
        over = nx.descendants(h, root) if direction in ("up", "both") else set()
        total = 1 + len(below | over)
        if direction in ("down", "both"):
            queue.append((top, b.children(root, "down"), 0, above, "down"))
        if direction == "both" and super_tropes(h, root):
            group = b.group_sector(top, f"Super-tropes of {h.nodes[root].get('label', root)}",
                                   "the tropes above this one, nearest first", "")
            queue.append((group, b.children(root, "up"), 0, above, "up"))
        elif direction == "up":
            queue.append((top, b.children(root, "up"), 0, above, "up"))
        b.expand(queue)

    notes = []
    sampled = bool(b.aggregated or b.budget_cut)
    where = f"around {root}" if root and direction == "both" else (
        f"{'above' if direction == 'up' else 'below'} {root}" if root else "in the graph")
    notes.append(f"{_plural(len(b.shown), 'trope')} shown of {total:,} {where}.")
    if sampled:
        notes.append(
            f"Sampled to stay fast: at most {b.max_nodes:,} sectors and {per_family} per family, "
            f"most works first; {b.aggregated:,} tropes are grouped into '+K more' sectors"
            + (f" and {b.budget_cut:,} sectors have levels below them cut" if b.budget_cut else "")
            + ".")
    if b.depth_cut:
        notes.append(f"Cut at depth {depth}: {_plural(b.depth_cut, 'trope')} have more levels below.")
    return HierarchyTree(b.sectors, notes, root, direction, len(b.shown), total, sampled)


# -- figures -------------------------------------------------------------------------------------

# The page around a figure (str.format placeholders: csp, title, notes, help, figure) and the
# script that drives it, kept as files beside this module.
_TEMPLATES = Path(__file__).with_name("templates")
_PAGE = (_TEMPLATES / "figure.html").read_text(encoding="utf-8")

# Defined before the figure is drawn; plotly calls tropekgInit once the plot exists. (The panel
# precedes the figure in the page so that plotly measures the figure's box with the panel beside
# it.) Page text only ever reaches the document through textContent; a link is set only to a
# tvtropes.org address.
_SCRIPT = ("<script>\n" + (_TEMPLATES / "figure.js").read_text(encoding="utf-8").replace("TVTROPES", TVTROPES)
           + "</script>")


@dataclass
class TropeFigure:
    """A picture: the plotly figure, the notes the page shows, and the DOT source for SVG/PNG.
    Displays inline in a notebook (in an iframe, so the page's policy and script hold there too)."""

    figure: object  # plotly.graph_objects.Figure
    title: str
    notes: list[str] = field(default_factory=list)
    dot: str = ""
    help: str = ""

    def to_html(self) -> str:
        config = {"displaylogo": False, "responsive": True,
                  "modeBarButtonsToRemove": ["sendDataToCloud", "sendChartToCloud"]}
        figure_html = self.figure.to_html(
            full_html=False, include_plotlyjs=True, include_mathjax=False, config=config,
            div_id="tk-figure", default_height="100%", default_width="100%",
            post_script="window.tropekgInit(document.getElementById('{plot_id}'));")
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        page = _PAGE.format(csp=CSP, title=html.escape(self.title), notes=notes,
                            help=html.escape(self.help), figure=_SCRIPT + figure_html)
        return page

    def write(self, path: Path) -> Path:
        """Write the picture; the file's suffix picks the format (.html, .svg or .png)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm"):
            body = self.to_html().encode("utf-8")
        elif suffix in (".svg", ".png"):
            body = render_dot(self.dot, suffix[1:])
        else:
            raise VizError(f"{path}: unknown picture type {suffix or '(none)'}; use .html, .svg or .png")
        write_with(path, lambda f: f.write(body))
        return path

    def _repr_html_(self) -> str:
        return (f'<iframe sandbox="allow-scripts allow-popups" style="width:100%;height:720px;border:0" '
                f'srcdoc="{html.escape(self.to_html(), quote=True)}"></iframe>')


def render_dot(dot: str, fmt: str, timeout: float = 300) -> bytes:
    """Graphviz's drawing of ``dot`` as ``svg`` or ``png``."""
    exe = shutil.which("dot")
    if exe is None:
        raise VizError("SVG and PNG pictures are drawn by Graphviz's dot program, which is not "
                       "installed: apt-get install graphviz (brew install graphviz on macOS), "
                       "or write .html instead")
    try:
        done = subprocess.run([exe, f"-T{fmt}"], input=dot.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise VizError(f"Graphviz took more than {timeout:.0f} s; draw less (--root, --depth)") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VizError(f"Graphviz failed: {detail[0] if detail else 'exit ' + str(done.returncode)}")
    return done.stdout


def _dot_node(node: str, data: dict, **extra) -> dict:
    label = str(data.get("label") or label_of(node))
    attrs = {"label": label, "tooltip": short_description(data.get("description"), 200) or label}
    url = trope_url(node)
    if url:
        attrs.update(URL=url, target="_blank")
    attrs.update(extra)
    return attrs


def _hierarchy_dot(h: nx.DiGraph, tree: HierarchyTree) -> str:
    """The shown tropes as a graph: each trope once, an edge for each of its shown super-tropes
    (so a trope with several parents has several edges), and the '+K more' boxes."""
    g = nx.DiGraph()
    by_id = {s.id: s for s in tree.sectors}

    def drawn_parent(s: Sector) -> Sector | None:
        p = by_id.get(s.parent)
        while p is not None and p.kind not in ("trope", "more"):
            p = by_id.get(p.parent)
        return p

    for s in tree.sectors:
        if s.kind == "trope":
            g.add_node(s.trope, **_dot_node(s.trope, h.nodes[s.trope],
                                            peripheries=2 if MULTI_PARENT_MARK in s.label else 1))
        elif s.kind == "more":
            g.add_node(s.id, label=s.label, tooltip=s.custom[2], shape="note", fillcolor=MORE_COLOUR)
    for s in tree.sectors:
        parent = drawn_parent(s)
        if s.kind not in ("trope", "more") or parent is None:
            continue
        a, b = parent.trope or parent.id, s.trope or s.id
        if s.kind == "more":
            g.add_edge(a, b, style="dashed", arrowhead="none")
            continue
        # an edge runs from the super-trope to the sub-trope, its arrow drawn at the super-trope
        sup, sub = (b, a) if s.direction == "up" else (a, b)
        g.add_edge(sup, sub, dir="back", tooltip=f"{sub} {SUB_TROPE_OF} {sup}")
    notes = " ".join(tree.notes) + " Arrows point to the super-trope; a double border marks a " \
        "trope with several super-tropes."
    return dot_text(
        g, name="hierarchy",
        graph_attrs={"rankdir": "LR", "label": notes, "labelloc": "t", "fontname": "Helvetica",
                     "fontsize": "11"},
        node_defaults={"shape": "box", "style": "rounded,filled", "fillcolor": "#eef1ff",
                       "fontname": "Helvetica", "fontsize": "11"},
        edge_defaults={"color": "#777777"})


def hierarchy_figure(source, root: str | None = None, depth: int | None = None,
                     direction: str = "down", chart: str = "icicle",
                     max_nodes: int = MAX_NODES, per_family: int = PER_FAMILY) -> TropeFigure:
    """The hierarchy picture of ``tropekg viz hierarchy``."""
    import plotly.graph_objects as go

    if chart not in CHARTS:
        raise VizError(f"unknown chart {chart!r} (charts: {', '.join(CHARTS)})")
    reader = source if isinstance(source, GraphReader) else GraphReader(source)
    h = hierarchy_graph(reader)
    centre = None
    if root is not None:
        try:
            centre = reader.resolve(root, known=set(h))
        except AnalysisError as e:
            raise VizError(str(e)) from None
    tree = hierarchy_tree(h, centre, depth, direction, max_nodes, per_family)
    static = tree if len(tree.sectors) <= STATIC_MAX_NODES else \
        hierarchy_tree(h, centre, depth, direction, STATIC_MAX_NODES, min(per_family, 20))
    trace_type = {"icicle": go.Icicle, "sunburst": go.Sunburst, "treemap": go.Treemap}[chart]
    levels = _tree_depth(tree)
    trace = trace_type(
        ids=[s.id for s in tree.sectors],
        parents=[s.parent for s in tree.sectors],
        labels=[esc(s.label) for s in tree.sectors],
        hovertext=["<br>".join(s.hover) for s in tree.sectors],
        hoverinfo="text",
        customdata=[s.custom for s in tree.sectors],
        marker={"colors": [s.colour or "#ffffff" for s in tree.sectors],
                "line": {"color": "#ffffff", "width": 1}},
        sort=False,
        maxdepth=6 if levels > 6 else -1,
    )
    fig = go.Figure(trace)
    fig.update_layout(margin={"t": 10, "l": 10, "r": 10, "b": 10}, uirevision="tropekg")
    if root is None:
        title = "Trope hierarchy"
    else:
        label = h.nodes[centre].get("label", centre)
        title = {"down": f"Sub-tropes of {label}", "up": f"Super-tropes of {label}",
                 "both": f"The hierarchy around {label}"}[direction]
    helptext = ("Click a sector to open its sub-tree; the bar above goes back up. Hover for a "
                "trope's description and counts; a click also shows it here, with a link to its "
                f"page on tvtropes.org. {MULTI_PARENT_MARK.strip()} marks a trope with several "
                f"super-tropes (shown under each); {CYCLE_MARK.strip()} marks a cycle.")
    notes = list(tree.notes)
    if levels > 6:
        notes.append("Six levels are drawn at a time: click a sector to go deeper.")
    return TropeFigure(fig, title, notes, _hierarchy_dot(h, static), helptext)


def _tree_depth(tree: HierarchyTree) -> int:
    level: dict[str, int] = {}
    for s in tree.sectors:  # parents always come before their children
        level[s.id] = level.get(s.parent, -1) + 1
    return max(level.values(), default=0) + 1


# -- neighbourhood -------------------------------------------------------------------------------

ROLES = (
    ("centre", "this trope", "#222222"),
    ("super", "super-tropes", "#636efa"),
    ("sub", "sub-tropes", "#00cc96"),
    ("related", "related by a note", "#ef553b"),
    ("cooccurring", "most shared works", "#ab63fa"),
)


def _spread(n: int, low: float, high: float) -> list[float]:
    if n == 1:
        return [(low + high) / 2]
    return [low + (high - low) * i / (n - 1) for i in range(n)]


def neighbourhood_figure(source, trope: str, top: int = 10,
                         per_role: int = NEIGHBOURS_PER_ROLE) -> TropeFigure:
    """The picture of ``tropekg viz neighbourhood``: a trope and the tropes around it."""
    import plotly.graph_objects as go

    reader = source if isinstance(source, GraphReader) else GraphReader(source)
    h = hierarchy_graph(reader)
    rel = related_graph(reader)
    try:
        centre = reader.resolve(trope, known=set(h) | set(rel))
    except AnalysisError as e:
        raise VizError(str(e)) from None

    edges: list[tuple[str, str, str]] = []  # (source, relation, target) as stated
    supers = super_tropes(h, centre) if centre in h else []
    subs = sub_tropes(h, centre) if centre in h else []
    edges += [(centre, SUB_TROPE_OF, s) for s in supers]
    edges += [(s, SUB_TROPE_OF, centre) for s in subs]
    related: list[str] = []
    if centre in rel:
        for _, o, data in rel.out_edges(centre, data=True):
            edges.append((centre, data["relation"], o))
            related.append(o)
        for s, _, data in rel.in_edges(centre, data=True):
            edges.append((s, data["relation"], centre))
            related.append(s)
    # the tropes sharing most works, among those not already linked: the others say so in their hover
    works = trope_works(reader)
    mine = works.get(centre, set())
    shared = {t: len(mine & w) for t, w in works.items() if t != centre and mine & w}
    linked = {centre, *supers, *subs, *related}
    cooccurring = sorted((t for t in shared if t not in linked), key=lambda t: (-shared[t], t))[:top]
    edges += [(centre, f"shares {_plural(shared[t], 'work')}", t) for t in cooccurring]

    def attrs(node: str) -> dict:
        if node in h:
            return h.nodes[node]
        if node in rel:
            return rel.nodes[node]
        return {"label": reader.label(node), "works": reader.work_counts.get(node, 0)}

    def order(nodes) -> list[str]:
        return sorted(dict.fromkeys(nodes), key=lambda n: (-attrs(n).get("works", 0), n))

    placed: dict[str, str] = {centre: "centre"}
    members: dict[str, list[str]] = {"centre": [centre]}
    hidden: dict[str, int] = {}
    for role, nodes in (("super", supers), ("sub", subs), ("related", related),
                        ("cooccurring", cooccurring)):
        ranked = nodes if role == "cooccurring" else order(nodes)
        fresh = [n for n in ranked if n not in placed]
        hidden[role] = max(0, len(fresh) - per_role)
        members[role] = fresh[:per_role]
        for n in members[role]:
            placed[n] = role
    edges = [e for e in edges if e[0] in placed and e[2] in placed]

    pos: dict[str, tuple[float, float]] = {centre: (0.0, 0.0)}
    for n, x in zip(members["super"], _spread(len(members["super"]), -1.0, 1.0)):
        pos[n] = (x, 1.0)
    for n, x in zip(members["sub"], _spread(len(members["sub"]), -1.0, 1.0)):
        pos[n] = (x, -1.0)
    for n, y in zip(members["related"], _spread(len(members["related"]), 0.7, -0.7)):
        pos[n] = (-1.7, y)
    for n, y in zip(members["cooccurring"], _spread(len(members["cooccurring"]), 0.7, -0.7)):
        pos[n] = (1.7, y)

    fig = go.Figure()
    xs, ys = [], []
    for a, _r, b in edges:
        xs += [pos[a][0], pos[b][0], None]
        ys += [pos[a][1], pos[b][1], None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#bbbbbb", "width": 1},
                             hoverinfo="skip", showlegend=False, name="edges"))
    mid_x, mid_y, mid_text, mid_hover = [], [], [], []
    for a, r, b in edges:
        # co-occurrence labels sit nearer their trope, where the fan of edges has spread out
        t = 0.7 if r.startswith("shares ") else 0.5
        mid_x.append(pos[a][0] * (1 - t) + pos[b][0] * t)
        mid_y.append(pos[a][1] * (1 - t) + pos[b][1] * t)
        mid_text.append(esc(r))
        mid_hover.append(esc(f"{attrs(a).get('label', a)} — {r} → {attrs(b).get('label', b)}"))
        if not r.startswith("shares "):
            fig.add_annotation(x=pos[b][0] * 0.85 + pos[a][0] * 0.15, y=pos[b][1] * 0.85 + pos[a][1] * 0.15,
                               ax=pos[a][0], ay=pos[a][1], xref="x", yref="y", axref="x", ayref="y",
                               text="", showarrow=True, arrowhead=2, arrowsize=1.6, arrowwidth=1,
                               arrowcolor="#999999")
    fig.add_trace(go.Scatter(x=mid_x, y=mid_y, mode="text", text=mid_text, hovertext=mid_hover,
                             hoverinfo="text", textfont={"size": 10, "color": "#666666"},
                             showlegend=False, name="relations"))
    for role, legend, colour in ROLES:
        nodes = members.get(role, [])
        if not nodes:
            continue
        labels, hovers, custom = [], [], []
        for n in nodes:
            data = attrs(n)
            label = str(data.get("label") or label_of(n))
            description = short_description(data.get("description"))
            count_works = int(data.get("works", 0))
            subs_n = len(sub_tropes(h, n)) if n in h else 0
            counts = f"{_plural(count_works, 'work')} · {_plural(subs_n, 'sub-trope')}"
            note = f"shares {_plural(shared[n], 'work')} with {attrs(centre).get('label', centre)}" \
                if n in shared else ""
            labels.append(esc(label))
            hovers.append("<br>".join([f"<b>{esc(label)}</b>", esc(n), *_hover_lines(description),
                                       esc(counts)] + ([esc(note)] if note else [])))
            custom.append([n, label, description, counts, trope_url(n), note])
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers+text",
            text=labels, textposition="top center", hovertext=hovers, hoverinfo="text",
            customdata=custom, name=legend,
            marker={"size": 22 if role == "centre" else 14, "color": colour,
                    "line": {"color": "#ffffff", "width": 1}}))
    fig.update_layout(
        margin={"t": 10, "l": 10, "r": 10, "b": 10}, hovermode="closest", plot_bgcolor="#ffffff",
        xaxis={"visible": False, "range": [-2.3, 2.3]}, yaxis={"visible": False, "range": [-1.4, 1.4]},
        legend={"orientation": "h", "y": -0.02})

    label = attrs(centre).get("label", centre)
    notes = [(f"{label} ({centre}): {_plural(len(supers), 'super-trope')}, "
              f"{_plural(len(subs), 'sub-trope')}, {_plural(len(set(related)), 'related trope')}; "
              f"and the {len(cooccurring)} other tropes that share the most works with it.")]
    cut = {role: n for role, n in hidden.items() if n}
    if cut:
        legends = {r: lg for r, lg, _c in ROLES}
        notes.append("Sampled to stay readable: "
                     + ", ".join(f"{n:,} more {legends[role]}" for role, n in cut.items())
                     + f" not shown (at most {per_role} each, most works first).")
    helptext = ("Arrows point the way the page states a relation (a sub-trope points to its "
                "super-trope). Hover for a trope's description and counts; a click shows it here, "
                "with a link to its page on tvtropes.org.")

    g = nx.MultiDiGraph()
    for n, role in placed.items():
        g.add_node(n, **_dot_node(n, attrs(n), fillcolor="#ffe9a8" if role == "centre" else "#eef1ff"))
    for a, r, b in edges:
        g.add_edge(a, b, label=r, style="dashed" if r.startswith("shares ") else "solid")
    dot = dot_text(g, name="neighbourhood",
                   graph_attrs={"rankdir": "BT", "label": " ".join(notes), "labelloc": "t",
                                "fontname": "Helvetica", "fontsize": "11"},
                   node_defaults={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                                  "fontsize": "11"},
                   edge_defaults={"fontname": "Helvetica", "fontsize": "9", "color": "#777777"})
    return TropeFigure(fig, f"The neighbourhood of {label}", notes, dot, helptext)
