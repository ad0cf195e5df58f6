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
