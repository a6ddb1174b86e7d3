"""Links out to other datasets: our graph (a :class:`~tropekg.store.GraphBackend`) and another
dataset's SPARQL endpoint in, a linkset named graph out (``{base}graph/_/linkset/{target}``),
which a rerun replaces and ``load --prune`` leaves alone.

:mod:`.wikidata` asks Wikidata for every item with a TV Tropes identifier (P6839), politely and
within a deadline, matches them to our pages case-insensitively, and links each page to its item
(and to the DBpedia resource of the item's English Wikipedia article), with the item's English
label, its classes (P31) and, for works, its publication date (P577). Matching is a pure function
of the pages and the items (:func:`~tropekg.link.wikidata.match`); only
:class:`~tropekg.link.wikidata.WikidataClient` touches the network, and only when asked to.
"""

from tropekg.link.wikidata import (
    WDQS_URL,
    LinkError,
    LinkReport,
    Linkset,
    OurPage,
    WikidataClient,
    WikidataItem,
    dbpedia_resource,
    link_wikidata,
    match,
    our_pages,
)

__all__ = ["WDQS_URL", "LinkError", "LinkReport", "Linkset", "OurPage", "WikidataClient", "WikidataItem",
           "dbpedia_resource", "link_wikidata", "match", "our_pages"]
