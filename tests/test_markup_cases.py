"""Markup cases as data: every block of ``tests/cases/*.txt`` is one test.

A case file holds blocks like this (text before the first ``===`` is a comment)::

    === wikiword links
    --- title: Film/Foo
    --- input
    AaA Aa20 A2BcDe AAAA Aaaa A2
    --- expected
    {"links": [{"target": "Main/AaA"}, {"target": "Main/Aa20"}, {"target": "Main/A2BcDe"}]}

``title`` is optional (default ``Main/ExampleTrope``). ``--- input escaped`` reads ``\\r``, ``\\t`` and
``\\\\`` in the input as a carriage return, a tab and one backslash, for line ends a text file cannot
show. The input's first line is line 1; trailing blank lines are dropped and the text ends in a newline.

``expected`` is a JSON object checked against the page model (``tropekg parse`` output) as a subset:
an object's keys must be present and match; a list must have exactly the expected items, in order,
each compared only on the keys the expected item gives; other values must be equal. A key ending in
``~`` loosens the check of the key without it: a text must contain the given text, and a list must
contain the given items in that order, among others (for warnings). Adding a case needs no code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tropekg.markup.parse import parse_text
from tropekg.titles import parse_title

CASES_DIR = Path(__file__).parent / "cases"
DEFAULT_TITLE = "Main/ExampleTrope"

_CASE = re.compile(r"^=== (?P<name>.+?)\s*$")
_SECTION = re.compile(r"^--- (?:(?P<title>title:\s*(?P<value>\S+))|(?P<input>input(?P<esc> escaped)?)"
                      r"|(?P<expected>expected))\s*$")


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    line: int          # where the case starts in its file
    title: str
    text: str
    expected: dict

    @property
    def id(self) -> str:
        return f"{self.file}: {self.name}"


class CaseFileError(Exception):
    pass


def _unescape(text: str) -> str:
    return re.sub(r"\\([rt\\])", lambda m: {"r": "\r", "t": "\t", "\\": "\\"}[m.group(1)], text)


def load_cases(path: Path) -> list[Case]:
    """The cases of one file; a malformed block is a :class:`CaseFileError` naming file and line."""
    cases: list[Case] = []
    current: dict | None = None
    section: str | None = None

    def finish() -> None:
        if current is None:
            return
        where = f"{path.name}:{current['line']}"
        if "input" not in current or "expected" not in current:
            raise CaseFileError(f"{where}: case {current['name']!r} needs --- input and --- expected")
        lines = current["input"]
        while lines and not lines[-1].strip():
            lines.pop()
        text = "\n".join(lines) + "\n"
        if current["escaped"]:
            text = _unescape(text)
        try:
            expected = json.loads("\n".join(current["expected"]))
        except json.JSONDecodeError as e:
            raise CaseFileError(f"{where}: case {current['name']!r}: expected is not JSON: {e}") from None
        if not isinstance(expected, dict) or not expected:
            raise CaseFileError(f"{where}: case {current['name']!r}: expected must be a non-empty object")
        cases.append(Case(path.stem, current["name"], current["line"], current["title"], text, expected))

    for lineno, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        m = _CASE.match(line)
        if m:
            finish()
            current = {"name": m.group("name"), "line": lineno, "title": DEFAULT_TITLE, "escaped": False}
            section = None
            continue
        if current is None:
            continue  # the file's leading comment
        s = _SECTION.match(line)
        if s and s.group("title"):
            current["title"] = s.group("value")
        elif s and s.group("input"):
            section, current["input"], current["escaped"] = "input", [], bool(s.group("esc"))
        elif s and s.group("expected"):
            section, current["expected"] = "expected", []
        elif section is not None:
            current[section].append(line)
        elif line.strip():
            raise CaseFileError(f"{path.name}:{lineno}: text outside --- input / --- expected")
    finish()
    names = [c.name for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise CaseFileError(f"{path.name}: duplicate case names {sorted(duplicates)}")
    return cases


def mismatches(expected, actual, path: str = "$") -> list[str]:
    """Where ``actual`` differs from ``expected`` under the subset rules of the module doc."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        out = []
        for key, want in expected.items():
            if key.endswith("~"):
                out.extend(_contains(want, actual.get(key[:-1]), f"{path}.{key[:-1]}"))
            elif key not in actual:
                out.append(f"{path}: no key {key!r} (keys: {sorted(actual)})")
            else:
                out.extend(mismatches(want, actual[key], f"{path}.{key}"))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {actual!r}"]
        if len(expected) != len(actual):
            shown = json.dumps(_project(expected, actual))
            return [(f"{path}: expected {len(expected)} items, got {len(actual)}:\n"
                     f"    expected {json.dumps(expected)}\n    actual   {shown}")]
        out = []
        for i, (want, got) in enumerate(zip(expected, actual)):
            out.extend(mismatches(want, got, f"{path}[{i}]"))
        return out
    if expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def _contains(expected, actual, path: str) -> list[str]:
    """The loose check of a ``key~``: a text within the text, or items in order within the list."""
    if isinstance(expected, str):
        if isinstance(actual, str) and expected in actual:
            return []
        return [f"{path}: expected text containing {expected!r}, got {actual!r}"]
    if isinstance(expected, list) and isinstance(actual, list):
        rest = iter(actual)
        for want in expected:
            if not any(not mismatches(want, got) for got in rest):
                return [f"{path}: no item matching {json.dumps(want)} (in order) among {json.dumps(actual)}"]
        return []
    return [f"{path}: a ~ check needs a text or a list, got {expected!r} and {actual!r}"]


