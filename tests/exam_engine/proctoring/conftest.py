"""A real server with a sitting, staff accounts, and a proctor console client."""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import socketio
from argon2.profiles import RFC_9106_LOW_MEMORY

from exam_engine.accounts import passwords
from exam_engine.accounts.service import assign_proctor, create_user
from exam_engine.node import ServerProcess
from exam_engine.scheduling.service import create_session
from tests.exam_engine.delivery.conftest import (  # noqa: F401  (fixtures)
    Sitting,
    Terminal,
    collect_client_sockets,
    prepare_sitting,
)
from tests.socket_events import RecordsEvents

PASSWORD = "kunci-ruang-ujian-7"
#: Cheap argon2id: the hash carries its parameters, so the server verifies it cheaply too.
CHEAP = dataclasses.replace(RFC_9106_LOW_MEMORY, time_cost=1, memory_cost=8, parallelism=1)
WAIT = 5.0


def two_rooms(engine, size: int) -> Sitting:  # type: ignore[no-untyped-def]
    """Session S1 with SIZE candidates, plus an empty S2 in the same exam (another proctor's)."""
    made = prepare_sitting(engine, size)
    with engine.db.transaction() as s:
        create_session(s, "EXAM", "S2", "2026-12-01", "10:00", "R2", 4, seed=12)
    return made


@pytest.fixture
def sitting(engine) -> Sitting:  # type: ignore[no-untyped-def]
    return two_rooms(engine, 4)


@pytest.fixture
def staff(engine, sitting, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """pengawas (proctor of S1), lain (proctor of S2), panitia (committee), admin."""
    monkeypatch.setattr(passwords, "PARAMETERS", CHEAP)
    with engine.db.transaction() as s:
        for username, role, sessions in (("pengawas", "proctor", ["S1"]), ("lain", "proctor", ["S2"]),
                                         ("panitia", "committee", []), ("admin", "admin", [])):
            create_user(s, username, role, PASSWORD)
            for code in sessions:
                assign_proctor(s, username, code)


@pytest.fixture
def server(engine, staff) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    node = ServerProcess(engine.settings.instance_path)
    node.start()
    yield node
    node.stop()


@dataclass
class Console(RecordsEvents):
    """A proctor's browser: an HTTP login, and the /proctor Socket.IO connection."""

    url: str
    http: requests.Session = field(default_factory=requests.Session)
    client: socketio.Client | None = None
    events: dict[str, list[Any]] = field(default_factory=dict)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def login(self, username: str) -> Console:
        response = self.http.post(f"{self.url}/staff/api/login", json={"username": username, "password": PASSWORD},
                                  timeout=10)
        assert response.status_code == 200, response.text
        return self

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())

    def connect(self) -> Console:
        self.client = socketio.Client(reconnection=False)
        for name in ("progress", "flag"):
            self.client.on(name, self._recorder(name), namespace="/proctor")
        self.client.connect(self.url, namespaces=["/proctor"], headers={"Cookie": self.cookie},
                            transports=["websocket"], wait_timeout=10)
        return self

    def join(self, code: str = "S1") -> Any:
        assert self.client is not None
        return self.client.call("join", {"session": code}, namespace="/proctor", timeout=10)

    def wait_for(self, name: str, match: Callable[[Any], bool], timeout: float = WAIT) -> Any:
        """The first `name` event that MATCH accepts."""
        return self.matching(name, match, timeout)[0]

    def candidates(self, code: str = "S1") -> requests.Response:
        return self.http.get(f"{self.url}/proctor/api/sessions/{code}/candidates", timeout=10)

    def act(self, action: str, candidates: Any = "all", reason: Any = "test", code: str = "S1",
            **extra: Any) -> requests.Response:
        body = {"action": action, "candidates": candidates, "reason": reason, **extra}
        return self.http.post(f"{self.url}/proctor/api/sessions/{code}/actions", json=body, timeout=10)

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()
        self.http.close()


@pytest.fixture
def consoles(server) -> Iterator[Callable[[str], Console]]:  # type: ignore[no-untyped-def]
    """consoles(username) -> a logged-in Console (not yet connected); all closed after."""
    made: list[Console] = []

    def make(username: str) -> Console:
        made.append(Console(server.url).login(username))
        return made[-1]

    yield make
    for c in made:
        c.close()


@pytest.fixture
def terminals(server, sitting) -> Iterator[Callable[[int], Terminal]]:  # type: ignore[no-untyped-def]
    """terminals(index) -> candidate INDEX of S1, logged in (terminal T<index>) and connected."""
    made: list[Terminal] = []

    def make(index: int = 0) -> Terminal:
        number, pin = sitting.candidates[index]
        made.append(Terminal(server.url, f"T{index}"))
        response = made[-1].login(number, pin, sitting.session_pin)
        assert response.status_code == 200, response.text
        made[-1].connect().wait_for("state")
        return made[-1]

    yield make
    for t in made:
        t.close()
