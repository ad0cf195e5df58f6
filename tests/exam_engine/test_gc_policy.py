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
