"""A sitting in a real server process, and terminals that speak the real protocol."""
from __future__ import annotations

import base64
import gc
import json
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import socketio
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from exam_engine.db import utcnow
from exam_engine.delivery.sittings import open_session, start_session
from exam_engine.node import ServerProcess
from exam_engine.roster.importer import import_roster
from exam_engine.roster.sample import write_sample_roster
from exam_engine.scheduling.service import create_exam, create_session, get_session
from question_bank.importer import import_items, validate_files
from tests.conftest import SAMPLES
from tests.socket_events import WAIT, RecordsEvents


@dataclass
class Sitting:
    engine: Any
    code: str
    session_pin: str
    candidates: list[tuple[str, str]]  # (number, registration PIN)

    def start(self) -> None:
        with self.engine.db.transaction() as s:
            start_session(s, get_session(s, self.code), utcnow())


def prepare_sitting(engine: Any, size: int, code: str = "S1", profile: str = "skd-demo") -> Sitting:
    result = validate_files(sorted(SAMPLES.glob("*.yaml")))
    with engine.db.transaction() as s:
        import_items(s, engine.vault, result.items)
        create_exam(s, "EXAM", profile)
        exam_session = create_session(s, "EXAM", code, "2026-12-01", "08:00", "R1", size, seed=11)
        roster = write_sample_roster(engine.settings.instance_path / "roster.csv", size, code, "P", last_is_blind=True)
        issued = import_roster(s, engine.vault, engine.pins, roster)
        pin = open_session(s, engine.pins, exam_session)
    return Sitting(engine, code, pin, [(i.candidate.number, i.pin) for i in issued])


@pytest.fixture(autouse=True)
def collect_client_sockets():
    """python-socketio's client leaves sockets that the server cut (refused or oversized
    connections) to the garbage collector; collect them here, so the ResourceWarning does
    not surface in whichever test runs next. The server runs in its own process: nothing
    of ours is hidden by this."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def sitting(engine) -> Sitting:
    return prepare_sitting(engine, 4)


@pytest.fixture
def server(engine):
    node = ServerProcess(engine.settings.instance_path)
    node.start()
    yield node
    node.stop()


@dataclass
class Terminal(RecordsEvents):
    """One exam workstation: HTTP login, package, and a Socket.IO connection."""

    url: str
    terminal: str = "T1"
    token: str | None = None
    events: dict[str, list[Any]] = field(default_factory=dict)
    client: socketio.Client | None = None
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def login(self, number: str, pin: str, session_pin: str, **extra: Any) -> requests.Response:
        response = requests.post(f"{self.url}/candidate/api/login", timeout=10,
                                 json={"number": number, "pin": pin, "session_pin": session_pin,
                                       "terminal": self.terminal, **extra})
        if response.status_code == 200:
            self.token = response.json()["token"]
        return response

    def package(self) -> dict[str, str]:
        response = requests.get(f"{self.url}/candidate/api/package", timeout=10,
                                headers={"Authorization": f"Bearer {self.token}"})
        response.raise_for_status()
        return response.json()

    def connect(self, transports: tuple[str, ...] = ("websocket",), **kwargs: Any) -> Terminal:
        self.client = socketio.Client(reconnection=False)
        for name in ("state", "key", "time", "ended", "error", "score"):
            self.client.on(name, self._recorder(name), namespace="/candidate")
        self.client.connect(self.url, namespaces=["/candidate"], auth={"token": self.token},
                            transports=list(transports), wait_timeout=10, **kwargs)
        return self

    def wait_for(self, name: str, count: int = 1, timeout: float = WAIT) -> Any:
        """The COUNT-th `name` event."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.events.get(name, [])) >= count, timeout):
                raise AssertionError(f"no {name!r} event within {timeout} s; got {list(self.events)}")
            return self.events[name][count - 1]

    def wait_key(self, timeout: float = WAIT) -> dict[str, str]:
        """The package key, as {"key": ...}: pushed as `key` when the session starts, or already
        in `state` for a terminal that connects after the start (the node may release keys
        before or after a terminal's connect: both are the protocol)."""
        def found() -> dict[str, str] | None:
            for state in self.events.get("state", []):
                if isinstance(state, dict) and state.get("key"):
                    return {"key": state["key"]}
            keys = self.events.get("key", [])
            return keys[0] if keys else None

        with self._arrived:
            if not self._arrived.wait_for(lambda: found() is not None, timeout):
                raise AssertionError(f"no key within {timeout} s; got {list(self.events)}")
            return found()  # type: ignore[return-value]

    def call(self, event: str, data: Any = None) -> Any:
        assert self.client is not None
        return self.client.call(event, data, namespace="/candidate", timeout=10)

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()


@pytest.fixture
def terminals(server):
    """terminals(name="T1") -> a new Terminal against the running server; all closed after."""
    made: list[Terminal] = []

    def make(terminal: str = "T1") -> Terminal:
        made.append(Terminal(server.url, terminal))
        return made[-1]

    yield make
    for t in made:
        t.close()


def decrypt(package: dict[str, str], key_b64: str) -> dict[str, Any]:
    plain = AESGCM(base64.b64decode(key_b64)).decrypt(base64.b64decode(package["iv"]),
                                                      base64.b64decode(package["data"]), None)
    return json.loads(plain)
