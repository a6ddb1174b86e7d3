"""What a graph backend answers: pyoxigraph query results in, tropekg's three answer types out.

Both backends hand over the same types, so everything after the store (formatting, analysis,
validation) never asks which backend answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from pyoxigraph import QueryBoolean, QuerySolutions, Triple


@dataclass
class Rows:
    """SELECT results: column names and rows of terms (``None`` where unbound)."""

    columns: list[str]
    rows: list[list[object]]
    truncated: bool = False  # more rows than were asked for (see GraphStore.run's max_rows)


@dataclass
class Triples:
    """CONSTRUCT/DESCRIBE results."""

    triples: list[Triple]
    truncated: bool = False


@dataclass
class Answer:
    """ASK results."""

    value: bool


def to_answer(result, max_rows: int | None = None, distinct_triples: bool = True) -> Rows | Triples | Answer:
    """pyoxigraph query results as tropekg's answer types; at most ``max_rows`` rows or triples
    are read (one more tells whether the answer was cut). A graph answer is a set: each triple
    once, in the order first met (DESCRIBE over several graphs, or an endpoint whose union
    default graph repeats a triple per graph, would list it again)."""
    if isinstance(result, QueryBoolean):
        return Answer(bool(result))
    if isinstance(result, QuerySolutions):
        columns = [v.value for v in result.variables]
        read = list(islice(result, None if max_rows is None else max_rows + 1))
        truncated = max_rows is not None and len(read) > max_rows
        read = read[:max_rows] if truncated else read
        return Rows(columns, [[solution[c] for c in columns] for solution in read], truncated)
    triples = list(dict.fromkeys(result)) if distinct_triples else list(result)
    truncated = max_rows is not None and len(triples) > max_rows
    return Triples(triples[:max_rows] if truncated else triples, truncated)
