"""Finding the pages of a build: files and folders in, the pages they hold with their titles out.

Every file under an input is offered to the readers (:data:`tropekg.readers.READERS`): page files
of any form, gzip-compressed pages, web archives holding many pages. Each page gets its title and
its origin, the path recorded in provenance (relative to the input it was found in, and
``#URL`` for an archive's record). When two inputs are the same page, one is kept by a fixed rule
(:func:`preference`) and the other is reported naming both. An ``aliases.tsv`` at the top of an
input folder (as ``tropekg fetch`` writes it) and the redirects a web archive holds give pages
their other names. A file with no title, or that cannot be read, is reported with its reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from tropekg.build.input_folders import files_under
from tropekg.readers import WikiSourceReader, read_head, reader_for
from tropekg.readers.aliases import ALIASES_FILE, read_aliases
from tropekg.titles import Title


class BuildError(Exception):
    """The build could not run at all (no pages, an unwritable output folder)."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    relative: str        # the origin recorded in provenance: relative to the input it was found in
    title: Title
    reader: str = WikiSourceReader.name  # the name of the reader (tropekg.readers) that reads it
    form: str | None = None   # "markup" or "html" when the reader knows; None: decided by the bytes
    offset: int | None = None  # where the page starts in the file (a web archive's record)
    member: str = ""          # which part of the file (a web archive's record URL)
    aliases: tuple[str, ...] = ()  # other wiki names that lead to this page, sorted

    @property
    def where(self) -> str:
        """The file, and the record in it, as messages name them."""
        return f"{self.path}#{self.member}" if self.member else str(self.path)


@dataclass(slots=True)
class Discovery:
    """What the inputs hold."""

    sources: list[SourceFile] = field(default_factory=list)   # the pages to build, by title
    failed: list[dict] = field(default_factory=list)          # path, line, reason
    warnings: list[dict] = field(default_factory=list)        # path, line, message (not pages)
    archives: list[dict] = field(default_factory=list)        # path, pages, aliases, skipped
    aliases: int = 0                                          # other names given to pages


@dataclass(slots=True)
class _Found:
    src: SourceFile
    input_index: int
    date: str


@dataclass(slots=True)
class _Claim:
    alias: Title
    target: Title
    path: str           # the file (and record) that says so
    line: int | None    # and its line
    order: tuple

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


def _newest_first(date: str) -> float:
    """A WARC-Date as a sort key, newest first; an undated page after every dated one."""
    try:
        return -datetime.fromisoformat(date).timestamp()
    except ValueError:
        return float("inf")


def preference(found: _Found) -> tuple:
    """How pages that are the same page are ranked, first kept: wiki source before rendered HTML
    (it is what the page's authors wrote), then the newer web archive record (WARC-Date; a page
    from an archive before an undated file), then the input given first, then the path in it,
    then the record's place in its archive."""
    src = found.src
    return (0 if src.form == "markup" else 1, _newest_first(found.date) if found.date else float("inf"),
            found.input_index, src.relative, src.offset or 0)


def discover(paths: Iterable[Path], title: Title | None = None, *, follow_symlinks: bool = False) -> Discovery:
    """The pages under the given files and folders, sorted by title; see the module doc. Links in
    a folder that lead out of it are followed only with ``follow_symlinks``
    (:mod:`.input_folders`)."""
    found: list[_Found] = []
    result = Discovery()
    claims: list[_Claim] = []
    for index, root in enumerate(paths):
        if root.is_dir():
            files, unwalked = files_under(root, follow_symlinks)
            result.failed.extend(unwalked)
            aliases_file = root / ALIASES_FILE
            for file in files:
                path = file.path
                if file.problem is not None:  # never read: is it named like something we read?
                    if path == aliases_file or reader_for(path, b"") is not None:
                        result.failed.append({"path": str(path), "line": None, "reason": file.problem})
                    continue
                if path == aliases_file:
                    claims.extend(_aliases_file(aliases_file, index, result))
                    continue
                head = read_head(path)
                reader = reader_for(path, head)
                if reader is not None:
                    _take(path, path.relative_to(root).as_posix(), reader, index, None, found, claims, result)
        elif root.is_file():
            reader = reader_for(root) or WikiSourceReader()
            rel = f"{root.parent.name}/{root.name}" if root.parent.name else root.name
            _take(root, rel, reader, index, title, found, claims, result)
        else:
            raise BuildError(f"{root}: no such file or folder")
    found.sort(key=lambda f: (f.src.title.key, preference(f)))
    kept: dict[str, SourceFile] = {}
    for f in found:
        first = kept.get(f.src.title.key)
        if first is not None:
            result.failed.append({"path": f.src.where, "line": None,
                                  "reason": f"a second input for page {f.src.title} (kept: {first.where})"})
            continue
        kept[f.src.title.key] = f.src
    names = _place_aliases(claims, kept, result)
    result.sources = [replace(s, aliases=tuple(str(t) for t in sorted(names.get(s.title.key, ()),
                                                                       key=lambda t: t.key)))
                      for s in kept.values()]
    return result


