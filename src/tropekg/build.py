"""Building the dataset: page files in, a provenance-tracked knowledge graph on disk out.

Pages are found (:func:`discover`), then parsed and mapped one at a time in a process pool. Each
worker serialises its page (pyoxigraph): the named graph as canonical N-Quads and TriG, and for the
merged graph a Turtle block and compact JSON-LD nodes of the triples only this page can state. The
triples other pages may state too (the type of a linked page, a shortcut or inverse relation) come
back as N-Triples lines that the main process deduplicates, so the merged graph states each triple
once. The main process only writes bytes, in title order: memory does not grow with the corpus and
the same pages give byte-identical outputs. Unchanged pages come from a cache. A page that cannot
be read is recorded with its reason and the build goes on. Every output is written to a staging
folder and renamed into place, so a failed or killed build leaves the previous outputs as they
were.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from . import __version__
from .export import JSONLD_FOOTER, jsonld_header, jsonld_nodes, prefixes_for
from .html_page import html_title
from .mapping import (
    DEFAULT_BASE,
    FOAF_IS_PRIMARY_TOPIC_OF,
    RDF_TYPE,
    RDFS_LABEL,
    SKOS_PREF_LABEL,
    IriScheme,
    Provenance,
    page_quads,
    referenced,
    tk,
)
from .parse import is_html, parse_bytes
from .source import BACKUP_SUFFIX, PageError, is_backup, title_from_path
from .titles import Title, parse_title

FORMATS = ("nquads", "trig", "turtle", "jsonld")
OUTPUT_FILES = {
    "nquads": "dataset.nq",
    "trig": "dataset.trig",
    "turtle": "graph.ttl",
    "jsonld": "graph.jsonld",
}
REPORT_FILE = "report.json"
CACHE_DIR = ".cache"
WANTED_GRAPH = "graph/_/wanted"  # under the base: pages linked to that no page describes

# Class priority when several pages link to one undescribed page in different ways.
_CLASS_RANK = {"Creator": 1, "Trope": 2, "UsefulNotesTopic": 3, None: 9}


class BuildError(Exception):
    """The build could not run at all (no pages, an unwritable output folder)."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    relative: str        # the path recorded in provenance: relative to the input it was found in
    title: Title


HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def _looks_like_page(path: Path) -> bool:
    name = path.name
    if name.startswith("."):
        return False
    return (name.endswith((".txt", BACKUP_SUFFIX, *HTML_SUFFIXES))
            or ("." in name and name.split(".")[-1][:1].isupper()))


def page_title(path: Path) -> Title:
    """The title of the page in a file: an HTML page's own (its canonical link), else the one the
    path gives. A :class:`PageError` says why there is none."""
    if not is_backup(path):
        try:
            with open(path, "rb") as f:
                head = f.read(65536)
        except OSError as e:
            raise PageError(str(path), f"cannot read: {e.strerror or e}") from None
        if is_html(head):
            title = html_title(head)
            if title is None and len(head) == 65536:  # a head longer than we read
                title = html_title(path.read_bytes())
            if title is not None:
                return title
            try:
                return title_from_path(path)
            except PageError:
                raise PageError(str(path), "an HTML page that names no wiki page (no <link rel=\"canonical\"> "
                                           "or og:url to a pmwiki.php/Namespace/PageName address), and its "
                                           "file name gives no title") from None
    return title_from_path(path)


def discover(paths: Iterable[Path], title: Title | None = None) -> tuple[list[SourceFile], list[dict]]:
    """Page files under the given files and folders, sorted by title; and the files that could not
    be taken (no title, a second file for the same page) with their reasons."""
    found: list[SourceFile] = []
    failed: list[dict] = []
    for root in paths:
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file() and _looks_like_page(p))
            for path in files:
                try:
                    found.append(SourceFile(path, path.relative_to(root).as_posix(), page_title(path)))
                except PageError as e:
                    failed.append({"path": str(path), "line": None, "reason": e.message})
        elif root.is_file():
            try:
                t = title or page_title(root)
            except PageError as e:
                failed.append({"path": str(root), "line": None, "reason": e.message})
                continue
            rel = f"{root.parent.name}/{root.name}" if root.parent.name else root.name
            found.append(SourceFile(root, rel, t))
        else:
            raise BuildError(f"{root}: no such file or folder")
    found.sort(key=lambda s: (s.title.key, s.relative))
    unique: list[SourceFile] = []
    for src in found:
        if unique and unique[-1].title == src.title:
            failed.append({"path": str(src.path), "line": None,
                           "reason": f"a second file for page {src.title} (first: {unique[-1].path})"})
            continue
        unique.append(src)
    return unique, failed


