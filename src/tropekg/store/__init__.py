"""Where the graph lives: built datasets in, SPARQL answers out.

The embedded on-disk Oxigraph store (:mod:`.embedded`) and any SPARQL 1.1 endpoint (:mod:`.endpoint`).
"""
