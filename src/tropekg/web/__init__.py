"""The local site over the graph (``tropekg serve``): an on-disk store in, a read-only web site out.

:func:`~tropekg.web.app.create_app` opens the store read-only and builds a Starlette application:
a page for every resource (trope, work, creator, index, wanted page, example) that also answers
Turtle, JSON-LD or N-Triples by content negotiation, the hierarchy explorer and its JSON API,
search, a SPARQL 1.1 Protocol endpoint and the saved queries as an API with an OpenAPI description.
The parts, in the order a request meets them: ``app`` (middleware: Host check, security headers),
``views/`` (one module per kind of page), ``describe`` (what a page shows, read from the store),
``catalogue``, ``hierarchy`` and ``search`` (read once at start-up), ``query_safety`` and
``query_pool`` (outside queries: no SERVICE, a time limit, a row cap), ``result_formats``
(content negotiation), ``templates/`` and ``static/`` (markup, CSS and scripts; nothing from
another site).
"""