BLOCKS = ("nquads", "trig", "turtle", "jsonld", "shared")


@dataclass(slots=True)
class PageResult:
    title: str
    kind: str | None = None
    # serialised page: nquads (canonical), trig, turtle and jsonld (merged-graph triples only this
    # page states; jsonld as node objects joined by ",\n"), shared (N-Triples lines others may state)
    blocks: dict[str, bytes] = field(default_factory=dict)
    quads: int = 0
    own_triples: int = 0
    examples: int = 0
    warnings: list[dict] = field(default_factory=list)
    references: list[tuple[str, str, str | None]] = field(default_factory=list)
    error: dict | None = None
    cached: bool = False
    cache_key: str | None = None


def _canonical(quads: list[Quad]) -> bytes:
    """Canonical N-Quads of one graph: one quad a line, lines sorted."""
    text = serialize(quads, format=RdfFormat.N_QUADS)
    lines = text.split(b"\n")
    lines = sorted(line for line in lines if line)
    return b"\n".join(lines) + b"\n" if lines else b""


def _without_prefixes(text: bytes) -> bytes:
    """A Turtle/TriG block without its prefix lines (written once at the top of the file)."""
    return b"\n".join(ln for ln in text.split(b"\n") if ln and not ln.startswith(b"@prefix")) + b"\n"


def _trig_block(quads: list[Quad], prefixes: dict[str, str]) -> bytes:
    return _without_prefixes(serialize(quads, format=RdfFormat.TRIG, prefixes=prefixes))


def _turtle_block(triples: list[Triple], prefixes: dict[str, str]) -> bytes:
    if not triples:
        return b""
    return _without_prefixes(serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes))


# Predicates another page may state about this page's resource too (its type when it links here,
# the inverse of a relation it states, a shortcut from a work page).
_SHARED_PREDICATES = frozenset(
    p.value for p in (RDF_TYPE, tk.subTropeOf, tk.superTropeOf, tk.exemplifiedBy, tk.avertedIn)
)


def _split(quads: list[Quad], page_subject: NamedNode) -> tuple[list[Triple], list[Triple]]:
    """Triples only this page can state, and those other pages may state as well."""
    own: list[Triple] = []
    shared: list[Triple] = []
    for q in quads:
        t = Triple(q.subject, q.predicate, q.object)
        s = q.subject
        if s == page_subject:
            (shared if q.predicate.value in _SHARED_PREDICATES else own).append(t)
        elif s == q.graph_name or (isinstance(s, NamedNode) and s.value.startswith(page_subject.value + "/")):
            own.append(t)  # the page graph's provenance and the page's own examples
        else:
            shared.append(t)
    return own, shared


def _serialise(result: PageResult, quads: list[Quad], page_subject: NamedNode, base: str,
               formats: tuple[str, ...]) -> None:
    prefixes = prefixes_for(base)
    blocks = result.blocks
    blocks["nquads"] = _canonical(quads)
    if "trig" in formats:
        blocks["trig"] = _trig_block(quads, prefixes)
    own, shared = _split(quads, page_subject)
    result.own_triples = len(own)
    if "turtle" in formats:
        blocks["turtle"] = _turtle_block(own, prefixes)
    if "jsonld" in formats:
        blocks["jsonld"] = b",\n".join(jsonld_nodes(own, base))
    blocks["shared"] = serialize(shared, format=RdfFormat.N_TRIPLES) if shared else b""


# -- the page cache: a page whose source, title, base, formats and tropekg version are unchanged is
# not parsed again. One file per page, named by a hash of all of that; written atomically.

_CACHE_FIELDS = ("title", "kind", "quads", "own_triples", "examples", "warnings", "references")


