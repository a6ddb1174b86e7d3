"""A real Virtuoso for tests: Virtuoso Open Source 7 (Debian's ``virtuoso-opensource-7-bin``, the
``virtuoso-t`` server and its ``isql-vt`` client) on 127.0.0.1, free ports, a throw-away database
and an ini file of its own in a temporary folder, stopped by its PID.

The database is created with random passwords for ``dba`` and ``dav`` before the server ever
listens (``+checkpoint-only +pwddba``), so no default password is on any port, and tropekg writes
as its own user holding only the SPARQL_UPDATE role, the way the README tells users to set it up:
queries at ``/sparql`` (anonymous, read-only), updates at ``/sparql-auth`` and the Graph Store
Protocol at ``/sparql-graph-crud-auth`` (both HTTP Digest).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .sparql_server import _free_port

USER = "tropekg"

# Virtuoso answers silently with part of the result when a query runs past MaxQueryExecutionTime
# ("anytime" queries) or returns more than ResultSetMaxRows rows: no limit on either.
INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
ServerThreads = 8
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {dir}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}/www
EnabledDavVSP = 0
MaxClientConnections = 4
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 0
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""


@dataclass(frozen=True)
class VirtuosoServer:
    query_url: str
    update_url: str
    graph_store_url: str
    user: str
    password: str
    pid: int
    log: Path


def virtuoso_executable() -> str | None:
    return shutil.which("virtuoso-t")


def _run_sql(sql_port: int, password: str, statements: str) -> None:
    done = subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", password, f"exec={statements}"],
                          capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt failed: {(done.stdout + done.stderr)[-500:]}")


@contextmanager
def virtuoso_server(location: Path):
    """Create a database in ``location``, start ``virtuoso-t`` over it and set up tropekg's user;
    stop the server by its PID when done."""
    location.mkdir(parents=True, exist_ok=True)
    (location / "www").mkdir(exist_ok=True)
    sql_port = http_port = _free_port()
    while http_port == sql_port:
        http_port = _free_port()
    ini = location / "virtuoso.ini"
    ini.write_text(INI.format(dir=location, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    # 20 characters: Virtuoso 7.2 accepts a longer +pwddba but then refuses every login with it
    dba_password, user_password = secrets.token_hex(10), secrets.token_hex(10)
    log = location / "virtuoso.log"
    # Creates the database and replaces the default passwords, then exits without listening.
    subprocess.run(["virtuoso-t", "+foreground", "+configfile", str(ini), "+checkpoint-only",
                    "+pwdold", "dba", "+pwddba", dba_password, "+pwddav", secrets.token_hex(10)],
                   cwd=location, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
                   check=True)
    with open(location / "server.out", "wb") as out:
        proc = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(ini)], cwd=location,
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited: {log.read_text(errors='replace')[-800:]}")
            try:
                urllib.request.urlopen(f"{base}/sparql?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("virtuoso-t did not answer within 120 s") from None
                time.sleep(0.2)
        _run_sql(sql_port, dba_password,
                 f"DB.DBA.USER_CREATE('{USER}', '{user_password}'); GRANT SPARQL_UPDATE TO \"{USER}\";")
        yield VirtuosoServer(f"{base}/sparql", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth",
                             USER, user_password, proc.pid, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
