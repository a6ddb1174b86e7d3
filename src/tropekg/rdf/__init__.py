"""The page model as RDF: a page in, the quads of its named graph out.

:mod:`.mapping` holds the extractors (one per aspect of a page), :mod:`.vocab` the closed namespace
generated from the ontology, :mod:`.jsonld` the compact JSON-LD writer.
"""
