"""The server-owned clock: pauses, added time, outages (pure and with the database)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from exam_engine.delivery import clock
from exam_engine.delivery.models import Attempt, Heartbeat

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)


def attempt(**fields) -> Attempt:
    base = dict(status="waiting", allowed_seconds=6000, credited_seconds=0.0, started_at=None, paused_at=None)
    base.update(fields)
    return Attempt(**base)


def test_deadline_and_remaining_after_start():
    a = attempt()
    assert clock.remaining_seconds(a, T0) == 6000
    clock.start(a, T0)
    assert a.deadline_at == T0 + timedelta(seconds=6000)
    assert clock.remaining_seconds(a, T0 + timedelta(seconds=100)) == 5900
    assert not clock.expired(a, T0 + timedelta(seconds=5999))
    assert clock.expired(a, T0 + timedelta(seconds=6000))


def test_pause_freezes_and_resume_credits():
    a = attempt()
    clock.start(a, T0)
    clock.pause(a, T0 + timedelta(seconds=600))
    assert a.deadline_at is None
    assert clock.remaining_seconds(a, T0 + timedelta(seconds=900)) == 5400  # frozen while paused
    clock.resume(a, T0 + timedelta(seconds=900))
    assert a.credited_seconds == 300
    assert clock.remaining_seconds(a, T0 + timedelta(seconds=900)) == 5400
    assert a.deadline_at == T0 + timedelta(seconds=6300)


def test_added_time_moves_the_deadline():
    a = attempt()
    clock.start(a, T0)
    clock.add_time(a, 300)
    assert clock.remaining_seconds(a, T0) == 6300


def test_a_late_start_never_restarts_a_running_clock():
    a = attempt()
    clock.start(a, T0)
    clock.start(a, T0 + timedelta(seconds=50))
    assert a.started_at == T0


def test_outage_is_credited_to_running_attempts_only(engine):
    from tests.exam_engine.delivery.conftest import prepare_sitting

    sitting = prepare_sitting(engine, 3)
    with engine.db.transaction() as s:
        from exam_engine.delivery.attempts import get_or_create_attempt
        from exam_engine.roster.models import Candidate

        candidates = s.scalars(select(Candidate).order_by(Candidate.number)).all()
        running, waiting, done = (get_or_create_attempt(s, engine.vault, c) for c in candidates)
        clock.start(running, T0)
        clock.start(done, T0)
        done.status = "finished"
        s.add(Heartbeat(node="old", at=T0 + timedelta(seconds=100)))
    with engine.db.transaction() as s:
        gap = clock.credit_outage(s, T0 + timedelta(seconds=190))
    assert gap == 90
    with engine.db.session() as s:
        credited = [a.credited_seconds for a in s.scalars(select(Attempt).order_by(Attempt.candidate_id))]
        running_after = s.scalars(select(Attempt).order_by(Attempt.candidate_id)).first()
    assert credited == [90, 0, 0]
    assert running_after.deadline_at == T0 + timedelta(seconds=running_after.allowed_seconds + 90)
    assert sitting.code == "S1"


def test_a_short_gap_is_no_outage(engine):
    with engine.db.transaction() as s:
        s.add(Heartbeat(node="n", at=T0))
    with engine.db.transaction() as s:
        assert clock.credit_outage(s, T0 + timedelta(seconds=2)) == 0
