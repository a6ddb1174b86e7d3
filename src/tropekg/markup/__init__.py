"""Parsing the wiki's markup: page text in, the page model (:class:`tropekg.model.Page`) out.

Two stages as in mwparserfromhell: :mod:`.tokens` makes a flat token stream, :mod:`.tree` builds a
tree of nodes from it, and :mod:`.extract` reads the tree into the page model (relations, examples,
works, modes), driven by the data tables in ``markup/data/``. A page too big to hold (past
:data:`.parse.STREAM_AT`) never has its whole tree: its lines are made and read a few at a time,
and its examples, links and mentions are read again from its source when asked for.
"""
