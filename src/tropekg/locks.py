"""Exclusive locks kept in folders tropekg does not trust: a path in, an open locked file out.

A build folder or a crawl's folder may come from someone else, so the lock file in it may have
been planted as a link (creating the lock would create a file wherever it leads), a FIFO (opening
it would wait for a reader forever) or a folder. The lock is opened without following links and
without blocking, and anything but a plain file is refused with what it is, for the caller's
message.
"""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path
from typing import IO


class LockRefused(Exception):
    """The lock's path holds something tropekg does not write there (``what`` says what)."""

    def __init__(self, path: Path, what: str):
        super().__init__(f"{path} is {what}, not a lock file")
        self.path = path
        self.what = what


class LockBusy(Exception):
    """Another process holds the lock."""


def describe(path: Path, st: os.stat_result) -> str:
    """What a name that should be a plain file or folder is, for a message."""
    if stat.S_ISLNK(st.st_mode):
        return f"a symbolic link (to {os.readlink(path)})"
    if stat.S_ISDIR(st.st_mode):
        return "a folder"
    if stat.S_ISREG(st.st_mode):
        return "a file"
    return "a special file"


def exclusive_lock(path: Path) -> IO[str]:
    """Open (creating it if missing) and lock the plain file ``path``; close the file to release.

    :class:`LockRefused` when ``path`` is a link, FIFO, folder or anything but a plain file;
    :class:`LockBusy` when another process holds it; :class:`OSError` when the folder cannot be
    written. A POSIX record lock belongs to this process alone: child processes do not inherit
    it, so a killed process releases it at once even while its children wind down."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    except OSError:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise LockRefused(path, describe(path, st)) from None
        raise
    f = os.fdopen(fd, "a")
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        f.close()
        raise LockRefused(path, describe(path, st))
    try:
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise LockBusy(str(path)) from None
    return f
