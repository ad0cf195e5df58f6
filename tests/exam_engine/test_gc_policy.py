"""gc_policy: survivors are frozen out of the automatic collections; the sweep still finds
cycles among frozen objects that died."""
from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from exam_engine import gc_policy


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test session keeps CPython's defaults


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only a full collection frees it


def test_freeze_moves_survivors_out_of_the_collections() -> None:
    gc.unfreeze()
    kept = [Node() for _ in range(100)]
    gc_policy.freeze()
    assert gc.get_freeze_count() >= len(kept)
    assert all(gc.is_tracked(n) for n in kept)
    # a frozen cycle that dies is not collected by an ordinary collection ...
    probe = weakref.ref(kept[0])
    del kept
    gc.collect()
    assert probe() is not None
    # ... but by the sweep
    seconds = gc_policy.sweep()
    assert probe() is None
    assert seconds >= 0 and gc.get_freeze_count() > 0


def test_young_garbage_is_collected_before_freezing() -> None:
    gc.unfreeze()
    gc.collect()
    dead = Node()
    probe = weakref.ref(dead)
    del dead
    gc_policy.freeze()
    assert probe() is None  # not frozen alive


class Stop(Exception):
    pass


class FakeSocketIO:
    def __init__(self, rounds: int) -> None:
        self.rounds, self.slept = rounds, []

    def sleep(self, seconds: float) -> None:
        if len(self.slept) == self.rounds:
            raise Stop
        self.slept.append(seconds)


def test_run_freezes_each_round_and_sweeps_when_due(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(gc_policy, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc_policy, "sweep", lambda: calls.append("sweep") or 0.0)
    with pytest.raises(Stop):
        gc_policy.run(FakeSocketIO(rounds=3), freeze_every=10.0, sweep_every=0.0)
    assert calls == ["freeze", "sweep", "sweep", "sweep"]
    calls.clear()
    with pytest.raises(Stop):
        gc_policy.run(FakeSocketIO(rounds=2), freeze_every=10.0, sweep_every=3600.0)
    assert calls == ["freeze", "freeze", "freeze"]


class RecordingSocketIO:
    def __init__(self) -> None:
        self.tasks: list[tuple[object, tuple[object, ...]]] = []

    def start_background_task(self, target: object, *args: object) -> None:
        self.tasks.append((target, args))


def test_start_runs_the_loop_at_the_given_cadences_defaulting_to_10_s_and_30_min() -> None:
    socketio = RecordingSocketIO()
    gc_policy.start(socketio)
    gc_policy.start(socketio, freeze_every=2.5, sweep_every=60.0)
    assert socketio.tasks == [(gc_policy.run, (socketio, 10.0, 1800.0)), (gc_policy.run, (socketio, 2.5, 60.0))]


def test_post_worker_init_passes_the_apps_gc_settings(app, monkeypatch):  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from exam_engine import create_app, gunicorn_conf
    from exam_engine.delivery import ticker

    started: list[object] = []
    monkeypatch.setattr(ticker, "start_ticker", started.append)
    calls: list[tuple[object, float, float]] = []
    monkeypatch.setattr(gc_policy, "start", lambda socketio, freeze_every=-1.0, sweep_every=-1.0:
                        calls.append((socketio, freeze_every, sweep_every)))
    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=app))
    assert started == [app]
    assert calls == [(app.extensions["socketio"], 10.0, 1800.0)]  # the defaults

    monkeypatch.setenv("EXAM_ENGINE_GC_FREEZE_SECONDS", "3")
    monkeypatch.setenv("EXAM_ENGINE_GC_SWEEP_SECONDS", "600")
    tuned = create_app({"instance_path": app.extensions["exam_engine"].settings.instance_path})
    gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=tuned))
    assert calls[-1] == (tuned.extensions["socketio"], 3.0, 600.0)
