"""The output folder of a build: a finished build's files in, a folder whose readers see one whole
build out.

    OUT/.versions/<n>/dataset.nq ...       each build's outputs, in a folder of their own
    OUT/.current -> .versions/<n>          the build readers see: one symbolic link
    OUT/dataset.nq -> .current/dataset.nq  the names people and tools open
    OUT/.lock                              held by the build writing here
    OUT/.cache/                            the page cache (:mod:`.cache`), also the page parts
                                           each version's manifest.json names

A build writes a new version beside the current one and publishes it by renaming a new ``.current``
link over the old one, a single atomic rename: whenever the build is killed, opening
``OUT/dataset.nq`` gives the previous build's file or the new one, and never ``dataset.nq`` of one
build beside ``report.json`` of another. Only a build changes the folder, under its lock; ``load``
and ``validate`` only read it, so they need no repair and cannot race.

A build folder may come from someone else, so nothing in it is trusted: every name tropekg reads back
is checked to be what tropekg writes there (a plain name in the folder, a link spelt the way
tropekg spells it), nothing is followed out of the folder, and anything else is refused with a
message saying what was found and what to do.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import stat
from pathlib import Path

from tropekg.atomic import fsync_dir
from tropekg.build.discover import BuildError
from tropekg.build.manifest import MANIFEST_FILE, WANTED_FILE
from tropekg.build.outputs import OUTPUT_FILES, REPORT_FILE
from tropekg.locks import LockBusy, LockRefused, describe, exclusive_lock

LOCK_FILE = ".lock"
VERSIONS_DIR = ".versions"
CURRENT_LINK = ".current"
# An older tropekg put its outputs in place through a journal and a staging folder; a build
# completes or drops what such a build left, and readers refuse a folder it left half switched.
LEGACY_JOURNAL = ".commit"
LEGACY_STAGING = re.compile(r"\.staging-[A-Za-z0-9_]+")
# the page parts' manifest and the graphs no page holds are outputs too: the cache entries they
# name are shared by the versions (see .manifest)
OUTPUT_NAMES = (*OUTPUT_FILES.values(), MANIFEST_FILE, WANTED_FILE, REPORT_FILE)

_VERSION = re.compile(r"[0-9]{1,9}")
_TEMPORARY_LINK = re.compile(r"\.tropekg-link-[0-9a-f]{16}")
_JOURNAL_LIMIT = 65536  # a journal lists a handful of names
_WAY_OUT = ("tropekg reads nothing a build folder leads out of it: give the RDF file itself, or build "
            "into a fresh folder")


class FolderError(BuildError):
    """The output folder holds something tropekg did not write there, or cannot be written."""


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _remove(path: Path) -> None:
    """Remove a name of the folder itself: a link is removed, never what it leads to (rmtree does
    not follow links either)."""
    st = _lstat(path)
    if st is None:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path)
    else:
        path.unlink()


# -- the lock --------------------------------------------------------------------------------------

def lock(out_dir: Path):
    """An exclusive lock on the output folder for the length of a build (a file object; close it
    to release). Refuses a ``.lock`` that is not a plain file: tropekg never creates or writes a
    file through a link, nor waits on a FIFO."""
    path = out_dir / LOCK_FILE
    try:
        return exclusive_lock(path)
    except LockRefused as e:
        raise FolderError(f"{path} is {e.what}, not the lock file tropekg keeps there; tropekg never "
                          f"writes through it: remove it (rm {path}) and build again") from None
    except LockBusy:
        raise FolderError(f"{out_dir}: another tropekg build is writing here") from None
    except OSError as e:
        raise FolderError(f"{out_dir}: cannot write the output folder: {e.strerror or e}") from None


# -- reading a build folder ------------------------------------------------------------------------

def current_version(out_dir: Path) -> Path | None:
    """The version folder ``.current`` names, checked: a link spelt ``.versions/<n>`` to a real
    folder in a real ``.versions`` folder. None when there is no ``.current``; a
    :class:`FolderError` when it is anything else."""
    link = out_dir / CURRENT_LINK
    st = _lstat(link)
    if st is None:
        return None
    if not stat.S_ISLNK(st.st_mode):
        raise FolderError(f"{link} is {describe(link, st)}, not the link to the current outputs tropekg makes; "
                          f"{_WAY_OUT}")
    target = os.readlink(link)
    head, _, number = target.partition("/")
    if head != VERSIONS_DIR or not _VERSION.fullmatch(number):
        raise FolderError(f"{link} leads to {target}, not to a version of the outputs ({VERSIONS_DIR}/N); "
                          f"{_WAY_OUT}")
    for path in (out_dir / VERSIONS_DIR, out_dir / VERSIONS_DIR / number):
        st = _lstat(path)
        if st is None:
            raise FolderError(f"{link} leads to {target}, which is missing: build into the folder again")
        if not stat.S_ISDIR(st.st_mode):
            raise FolderError(f"{path} is {describe(path, st)}, not a folder of outputs; {_WAY_OUT}")
    return out_dir / VERSIONS_DIR / number


def published(out_dir: Path, name: str) -> Path | None:
    """Where to read the output ``name`` (``dataset.nq``, ``report.json``, ...) of a build folder:
    its own name, once checked to lead (through tropekg's links, if any) to a plain file inside the
    folder. None when the build has no such output; a :class:`FolderError` when the folder holds
    something tropekg does not write there, or was left half switched by an older tropekg."""
    if name not in OUTPUT_NAMES:
        raise ValueError(f"not an output of a build: {name!r}")
    path = out_dir / name
    st = _lstat(path)
    if st is None:
        return None
    if stat.S_ISREG(st.st_mode):
        # the layout of builds made before output versions (or a copy that resolved the links)
        if _lstat(out_dir / LEGACY_JOURNAL) is not None and _lstat(out_dir / CURRENT_LINK) is None:
            raise FolderError(
                f"{out_dir}: a build was stopped while putting its outputs in place ({LEGACY_JOURNAL} is "
                f"there), so its files may come from two builds: build into it again to finish, or, if "
                f"you know the files are whole, remove {out_dir / LEGACY_JOURNAL}")
        return path
    if not stat.S_ISLNK(st.st_mode):
        raise FolderError(f"{path} is {describe(path, st)}, not a file of outputs")
    target = os.readlink(path)
    if target != f"{CURRENT_LINK}/{name}":
        raise FolderError(f"{path} is a symbolic link to {target}, not one tropekg makes; {_WAY_OUT}")
    version = current_version(out_dir)
    if version is None:
        return None  # the first build into this folder has not published yet
    st = _lstat(version / name)
    if st is None:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise FolderError(f"{version / name} is {describe(version / name, st)}, not a file of outputs; {_WAY_OUT}")
    return path


# -- writing it: under the lock --------------------------------------------------------------------

def new_version(out_dir: Path) -> Path:
    """Under the lock: clear what killed builds left (versions never published, an older
    tropekg's journal and staging folders), bring outputs of the older layout into a version of
    their own, and make an empty folder for this build's outputs."""
    _finish_legacy_switch(out_dir)
    for entry in os.scandir(out_dir):
        if _TEMPORARY_LINK.fullmatch(entry.name):
            _remove(Path(entry.path))  # a build killed between making a link and renaming it
    versions = out_dir / VERSIONS_DIR
    st = _lstat(versions)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise FolderError(f"{versions} is {describe(versions, st)}, not the folder tropekg keeps its outputs "
                          f"in; tropekg never writes through it: remove it (rm {versions}) and build again")
    if st is None:
        versions.mkdir()
    current = _published_version(out_dir)
    if current is None:
        current = _migrate_legacy_outputs(out_dir)
    for entry in os.scandir(versions):
        if current is None or entry.name != current.name:
            _remove(Path(entry.path))  # a build killed before publishing, or a version replaced
    version = versions / str(int(current.name) + 1 if current is not None else 1)
    version.mkdir()
    return version


def _published_version(out_dir: Path) -> Path | None:
    """The current version when ``.current`` is tropekg's; a ``.current`` that is not (a copy
    that resolved the links, say) is removed: the build replaces it."""
    try:
        return current_version(out_dir)
    except FolderError:
        _remove(out_dir / CURRENT_LINK)
        return None


def _migrate_legacy_outputs(out_dir: Path) -> Path | None:
    """Outputs that are plain files (the layout before versions, or a copy that resolved the
    links) become the first version: hard links to the same files, published, then each name
    turned into tropekg's link, so a reader sees the same bytes throughout."""
    legacy = [name for name in OUTPUT_NAMES
              if (st := _lstat(out_dir / name)) is not None and stat.S_ISREG(st.st_mode)]
    if not legacy:
        return None
    version = out_dir / VERSIONS_DIR / "1"
    _remove(version)
    version.mkdir()
    for name in legacy:
        try:
            os.link(out_dir / name, version / name)
        except OSError:
            shutil.copy2(out_dir / name, version / name)  # a file system without hard links
    publish(out_dir, version)
    return version


def publish(out_dir: Path, version: Path) -> None:
    """Make ``version`` (a folder under ``.versions`` holding complete outputs) the build readers
    see, with one rename; then drop the versions before it and the names of outputs it lacks."""
    names = [name for name in OUTPUT_NAMES if (version / name).is_file()]
    # names that are plain files, the very files of ``version`` (a folder of the older layout
    # being brought in, see _migrate_legacy_outputs), become links once the switch makes them lead
    # to the same bytes; every other name before it, when a link leads to the previous version
    plain = {name for name in names if _same_file(out_dir / name, version / name)}
    fsync_dir(version)
    fsync_dir(version.parent)
    for name in names:  # before the switch, a link leads to the previous version's file (or none)
        if name not in plain:
            _link(out_dir / name, f"{CURRENT_LINK}/{name}")
    _link(out_dir / CURRENT_LINK, f"{VERSIONS_DIR}/{version.name}")  # the switch
    for name in sorted(plain):
        _link(out_dir / name, f"{CURRENT_LINK}/{name}")
    try:
        fsync_dir(out_dir)
        for name in OUTPUT_NAMES:
            path = out_dir / name
            if name not in names and os.path.islink(path):
                path.unlink()  # an output this build did not write: gone with the version that had it
        for entry in os.scandir(version.parent):
            if entry.name != version.name:
                _remove(Path(entry.path))
    except OSError:
        pass  # published; what is left over is cleared by the next build


def _same_file(path: Path, other: Path) -> bool:
    st = _lstat(path)
    return st is not None and stat.S_ISREG(st.st_mode) and os.path.samestat(st, os.lstat(other))


def _link(path: Path, target: str) -> None:
    """Make ``path`` a symbolic link to ``target`` in one rename (it replaces a link or a file, never
    what a link leads to)."""
    try:
        if os.readlink(path) == target:
            return
    except OSError:
        pass
    st = _lstat(path)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise FolderError(f"{path} is a folder, where tropekg writes an output: move it away and build again")
    tmp = path.parent / f".tropekg-link-{secrets.token_hex(8)}"
    try:
        os.symlink(target, tmp)
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EOPNOTSUPP):
            raise
        raise FolderError(f"{path.parent}: the file system cannot hold symbolic links ({e.strerror or e}); "
                          "tropekg switches outputs with one: build into a folder on another file system") from None
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _finish_legacy_switch(out_dir: Path) -> None:
    """Complete the renames an older tropekg's journal lists when it is one that tropekg wrote
    (a ``.staging-*`` folder of the output folder, output names only); drop it otherwise, and drop
    the staging folders killed builds left."""
    journal = out_dir / LEGACY_JOURNAL
    st = _lstat(journal)
    if st is not None:
        legacy_layout = _lstat(out_dir / CURRENT_LINK) is None
        entries = _legacy_journal(journal, st) if legacy_layout and stat.S_ISREG(st.st_mode) else None
        if entries is not None:
            staging, names = entries
            for name in names:
                st_file = _lstat(staging / name)
                if st_file is not None and stat.S_ISREG(st_file.st_mode):
                    os.replace(staging / name, out_dir / name)
            fsync_dir(out_dir)
        _remove(journal)
    for entry in os.scandir(out_dir):
        if LEGACY_STAGING.fullmatch(entry.name):
            _remove(Path(entry.path))


def _legacy_journal(path: Path, st: os.stat_result) -> tuple[Path, list[str]] | None:
    """The staging folder and the names an older tropekg's journal lists, or None when it is not
    such a journal."""
    if st.st_size > _JOURNAL_LIMIT:
        return None
    try:
        journal = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(journal, dict) or set(journal) != {"staging", "files"}:
        return None
    staging, names = journal["staging"], journal["files"]
    if not (isinstance(staging, str) and LEGACY_STAGING.fullmatch(staging) and isinstance(names, list)
            and names and all(isinstance(n, str) and n in OUTPUT_NAMES for n in names)):
        return None
    st_staging = _lstat(path.parent / staging)
    if st_staging is None or not stat.S_ISDIR(st_staging.st_mode):
        return None
    return path.parent / staging, names
