"""Garbage collection on a served node, without pauses that stall every acknowledgement.

A node holding 2,000 terminals tracks ~500,000 container objects, nearly all long-lived
(connections, sockets, greenlets, caches). CPython's full collection walks every one of them:
measured at 2,000 candidates, 200-380 ms each, dozens of times while the heap grew, and the
open-loop ack p99 was those pauses. Reference counting frees almost everything anyway; the
full walk only finds reference cycles.

So the node freezes its survivors: every FREEZE_EVERY seconds it collects the young
generations and moves everything alive into the permanent generation (`gc.freeze`), which
automatic collections skip. Cycles among frozen objects that die later (a terminal that
disconnected) wait for the sweep: every SWEEP_EVERY seconds, the node unfreezes, runs one full
collection and freezes again; one pause of that length per sweep instead of dozens.

The node's cadences are settings (EXAM_ENGINE_GC_FREEZE_SECONDS, EXAM_ENGINE_GC_SWEEP_SECONDS),
passed in by gunicorn_conf.post_worker_init; FREEZE_EVERY and SWEEP_EVERY are their defaults."""
from __future__ import annotations

import gc
import logging
import time
from typing import Any

from exam_engine.config import Settings

log = logging.getLogger(__name__)
FREEZE_EVERY: float = Settings.gc_freeze_seconds  # 10 s
SWEEP_EVERY: float = Settings.gc_sweep_seconds  # 30 min


def freeze() -> None:
    """Move every object alive now out of the automatic collections' way."""
    gc.collect(1)  # the young garbage first, so it is not frozen with the survivors
    gc.freeze()


def sweep() -> float:
    """One full collection of everything, frozen included; returns its seconds."""
    began = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return time.perf_counter() - began


def run(socketio: Any, freeze_every: float = FREEZE_EVERY, sweep_every: float = SWEEP_EVERY) -> None:
    """The node's GC loop (a background task)."""
    freeze()
    last_sweep = time.monotonic()
    while True:
        socketio.sleep(freeze_every)
        try:
            if time.monotonic() - last_sweep >= sweep_every:
                seconds = sweep()
                last_sweep = time.monotonic()
                log.info("full garbage collection: %.0f ms, %d objects frozen", seconds * 1000, gc.get_freeze_count())
            else:
                freeze()
        except Exception:  # the node keeps serving with CPython's default collections
            log.exception("garbage collection policy failed")


def start(socketio: Any, freeze_every: float = FREEZE_EVERY, sweep_every: float = SWEEP_EVERY) -> None:
    socketio.start_background_task(run, socketio, freeze_every, sweep_every)
