"""What a Socket.IO test client received, and waits on it; shared by the terminal, console and
scoreboard clients (each a dataclass with `events` and `_arrived` fields)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

WAIT = 10.0  # seconds to wait for a pushed event; the server's loops run every 0.5-1 s


class RecordsEvents:
    events: dict[str, list[Any]]
    _arrived: threading.Condition

    def _recorder(self, name: str) -> Callable[[Any], None]:
        def record(data: Any = None) -> None:
            with self._arrived:
                self.events.setdefault(name, []).append(data)
                self._arrived.notify_all()
        return record

    def matching(self, name: str, match: Callable[[Any], bool], timeout: float = WAIT) -> list[Any]:
        """Every `name` event MATCH accepts, once there is at least one (AssertionError after TIMEOUT)."""
        found: list[Any] = []

        def seen() -> bool:
            found[:] = [e for e in self.events.get(name, []) if match(e)]
            return bool(found)

        with self._arrived:
            if not self._arrived.wait_for(seen, timeout):
                raise AssertionError(f"no matching {name!r} within {timeout} s; got {self.events.get(name)}")
        return found
