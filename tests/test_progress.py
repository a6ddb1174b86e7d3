"""Long commands show progress with an ETA on stderr when it is a terminal: load, validate, analyze
(build, synth and fetch already do). The library reports (done, total) to a callback."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tropekg.analysis import analyze
from tropekg.analysis.report import ANALYSIS_STEPS
from tropekg.build import build
from tropekg.store.embedded import GraphStore
from tropekg.validate import validate_graph

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "pages"


def _calls(seen: list):
    def progress(done: int, total: int) -> None:
        seen.append((done, total))
    return progress


def test_validate_and_analyze_count_up_to_their_total(tmp_path):
    build([EXAMPLES], tmp_path / "out", jobs=1)
    store = GraphStore(tmp_path / "kg")
    store.load([tmp_path / "out"])
    seen: list = []
    validate_graph(store, jobs=1, progress=_calls(seen))
    graphs = store.graph_count()
    assert graphs == 11  # the nine pages, the wanted pages and the description
    assert seen[-1][0] == seen[-1][1] > graphs  # the page graphs, then the cross-page constraints
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert any(d == graphs for d, _ in seen)
    seen = []
    analyze(store, progress=_calls(seen))
    assert seen == [(n, ANALYSIS_STEPS) for n in range(1, ANALYSIS_STEPS + 1)]


def _in_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run tropekg with its stderr (and stdout) on a pseudo-terminal; its exit code and output."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "tropekg.cli", *args], stdin=subprocess.DEVNULL,
                            stdout=secondary, stderr=secondary, cwd=cwd, env={**os.environ, "COLUMNS": "120"})
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_load_validate_and_analyze_draw_a_bar_with_an_eta_in_a_terminal(tmp_path):
    out, store = tmp_path / "out", tmp_path / "kg"
    build([EXAMPLES], out, jobs=1, merged=False)
    code, text = _in_a_terminal(["load", str(out), "--store", str(store)], tmp_path)
    assert code == 0, text
    assert "loading" in text and "100%" in text
    code, text = _in_a_terminal(["validate", "--store", str(store), "--jobs", "1"], tmp_path)
    assert code in (0, 1), text
    assert "validating" in text and "100%" in text
    code, text = _in_a_terminal(["analyze", "--store", str(store)], tmp_path)
    assert code == 0, text
    assert "analysing" in text and "100%" in text
