"""Which greenlet held a served node's hub, for how long, and where it let go: a diagnostic for
acknowledgement tails, on when EXAM_ENGINE_HOLD_LOG_MS is set (off by default).

Under gevent every greenlet shares one thread: work that runs 20 ms without yielding delays
every answer read meanwhile by as much. gevent's own monitor thread prints the tree of every
greenlet (2,000 at a sitting) with each report; this writes one line per hold to stderr (the
server log): `hub held MS ms until EPOCH by FUNCTION at FRAMES`, FRAMES being the innermost of
our own frames where the greenlet yielded, innermost first. The load benchmark's `--holds`
lines these up with its slow acknowledgements. The cost is a clock read per switch."""
from __future__ import annotations

import os
import time
import traceback
from typing import Any

OURS = (f"{os.sep}exam_engine{os.sep}", f"{os.sep}question_bank{os.sep}", f"{os.sep}proctor_console{os.sep}")
FRAMES = 5
PREFIX = "hub held "


def install(threshold_ms: float) -> None:
    """Log every greenlet switch-out after more than THRESHOLD_MS ms of running (this thread)."""
    import greenlet
    from gevent.hub import Hub

    threshold = threshold_ms / 1000
    last = time.perf_counter()

    def trace(event: str, args: tuple[Any, Any]) -> None:
        nonlocal last
        now = time.perf_counter()
        held, last = now - last, now
        origin = args[0]
        if held < threshold or isinstance(origin, Hub):  # the hub's own stretches are mostly its wait
            return
        try:
            line = f"{PREFIX}{held * 1000:.1f} ms until {time.time():.3f} by {_name(origin)} at {_where(origin)}\n"
            os.write(2, line.encode("utf-8", "replace"))  # no lock: logging's could switch inside a switch
        except Exception:  # noqa: BLE001 -- a diagnostic must never break a switch
            pass
        last = time.perf_counter()  # the writing is not the next greenlet's

    greenlet.settrace(trace)


def _name(g: Any) -> str:
    run = getattr(g, "_run", None) or getattr(g, "run", None)
    return str(getattr(run, "__qualname__", None) or type(g).__name__)


def _where(g: Any) -> str:
    frame = getattr(g, "gr_frame", None)
    if frame is None:
        return "?"
    stack = traceback.extract_stack(frame)
    ours = [f for f in stack if any(part in f.filename for part in OURS)] or stack[-3:]
    return " < ".join(f"{os.path.basename(f.filename)}:{f.lineno}:{f.name}" for f in reversed(ours[-FRAMES:]))


def parse(line: str) -> tuple[float, float, str, str] | None:
    """(until epoch s, held ms, greenlet, frames) of a hold line, else None."""
    at = line.find(PREFIX)
    if at < 0:
        return None
    try:
        held, rest = line[at + len(PREFIX):].split(" ms until ", 1)
        until, rest = rest.split(" by ", 1)
        name, where = rest.split(" at ", 1)
        return float(until), float(held), name, where.strip()
    except ValueError:
        return None
