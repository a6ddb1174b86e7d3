"""The code follows the data: one subpackage per step, each opening with what goes in and what comes
out, no step reaching into another's private names, and no caller asking which backend it holds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "tropekg"
STEPS = ("readers", "markup", "rdf", "build", "store", "query", "validate", "analysis", "viz", "synth", "link",
         "web", "cli")
MODULES = sorted(PACKAGE.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _step(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else path.stem


@pytest.mark.parametrize("step", STEPS)
def test_each_step_is_a_subpackage_saying_what_goes_in_and_out(step):
    init = PACKAGE / step / "__init__.py"
    assert init.is_file(), f"{step}/ is not a subpackage"
    doc = ast.get_docstring(_tree(init)) or ""
    assert " in" in doc and " out" in doc, f"{step}/__init__.py does not say what goes in and what comes out"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_another_steps_private_names(path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tropekg"):
            target = node.module.split(".")
            other_step = target[1] if len(target) > 1 else ""
            if other_step == _step(path):
                continue
            private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
            assert not private, f"{path.name} imports {private} from {node.module}"


@pytest.mark.parametrize("path", [p for p in MODULES if _step(p) != "store"],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_caller_asks_which_backend_it_holds(path):
    text = path.read_text(encoding="utf-8")
    for name in ("GraphStore", "Endpoint"):
        assert f"isinstance(graph, {name})" not in text and f"isinstance(source, {name})" not in text
    assert 'getattr(graph, "base"' not in text


def test_no_module_global_is_rebound_at_run_time():
    """Values that change results are passed in: apart from a pool worker's configuration, set by
    its initializer, no function rebinds a module global."""
    allowed = {("build/pool.py", "_worker_config"), ("validate/engine.py", "_worker_shapes")}
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Global):
                for name in node.names:
                    where = str(path.relative_to(PACKAGE))
                    assert (where, name) in allowed, f"{where} rebinds the global {name}"
