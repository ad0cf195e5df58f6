"""Arbitrary payloads on the candidate socket: every event gets a clear ack, a refused event
stores nothing, and the server and the connection survive all of it.

One real node and one connected terminal serve the whole hypothesis run (module-scoped): the
examples share the attempt, so each one compares the stored rows before and after itself."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import requests
import socketio
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from exam_engine.context import EngineContext
from exam_engine.delivery.models import AnswerEvent, Attempt, Response
from exam_engine.node import ServerProcess
from tests.exam_engine.delivery.conftest import Sitting, Terminal, prepare_sitting

EVENTS = ("answer", "mark", "clear", "navigate", "finish", "focus", "sync")
FIELDS = ("seq", "h", "choice", "marked", "kind")
scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(),  # beyond 64 bits too: neither SQLite nor PostgreSQL may see those
    st.sampled_from([2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1]),
    st.integers(min_value=-3, max_value=20),  # near the valid range: handles, choices, small seqs
    st.floats(), st.text(max_size=20),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
payloads = st.one_of(
    values,  # anything at all, not even an object
    # objects with the protocol's field names, each present or missing, plus stray keys
    st.fixed_dictionaries({}, optional={name: values for name in FIELDS})
    .flatmap(lambda d: st.dictionaries(st.text(max_size=8), values, max_size=2).map(lambda extra: {**extra, **d})),
    # close to valid, drawn most often: each field usually well-typed and in or near its range
    *[st.fixed_dictionaries({
        "seq": st.integers(-1, 60) | st.integers(1, 60) | values, "h": st.integers(-1, 16) | st.integers(0, 14) | values,
        "choice": st.integers(-1, 5) | st.integers(0, 4) | values, "marked": st.booleans() | values,
        "kind": st.sampled_from(("blur", "hidden", "fullscreen_exit", "resize")) | values,
    })] * 3,
    st.tuples(values, values),  # two arguments where the protocol has one
)


@pytest.fixture(scope="module")
def sitting(module_engine: EngineContext) -> Sitting:
    started = prepare_sitting(module_engine, 2)
    started.start()
    return started


@pytest.fixture(scope="module")
def terminal(module_server: ServerProcess, sitting: Sitting) -> Iterator[Terminal]:
    number, pin = sitting.candidates[0]
    t = Terminal(module_server.url, "T1")
    assert t.login(number, pin, sitting.session_pin).status_code == 200
    t.connect()
    assert t.wait_for("state")["status"] == "active"
    yield t
    t.close()


def stored(engine: EngineContext) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], tuple[Any, ...]]:
    """Answer events, responses and the attempt's progress, as plain tuples."""
    with engine.db.session() as s:
        events = [(e.seq, e.kind, e.handle, e.value) for e in s.scalars(select(AnswerEvent).order_by(AnswerEvent.id))]
        answers = [(r.handle, r.choice, r.option, r.choice_seq, r.marked, r.mark_seq)
                   for r in s.scalars(select(Response).order_by(Response.id))]
        attempt = s.scalar(select(Attempt).where(Attempt.terminal == "T1"))
        return events, answers, (attempt.status, attempt.last_seq, attempt.position)


def valid_finish(event: str, payload: Any) -> bool:
    seq = payload.get("seq") if isinstance(payload, dict) else None
    return event == "finish" and isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1


@settings(max_examples=250, deadline=None,
          # Each example is a network round trip and a few queries; that is the point.
          suppress_health_check=[HealthCheck.too_slow])
@given(event=st.sampled_from(EVENTS), payload=payloads)
def test_every_event_gets_a_clear_ack_and_refusals_store_nothing(module_engine, module_server, terminal,
                                                                   event, payload):
    # A valid finish ends the attempt, after which every example would only see "finished".
    assume(not valid_finish(event, payload))
    before = stored(module_engine)
    ack = terminal.call(event, payload)
    after = stored(module_engine)

    assert isinstance(ack, dict), ack
    hypothesis.event(f"{event}: {ack.get('code', 'ok')}")  # shown by --hypothesis-show-statistics
    if event == "sync" and not isinstance(payload, tuple):  # the state itself, whatever was sent
        assert ack["status"] == "active" and after == before
        return
    if ack.get("ok") is not True:
        assert ack["ok"] is False, ack
        assert isinstance(ack.get("code"), str) and ack["code"], ack
        assert isinstance(ack.get("message"), str) and ack["message"], ack
        assert after[:2] == before[:2], f"refused {event} {payload!r} changed stored answers"
        assert after[2] == before[2], f"refused {event} {payload!r} changed the attempt"
        return
    if event in ("answer", "mark", "clear"):
        assert ack["seq"] == payload["seq"]
        new_events = after[0][len(before[0]):]
        if ack.get("duplicate"):
            assert after == before
        else:
            assert after[0][:len(before[0])] == before[0] and len(new_events) == 1, (before, after)
            assert new_events[0][:2] == (payload["seq"], event)
    elif event == "navigate":
        assert after[:2] == before[:2] and after[2][2] == payload["h"]
    else:  # focus: a flag for the proctor, no answer
        assert event == "focus" and after[:2] == before[:2]


def test_server_and_connection_survive_the_fuzzing(module_server, terminal, sitting):
    """Runs after the property (same module): the node is healthy and the same socket works."""
    assert requests.get(f"{module_server.url}/healthz", timeout=10).status_code == 200
    state = terminal.call("sync")
    assert state["status"] == "active"
    seq = state["last_seq"] + 1
    ack = terminal.call("answer", {"seq": seq, "h": 0, "choice": 0})
    assert ack == {"ok": True, "seq": seq}
    assert terminal.call("sync")["answers"]["0"]["choice"] == 0


#: Any text, lone surrogates ("\ud800") included: JSON carries them, no signature check can.
tokens = st.text(st.characters(codec=None, categories=None), max_size=600)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The protocol's CONNECT payload is an object (or nothing): a bare number there reads as a packet
# id to python-socketio, which then drops the packet unanswered; that is the library's parser.
@given(auth=st.none() | st.dictionaries(st.text(max_size=5), values, max_size=3)
       | st.fixed_dictionaries({"token": values | tokens}))
def test_connect_with_any_auth_is_refused_with_a_reason(module_server, sitting, auth):
    client = socketio.Client(reconnection=False)
    refusals: list[Any] = []
    client.on("connect_error", refusals.append, namespace="/candidate")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(module_server.url, namespaces=["/candidate"], auth=auth, transports=["websocket"],
                       wait_timeout=5)
    client.disconnect()
    assert len(refusals) == 1, "no connect_error: the client was cut off without a reason"
    assert refusals[0]["data"]["code"] == "invalid_token" and refusals[0]["data"]["message"], refusals
