"""Responses are merged into the stored rows without being read first (INSERT ... ON CONFLICT):
whatever order and grouping events arrive in, each item ends with its highest-seq answer or
clear and, apart from it, its highest-seq mark. Runs on PostgreSQL too with
EXAM_ENGINE_TEST_DATABASE=postgres."""
from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from exam_engine.db import utcnow
from exam_engine.delivery.attempts import get_or_create_attempt
from exam_engine.delivery.models import AnswerEvent, Attempt, Response
from exam_engine.delivery.responses import Event, Submission, store_batch
from exam_engine.delivery.shapes import FormShapes
from exam_engine.roster.models import Candidate
from tests.exam_engine.delivery.conftest import prepare_sitting

TERMINAL = "T1"


@pytest.fixture
def attempts(engine) -> list[int]:  # type: ignore[no-untyped-def]
    """Two started attempts bound to terminal T1, as after login and `session start`."""
    sitting = prepare_sitting(engine, 2)
    with engine.db.transaction() as s:
        for number, _pin in sitting.candidates:
            attempt = get_or_create_attempt(s, engine.vault, s.scalar(select(Candidate).where(Candidate.number == number)))
            attempt.terminal = TERMINAL
    sitting.start()
    with engine.db.session() as s:
        return list(s.scalars(select(Attempt.id).order_by(Attempt.id)))


def store(engine, batch: list[Submission], shapes: FormShapes) -> list[dict[str, Any] | None]:  # type: ignore[no-untyped-def]
    with engine.db.transaction() as s:
        acks, _ = store_batch(s, batch, utcnow(), shapes)
    return acks


def responses(engine) -> dict[tuple[int, int], tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    with engine.db.session() as s:
        return {(r.attempt_id, r.handle): (r.choice, r.option, r.choice_seq, r.marked, r.mark_seq)
                for r in s.scalars(select(Response))}


def expected(events: list[tuple[int, Event]], letters: dict[int, tuple[tuple[str, ...], ...]]) \
        -> dict[tuple[int, int], tuple[Any, ...]]:
    """The rule, stated directly: per item the highest-seq answer/clear and the highest-seq mark."""
    out: dict[tuple[int, int], list[Any]] = {}
    for attempt_id, e in sorted(events, key=lambda x: x[1].seq):
        row = out.setdefault((attempt_id, e.handle), [None, None, 0, False, 0])
        if e.kind == "mark":
            row[3:] = [bool(e.value), e.seq]
        else:
            option = None if e.value is None else letters[attempt_id][e.handle][e.value]
            row[:3] = [e.value, option, e.seq]
    return {k: tuple(v) for k, v in out.items()}


def test_an_older_answer_arriving_later_does_not_overwrite_a_newer_one(engine, attempts) -> None:  # type: ignore[no-untyped-def]
    shapes, a = FormShapes(), attempts[0]
    assert store(engine, [Submission(a, TERMINAL, Event(5, "answer", 2, 1))], shapes)[0] == {"ok": True, "seq": 5}
    assert store(engine, [Submission(a, TERMINAL, Event(3, "answer", 2, 4)),   # older, arrives later
                          Submission(a, TERMINAL, Event(4, "mark", 2, 1))], shapes) == [{"ok": True, "seq": 3},
                                                                                        {"ok": True, "seq": 4}]
    with engine.db.session() as s:
        letters = shapes.get(s, s.get(Attempt, a).form_id).letters[2]
    assert responses(engine)[(a, 2)] == (1, letters[1], 5, True, 4)
    store(engine, [Submission(a, TERMINAL, Event(6, "clear", 2, None)),
                   Submission(a, TERMINAL, Event(2, "mark", 2, 0))], shapes)  # the old unmark loses to seq 4
    assert responses(engine)[(a, 2)] == (None, None, 6, True, 4)


event_kinds = st.sampled_from(["answer", "answer", "clear", "mark"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_order_and_grouping_of_events_stores_the_highest_seq_per_item(engine, attempts, data) -> None:  # type: ignore[no-untyped-def]
    with engine.db.transaction() as s:  # each example starts from no responses
        s.execute(delete(Response))
        s.execute(delete(AnswerEvent))
        s.query(Attempt).update({Attempt.last_seq: 0})
    shapes, events = FormShapes(), []
    with engine.db.session() as s:
        letters = {a: shapes.get(s, s.get(Attempt, a).form_id).letters for a in attempts}
    for a in attempts:
        count = data.draw(st.integers(1, 12))
        for seq in range(1, count + 1):
            kind = data.draw(event_kinds)
            handle = data.draw(st.integers(0, 2))  # few items: the same item is hit often
            value = (data.draw(st.integers(0, len(letters[a][handle]) - 1)) if kind == "answer"
                     else data.draw(st.integers(0, 1)) if kind == "mark" else None)
            events.append((a, Event(seq, kind, handle, value)))
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    shuffled = events[:]
    rng.shuffle(shuffled)
    start = 0
    while start < len(shuffled):  # random batch boundaries: merges within a batch and across batches
        end = start + rng.randint(1, 6)
        acks = store(engine, [Submission(a, TERMINAL, e) for a, e in shuffled[start:end]], shapes)
        assert all(ack is not None and ack["ok"] for ack in acks), acks
        start = end
    assert responses(engine) == expected(events, letters)
