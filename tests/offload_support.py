"""Functions `offload.in_child` runs in its child process in tests/exam_engine/test_offload.py:
module-level and importable by name (`tests.offload_support`), as in_child requires."""
from __future__ import annotations

import os
import sys
import time

import numpy as np


class Refused(Exception):
    """An exception of the tests' own, to be re-raised in the parent as itself."""


def whoami(spin: float = 0.0) -> dict[str, object]:
    """Where and how the call ran, after SPIN seconds of pure-Python CPU (GIL held throughout)."""
    end = time.monotonic() + spin
    while time.monotonic() < end:
        pass
    print("chatter on stdout must not corrupt the answer")
    return {"pid": os.getpid(), "nice": os.nice(0),
            "loaded": sorted(m for m in ("flask", "gevent", "exam_engine.app") if m in sys.modules)}


def doubled(a: np.ndarray, *, plus: int = 0) -> tuple[np.ndarray, str]:
    return a * 2 + plus, str(a.dtype)


def refuse(message: str) -> None:
    raise Refused(message)


def die(code: int) -> None:
    sys.stderr.write("about to die\n")
    sys.stderr.flush()
    os._exit(code)


def hang(seconds: float) -> None:
    time.sleep(seconds)


def hang_here(pid_file: str, seconds: float) -> None:
    """Say where the child runs (its pid, in PID_FILE), then hang."""
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    time.sleep(seconds)
