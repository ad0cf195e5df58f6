"""A finished sitting with known results (tests/exam_engine/results), staff accounts of every
role, the authority key, and Flask test clients logged in as each of them."""
from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2.profiles import RFC_9106_LOW_MEMORY
from flask.testing import FlaskClient
from sqlalchemy import select

from exam_engine.accounts import passwords
from exam_engine.accounts.service import assign_proctor, create_user
from exam_engine.config import load_settings
from exam_engine.context import EngineContext
from exam_engine.db import utcnow
from exam_engine.delivery.attempts import finish, get_or_create_attempt
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.responses import Event, record
from exam_engine.migrate import upgrade
from exam_engine.results.signing import keygen
from exam_engine.roster.models import Candidate
from exam_engine.scoring.keys import KeyCache
from exam_engine.vault import create_key_file
from question_bank.forms import Form
from question_bank.service import item_content
from tests.conftest import FAST_PINS
from tests.exam_engine.results.test_results_service import sit

PASSWORD = "kunci-ruang-ujian-7"
CHEAP = dataclasses.replace(RFC_9106_LOW_MEMORY, time_cost=1, memory_cost=8, parallelism=1)
#: username -> role; the proctor watches S1.
STAFF = {"panitia": "committee", "admin": "admin", "pengawas": "proctor"}


def new_engine(instance: Path, fresh: bool = True) -> EngineContext:
    if fresh:
        create_key_file(instance / "master.key")
    ctx = EngineContext(load_settings(environ={}, overrides={"instance_path": instance, **FAST_PINS}))
    if fresh:
        upgrade(ctx.db)
    return ctx


@pytest.fixture(scope="session")
def sat_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once: S1 of exam EXAM sat and finished as tests/exam_engine/results PLAN says
    (P006 absent), staff accounts of every role, and the authority key."""
    instance = tmp_path_factory.mktemp("committee") / "instance"
    ctx = new_engine(instance)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "PARAMETERS", CHEAP)
        sit(ctx)
        with ctx.db.transaction() as s:
            for username, role in STAFF.items():
                create_user(s, username, role, PASSWORD, display_name=username.title())
            assign_proctor(s, "pengawas", "S1")
    keygen(instance)
    ctx.db.dispose()
    return instance


@pytest.fixture
def engine(instance: Path, sat_instance: Path) -> Iterator[EngineContext]:
    """A copy of the sat instance per test (overrides the empty one of tests/conftest.py)."""
    shutil.copytree(sat_instance, instance)
    ctx = new_engine(instance, fresh=False)
    yield ctx
    ctx.db.dispose()


@pytest.fixture
def sat(engine: EngineContext) -> EngineContext:
    return engine


@pytest.fixture
def login(app: Any, sat: Any) -> Callable[[str], FlaskClient]:
    """login(username) -> a test client with that staff member's session cookie."""

    def make(username: str) -> FlaskClient:
        client = app.test_client()
        response = client.post("/staff/api/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return client

    return make


def start_attempt(engine: Any, number: str, correct: int = 0) -> None:
    """NUMBER logs in and answers its first CORRECT items with the key: a running attempt."""
    now = utcnow()
    with engine.db.transaction() as s:
        candidate = s.scalar(select(Candidate).where(Candidate.number == number))
        attempt = get_or_create_attempt(s, engine.vault, candidate)
        form = s.get(Form, attempt.form_id)
        for handle, entry in enumerate(form.items[:correct]):
            key = item_content(s, engine.vault, entry["item"])["key"]
            letter = key.get("answer") or max(key["weights"], key=key["weights"].get)
            record(s, attempt, Event(attempt.last_seq + 1, "answer", handle, entry["options"].index(letter)), now)


def finish_attempt(engine: Any, number: str) -> None:
    with engine.db.transaction() as s:
        attempt = s.scalar(select(Attempt).join(Candidate, Attempt.candidate_id == Candidate.id)
                           .where(Candidate.number == number))
        finish(s, engine.vault, KeyCache(lambda pk: item_content(s, engine.vault, pk)), attempt, "submitted", utcnow())
