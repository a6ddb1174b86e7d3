"""Shared test setup: the ``--regen-golden`` flag, and where the real-page corpus lives (with a skip
when it is not there)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden", action="store_true", default=False,
        help="rewrite the golden files from the current output (then review the diff)",
    )
    parser.addoption(
        "--save-screenshots", action="store_true", default=False,
        help="keep the site's screenshots from the browser tests in docs/screenshots (for the README)",
    )


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The real page source in ``../shared/corpus`` (never copied into the repository)."""
    if not (CORPUS / "Main").is_dir():
        pytest.skip(f"real-page corpus not found at {CORPUS} (a checkout outside the shared setup)")
    return CORPUS


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """examples/pages built once for the session (modules may define their own ``built``)."""
    from tropekg.build import build

    out = tmp_path_factory.mktemp("built-examples")
    report = build([Path(__file__).resolve().parents[1] / "examples" / "pages"], out, jobs=1)
    assert not report.failed
    return out


@pytest.fixture(scope="session")
def wikidata(tmp_path_factory):
    """A local Oxigraph server holding the Wikidata-shaped sample of tests/wikidata_sample.py."""
    from .sparql_server import oxigraph_server
    from .wikidata_sample import write_sample_store

    location = write_sample_store(tmp_path_factory.mktemp("wikidata") / "store")
    with oxigraph_server(location) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """One Virtuoso server for the session (tests/virtuoso_server.py), empty, stopped by its PID at
    the end; skipped where Debian's virtuoso-opensource-7-bin is not installed (make test installs
    it)."""
    from .virtuoso_server import virtuoso_executable, virtuoso_server

    if virtuoso_executable() is None:
        pytest.skip("virtuoso-t is absent: apt-get install virtuoso-opensource-7-bin (make test installs it)")
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server
