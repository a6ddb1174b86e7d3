"""What a graph backend answers: pyoxigraph query results in, tropekg's three answer types out.

Both backends hand over the same types, so everything after the store (formatting, analysis,
validation) never asks which backend answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryBoolean, QuerySolutions, Triple


@dataclass
class Rows:
    """SELECT results: column names and rows of terms (``None`` where unbound)."""

    columns: list[str]
    rows: list[list[object]]


@dataclass
class Triples:
    """CONSTRUCT/DESCRIBE results."""

    triples: list[Triple]


@dataclass
class Answer:
    """ASK results."""

    value: bool


def to_answer(result, distinct_triples: bool = True) -> Rows | Triples | Answer:
    """pyoxigraph query results as tropekg's answer types. A graph answer is a set: each triple
    once, in the order first met (DESCRIBE over several graphs, or an endpoint whose union
    default graph repeats a triple per graph, would list it again)."""
    if isinstance(result, QuerySolutions):
        columns = [v.value for v in result.variables]
        return Rows(columns, [[solution[c] for c in columns] for solution in result])
    if isinstance(result, QueryBoolean):
        return Answer(bool(result))
    triples = list(result)
    return Triples(list(dict.fromkeys(triples)) if distinct_triples else triples)
