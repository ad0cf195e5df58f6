"""Configuration: defaults, EXAM_ENGINE_* variables, overrides."""
from __future__ import annotations

from pathlib import Path

import pytest

from exam_engine.config import load_settings


def test_defaults_work_out_of_the_box():
    settings = load_settings(environ={})
    assert settings.instance_path == Path("instance")
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("instance/exam-engine.db")
    assert settings.resolved_key_file == Path("instance/master.key")


def test_environment_then_overrides():
    env = {"EXAM_ENGINE_DATABASE_URL": "postgresql://db/x", "EXAM_ENGINE_PIN_LENGTH": "8",
           "EXAM_ENGINE_INSTANCE_PATH": "/srv/exam"}
    settings = load_settings(environ=env, overrides={"pin_length": 7})
    assert settings.resolved_database_url == "postgresql://db/x"
    assert settings.instance_path == Path("/srv/exam")
    assert settings.pin_length == 7


def test_bad_values_are_named():
    with pytest.raises(ValueError, match="EXAM_ENGINE_PIN_LENGTH: expected an integer, got 'six'"):
        load_settings(environ={"EXAM_ENGINE_PIN_LENGTH": "six"})
    with pytest.raises(ValueError, match="unknown settings: colour"):
        load_settings(environ={}, overrides={"colour": "red"})


def test_copying_and_gc_defaults_hold():
    from exam_engine import gc_policy
    from exam_engine.proctoring.copying import DEFAULT_THRESHOLD

    settings = load_settings(environ={})
    assert settings.copying_threshold == DEFAULT_THRESHOLD == 4.5
    assert settings.copying_interval == 30.0
    assert settings.copying_min_shared == 20
    assert settings.gc_freeze_seconds == gc_policy.FREEZE_EVERY == 10.0
    assert settings.gc_sweep_seconds == gc_policy.SWEEP_EVERY == 1800.0
    # an empty variable (`KEY=` in the systemd file) means the default, like an unset one
    empty = {f"EXAM_ENGINE_{name}": "" for name in ("COPYING_THRESHOLD", "COPYING_INTERVAL", "COPYING_MIN_SHARED",
                                                    "GC_FREEZE_SECONDS", "GC_SWEEP_SECONDS", "PIN_LENGTH")}
    assert load_settings(environ=empty) == settings


def test_copying_and_gc_settings_are_read_from_the_environment():
    env = {"EXAM_ENGINE_COPYING_THRESHOLD": "-1000", "EXAM_ENGINE_COPYING_INTERVAL": "0.5",
           "EXAM_ENGINE_COPYING_MIN_SHARED": "10", "EXAM_ENGINE_GC_FREEZE_SECONDS": "2.5",
           "EXAM_ENGINE_GC_SWEEP_SECONDS": "3600"}
    settings = load_settings(environ=env)
    assert settings.copying_threshold == -1000.0 and isinstance(settings.copying_threshold, float)
    assert settings.copying_interval == 0.5
    assert settings.copying_min_shared == 10
    assert settings.gc_freeze_seconds == 2.5
    assert settings.gc_sweep_seconds == 3600.0 and isinstance(settings.gc_sweep_seconds, float)
    assert load_settings(environ=env, overrides={"copying_min_shared": 5}).copying_min_shared == 5


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("COPYING_THRESHOLD", "high", "expected a number, got 'high'"),
    ("COPYING_THRESHOLD", "nan", "expected a number, got 'nan'"),
    ("COPYING_INTERVAL", "30s", "expected a number, got '30s'"),
    ("COPYING_INTERVAL", "0", "must be more than 0, got 0.0"),
    ("COPYING_MIN_SHARED", "1.5", "expected an integer, got '1.5'"),
    ("COPYING_MIN_SHARED", "0", "must be at least 1, got 0"),
    ("GC_FREEZE_SECONDS", "inf", "expected a number, got 'inf'"),
    ("GC_FREEZE_SECONDS", "-1", "must be more than 0, got -1.0"),
    ("GC_SWEEP_SECONDS", "half an hour", "expected a number, got 'half an hour'"),
    ("GC_SWEEP_SECONDS", "0", "must be more than 0, got 0.0"),
])
def test_bad_copying_and_gc_values_are_named(name, raw, message):
    with pytest.raises(ValueError, match=f"^EXAM_ENGINE_{name}: {message}$"):
        load_settings(environ={f"EXAM_ENGINE_{name}": raw})


def test_overrides_are_range_checked_too():
    with pytest.raises(ValueError, match="EXAM_ENGINE_GC_FREEZE_SECONDS: must be more than 0"):
        load_settings(environ={}, overrides={"gc_freeze_seconds": 0})
