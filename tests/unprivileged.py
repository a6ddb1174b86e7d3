"""Running tropekg as a user whom file permissions stop, also when the tests run as root.

Root reads and writes through any permission bits because it holds CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH; a ``chmod 000`` folder is no obstacle to it. A child process started with
those two capabilities dropped from its bounding set (``prctl(PR_CAPBSET_DROP)`` before ``exec``)
is still root, but the kernel now checks permission bits for it as for anyone: opening a
``chmod 000`` folder fails with EACCES and writing into a ``chmod 555`` one with EACCES, exactly
what an ordinary user meets. As another user, chmod alone does it and nothing is dropped.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2


def _drop_permission_overrides() -> None:  # runs in the child, between fork and exec
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_tropekg(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``tropekg ARGS`` in a child process that permission bits stop."""
    return subprocess.run([sys.executable, "-m", "tropekg.cli", *args], env=ENV, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=_drop_permission_overrides, check=False)


def permissions_stop(path: Path) -> bool:
    """Whether such a child is refused a ``chmod 000`` ``path`` (the check the tests rely on)."""
    probe = subprocess.run([sys.executable, "-c", "import os, sys; os.listdir(sys.argv[1])", str(path)],
                           capture_output=True, preexec_fn=_drop_permission_overrides, check=False)
    return probe.returncode != 0
