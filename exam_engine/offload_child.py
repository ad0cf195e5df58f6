"""The child interpreter of `offload.in_child`: `python -P -m exam_engine.offload_child NICE PARENT`.

First asks to die with its PARENT (pid): a node killed with SIGKILL must not leave its analyses
running for minutes. Then lowers its own CPU priority by NICE (os.nice), reads one pickle from
stdin, (module, qualified name, args, kwargs), imports the function by name, calls it and writes
one pickle to stdout: (True, result) or (False, exception), the exception carrying the child's
traceback as a note. Whatever the function prints goes to stderr, so it cannot corrupt the
answer. Exit code 0 whenever an answer was written; anything else (a crash, os._exit, a signal)
leaves stdout empty and the parent reports the exit code and the end of stderr.

Imports nothing but the standard library and the function's own module: no gevent, no Flask, no
app, so a child costs an interpreter start and its function's imports (numpy for the copying
scan), and is gone when the call returns."""
from __future__ import annotations

import ctypes
import importlib
import os
import pickle
import signal
import sys
import traceback
from typing import Any

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _answer(ok: bool, value: Any, name: str) -> bytes:
    """The pickled answer, or, if it cannot be pickled or read back, a RuntimeError saying so."""
    try:
        data = pickle.dumps((ok, value), protocol=5)
        if not ok:
            pickle.loads(data)  # some exceptions pickle but cannot be rebuilt (a custom __init__)
        return data
    except Exception as exc:  # noqa: BLE001 -- reported to the parent below
        what = f"{type(value).__module__}.{type(value).__qualname__}: {value}" if not ok else f"the result of {name}"
        error = RuntimeError(f"{what} (raised in the child process) cannot travel back to the parent: {exc!r}")
        if not ok:
            error.add_note("".join(traceback.format_exception(value)))
        return pickle.dumps((False, error), protocol=5)


def die_with(parent: int) -> None:
    """SIGKILL when PARENT exits (Linux; elsewhere the child's own timeout in the parent bounds
    it). Checked after asking: the parent may have gone before the request was made."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if parent and os.getppid() != parent:
        os._exit(1)


def main() -> int:
    nice = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    die_with(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    if nice:
        os.nice(nice)
    answer = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # prints, even from C, go to stderr
    sys.stdout = sys.stderr
    module, qualname, args, kwargs = pickle.loads(sys.stdin.buffer.read())
    name = f"{module}.{qualname}"
    fn: Any = importlib.import_module(module)
    for part in qualname.split("."):
        fn = getattr(fn, part)
    try:
        data = _answer(True, fn(*args, **kwargs), name)
    except Exception as exc:  # noqa: BLE001 -- re-raised in the parent
        exc.add_note(f"(raised in the child process {os.getpid()} running {name}:\n"
                     + "".join(traceback.format_exception(exc)).rstrip() + ")")
        data = _answer(False, exc, name)
    answer.write(data)
    answer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
