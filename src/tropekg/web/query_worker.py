"""A query worker process: ``python -m tropekg.web.query_worker STORE BASE MAX_ROWS``; tasks in on
stdin, answers out on stdout (see :mod:`tropekg.web.query_pool`, which starts and stops it).

A module of its own so that the classes pickled across the pipe are always
``tropekg.web.query_pool``'s, never copies in ``__main__``.
"""

from __future__ import annotations

import sys

from tropekg.web.query_pool import worker_main

if __name__ == "__main__":
    worker_main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
