"""The live flush's slices are spaced: an answer on its way meets one slice, not a train."""
from __future__ import annotations

import time

from exam_engine.proctoring import live


def test_a_pause_lasts_spacing_times_the_slice_then_until_the_writer_is_quiet() -> None:
    gave_way: list[float] = []
    watch = live._Stopwatch(lambda: gave_way.append(time.monotonic()))
    time.sleep(0.05)  # one slice of work
    began = time.monotonic()
    watch.pause()
    paused = time.monotonic() - began
    assert paused >= 0.05 * live.SPACING
    assert gave_way and gave_way[0] - began >= 0.05 * live.SPACING  # the writer is asked after the spacing
    time.sleep(0.02)  # the next slice: its spacing is its own length, not the round's
    began = time.monotonic()
    watch.pause()
    assert 0.02 * live.SPACING <= time.monotonic() - began < 0.05 * live.SPACING
    assert 0.07 <= watch.busy() < 0.12  # the slices only: the pauses are not the round's cost
