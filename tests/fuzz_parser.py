"""Coverage-guided fuzzing of the parser with atheris (a long campaign, outside `make test`).

    make fuzz                       # 10 minutes by default; FUZZ_SECONDS=3600 make fuzz for longer
    .venv/bin/python tests/fuzz_parser.py -max_total_time=60 tests/fuzz_corpus

Each input is decoded as a page file would be and parsed; any exception other than the clear
PageError a bad file gets is a crash. A crash found is fixed and added to tests/bad_inputs/ as a
regression case. Seeds: the markup case inputs in tests/cases and the sample pages.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from tropekg.markup.parse import parse_source
    from tropekg.readers.source import PageError, decode
    from tropekg.titles import Title

TITLE = Title("Main", "FuzzedPage")


def one_input(data: bytes) -> None:
    try:
        source = decode(data, "<fuzz>")
    except PageError:
        return
    page = parse_source(source, TITLE)
    lines = source.text.count("\n") + 1
    for item in (*page.links, *page.examples, *page.warnings):
        assert 1 <= item.line <= lines, (item, lines)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
