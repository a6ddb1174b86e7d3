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
                linked, inside = stat.S_ISLNK(st.st_mode), True
                if linked:
                    target = _link_target(path, top, found)
                    if target is None:
                        continue
                    st, inside = target
                key = (st.st_dev, st.st_ino)
                if stat.S_ISDIR(st.st_mode):
                    if key in above:
                        failed.append(_failure(path, f"a symbolic link loop: {os.readlink(path)} leads back "
                                                     "to a folder it is in"))
                    elif linked and inside:
                        continue  # a folder of the input folder: its pages are found under its own name
                    elif not inside and not follow_symlinks:
                        failed.append(_failure(path, f"a symbolic link to the folder {os.path.realpath(path)}, "
                                                     f"outside the input folder: not followed ({NOT_FOLLOWED})"))
                    elif key not in walked:  # a folder two links lead to is walked once
                        walked.add(key)
                        subfolders.append((path, (*above, key)))
                elif stat.S_ISREG(st.st_mode):
                    if inside or follow_symlinks:
                        found.append(FoundFile(path))
                    else:
                        found.append(FoundFile(path, f"a symbolic link to {os.path.realpath(path)}, outside the "
                                                     f"input folder: not read ({NOT_FOLLOWED})"))
            except OSError as e:
                failed.append(_failure(path, f"cannot read it ({e.strerror or e})"))
        stack.extend(reversed(subfolders))
    found.sort(key=lambda f: f.path)
    return found, failed


def _link_target(path: Path, top: str, found: list[FoundFile]) -> tuple[os.stat_result, bool] | None:
    """What a link found in an input folder leads to, and whether that is inside the folder; None
    when it leads nowhere or in a loop (reported in ``found``, so a link named like a page is
    named in the failures)."""
    try:
        st = os.stat(path)
    except OSError as e:
        reason = ("a symbolic link loop" if e.errno == errno.ELOOP
                  else f"a symbolic link that leads nowhere ({e.strerror or e})")
        found.append(FoundFile(path, f"{reason}: {os.readlink(path)}"))
        return None
    target = os.path.realpath(path)
    return st, target == top or target.startswith(top.rstrip(os.sep) + os.sep)


def _failure(path: Path, reason: str) -> dict:
    return {"path": str(path), "line": None, "reason": reason}
