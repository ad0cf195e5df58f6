"""The proctoring fixtures (a real server, staff accounts, terminals), plus a scoreboard viewer."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import socketio

from tests.exam_engine.proctoring.conftest import (  # noqa: F401  (fixtures)
    PASSWORD,
    Console,
    collect_client_sockets,
    consoles,
    server,
    sitting,
    staff,
    terminals,
)
from tests.socket_events import RecordsEvents

WAIT = 5.0


@dataclass
class Viewer(RecordsEvents):
    """A projector's browser: no login, the /scoreboard Socket.IO connection."""

    url: str
    cookie: str | None = None
    client: socketio.Client | None = None
    events: dict[str, list[Any]] = field(default_factory=dict)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def connect(self) -> Viewer:
        self.client = socketio.Client(reconnection=False)
        for name in ("scores", "closed"):
            self.client.on(name, self._recorder(name), namespace="/scoreboard")
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self.client.connect(self.url, namespaces=["/scoreboard"], headers=headers, transports=["websocket"],
                            wait_timeout=10)
        return self

    def join(self, code: str = "S1") -> Any:
        assert self.client is not None
        return self.client.call("join", {"session": code}, namespace="/scoreboard", timeout=10)

    def wait_for(self, name: str, match: Callable[[Any], bool], timeout: float = WAIT) -> Any:
        """The latest `name` event that MATCH accepts."""
        return self.matching(name, match, timeout)[-1]

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()


@pytest.fixture
def viewers(server) -> Iterator[Callable[..., Viewer]]:  # type: ignore[no-untyped-def]  # noqa: F811
    """viewers(cookie=None) -> a connected Viewer; all closed after."""
    made: list[Viewer] = []

    def make(cookie: str | None = None) -> Viewer:
        made.append(Viewer(server.url, cookie).connect())
        return made[-1]

    yield make
    for v in made:
        v.close()


def set_public(console: Console, public: Any, code: str = "S1") -> requests.Response:
    return console.http.post(f"{console.url}/scoreboard/api/{code}/visibility", json={"public": public}, timeout=10)
