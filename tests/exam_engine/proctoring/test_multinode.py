"""Two nodes on one PostgreSQL with Redis as the Socket.IO message queue: candidates on node A,
the proctor on node B sees every answer; node A dies and its candidates resume on node B with
nothing lost."""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from exam_engine.delivery.models import AnswerEvent, Attempt
from exam_engine.node import ServerProcess
from exam_engine.throwaway import Redis
from tests.conftest import fresh_postgres_database
from tests.exam_engine.delivery.conftest import Sitting, Terminal
from tests.exam_engine.proctoring.conftest import Console, two_rooms

_NAMES = itertools.count(1)
ROOM_WAIT = 15.0  # a dead node's terminals go dark once its heartbeat is 3 s old


@pytest.fixture
def database_url(postgres_server, monkeypatch: pytest.MonkeyPatch) -> str:  # type: ignore[no-untyped-def]
    """Always PostgreSQL here (overrides the root fixture); the nodes inherit the URL."""
    url = fresh_postgres_database(postgres_server, f"multinode{next(_NAMES)}")
    monkeypatch.setenv("EXAM_ENGINE_DATABASE_URL", url)
    return url


@pytest.fixture
def message_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with Redis() as redis:
        monkeypatch.setenv("EXAM_ENGINE_MESSAGE_QUEUE", redis.url)
        yield redis.url


@pytest.fixture
def sitting(engine) -> Sitting:  # type: ignore[no-untyped-def]
    return two_rooms(engine, 6)


@pytest.fixture
def nodes(engine, staff, message_queue) -> Iterator[tuple[ServerProcess, ServerProcess]]:  # type: ignore[no-untyped-def]
    a, b = ServerProcess(engine.settings.instance_path), ServerProcess(engine.settings.instance_path)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(ServerProcess.start, (a, b)))
    yield a, b
    for node in (a, b):
        node.stop()


def room(console: Console, snapshot: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The console's view: the join snapshot, then every `progress` row in arrival order."""
    view = {row["number"]: row for row in snapshot}
    for progress in console.events.get("progress", []):
        view.update({row["number"]: row for row in progress["candidates"]})
    return view


def wait_room(console: Console, snapshot: list[dict[str, Any]],
              ok: Callable[[dict[str, dict[str, Any]]], bool], what: str) -> dict[str, dict[str, Any]]:
    with console._arrived:
        if not console._arrived.wait_for(lambda: ok(room(console, snapshot)), ROOM_WAIT):
            raise AssertionError(f"the proctor on node B never saw {what}: {room(console, snapshot)}")
    return room(console, snapshot)


def test_proctor_on_node_b_sees_node_a_and_candidates_resume_on_b(engine, sitting, nodes) -> None:  # type: ignore[no-untyped-def]
    a, b = nodes
    assert engine.db.engine.dialect.name == "postgresql"
    console = Console(b.url).login("pengawas").connect()
    joined = console.join("S1")
    assert joined["ok"] is True
    snapshot = joined["candidates"]

    terminals = []
    for index, (number, pin) in enumerate(sitting.candidates):
        terminal = Terminal(a.url, f"T{index}")
        assert terminal.login(number, pin, sitting.session_pin).status_code == 200
        terminals.append(terminal.connect())
        terminal.wait_for("state")
    numbers = [number for number, _ in sitting.candidates]
    wait_room(console, snapshot, lambda v: all(v[n]["connected"] for n in numbers), "every terminal connected to A")

    sitting.start()
    acked: dict[str, dict[int, tuple[int, int]]] = {n: {} for n in numbers}  # number -> seq -> (h, choice)

    def answer(terminal: Terminal, number: str, seq: int, h: int, choice: int) -> None:
        ack = terminal.call("answer", {"seq": seq, "h": h, "choice": choice})
        assert ack == {"ok": True, "seq": seq}, ack
        acked[number][seq] = (h, choice)

    for terminal, number in zip(terminals, numbers):
        terminal.wait_key()  # released by a ticker on either node, through Redis
        for seq in range(1, 6):
            answer(terminal, number, seq, seq - 1, seq % 4)
    wait_room(console, snapshot, lambda v: all(v[n]["answered"] == 5 for n in numbers),
              "five answers from every candidate on node A")

    a.kill()  # SIGKILL: no goodbye, no flush
    for terminal in terminals:
        terminal.close()
    wait_room(console, snapshot, lambda v: not any(v[n]["connected"] for n in numbers),
              "node A's terminals go dark")

    moved = []
    for terminal, number in zip(terminals, numbers):
        again = Terminal(b.url, terminal.terminal, token=terminal.token).connect()
        state = again.wait_for("state")
        assert state["status"] == "active" and state["key"] is not None
        assert state["last_seq"] == 5
        restored = {int(h): v["choice"] for h, v in state["answers"].items() if v["choice"] is not None}
        assert restored == {h: choice for h, choice in acked[number].values()}
        moved.append(again)
    wait_room(console, snapshot, lambda v: all(v[n]["connected"] for n in numbers), "the terminals back on node B")

    for terminal, number in zip(moved, numbers):
        for seq in range(6, 11):
            answer(terminal, number, seq, seq - 1, seq % 4)
        assert terminal.call("finish", {"seq": 11}) == {"ok": True, "seq": 11}
        assert terminal.wait_for("ended")["reason"] == "finished"
    wait_room(console, snapshot, lambda v: all(v[n]["answered"] == 10 and v[n]["status"] == "finished"
                                               for n in numbers), "ten answers and the finish on node B")

    with engine.db.session() as session:
        stored = session.scalar(select(func.count(AnswerEvent.id)).where(AnswerEvent.kind == "answer"))
        finished = session.scalar(select(func.count(Attempt.id)).where(Attempt.status == "finished"))
    assert stored == sum(len(seqs) for seqs in acked.values()) == 60
    assert finished == len(numbers)
    for terminal in moved:
        terminal.close()
    console.close()
