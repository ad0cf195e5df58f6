"""CPU-bound work off the event loop.

Under gevent (the served node) every greenlet shares one OS thread: a 10 ms argon2 check or a
2-second copying analysis stops every acknowledgement for that long. `blocking` runs such a
call in gevent's pool of native threads and waits for it cooperatively, so the hub keeps
serving. C code that releases the GIL (argon2-cffi, BLAS, sqlite3) then runs in parallel, and
pure Python in the thread is preempted every few milliseconds by the interpreter's switch
interval.

Only for self-contained work: the call must not touch greenlet-bound state (database
sessions, Flask contexts, sockets). Outside gevent (tests, scripts, the threading mode) it is
a plain call."""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

#: How long a long-running greenlet sleeps between slices of its work. A timer, not
#: sleep(0): gevent runs sleep(0) wake-ups before polling the sockets, so a loop of slices
#: separated by sleep(0) still kept every answer waiting (ack p99 ~0.3 s at 2,000 terminals;
#: 24 ms with this).
YIELD = 0.001

P = ParamSpec("P")
T = TypeVar("T")


def _gevent_hub_active() -> bool:
    if "gevent" not in sys.modules:
        return False
    from gevent import monkey

    return bool(monkey.is_module_patched("threading"))


def settle(max_wait: float) -> None:
    """Under gevent: wait until the loop has nothing left to do (every socket read, every
    ready greenlet run), at most MAX_WAIT seconds. Outside gevent: return at once."""
    if not _gevent_hub_active():
        return
    import gevent

    with gevent.Timeout(max_wait, False):
        gevent.idle()


def blocking(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """FN(*ARGS, **KWARGS) in a native thread when the hub would otherwise be blocked."""
    if not _gevent_hub_active():
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
