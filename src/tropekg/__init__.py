"""tropekg: a knowledge graph and ontology of storytelling tropes, read from TV Tropes page source.

The library follows the data: ``source`` (bytes to text and a title) -> ``tokens`` -> ``tree`` ->
``extract`` (the page model of ``model``) -> ``mapping`` (RDF quads) -> ``build`` (datasets on disk).
"""

__version__ = "0.1.0"
