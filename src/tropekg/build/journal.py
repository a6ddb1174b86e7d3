"""Putting a build's outputs in place: a staging folder in, the outputs renamed into the output
folder out, under a lock, through a journal that a killed build's successor completes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tropekg.atomic import fsync_dir, write_bytes
from tropekg.build.discover import BuildError

COMMIT_FILE = ".commit"
LOCK_FILE = ".lock"


def lock(out_dir: Path):
    """An exclusive lock on the output folder for the length of a build."""
    import fcntl

    f = open(out_dir / LOCK_FILE, "a")  # noqa: SIM115 - held open for the whole build
    try:
        # a POSIX record lock belongs to this process alone: the pool's workers do not inherit it,
        # so a killed build releases it at once even while its workers wind down
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise BuildError(f"{out_dir}: another tropekg build is writing here") from None
    return f


def commit(out_dir: Path, staging: Path, names: list[str]) -> None:
    """Put a complete set of staged outputs in place. The list of renames is written first (a
    journal), so a build killed halfway through is completed by :func:`finish_commit`, never left
    with old and new outputs mixed."""
    journal = {"staging": staging.name, "files": names}
    write_bytes(out_dir / COMMIT_FILE, json.dumps(journal).encode("utf-8"))
    finish_commit(out_dir)


def finish_commit(out_dir: Path) -> None:
    """Complete the renames a journal lists (idempotent), then drop the journal."""
    path = out_dir / COMMIT_FILE
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    staging = out_dir / journal["staging"]
    for name in journal["files"]:
        if (staging / name).exists():
            os.replace(staging / name, out_dir / name)
    fsync_dir(out_dir)
    path.unlink(missing_ok=True)
