"""Shared pytest configuration."""

from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption(
        "--regen-golden", action="store_true", default=False,
        help="Rewrite tests/golden/*.trig from the current mapper (review the diff before committing).",
    )
