"""Walking an input folder: a folder in, the files under it out, with what could not be taken.

An input folder may come from someone else. A symbolic link is followed when it stays inside the
folder (a file: read under the link's name; a folder: its pages are found under its own name
already, so it is not walked twice); a link that leads out of the folder is not followed unless
the user asks for it, so a page file that is a link to ``/etc/passwd`` is not read into the graph.
A loop of links, a dangling link and a subfolder that cannot be read are each reported with their
path, never skipped in silence. Only plain files are taken: a FIFO or a device named like a page
would block or never end. Hidden files and folders (a crawl's state, a build's cache, version
control) are left out.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

NOT_FOLLOWED = "use --follow-symlinks to read what links lead to outside the input folder"


@dataclass(frozen=True, slots=True)
class FoundFile:
    path: Path
    problem: str | None = None  # why it cannot be read (a link out of the folder, a loop)


def files_under(root: Path, follow_symlinks: bool = False) -> tuple[list[FoundFile], list[dict]]:
    """The files under ``root`` in path order, each with the reason it cannot be read, if any; and
    the folders that could not be walked (``path``, ``line`` None, ``reason``)."""
    top = os.path.realpath(root)
    found: list[FoundFile] = []
    failed: list[dict] = []
    start = os.stat(root)
    walked = {(start.st_dev, start.st_ino)}
    # each folder with the (device, inode) of the folders above it, to tell a loop of links
    stack: list[tuple[Path, tuple[tuple[int, int], ...]]] = [(root, ((start.st_dev, start.st_ino),))]
    while stack:
        folder, above = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            failed.append(_failure(folder, f"cannot read this folder ({e.strerror or e}); the pages in it "
                                           "are not built"))
            continue
        subfolders: list[tuple[Path, tuple[tuple[int, int], ...]]] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden: a crawl's state, a build's cache, version control
            path = Path(entry.path)
            try:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    st = _link_target(path, top, follow_symlinks, found, failed)
                    if st is None:
                        continue
                key = (st.st_dev, st.st_ino)
                if stat.S_ISDIR(st.st_mode):
                    if key in above:
                        failed.append(_failure(path, f"a symbolic link loop: {os.readlink(path)} leads back "
                                                     "to a folder it is in"))
                    elif key not in walked:  # a folder two links lead to is walked once
                        walked.add(key)
                        subfolders.append((path, (*above, key)))
                elif stat.S_ISREG(st.st_mode):
                    found.append(FoundFile(path))
            except OSError as e:
                failed.append(_failure(path, f"cannot read it ({e.strerror or e})"))
        stack.extend(reversed(subfolders))
    found.sort(key=lambda f: f.path)
    return found, failed


def _link_target(path: Path, top: str, follow_symlinks: bool, found: list[FoundFile],
                 failed: list[dict]) -> os.stat_result | None:
    """What a link found in an input folder leads to, when it is to be walked or read; None when
    it is not (reported in ``found`` or ``failed`` when it leads out of the folder, in a loop or
    nowhere; left alone when it is a folder inside the input folder, whose pages are found under
    its own name, or neither a file nor a folder)."""
    try:
        st = os.stat(path)
    except OSError as e:
        reason = ("a symbolic link loop" if e.errno == errno.ELOOP
                  else f"a symbolic link that leads nowhere ({e.strerror or e})")
        found.append(FoundFile(path, f"{reason}: {os.readlink(path)}"))
        return None
    target = os.path.realpath(path)
    inside = target == top or target.startswith(top.rstrip(os.sep) + os.sep)
    if stat.S_ISDIR(st.st_mode):
        if inside:
            return None
        if not follow_symlinks:
            failed.append(_failure(path, f"a symbolic link to the folder {target}, outside the input folder: "
                                         f"not followed ({NOT_FOLLOWED})"))
            return None
        return st
    if not stat.S_ISREG(st.st_mode):
        return None
    if not inside and not follow_symlinks:
        found.append(FoundFile(path, f"a symbolic link to {target}, outside the input folder: not read "
                                     f"({NOT_FOLLOWED})"))
        return None
    return st


def _failure(path: Path, reason: str) -> dict:
    return {"path": str(path), "line": None, "reason": reason}
