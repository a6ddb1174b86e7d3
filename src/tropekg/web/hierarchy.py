"""The sub-trope hierarchy as the explorer walks it: the store's sub-/super-trope statements in,
children, parents, entry points and paths up to them out.

Read once at start-up from two predicate scans (a page states ``tk:subTropeOf`` and its inverse, so
either direction counts), then every expansion is a dictionary look-up: on the whole wiki (30,000
tropes) an expansion costs the same as on ten. A trope with several super-tropes is a child of each;
a cycle has no root above it, so each cycle that nothing outside sits above gets an entry point of
its own (``analysis.entry_points``), and the walks here stop where a trope repeats.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from pyoxigraph import Store

from tropekg.analysis import entry_points
from tropekg.web.catalogue import SUB_TROPE_OF, SUPER_TROPE_OF, Catalogue, pairs

MAX_PATHS = 24  # breadcrumbs of a trope under a tangle of parents: say how many more, list these


@dataclass(frozen=True, slots=True)
class Paths:
    """Paths from entry points down to a trope (each a list of IRIs, entry point first)."""

    paths: list[list[str]]
    complete: bool  # False when there were more than were listed


class TropeHierarchy:
    """Children and parents of every trope in some sub-trope statement, ordered by label."""

    def __init__(self, edges: set[tuple[str, str]], catalogue: Catalogue):
        self.catalogue = catalogue
        children: dict[str, set[str]] = {}
        parents: dict[str, set[str]] = {}
        for sub, sup in edges:
            if sub == sup:
                continue  # a trope stated as its own sub-trope adds nothing to walk
            children.setdefault(sup, set()).add(sub)
            parents.setdefault(sub, set()).add(sup)
        order = self._order_key
        self.children = {n: tuple(sorted(c, key=order)) for n, c in children.items()}
        self.parents = {n: tuple(sorted(p, key=order)) for n, p in parents.items()}
        self.edge_count = sum(len(c) for c in self.children.values())
        self.roots = tuple(sorted(self._entry_points(), key=order))
        self._root_set = frozenset(self.roots)

    def _entry_points(self) -> list[str]:
        """The tropes with sub-tropes and no super-trope, and one trope of each cycle that nothing
        outside it sits above (as ``analysis.entry_points`` picks them). The cycles are looked for
        only among the tropes a walk down from the roots does not reach, a handful on the wiki,
        so this costs one walk rather than a condensation of the whole hierarchy."""
        roots = [n for n in self.children if n not in self.parents]
        seen = set(roots)
        stack = list(roots)
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        rest = [n for n in (*self.children, *self.parents) if n not in seen]
        if rest:
            g = nx.DiGraph()
            g.add_nodes_from(rest)
            g.add_edges_from((n, p) for n in rest for p in self.parents.get(n, ()) if p not in seen)
            roots.extend(entry_points(g))
        return roots

    def _order_key(self, iri: str) -> tuple[str, str]:
        return (self.catalogue.label(iri).casefold(), iri)

    def __contains__(self, iri: str) -> bool:
        return iri in self.children or iri in self.parents

    def children_of(self, iri: str) -> tuple[str, ...]:
        return self.children.get(iri, ())

    def parents_of(self, iri: str) -> tuple[str, ...]:
        return self.parents.get(iri, ())

    def paths_to(self, iri: str, limit: int = MAX_PATHS) -> Paths:
        """Every path from an entry point down to ``iri`` (at most ``limit``), shortest first. A
        walk up stops at a trope it has already passed, so cycles end it rather than loop."""
        found: list[list[str]] = []
        complete = True
        # depth-first upwards; each stack item is the path from iri up to its last element
        stack: list[list[str]] = [[iri]]
        roots = self._root_set
        steps = 0
        while stack:
            steps += 1
            if steps > 20_000:  # a pathological tangle: stop walking rather than stall a page
                complete = False
                break
            path = stack.pop()
            top = path[-1]
            if top in roots or not self.parents_of(top):
                if len(found) >= limit:
                    complete = False
                    break
                found.append(list(reversed(path)))
                continue
            # parents already on the path close a cycle: the cycle's own entry point is reached
            # along another branch, so this one just ends
            for parent in reversed([p for p in self.parents_of(top) if p not in path]):
                stack.append([*path, parent])
        if not found:
            found.append([iri])
        found.sort(key=lambda p: (len(p), [self._order_key(n) for n in p]))
        return Paths(found, complete)


def read_hierarchy(store: Store, catalogue: Catalogue) -> TropeHierarchy:
    """The hierarchy of a store from its ``tk:subTropeOf`` and ``tk:superTropeOf`` statements."""
    edges: set[tuple[str, str]] = set(pairs(store, SUB_TROPE_OF))
    edges.update((sup, sub) for sub, sup in pairs(store, SUPER_TROPE_OF))
    ours = catalogue.resource_prefix  # the tree links to pages: an edge to another dataset is no node
    return TropeHierarchy({(a, b) for a, b in edges if a.startswith(ours) and b.startswith(ours)}, catalogue)
