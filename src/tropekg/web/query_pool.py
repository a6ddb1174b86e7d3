"""Queries from the outside world, run with a time limit: a query (or a saved query's name and
parameter values) in, the answer's bytes in the negotiated format out.

pyoxigraph has no way to stop a running query, and a thread cannot be stopped either, so each
query runs in a worker process (``python -m tropekg.web.query_worker``, talking over its stdin and
stdout) that holds the store open read-only; a query that outlives its time limit has its worker
killed (by that worker's PID) and a fresh one started in its place. Results are
read at most ``max_rows`` rows (or triples) deep in the worker, so an answer of millions of rows never
crosses the pipe, and the answer says when it was cut. Saved queries go through the same path as
``tropekg query run``: ``query.params.bind`` checks the values and makes them terms,
``GraphStore.run`` binds them into the query (``query.binding``), never pasting text.
"""

from __future__ import annotations

import os
import pickle
import queue
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

READY = "ready"  # the first message of a worker: the store is open (or could not be opened)
STARTUP_SECONDS = 120  # how long a worker may take to import and open the store


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    fmt: str | None = None     # the format actually written (json, turtle, ...)
    truncated: bool = False
    message: str = ""          # for errors: what went wrong, in words


@dataclass(frozen=True, slots=True)
class SparqlTask:
    text: str
    select_format: str  # the format for SELECT/ASK answers
    graph_format: str   # the format for CONSTRUCT/DESCRIBE answers


@dataclass(frozen=True, slots=True)
class SavedQueryTask:
    name: str
    params: dict[str, str]
    select_format: str
    graph_format: str


# -- inside the worker process -------------------------------------------------------------------

def _answer(task, store, base: str, max_rows: int) -> Answer:
    from tropekg.query.params import bind
    from tropekg.query.results import format_result
    from tropekg.query.saved import QueryError, get_query
    from tropekg.store import Answer as AskAnswer
    from tropekg.store import BackendError, Rows, Triples
    from tropekg.web.result_formats import xml_results

    try:
        if isinstance(task, SavedQueryTask):
            q = get_query(task.name)
            result = store.run(q.text, bind(q, task.params, base), max_rows=max_rows)
        else:
            result = store.run(task.text, max_rows=max_rows)
    except QueryError as e:
        return Answer(400, b"", message=str(e))
    except BackendError as e:
        return Answer(400, b"", message=str(e))
    except (OSError, RuntimeError) as e:  # pyoxigraph reports evaluation failures as these
        return Answer(500, b"", message=f"the query failed: {e}")
    if isinstance(result, Triples):
        fmt = task.graph_format
        if fmt == "rdfxml":
            from pyoxigraph import RdfFormat, serialize

            return Answer(200, serialize(result.triples, format=RdfFormat.RDF_XML), fmt, result.truncated)
    else:
        fmt = task.select_format
        if fmt == "xml":
            return Answer(200, xml_results(result).encode("utf-8"), fmt,
                          isinstance(result, Rows) and result.truncated)
    body = format_result(result, fmt, base).encode("utf-8")
    return Answer(200, body, fmt, not isinstance(result, AskAnswer) and result.truncated)


def _read_message(stream):
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError
    size = struct.unpack(">Q", header)[0]
    body = stream.read(size)
    if len(body) < size:
        raise EOFError
    return pickle.loads(body)  # only ever between the site and its own worker process


def _write_message(stream, message) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(body)) + body)
    stream.flush()


def worker_main(store_path: str, base: str, max_rows: int) -> None:
    """A worker's life: open the store read-only, answer tasks from stdin until it closes."""
    from tropekg.store import StoreError
    from tropekg.store.embedded import GraphStore

    # the answers own the real stdout; anything a library prints goes to stderr instead
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    tasks = sys.stdin.buffer
    try:
        store, failure = GraphStore(Path(store_path), read_only=True, base=base), ""
    except StoreError as e:
        store, failure = None, str(e)
    _write_message(answers, READY)  # the time limit counts from here, not from the start-up
    while True:
        try:
            task = _read_message(tasks)
        except (EOFError, OSError):
            return  # the site stopped (or was killed): nothing left to answer
        if store is None:
            answer = Answer(500, b"", message=failure)
        else:
            try:
                answer = _answer(task, store, base, max_rows)
            except Exception as e:  # noqa: BLE001 - the site shows one line, never a traceback
                answer = Answer(500, b"", message=f"the query failed: {type(e).__name__}: {e}")
        _write_message(answers, answer)


# -- in the site -----------------------------------------------------------------------------------

class _Worker:
    """One worker process, started with this interpreter and stopped by its PID."""

    def __init__(self, store_path: str, base: str, max_rows: int):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tropekg.web.query_worker", store_path, base, str(max_rows)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None)
        self.ready = False

    def wait_ready(self) -> bool:
        """Wait for the worker to say it is up; False if it died or took too long."""
        if not self.ready:
            try:
                self.ready = self.wait_answer(STARTUP_SECONDS) == READY
            except (EOFError, OSError, pickle.UnpicklingError):
                return False
        return self.ready

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, task) -> None:
        _write_message(self.process.stdin, task)

    def wait_answer(self, timeout: float):
        """The answer, or None if none came within ``timeout`` seconds."""
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            return None
        return _read_message(self.process.stdout)

    def stop(self) -> None:
        """Kill this worker by its PID and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


class QueryPool:
    """A few worker processes over one store; :meth:`run` blocks, so call it from a thread."""

    def __init__(self, store_path: Path, base: str, *, workers: int = 2, timeout: float = 30.0,
                 max_rows: int = 10_000):
        self.store_path, self.base = str(store_path), base
        self.size, self.timeout, self.max_rows = workers, timeout, max_rows
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        for _ in range(self.size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        worker = _Worker(self.store_path, self.base, self.max_rows)
        with self._lock:
            self._all.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._all]

    def run(self, task) -> Answer:
        """The answer to a task, or a 503 answer when it took longer than the time limit."""
        if self._closed:
            return Answer(503, b"", message="the site is stopping")
        started = time.monotonic()
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            return Answer(503, b"", message=f"every query worker stayed busy for {self.timeout:g} s; "
                                            "try again later")
        waited = time.monotonic() - started
        if not worker.alive() or not worker.wait_ready():
            self._retire(worker)
            worker = self._spawn()
            if not worker.wait_ready():
                self._retire(worker)
                self._idle.put(self._spawn())
                return Answer(500, b"", message="a query worker could not start; see the server's log")
        # the time limit counts the wait for a free worker, not a worker's start-up
        remaining = max(0.1, self.timeout - waited)
        try:
            worker.send(task)
            answer = worker.wait_answer(remaining)
        except (EOFError, OSError, pickle.UnpicklingError):
            self._retire(worker)
            if not self._closed:
                self._idle.put(self._spawn())
            return Answer(500, b"", message="the query worker stopped unexpectedly; try again")
        if answer is not None:
            self._idle.put(worker)
            return answer
        # too slow: the only way to stop a pyoxigraph query is to end its process
        self._retire(worker)
        if not self._closed:
            self._idle.put(self._spawn())
        return Answer(503, b"", message=f"the query ran longer than the {self.timeout:g} s time limit "
                                        "and was stopped")

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._retire(worker)