def _project(expected: list, actual: list) -> list:
    """Actual items cut down to the keys the expected items name, for a readable failure."""
    keys = {k.rstrip("~") for item in expected if isinstance(item, dict) for k in item}
    if not keys:
        return actual
    return [{k: v for k, v in item.items() if k in keys} if isinstance(item, dict) else item
            for item in actual]


def _all_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CASES_DIR.glob("*.txt")):
        cases.extend(load_cases(path))
    return cases


CASES = _all_cases()


def test_there_are_enough_cases():
    assert len(CASES) >= 80
    files = {c.file for c in CASES}
    assert {"links", "potholes", "formatting", "structure", "relations", "modes", "examples",
            "workpages", "broken", "titles"} <= files


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_markup_case(case: Case):
    title = parse_title(case.title)
    assert title is not None, f"{case.file}.txt:{case.line}: bad title {case.title!r}"
    page = parse_text(case.text, title).to_json()
    problems = mismatches(case.expected, page)
    assert not problems, f"{case.file}.txt:{case.line} ({case.name}):\n  " + "\n  ".join(problems)


# -- the matcher itself must be able to fail ------------------------------------------------------

def test_matcher_checks_subsets_and_exact_lists():
    actual = {"links": [{"target": "Main/A", "line": 1}, {"target": "Main/B", "line": 2}], "kind": "trope"}
    assert mismatches({"links": [{"target": "Main/A"}, {"target": "Main/B"}]}, actual) == []
    assert mismatches({"links": [{"target": "Main/A"}]}, actual)                   # a missing item
    assert mismatches({"links": [{"target": "Main/B"}, {"target": "Main/A"}]}, actual)  # order
    assert mismatches({"kind": "work"}, actual)
    assert mismatches({"nokey": 1}, actual)
    assert mismatches({"kind~": "rop"}, actual) == []
    assert mismatches({"kind~": "xyz"}, actual)
    assert mismatches({"links~": [{"target": "Main/B"}]}, actual) == []
    assert mismatches({"links~": [{"line": 2}, {"line": 1}]}, actual)          # order
    assert mismatches({"links~": [{"target": "Main/C"}]}, actual)


def test_case_files_are_read_as_written(tmp_path):
    path = tmp_path / "sample.txt"
    path.write_text("comment\n=== one\n--- title: Film/Foo\n--- input escaped\na\\r\n\\tb\n\n"
                    "--- expected\n{\"kind\": \"work\"}\n", encoding="utf-8")
    (case,) = load_cases(path)
    assert (case.name, case.title, case.text, case.expected) == ("one", "Film/Foo", "a\r\n\tb\n",
                                                                {"kind": "work"})
    path.write_text("=== two\n--- input\nx\n--- expected\nnot json\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match="sample.txt:1"):
        load_cases(path)
