"""Another name of a page: an ``aliases.tsv`` file in, (alias, target, line) pairs and what was
wrong with its other lines out.

``tropekg fetch`` records every redirect it followed within the site in ``DIR/aliases.tsv``: one
line per alias, the alias title, a tab, the title of the page it leads to
(``Main/OldName<TAB>Main/NewName``). The build reads the file found at the top of an input folder
so a page keeps the names that lead to it. The file is untrusted input like any page: a line that
is not two page titles is skipped with a warning naming the file and line, and a file too large
to be a list of names, or not text, is refused whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tropekg.titles import Title, parse_title

ALIASES_FILE = "aliases.tsv"
# A whole-wiki crawl meets some tens of thousands of redirects; no such list comes near this.
MAX_ALIASES_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Alias:
    alias: Title
    target: Title
    line: int


def read_aliases(path: Path) -> tuple[list[Alias], list[tuple[int | None, str]]]:
    """The aliases an ``aliases.tsv`` file gives, in file order, and warnings (line, message) for
    the lines it skipped (``line`` is None for a problem with the whole file)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_ALIASES_BYTES + 1)
    except OSError as e:
        return [], [(None, f"cannot read: {e.strerror or e}; no aliases taken from it")]
    if len(data) > MAX_ALIASES_BYTES:
        too_big = f"larger than {MAX_ALIASES_BYTES:,} bytes, more than any list of page names"
        return [], [(None, f"{too_big}; no aliases taken from it")]
    if b"\x00" in data:
        return [], [(None, "not a text file (it holds NUL bytes); no aliases taken from it")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        return [], [(line, "not UTF-8 text; no aliases taken from the file")]
    aliases: list[Alias] = []
    warnings: list[tuple[int | None, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2:
            found = f"{len(fields)} field{'s' if len(fields) != 1 else ''}"
            warnings.append((number, f"expected an alias title, a tab and a page title; found {found}"))
            continue
        alias, target = (parse_title(f) for f in fields)
        bad = [f for f, t in zip(fields, (alias, target)) if t is None]
        if bad:
            shown = bad[0].strip()
            warnings.append((number, f"{shown[:80]!r} is not a page title (Namespace/PageName)"))
            continue
        assert alias is not None and target is not None
        if alias == target:
            warnings.append((number, f"{alias} is given as an alias of itself"))
            continue
        aliases.append(Alias(alias, target, number))
    return aliases, warnings
