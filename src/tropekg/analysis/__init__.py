"""Relationship analysis: the knowledge graph (a store or an endpoint) in, networkx graphs and a report out.

Everything is read by SPARQL SELECTs through ``.run``, so a local store and a remote endpoint give the
same answers. A :class:`GraphReader` runs each query once and keeps the rows; four views are built
from them, every node named by its page title (``Main/ThouShaltNotKill``):

- :func:`hierarchy_graph`: a DiGraph of tk:subTropeOf, edges from the sub-trope to the super-trope,
  each edge carrying ``pages``, the pages that state it (the named graph it is stated in);
- :func:`bipartite_graph`: tropes and works, each edge carrying the ``mode`` its examples state;
- :func:`cooccurrence_graph`: tropes linked by the works that use both, ``weight`` = shared works;
- :func:`related_graph`: a MultiDiGraph of see-also, compare, contrast, not-to-be-confused and
  sister-trope notes, in the direction the page states them.

:func:`analyze` turns them into an :class:`AnalysisReport`; :func:`trope_path` finds the shortest chain
of named relations between two tropes.
"""

from __future__ import annotations

from tropekg.analysis.metrics import (  # noqa: F401 - the step's public API
    communities,
    cycles,
    depths,
    entry_points,
    leaves,
    mode_counts,
    multi_parent,
    pagerank,
    roots,
    sub_tropes,
    super_tropes,
)
from tropekg.analysis.paths import (  # noqa: F401 - the step's public API
    PathStep,
    TropePath,
    trope_path,
)
from tropekg.analysis.reader import (  # noqa: F401 - the step's public API
    KINDS,
    MAX_CYCLES,
    MEDIA,
    REPORT_FORMATS,
    SUB_TROPE_OF,
    AnalysisError,
    GraphReader,
    label_of,
)
from tropekg.analysis.report import (  # noqa: F401 - the step's public API
    AnalysisReport,
    analyze,
)
from tropekg.analysis.views import (  # noqa: F401 - the step's public API
    bipartite_graph,
    cooccurrence_graph,
    hierarchy_graph,
    node_attributes,
    related_graph,
    relation_graph,
    trope_works,
)
