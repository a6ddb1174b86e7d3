"""Validating the knowledge graph: a built dataset or store in, a SHACL validation report out.

The shapes live in ``shapes/*.ttl``. pySHACL over one in-memory rdflib graph is fine for a page but
far too slow and too big for the whole wiki, so validation runs in two parts, with the shapes files
the one source of truth for both:

- the *node-local* shapes (core SHACL: every shape without ``sh:sparql``) run on batches of page
  graphs, in parallel across cores. They are written so that what they find in each page graph on
  its own is what they would find in the whole dataset (see shapes/node-local.ttl). Each
  constraint is written as SPARQL and run by pyoxigraph on the batch (:mod:`.core_sparql`), with
  pySHACL's results; a shape using what that module does not know runs in pySHACL, which gets
  them with each node shape's targets copied onto its property shapes (the same checks, ten times
  faster in pySHACL) and no ontology or inference: the data types each resource it links to, in
  the same graph.
- the *SPARQL-based* constraints (``sh:sparql``: the cross-page ones in shapes/cross-page.ttl, and
  those about every example in shapes/modes.ttl) are read out of the shapes graph, and each SELECT
  runs once over the whole store (pyoxigraph, or a SPARQL endpoint) with ``$this`` free and the
  rows kept to the shape's targets; on the embedded store, two at a time, while the node-local
  part runs.

:func:`validate_whole` runs pySHACL over everything at once; tests check both give the same results.
:meth:`ValidationReport.locate` traces results to the page and source line behind them.

The modules: :mod:`.shapes` reads the shapes, :mod:`.core_sparql` writes core constraints as
SPARQL, :mod:`.engine` runs both parts, :mod:`.results`
holds what they find, :mod:`.locate` traces results to pages and lines, :mod:`.report` writes
reports.
"""

from __future__ import annotations

from tropekg.validate.engine import (  # noqa: F401 - the step's public API
    open_dataset,
    validate_build,
    validate_graph,
    validate_whole,
)
from tropekg.validate.locate import (  # noqa: F401 - the step's public API
    locate,
)
from tropekg.validate.report import (  # noqa: F401 - the step's public API
    REPORT_FORMATS,
    format_report,
    format_table,
    format_text,
    printed,
    summary_line,
    to_json,
    to_turtle,
)
from tropekg.validate.results import (  # noqa: F401 - the step's public API
    SEVERITIES,
    ShapeInfo,
    Source,
    ValidationError,
    ValidationReport,
    ValidationResult,
    display,
    term_of,
)
from tropekg.validate.shapes import (  # noqa: F401 - the step's public API
    Shapes,
    SparqlConstraint,
    load_shapes,
    shape_files,
)
