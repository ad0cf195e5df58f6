"""CPU-bound work off the event loop.

Under gevent (the served node) every greenlet shares one OS thread: a 10 ms argon2 check or a
2-second copying analysis stops every acknowledgement for that long. `blocking` runs such a
call in gevent's pool of native threads and waits for it cooperatively, so the hub keeps
serving. C code that releases the GIL (argon2-cffi, BLAS, sqlite3) then runs in parallel, and
pure Python in the thread is preempted every few milliseconds by the interpreter's switch
interval.

Only for self-contained work: the call must not touch greenlet-bound state (database
sessions, Flask contexts, sockets). Outside gevent (tests, scripts, the threading mode) it is
a plain call.

`in_child` goes further for long numpy analyses (the live copying scan): the call runs in a
short-lived child interpreter at a lower CPU priority, so it competes neither for the GIL (numpy
holds it in parts, the Python around it always does) nor on equal terms for the node's cores."""
from __future__ import annotations

import importlib
import logging
import os
import pickle
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

#: How long a long-running greenlet sleeps between slices of its work. A timer, not
#: sleep(0): gevent runs sleep(0) wake-ups before polling the sockets, so a loop of slices
#: separated by sleep(0) still kept every answer waiting (ack p99 ~0.3 s at 2,000 terminals;
#: 24 ms with this).
YIELD = 0.001

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


def gevent_hub_active() -> bool:
    if "gevent" not in sys.modules:
        return False
    from gevent import monkey

    return bool(monkey.is_module_patched("threading"))


def settle(max_wait: float) -> None:
    """Under gevent: wait until the loop has nothing left to do (every socket read, every
    ready greenlet run), at most MAX_WAIT seconds. Outside gevent: return at once."""
    if not gevent_hub_active():
        return
    import gevent

    with gevent.Timeout(max_wait, False):
        gevent.idle()


def blocking(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """FN(*ARGS, **KWARGS) in a native thread when the hub would otherwise be blocked."""
    if not gevent_hub_active():
        return fn(*args, **kwargs)
    import gevent

    def call() -> tuple[bool, object]:
        # Exceptions travel back as values: gevent would print each one raised in its pool
        # (a wrong PIN is not an error worth a traceback).
        try:
            return True, fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 -- re-raised in the caller below
            return False, exc

    ok, value = gevent.get_hub().threadpool.apply(call)
    if not ok:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]


#: The child interpreter's entry point (`python -m`); the protocol is described there.
CHILD_MODULE = "exam_engine.offload_child"
_STDERR_TAIL = 2000  # characters of a failed child's stderr quoted in the error


class ChildFailed(RuntimeError):
    """`in_child`'s child died, ran out of time or answered with something that is not a result."""


def in_child(fn: Callable[P, T], /, *args: P.args, nice: int = 10, timeout: float = 600.0,
             **kwargs: P.kwargs) -> T:
    """FN(*ARGS, **KWARGS) in a fresh child interpreter, NICE steps below this process's CPU
    priority, waited for cooperatively, when the hub would otherwise be blocked. Outside gevent
    (tests, scripts, the threading mode) it is a plain call, like `blocking`.

    FN must be a module-level function importable by name, and ARGS, KWARGS and its result
    must be picklable (numpy arrays travel with pickle protocol 5). The child gets this
    process's environment and import path, nothing else: no open files or sockets, no gevent,
    no app. An exception FN raises is re-raised here (the child's traceback as a note); a child
    that exits abnormally, answers garbage or runs past TIMEOUT seconds (then it is killed)
    raises ChildFailed, naming what happened and quoting the end of the child's stderr."""
    if not gevent_hub_active():
        return fn(*args, **kwargs)
    from gevent import subprocess as cooperative  # pipes and the wait never block the hub

    name = _importable_name(fn)
    payload = pickle.dumps((*name, args, kwargs), protocol=5)
    what = f"the child process running {'.'.join(name)}"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(_import_path()))
    try:
        # -P: the child's import path is this one (PYTHONPATH above), not its working directory
        # the pid: the child dies with this process (a SIGKILLed node leaves no analysis behind)
        done = cooperative.run([sys.executable, "-P", "-m", CHILD_MODULE, str(int(nice)), str(os.getpid())],
                               input=payload, capture_output=True, timeout=timeout, env=env, close_fds=True)
    except cooperative.TimeoutExpired as exc:
        raise ChildFailed(f"{what} gave no answer within {timeout:g} s and was killed"
                          f"{_tail(exc.stderr)}") from None
    return _outcome(what, done.returncode, done.stdout, done.stderr)  # type: ignore[no-any-return]


def _importable_name(fn: Callable[..., object]) -> tuple[str, str]:
    """FN's module and qualified name, checked to lead back to FN in a fresh interpreter."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<" in qualname:
        raise ValueError(f"{fn!r} cannot run in a child process: only a module-level function importable by "
                         f"name can (not a lambda, a nested function or one defined in __main__)")
    found: object = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if found is not fn:
        raise ValueError(f"{fn!r} cannot run in a child process: {module}.{qualname} is not that function")
    return module, qualname


def _import_path() -> list[str]:
    """This interpreter's sys.path as absolute directories ('' is the working directory)."""
    path: list[str] = []
    for entry in sys.path:
        if isinstance(entry, str) and (entry := os.path.abspath(entry or os.curdir)) not in path:
            path.append(entry)
    return path


def _outcome(what: str, returncode: int, out: bytes, err: bytes) -> object:
    """The result the child wrote to OUT, or its exception raised, or ChildFailed."""
    if returncode != 0:
        how = f"was killed by signal {-returncode}" if returncode < 0 else f"exited with code {returncode}"
        raise ChildFailed(f"{what} {how} without an answer{_tail(err)}")
    try:
        ok, value = pickle.loads(out)
    except Exception as exc:  # noqa: BLE001 -- whatever garbage it was, the caller gets one error
        raise ChildFailed(f"{what} answered {len(out)} byte(s) that are not a result ({exc!r})"
                          f"{_tail(err)}") from None
    if not isinstance(ok, bool) or (not ok and not isinstance(value, BaseException)):
        raise ChildFailed(f"{what} answered something that is not a result ({type(value).__name__}){_tail(err)}")
    if err.strip():
        log.warning("%s wrote to its stderr:\n%s", what, err.decode("utf-8", "replace").rstrip()[-_STDERR_TAIL:])
    if not ok:
        raise value
    return value


def _tail(err: bytes | None) -> str:
    text = (err or b"").decode("utf-8", "replace").rstrip()
    return f"; its stderr ends with:\n{text[-_STDERR_TAIL:]}" if text else "; its stderr is empty"
