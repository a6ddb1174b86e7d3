"""Finding the pages of a build: files and folders in, page files with their titles out.

Each page file gets its title (from its path) and the path recorded in provenance (relative to the
input it was found in); a file with no title, or a second file for a page already found, is
reported with its reason and left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tropekg.build.input_folders import files_under
from tropekg.readers import PageError, WikiSourceReader, reader_for
from tropekg.titles import Title


class BuildError(Exception):
    """The build could not run at all (no pages, an unwritable output folder)."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    relative: str        # the path recorded in provenance: relative to the input it was found in
    title: Title
    reader: str = WikiSourceReader.name  # the name of the reader (tropekg.readers) that reads it


def discover(paths: Iterable[Path], title: Title | None = None, *,
             follow_symlinks: bool = False) -> tuple[list[SourceFile], list[dict]]:
    """Page files under the given files and folders, sorted by title; and the files that could not
    be taken (no title, a second file for the same page, a link out of its input folder when not
    ``follow_symlinks``, a folder that cannot be read) with their reasons."""
    found: list[SourceFile] = []
    failed: list[dict] = []
    for root in paths:
        if root.is_dir():
            files, unwalked = files_under(root, follow_symlinks)
            failed.extend(unwalked)
            for file in files:
                path = file.path
                reader = reader_for(path)
                if reader is None:
                    continue
                if file.problem is not None:
                    failed.append({"path": str(path), "line": None, "reason": file.problem})
                    continue
                try:
                    found.append(SourceFile(path, path.relative_to(root).as_posix(), reader.title(path),
                                            reader.name))
                except PageError as e:
                    failed.append({"path": str(path), "line": None, "reason": e.message})
        elif root.is_file():
            reader = reader_for(root) or WikiSourceReader()
            try:
                t = title or reader.title(root)
            except PageError as e:
                failed.append({"path": str(root), "line": None, "reason": e.message})
                continue
            rel = f"{root.parent.name}/{root.name}" if root.parent.name else root.name
            found.append(SourceFile(root, rel, t, reader.name))
        else:
            raise BuildError(f"{root}: no such file or folder")
    found.sort(key=lambda s: (s.title.key, s.relative))
    unique: list[SourceFile] = []
    for src in found:
        if unique and unique[-1].title == src.title:
            failed.append({"path": str(src.path), "line": None,
                           "reason": f"a second file for page {src.title} (first: {unique[-1].path})"})
            continue
        unique.append(src)
    return unique, failed


def spellings_of(sources: list[SourceFile]) -> dict[str, str]:
    """The spelling of every page of the build (title key -> page name): every link to a page the
    corpus describes takes the page's own spelling."""
    return {src.title.key: src.title.name for src in sources}
