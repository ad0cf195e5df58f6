"""The live copying detector takes its settings (threshold, interval, items shared) from the
app's engine settings, i.e. from exam_engine/config.py, not from the environment directly."""
from __future__ import annotations

import time

import pytest

from exam_engine import create_app
from exam_engine.config import load_settings
from exam_engine.proctoring import live_copying
from exam_engine.proctoring.copying import DEFAULT_THRESHOLD
from exam_engine.proctoring.copying_sim import simulate_room


def matrix(n: int = 10) -> live_copying.Matrix:
    room = simulate_room(n, seed=7)  # 96 of 120 items on each form: pairs share about 77
    return live_copying.Matrix(list(range(n)), [f"C{i}" for i in range(n)], room.responses, room.correct,
                               room.present)


def test_explicit_settings_are_read() -> None:
    settings = load_settings(environ={"EXAM_ENGINE_COPYING_THRESHOLD": "5", "EXAM_ENGINE_COPYING_INTERVAL": "7",
                                      "EXAM_ENGINE_COPYING_MIN_SHARED": "9"})
    assert live_copying.threshold(settings) == 5.0
    assert live_copying.interval(settings) == 7.0
    assert live_copying.min_shared(settings) == 9


def test_find_pairs_uses_the_settings_threshold_and_min_shared() -> None:
    m = matrix()
    everyone = load_settings(environ={}, overrides={"copying_threshold": -1000.0, "copying_min_shared": 1})
    assert len(live_copying.find_pairs(m, settings=everyone)) == 10 * 9 // 2
    more_than_shared = load_settings(environ={}, overrides={"copying_threshold": -1000.0,
                                                            "copying_min_shared": 121})
    assert live_copying.find_pairs(m, settings=more_than_shared) == []
    assert live_copying.find_pairs(m, z=1000.0, settings=everyone) == []  # an explicit z wins
    # the defaults: an honest room of 10 raises no pair above 4.5
    assert live_copying.threshold(load_settings(environ={})) == DEFAULT_THRESHOLD
    assert live_copying.find_pairs(m, settings=load_settings(environ={})) == []


def test_due_waits_the_given_interval() -> None:
    scans = live_copying.Scans(last={1: 100.0})
    assert not scans.due(1, 129.0, 30.0) and scans.due(1, 130.0, 30.0) and scans.due(1, 101.0, 1.0)
    scans.cost[1] = 1.0  # a scan of a second: spaced so scans take at most SHARE of the time
    assert not scans.due(1, 130.0, 30.0) and scans.due(1, 100.0 + 1.0 / live_copying.SHARE, 30.0)


def test_the_current_app_settings_win_over_the_environment(engine, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EXAM_ENGINE_COPYING_INTERVAL", "12")
    monkeypatch.setenv("EXAM_ENGINE_COPYING_MIN_SHARED", "11")
    app = create_app({"instance_path": engine.settings.instance_path, "copying_interval": 3.0})
    assert live_copying.settings_of(app) is app.extensions["exam_engine"].settings
    with app.app_context():
        assert live_copying.interval() == 3.0  # the app's override, not the environment's 12
        assert live_copying.min_shared() == 11  # the app read the environment when it was created
        monkeypatch.setenv("EXAM_ENGINE_COPYING_MIN_SHARED", "99")
        assert live_copying.min_shared() == 11  # the app's settings, not the environment of now
    # Outside any app (the CLI report): loaded from the environment, through config.py.
    assert live_copying.min_shared() == 99 and live_copying.interval() == 12.0
    monkeypatch.setenv("EXAM_ENGINE_COPYING_THRESHOLD", "high")
    with pytest.raises(ValueError, match="EXAM_ENGINE_COPYING_THRESHOLD: expected a number, got 'high'"):
        live_copying.threshold()


def test_a_bad_copying_setting_stops_the_app_at_creation(engine, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EXAM_ENGINE_COPYING_MIN_SHARED", "0")
    with pytest.raises(ValueError, match="EXAM_ENGINE_COPYING_MIN_SHARED: must be at least 1, got 0"):
        create_app({"instance_path": engine.settings.instance_path})


def test_scan_due_waits_the_apps_interval(engine) -> None:  # type: ignore[no-untyped-def]
    def pending_after_a_scan(every: float) -> set[int]:
        app = create_app({"instance_path": engine.settings.instance_path, "copying_interval": every})
        with app.app_context():
            live_copying.note(app, None, {424242: set()})  # type: ignore[arg-type]
            time.sleep(0.05)
            live_copying.scan_due(app)  # no such session: a due scan just drops it
        return live_copying.scans(app).pending

    assert pending_after_a_scan(3600.0) == {424242}
    assert pending_after_a_scan(0.01) == set()
