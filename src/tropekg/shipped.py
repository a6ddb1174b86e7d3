"""Where the shipped vocabulary files live.

The top-level ``ontology/``, ``shapes/`` and ``queries/`` folders are copied into the wheel as
``tropekg/ontology`` (and so on); in a source checkout or an editable install they are read from the
repository root instead. Everything that needs one of these files asks this module for its path.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]


def _folder(name: str) -> Path:
    packaged = resources.files("tropekg") / name
    if packaged.is_dir():
        return Path(str(packaged))
    return _REPO_ROOT / name


def ontology_dir() -> Path:
    return _folder("ontology")


def ontology_path() -> Path:
    return ontology_dir() / "tropekg.ttl"


def context_path() -> Path:
    return ontology_dir() / "context.jsonld"


def shapes_dir() -> Path:
    return _folder("shapes")


def queries_dir() -> Path:
    return _folder("queries")


def data_path(name: str) -> Path:
    """A data table shipped inside the package (``src/tropekg/data``)."""
    return Path(str(resources.files("tropekg") / "data" / name))