def _take(path: Path, rel: str, reader, index: int, title: Title | None, found: list[_Found],
          claims: list[_Claim], result: Discovery) -> None:
    """The pages, aliases and skipped records of one file."""
    skipped: Counter[str] = Counter()
    pages = aliases = 0
    for record in reader.records(path):
        where = f"{path}#{record.member}" if record.member else str(path)
        if record.kind == "skipped":
            skipped[record.note] += 1
            continue
        if record.kind == "alias":
            assert record.alias is not None and record.title is not None
            claims.append(_Claim(record.alias, record.title, where, None, (index, rel, record.offset or 0)))
            aliases += 1
            continue
        page_title = title if (title is not None and record.offset is None) else record.title
        if page_title is None:  # an error record, or a reader that found no title
            result.failed.append({"path": str(path), "line": None, "reason": record.note or "no title"})
            continue
        pages += 1
        src = SourceFile(path, f"{rel}#{record.member}" if record.member else rel, page_title, reader.name,
                         record.form, record.offset, record.member)
        found.append(_Found(src, index, record.date))
    if reader.name == "warc":
        result.archives.append({"path": str(path), "pages": pages, "aliases": aliases,
                                "skipped": dict(sorted(skipped.items()))})


def _aliases_file(path: Path, index: int, result: Discovery) -> list[_Claim]:
    aliases, warnings = read_aliases(path)
    for line, message in warnings:
        result.warnings.append({"path": str(path), "line": line, "message": message})
    return [_Claim(a.alias, a.target, str(path), a.line, (index, "", a.line)) for a in aliases]


def _place_aliases(claims: list[_Claim], pages: dict[str, SourceFile], result: Discovery) -> dict[str, set[Title]]:
    """Each page's other names (title key -> alias titles). An alias leads to one page: the first
    claim of it counts, one leading elsewhere is reported; a chain of aliases is followed to its
    page; an alias that is itself a page, or leads in a circle, is reported and not kept. An alias
    of a page not in the build is not an error (a crawl records redirects of pages it then could
    not save)."""
    leads: dict[str, _Claim] = {}
    for claim in sorted(claims, key=lambda c: c.order):
        key = claim.alias.key
        if key in pages:
            result.warnings.append({"path": claim.path, "line": claim.line,
                                    "message": f"{claim.alias} is a page of its own; not kept as another "
                                               f"name of {claim.target}"})
            continue
        first = leads.get(key)
        if first is None:
            leads[key] = claim
        elif first.target != claim.target:
            result.warnings.append({"path": claim.path, "line": claim.line,
                                    "message": f"{claim.alias} is said to lead to {claim.target}, but "
                                               f"{first.where} says {first.target}; kept {first.target}"})
    names: dict[str, set[Title]] = {}
    for key in sorted(leads):
        claim = leads[key]
        target, seen = claim.target, {key}
        while target.key not in pages and target.key in leads and target.key not in seen:
            seen.add(target.key)
            target = leads[target.key].target
        if target.key in seen:
            result.warnings.append({"path": claim.path, "line": claim.line,
                                    "message": f"{claim.alias} leads in a circle of aliases; not kept"})
            continue
        if target.key in pages:
            names.setdefault(target.key, set()).add(claim.alias)
            result.aliases += 1
    return names


def spellings_of(sources: list[SourceFile]) -> dict[str, str]:
    """The spelling of every page of the build (title key -> page name): every link to a page the
    corpus describes takes the page's own spelling."""
    return {src.title.key: src.title.name for src in sources}


__all__ = ["BuildError", "Discovery", "SourceFile", "discover", "preference", "spellings_of"]
