"""``python -m tropekg.cli``: the same as the ``tropekg`` command."""

from tropekg.cli import main

main()
