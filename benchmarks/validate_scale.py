"""Validation at scale: a corpus of pages in, the time and peak memory of validating its build out.

Builds the corpus (``tropekg build --format nquads``), then validates the build in fresh processes,
one per way:

- two-part: node-local shapes as SPARQL (``tropekg.validate.core_sparql``) per batch of page graphs
  in a process pool, cross-page SPARQL constraints once over the store with pyoxigraph, the two at
  once (``tropekg.validate.validate_graph``); ``--node-local pyshacl`` runs the node-local shapes
  with pySHACL instead, as before, and ``--compare-pyshacl`` runs both and checks they agree;
- whole: pySHACL over one in-memory rdflib graph of everything (``validate_whole``), only where
  feasible (``--whole-max`` statements; rdflib holds about 1.4 KB a statement).

Each run reports its wall time, the CPU time of the main process, and peak memory
(``resource.getrusage`` maxrss of the process and of the pool's workers), and where two ran,
whether they found the same results (focus node, path, value, severity, source shape). The issue's
target, validating the whole wiki (both parts; with loading the build, as ``tropekg validate OUT``
does) in 10 minutes, is printed with PASS or MISS: measured at the whole wiki's size
(``--tropes 30000 --works 20000``), projected in proportion to the statements at a smaller one.
Writes benchmarks/results/validate_scale.json.

    python benchmarks/validate_scale.py --quick                 # a smoke run, well under a minute
    python benchmarks/validate_scale.py --tropes 3000 --works 2000
    python benchmarks/validate_scale.py --pages ../shared/corpus
    python benchmarks/validate_scale.py --tropes 30000 --works 20000   # the whole wiki (an hour)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "validate_scale.json"
# The target: validating the whole wiki, both parts, in 10 minutes; its size in statements
# (tropekg synth --tropes 30000 --works 20000 --seed 1, built).
TARGET_SECONDS = 600
WHOLE_WIKI_STATEMENTS = 26_200_000


def _maxrss_bytes(who: int) -> int:
    return resource.getrusage(who).ru_maxrss * 1024  # Linux reports KiB


# -- one validation, in its own process ------------------------------------------------------------

def _cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_one(mode: str, build_dir: Path, jobs: int, keys_file: Path | None) -> None:
    """Validate BUILD_DIR one way and print a JSON line of figures (the ``--run-one`` mode)."""
    from tropekg.validate import load_shapes, open_dataset, validate_graph, validate_whole

    started = time.perf_counter()
    shapes = load_shapes()
    with open_dataset([build_dir]) as graph:
        loaded = time.perf_counter()
        load_cpu = _cpu_seconds()
        if mode == "two-part":
            report = validate_graph(graph, shapes=shapes, jobs=jobs)
        elif mode == "two-part-pyshacl":
            report = validate_graph(graph, shapes=shapes, jobs=jobs, node_local="pyshacl")
        else:
            report = validate_whole(graph, shapes=shapes)
    finished = time.perf_counter()
    if keys_file is not None:
        keys = sorted(json.dumps(k) for k in report.key_set())
        keys_file.write_text("\n".join(keys) + "\n", encoding="utf-8")
    by_shape: dict[str, int] = {}
    for r in report.results:
        name = r.shape.rsplit("#", 1)[-1]
        by_shape[name] = by_shape.get(name, 0) + 1
    print(json.dumps({
        "mode": mode,
        "graphs": report.graphs,
        "statements": report.triples,
        "load_seconds": round(loaded - started, 3),
        "validate_seconds": round(finished - loaded, 3),
        "total_seconds": round(finished - started, 3),
        "load_cpu_seconds": round(load_cpu, 3),
        "validate_cpu_seconds_main_process": round(_cpu_seconds() - load_cpu, 3),
        "statements_per_second": round(report.triples / max(finished - loaded, 1e-9)),
        "seconds": {k: round(v, 3) for k, v in report.seconds.items()},
        "maxrss_self_bytes": _maxrss_bytes(resource.RUSAGE_SELF),
        "maxrss_children_bytes": _maxrss_bytes(resource.RUSAGE_CHILDREN),
        # the pool's workers are children of the forkserver, not of this process: they report
        # their own getrusage maxrss with each batch
        "maxrss_workers_bytes": report.worker_maxrss,
        "conforms": report.conforms,
        "counts": report.counts(),
        "results_by_shape": dict(sorted(by_shape.items())),
    }))


# -- the corpus and the build -----------------------------------------------------------------------

def synth_corpus(tropes: int, works: int, seed: int) -> Path:
    """A synthetic corpus, cached under benchmarks/corpus/ (shared with benchmarks/bench.py)."""
    from tropekg.synth import STATS_FILE, generate

    h = hashlib.sha256()
    for path in sorted((ROOT / "src" / "tropekg" / "synth").rglob("*.py")):  # as bench.py names it
        h.update(path.read_bytes())
    version = h.hexdigest()[:8]
    base = HERE / "corpus"
    base.mkdir(parents=True, exist_ok=True)
    folder = base / f"tropes{tropes}-works{works}-seed{seed}-{version}"
    if not (folder / STATS_FILE).is_file():
        print(f"generating {folder.name} ...", flush=True)
        generate(folder, tropes, works, seed)
    return folder


def simple_corpus(folder: Path, tropes: int) -> Path:
    """Plain trope pages (used when tropekg.synth is not there): a hierarchy, examples, modes."""
    main = folder / "Main"
    main.mkdir(parents=True, exist_ok=True)
    for n in range(tropes):
        parent = f" A sub-trope of SimpleTrope{n // 4}." if n else ""
        lines = [f"A simple generated trope, number {n}.{parent}", "", "[[folder:Film]]"]
        for k in range(8):
            mode = "Averted in" if k % 5 == 4 else "In"
            lines.append(f"* {mode} ''Film/SimpleFilm{(n * 7 + k) % (tropes * 2)}'': the hero holds fire.")
        lines.append("[[/folder]]")
        (main / f"SimpleTrope{n}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def build(corpus: Path, out: Path, jobs: int) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tropekg.cli", "build", str(corpus), "-o", str(out),
                           "--no-merged", "--jobs", str(jobs), "--quiet"],
                          check=False, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 3):  # 3: built, some pages failed (the synthetic corpus plants some)
        sys.exit(f"the build failed ({proc.returncode}): {proc.stderr.strip()}")
    report = json.loads((out / "report.json").read_text())
    return {"seconds": round(seconds, 3), "pages": report["pages"], "quads": report["quads"],
            "failed_pages": len(report["failed"]),
            "maxrss_children_bytes": _maxrss_bytes(resource.RUSAGE_CHILDREN)}


def validate(mode: str, build_dir: Path, jobs: int, keys_file: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--run-one", mode, "--build", str(build_dir),
                           "--jobs", str(jobs), "--keys", str(keys_file)],
                          check=False, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"validating ({mode}) failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _gib(n: int) -> str:
    return f"{n / 1024 ** 3:.2f} GiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=Path, help="a folder of page files (default: a synthetic corpus)")
    ap.add_argument("--tropes", type=int, default=3000)
    ap.add_argument("--works", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="a tiny corpus, both ways: a smoke run")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--whole-max", type=int, default=150_000,
                    help="run pySHACL over the whole graph only up to this many statements")
    ap.add_argument("--out", type=Path, default=RESULTS)
    # the child mode: one validation in this process
    ap.add_argument("--node-local", choices=("sparql", "pyshacl"), default="sparql",
                    help="how the two-part validation runs the node-local shapes (default: sparql)")
    ap.add_argument("--compare-pyshacl", action="store_true",
                    help="also run the node-local shapes with pySHACL and check the results agree")
    ap.add_argument("--run-one", choices=("two-part", "two-part-pyshacl", "whole"), help=argparse.SUPPRESS)
    ap.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--keys", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run_one:
        run_one(args.run_one, args.build, args.jobs, args.keys)
        return

    if args.quick:
        args.tropes, args.works = 20, 15
    if args.pages is not None:
        corpus = args.pages.resolve()
    else:
        try:
            corpus = synth_corpus(args.tropes, args.works, args.seed)
        except ImportError:
            corpus = simple_corpus(HERE / "corpus" / f"simple-tropes{args.tropes}", args.tropes)
    work = HERE / "work" / "validate" / corpus.name  # one folder per corpus: runs do not collide
    work.mkdir(parents=True, exist_ok=True)
    (HERE / "work" / ".gitignore").write_text("*\n")  # builds of millions of statements
    print(f"corpus: {corpus}", flush=True)
    out = work / "build"
    built = build(corpus, out, args.jobs)
    print(f"build: {built['pages']} pages, {built['quads']} quads in {built['seconds']:.1f} s", flush=True)

    runs = {}
    main_mode = "two-part" if args.node_local == "sparql" else "two-part-pyshacl"
    runs[main_mode] = validate(main_mode, out, args.jobs, work / f"keys-{main_mode}.txt")
    if args.compare_pyshacl and main_mode == "two-part":
        runs["two-part-pyshacl"] = validate("two-part-pyshacl", out, args.jobs, work / "keys-two-part-pyshacl.txt")
    feasible = built["quads"] <= args.whole_max
    if feasible:
        runs["whole"] = validate("whole", out, args.jobs, work / "keys-whole.txt")
    for mode, r in runs.items():
        print(f"{mode:9s} {r['validate_seconds']:8.1f} s  ({r['statements_per_second']:,} statements/s; "
              f"load {r['load_seconds']:.1f} s)  peak RSS self {_gib(r['maxrss_self_bytes'])}, "
              f"workers {_gib(r['maxrss_workers_bytes'])}  {r['counts']}", flush=True)
    same = None
    if feasible:
        same = (work / f"keys-{main_mode}.txt").read_text() == (work / "keys-whole.txt").read_text()
        print(f"same results as pySHACL over the whole graph: {same}", flush=True)
    else:
        print(f"whole-graph pySHACL skipped: {built['quads']} statements > --whole-max {args.whole_max}")
    same_engines = None
    if "two-part-pyshacl" in runs and main_mode == "two-part":
        same_engines = (work / "keys-two-part.txt").read_text() == (work / "keys-two-part-pyshacl.txt").read_text()
        print(f"same results as the node-local shapes in pySHACL: {same_engines}", flush=True)

    # the target: what `tropekg validate OUT` takes, loading the build and both parts
    main = runs[main_mode]
    seconds = main["load_seconds"] + main["validate_seconds"]
    statements = main["statements"]
    whole_size = statements >= WHOLE_WIKI_STATEMENTS * 0.95
    projected = seconds if whole_size else seconds * WHOLE_WIKI_STATEMENTS / max(statements, 1)
    status = "PASS" if projected <= TARGET_SECONDS else "MISS"
    how = ("measured at the whole wiki's size" if whole_size else
           f"projected from {statements:,} statements to the whole wiki's {WHOLE_WIKI_STATEMENTS:,}"
           + (" (too small to project from: fixed costs dominate)" if statements < 1_000_000 else ""))
    cpu_main = main["load_cpu_seconds"] + main["validate_cpu_seconds_main_process"]
    cpu_workers = main["seconds"].get("node_local_workers_cpu", 0.0)
    # on two cores with nothing else running: the main process's work, or half of all of it
    idle = max(cpu_main, (cpu_main + cpu_workers) / 2)
    idle_projected = idle if whole_size else idle * WHOLE_WIKI_STATEMENTS / max(statements, 1)
    print(f"CPU time: main process {cpu_main:.1f} s (load {main['load_cpu_seconds']:.1f} s), node-local "
          f"workers {cpu_workers:.1f} s; on {os.cpu_count()} otherwise idle cores about {idle:.0f} s "
          f"({idle_projected:.0f} s for the whole wiki); load average now {os.getloadavg()[0]:.1f}", flush=True)
    print(f"whole-wiki validation, both parts (load {main['load_seconds']:.1f} s + node-local and "
          f"cross-page at once {main['validate_seconds']:.1f} s = {seconds:.1f} s): {projected:.0f} s, "
          f"{how}; target <= {TARGET_SECONDS} s: {status}", flush=True)
    result = {
        "params": {"pages": str(args.pages) if args.pages else None, "tropes": args.tropes,
                   "works": args.works, "seed": args.seed, "quick": args.quick, "jobs": args.jobs},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "corpus": str(corpus),
        "build": built,
        "validate": runs,
        "same_results_both_ways": same,
        "same_results_as_pyshacl_node_local": same_engines,
        "target": {"seconds": TARGET_SECONDS, "measured_seconds": round(seconds, 3),
                   "whole_wiki_seconds": round(projected, 3), "projected": not whole_size, "status": status,
                   "cpu_main_seconds": round(cpu_main, 3), "cpu_workers_seconds": round(cpu_workers, 3),
                   "idle_cores_estimate_whole_wiki_seconds": round(idle_projected, 3)},
        # as the perf branch wrote them: both parts (at once, now), the target, the status
        "both_parts_seconds": round(main["seconds"].get("both_parts", main["validate_seconds"]), 3),
        "target_seconds": TARGET_SECONDS, "status": status,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
