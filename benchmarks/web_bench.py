"""How fast the site is on a store: start-up, trope pages, hierarchy expansions and search, measured
server-side (the ``Server-Timing`` header the site sends) against ``tropekg serve`` running on
127.0.0.1, and compared with the targets of issue [4/6]; prints PASS or MISS for each.

    python benchmarks/web_bench.py --store kg.store            # the whole-wiki-size store (see below)
    python benchmarks/web_bench.py --quick                      # builds examples/ into a temp store

The whole-wiki-size store: ``tropekg synth --tropes 30000 --works 20000 --seed 1 -o corpus``,
``tropekg build corpus -o out --format nquads``, ``tropekg load out --store kg.store``. Tropes are
sampled with a fixed seed from those the store describes, so two runs ask for the same pages.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx
from pyoxigraph import NamedNode, Store

ROOT = Path(__file__).resolve().parents[1]
TK = "https://w3id.org/tropekg/ontology#"
RESOURCE = "https://w3id.org/tropekg/resource/"
TARGETS = {"trope page, median": 200.0, "hierarchy expansion, median": 100.0, "start-up": 10.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_ms(response: httpx.Response) -> float:
    m = re.search(r"dur=([0-9.]+)", response.headers.get("server-timing", ""))
    if m is None:
        raise SystemExit(f"no Server-Timing header on {response.url}")
    return float(m.group(1))


def sample_pages(store_path: Path, n: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    """Described tropes (their paths), those with sub-tropes, and works, sampled with a fixed seed."""
    from tropekg.titles import WORK, parse_title

    store = Store.read_only(str(store_path))
    pages = {q.subject.value for q in store.quads_for_pattern(None, NamedNode(TK + "describedBy"), None)}
    described = sorted(p for p in pages if p.startswith(RESOURCE + "Main/"))
    works = sorted(p for p in pages if (t := parse_title(p[len(RESOURCE):])) is not None and t.role == WORK)
    parents = sorted({q.object.value for q in store.quads_for_pattern(None, NamedNode(TK + "subTropeOf"), None)}
                     & set(described))
    rng = random.Random(seed)

    def pick(items: list[str]) -> list[str]:
        return [i[len(RESOURCE):] for i in rng.sample(items, min(n, len(items)))]

    return pick(described), pick(parents), pick(works)


def quick_store(folder: Path) -> Path:
    from tropekg.build import build
    from tropekg.store import GraphStore

    build([ROOT / "examples" / "pages"], folder / "out", jobs=1)
    GraphStore(folder / "kg.store").load([folder / "out"])
    return folder / "kg.store"


def measure(store: Path, samples: int, seed: int) -> dict:
    tropes, parents, works = sample_pages(store, samples, seed)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tropekg.cli", "serve", "--store", str(store), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"tropekg serve exited: {proc.stderr.read().decode()[:500]}")
                try:
                    if client.get("/").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            startup = time.perf_counter() - started
            results: dict[str, list[float]] = {"trope page": [], "hierarchy expansion": [], "search": [],
                                               "trope page, Turtle": [], "work page": []}
            sizes = []
            for path in tropes:  # the first request of each kind warms caches: ask twice, keep the second
                client.get(f"/resource/{quote(path)}", headers={"Accept": "text/html"})
                r = client.get(f"/resource/{quote(path)}", headers={"Accept": "text/html"})
                r.raise_for_status()
                results["trope page"].append(server_ms(r))
                sizes.append(len(r.content))
                r = client.get(f"/resource/{quote(path)}.ttl")
                results["trope page, Turtle"].append(server_ms(r))
            for path in works:
                r = client.get(f"/resource/{quote(path)}", headers={"Accept": "text/html"})
                r.raise_for_status()
                results["work page"].append(server_ms(r))
            for path in [None, *parents]:
                params = {"trope": path} if path else {}
                r = client.get("/api/hierarchy/children", params=params)
                r.raise_for_status()
                results["hierarchy expansion"].append(server_ms(r))
            rng = random.Random(seed)
            for path in tropes:
                name = path.split("/", 1)[1]
                typed = name[: rng.randint(3, max(3, len(name)))]
                r = client.get("/api/search", params={"q": typed, "titles": "1"})
                results["search"].append(server_ms(r))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out = {"store": str(store), "samples": len(tropes), "start-up": round(startup, 2),
           "page bytes, median": int(statistics.median(sizes)) if sizes else 0}
    for name, values in results.items():
        values.sort()
        out[f"{name}, median"] = round(statistics.median(values), 1)
        out[f"{name}, p95"] = round(values[int(len(values) * 0.95) - 1 if len(values) > 1 else 0], 1)
        out[f"{name}, max"] = round(values[-1], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="an on-disk store (tropekg load)")
    parser.add_argument("--quick", action="store_true", help="measure a store of examples/ built on the fly")
    parser.add_argument("--samples", type=int, default=200, help="tropes to ask for (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.store is None and not args.quick:
        parser.error("give --store PATH or --quick")
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or quick_store(Path(tmp))
        figures = measure(store, args.samples, args.seed)
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        target = TARGETS.get(name)
        unit = " s" if name == "start-up" else (" ms" if "median" in name or "p95" in name or "max" in name else "")
        if "bytes" in name:
            unit = ""
        verdict = "" if target is None else ("  PASS" if value < target else "  MISS") + f" (target < {target:g}{unit})"
        print(f"{name.ljust(width)}  {value}{unit}{verdict}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