def cache_key(data: bytes, src: SourceFile, base: str, formats: tuple[str, ...], spellings: str = "") -> str:
    h = hashlib.sha256()
    for part in (__version__, base, str(src.title), src.relative, ",".join(sorted(formats)), spellings):
        h.update(part.encode("utf-8") + b"\x00")
    h.update(data)
    return h.hexdigest()


def _cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / key


def _cache_read(path: Path) -> PageResult | None:
    try:
        with open(path, "rb") as f:
            meta = json.loads(f.readline())
            lengths = meta.pop("lengths")
            blocks = {name: f.read(n) for name, n in lengths.items()}
            trailing = f.read(1)
        result = PageResult(**{k: meta[k] for k in _CACHE_FIELDS})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent or damaged: the page is simply parsed again
    if trailing or any(len(blocks[name]) != n for name, n in lengths.items()):
        return None
    result.references = [tuple(r) for r in result.references]
    result.blocks = blocks
    result.cached = True
    return result


def _cache_write(path: Path, result: PageResult) -> None:
    meta = {k: getattr(result, k) for k in _CACHE_FIELDS}
    meta["lengths"] = {name: len(block) for name, block in result.blocks.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(json.dumps(meta, ensure_ascii=False).encode("utf-8") + b"\n")
        f.writelines(result.blocks.values())
    os.replace(tmp, path)


def map_page(src: SourceFile, base: str, formats: tuple[str, ...] = FORMATS,
             cache_dir: Path | None = None, spellings: str = "") -> PageResult:
    """Read, parse, map and serialise one page. Never raises for a bad page: the result carries
    the error."""
    result = PageResult(title=str(src.title))
    try:
        data = src.path.read_bytes()
    except OSError as e:
        result.error = {"path": str(src.path), "line": None, "reason": f"cannot read: {e.strerror or e}"}
        return result
    if cache_dir is not None:
        key = cache_key(data, src, base, formats, spellings)
        cached = _cache_read(_cache_path(cache_dir, key))
        if cached is not None:
            cached.cache_key = key
            return cached
        result.cache_key = key
    try:
        _parse_and_map(result, src, data, base, formats)
    except PageError as e:
        result.error = {"path": str(src.path), "line": e.line, "reason": e.message}
        return result
    except Exception as e:  # a bug in tropekg, not a bad page: record it and let the build go on
        result.error = {"path": str(src.path), "line": None,
                        "reason": f"tropekg could not map this page (please report): {type(e).__name__}: {e}"}
        return result
    if cache_dir is not None:
        try:
            _cache_write(_cache_path(cache_dir, result.cache_key), result)
        except OSError:
            pass  # a cache that cannot be written only costs time
    return result


def _parse_and_map(result: PageResult, src: SourceFile, data: bytes, base: str,
                   formats: tuple[str, ...]) -> None:
    page = parse_bytes(data, str(src.path), src.title, path=src.path, backup=is_backup(src.path))
    prov = Provenance(source_path=src.relative, sha256=hashlib.sha256(data).hexdigest())
    iris = IriScheme(base, _SPELLINGS)
    quads = page_quads(page, prov, iris)
    _serialise(result, quads, iris.resource(page.title), base, formats)
    result.kind = page.kind
    result.quads = len(quads)
    result.examples = len(page.examples)
    result.warnings = [{"line": w.line, "message": w.message} for w in page.warnings]
    result.references = [(t.key, str(t), cls) for t, cls in referenced(page)]


# The spelling of every page of the build (title key -> page name), set once per process: in the
# main process, and in each pool worker by its initializer, rather than sent with every page.
_SPELLINGS: dict[str, str] = {}


def spellings_of(sources: list[SourceFile]) -> tuple[dict[str, str], str]:
    """The build's page spellings and a digest of them (part of every cache key: a page's IRIs for
    its links depend on how the linked pages are spelt)."""
    table = {src.title.key: src.title.name for src in sources}
    digest = hashlib.sha256("\n".join(f"{k}\t{v}" for k, v in sorted(table.items())).encode()).hexdigest()
    return table, digest


def _map_task(args: tuple) -> PageResult:
    return map_page(*args)


@dataclass
class BuildReport:
    pages: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    quads: int = 0
    triples: int = 0
    examples: int = 0
    cached: int = 0         # pages taken from the cache, not parsed again
    # quads: in the named graphs; triples: in the merged graph (each stated once)
    wanted_pages: int = 0
    warnings: int = 0
    failed: list[dict] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    page_warnings: dict[str, list[dict]] = field(default_factory=dict)
    tropekg_version: str = __version__

    def to_json(self) -> dict:
        return asdict(self)


def _wanted_quads(described: set[str], refs: dict[str, tuple[str, str | None]], base: str) -> list[Quad]:
    """Pages linked to but described by no page: typed from how they were linked, labelled,
    and marked tk:WantedPage, in a graph of their own."""
    iris = IriScheme(base)
    graph = NamedNode(base + WANTED_GRAPH)
    out: list[Quad] = []
    for key in sorted(refs):
        if key in described:
            continue
        spelling, cls = refs[key]
        title = parse_title(spelling)
        if title is None:
            continue
        s = iris.resource(title)
        out.append(Quad(s, RDF_TYPE, tk.WantedPage, graph))
        if cls is not None:
            out.append(Quad(s, RDF_TYPE, getattr(tk, cls), graph))
            if cls not in _CLASS_RANK and cls != "Work":
                out.append(Quad(s, RDF_TYPE, tk.Work, graph))
        label = Literal(title.label, language="en")
        out.append(Quad(s, RDFS_LABEL, label, graph))
        out.append(Quad(s, SKOS_PREF_LABEL, label, graph))
        out.append(Quad(s, tk.wikiName, Literal(str(title)), graph))
        out.append(Quad(s, tk.namespace, Literal(title.namespace), graph))
        out.append(Quad(s, FOAF_IS_PRIMARY_TOPIC_OF, NamedNode(title.url()), graph))
    return out


def _better_class(old: str | None, new: str | None) -> str | None:
    """Works (a media class) beat creators beat tropes beat nothing; ties keep the smaller name."""
    def rank(c: str | None) -> tuple[int, str]:
        return (_CLASS_RANK.get(c, 0), c or "")
    return new if rank(new) < rank(old) else old


def _init_worker(parent: int, spellings: dict[str, str]) -> None:
    """In a worker: take the build's page spellings, and end when the build that started it is
    gone (killed, say) instead of waiting forever on a queue its sibling workers keep open."""
    import threading
    import time

    _SPELLINGS.clear()
    _SPELLINGS.update(spellings)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _cached_keys(sources: list[SourceFile], base: str, formats: tuple[str, ...],
                 cache_dir: Path, spellings: str) -> list[str | None]:
    """For each page, its cache key when a cache entry exists for it (else None)."""
    if not cache_dir.is_dir():  # a first build: no need to read and hash every page here
        return [None] * len(sources)
    keys: list[str | None] = []
    for src in sources:
        try:
            key = cache_key(src.path.read_bytes(), src, base, formats, spellings)
        except OSError:
            keys.append(None)
            continue
        keys.append(key if _cache_path(cache_dir, key).is_file() else None)
    return keys


def _results(sources: list[SourceFile], base: str, formats: tuple[str, ...], jobs: int,
             cache_dir: Path | None) -> Iterator[PageResult]:
    """Each page's result, in the order of ``sources``. Pages found in the cache are read here;
    only the others go to the worker pool, so a rebuild after a small change moves little data
    between processes."""
    table, digest = spellings_of(sources)
    _SPELLINGS.clear()
    _SPELLINGS.update(table)
    keys = (_cached_keys(sources, base, formats, cache_dir, digest) if cache_dir is not None
            else [None] * len(sources))
    todo = [(src, base, formats, cache_dir, digest) for src, key in zip(sources, keys) if key is None]
    if jobs <= 1 or len(todo) < 8:
        computed: Iterator[PageResult] = map(_map_task, todo)
        pool = None
    else:
        chunk = max(1, min(64, len(todo) // (jobs * 8)))
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(os.getpid(), table))
        computed = pool.map(_map_task, todo, chunksize=chunk)
    try:
        for src, key in zip(sources, keys):
            if key is None:
                yield next(computed)
                continue
            cached = _cache_read(_cache_path(cache_dir, key))
            if cached is None:  # damaged since we looked: parse it here
                yield map_page(src, base, formats, cache_dir, digest)
                continue
            cached.cache_key = key
            yield cached
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def build(
    paths: Iterable[Path],
    out_dir: Path,
    *,
    formats: Iterable[str] = FORMATS,
    jobs: int | None = None,
    base: str = DEFAULT_BASE,
    title: Title | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache: bool = True,
) -> BuildReport:
    """Build the dataset of the pages under ``paths`` into ``out_dir``; see the module doc.
    With ``cache``, pages unchanged since an earlier build into the same folder are not parsed
    again (``out_dir/.cache``)."""
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise BuildError(f"unknown output format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    base = IriScheme(base).base  # with its trailing slash
    sources, failed = discover([Path(p) for p in paths], title)
    if not sources and not failed:
        raise BuildError("no page files found (expected Namespace/PageName.txt files or saved .html pages)")
    jobs = jobs or os.cpu_count() or 1
    report = BuildReport(failed=failed)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock = _lock(out_dir)
    except OSError as e:
        raise BuildError(f"{out_dir}: cannot write the output folder: {e.strerror or e}") from None
    try:
        finish_commit(out_dir)  # a build killed while putting its outputs in place is completed
        for stale in out_dir.glob(".staging-*"):  # left by killed builds; we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
        try:
            cache_dir = out_dir / CACHE_DIR if cache else None
            used = _build_into(staging, sources, report, formats, jobs, base, progress, cache_dir)
            if report.pages == 0:
                reasons = "; ".join(f"{f['path']}: {f['reason']}" for f in report.failed[:3])
                raise BuildError(f"no page could be built, the previous outputs are kept ({reasons})")
            names = [OUTPUT_FILES[fmt] for fmt in formats]
            for fmt in formats:
                report.outputs[fmt] = str(out_dir / OUTPUT_FILES[fmt])
            report.outputs["report"] = str(out_dir / REPORT_FILE)
            _write_atomic(staging / REPORT_FILE, json.dumps(report.to_json(), indent=2).encode("utf-8"))
            _commit(out_dir, staging, [*names, REPORT_FILE])
            if cache_dir is not None:
                _prune_cache(cache_dir, used)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        lock.close()
    return report


COMMIT_FILE = ".commit"


def _lock(out_dir: Path):
    """An exclusive lock on the output folder for the length of a build."""
    import fcntl

    f = open(out_dir / ".lock", "a")
    try:
        # a POSIX record lock belongs to this process alone: the pool's workers do not inherit it,
        # so a killed build releases it at once even while its workers wind down
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise BuildError(f"{out_dir}: another tropekg build is writing here") from None
    return f


def _commit(out_dir: Path, staging: Path, names: list[str]) -> None:
    """Put a complete set of staged outputs in place. The list of renames is written first (a
    journal), so a build killed halfway through is completed by :func:`finish_commit`, never left
    with old and new outputs mixed."""
    journal = {"staging": staging.name, "files": names}
    _write_atomic(out_dir / COMMIT_FILE, json.dumps(journal).encode("utf-8"))
    finish_commit(out_dir)


def finish_commit(out_dir: Path) -> None:
    """Complete the renames a journal lists (idempotent), then drop the journal."""
    path = out_dir / COMMIT_FILE
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    staging = out_dir / journal["staging"]
    for name in journal["files"]:
        if (staging / name).exists():
            os.replace(staging / name, out_dir / name)
    _fsync_dir(out_dir)
    path.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _prune_cache(cache_dir: Path, used: set[str]) -> None:
    """Drop cache entries of pages no longer built or changed since."""
    for sub in cache_dir.iterdir() if cache_dir.is_dir() else ():
        for entry in sub.iterdir() if sub.is_dir() else ():
            if entry.name not in used:
                entry.unlink(missing_ok=True)


class _SharedTriples:
    """Triples several pages may state, written to the merged graph the first time only."""

    def __init__(self, base: str, turtle, jsonld, flush_every: int = 50_000):
        self.seen: set[bytes] = set()
        self.pending: list[bytes] = []
        self.base = base
        self.turtle = turtle
        self.jsonld = jsonld
        self.flush_every = flush_every
        self.count = 0

    def add(self, ntriples: bytes) -> None:
        for line in ntriples.split(b"\n"):
            if line:
                digest = hashlib.blake2b(line, digest_size=16).digest()
                if digest not in self.seen:
                    self.seen.add(digest)
                    self.pending.append(line)
        if len(self.pending) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.count += len(self.pending)
        triples = list(parse(b"\n".join(self.pending) + b"\n", format=RdfFormat.N_TRIPLES))
        self.pending = []
        if self.turtle is not None:
            self.turtle.write(_turtle_block(triples, prefixes_for(self.base)))
        if self.jsonld is not None:
            self.jsonld.write(b",\n".join(jsonld_nodes(triples, self.base)))


class _JsonLdGraph:
    """The @graph array of graph.jsonld: node objects from many writers, commas between them."""

    def __init__(self, f, base: str):
        self.f = f
        self.empty = True
        f.write(jsonld_header(base))

    def write(self, nodes: bytes) -> None:
        if nodes:
            if not self.empty:
                self.f.write(b",\n")
            self.f.write(nodes)
            self.empty = False

    def close(self) -> None:
        self.f.write(JSONLD_FOOTER)


def _build_into(staging: Path, sources: list[SourceFile], report: BuildReport, formats: tuple[str, ...],
                jobs: int, base: str, progress: Callable[[int, int], None] | None,
                cache_dir: Path | None) -> set[str]:
    prefixes = prefixes_for(base)
    prefix_lines = "".join(f"@prefix {k}: <{v}> .\n" for k, v in prefixes.items()).encode()
    files = {fmt: open(staging / OUTPUT_FILES[fmt], "wb") for fmt in formats}
    jsonld = _JsonLdGraph(files["jsonld"], base) if "jsonld" in files else None
    for fmt in ("trig", "turtle"):
        if fmt in files:
            files[fmt].write(prefix_lines)
    shared = _SharedTriples(base, files.get("turtle"), jsonld)
    kinds: Counter[str] = Counter()
    described: set[str] = set()
    refs: dict[str, tuple[str, str | None]] = {}
    used: set[str] = set()
    try:
        for done, result in enumerate(_results(sources, base, formats, jobs, cache_dir), start=1):
            if progress is not None:
                progress(done, len(sources))
            if result.error is not None:
                report.failed.append(result.error)
                continue
            if result.cache_key is not None:
                used.add(result.cache_key)
            report.cached += result.cached
            kinds[result.kind] += 1
            described.add(result.title.casefold())
            for fmt in ("nquads", "trig", "turtle"):
                if fmt in files:
                    files[fmt].write(result.blocks[fmt])
            if jsonld is not None:
                jsonld.write(result.blocks["jsonld"])
            shared.add(result.blocks["shared"])
            report.quads += result.quads
            report.triples += result.own_triples
            report.examples += result.examples
            if result.warnings:
                report.warnings += len(result.warnings)
                report.page_warnings[result.title] = result.warnings
            for key, spelling, cls in result.references:
                old = refs.get(key)
                refs[key] = (spelling, cls) if old is None else (old[0], _better_class(old[1], cls))
        wanted = _wanted_quads(described, refs, base)
        if wanted:
            if "nquads" in files:
                files["nquads"].write(_canonical(wanted))
            if "trig" in files:
                files["trig"].write(_trig_block(wanted, prefixes))
            shared.add(serialize((Triple(q.subject, q.predicate, q.object) for q in wanted),
                                 format=RdfFormat.N_TRIPLES))
            report.quads += len(wanted)
            report.wanted_pages = sum(1 for q in wanted if q.predicate == RDF_TYPE
                                      and q.object == tk.WantedPage)
        shared.flush()
        report.triples += shared.count
        if jsonld is not None:
            jsonld.close()
        for f in files.values():
            f.flush()
            os.fsync(f.fileno())
    finally:
        for f in files.values():
            f.close()
    report.pages = sum(kinds.values())
    report.kinds = dict(sorted(kinds.items()))
    return used
