"""The board's header and rows in-process, for a profile with a personality inventory: a
profile of the person is not a score for a public screen, while answering or after."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from exam_engine.db import utcnow
from exam_engine.delivery.attempts import finish, get_or_create_attempt
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.responses import Event, record
from exam_engine.delivery.runtime import Delivery
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import get_session
from exam_engine.scoreboard import board
from exam_engine.scoring.keys import KeyCache
from question_bank.forms import Form
from question_bank.service import item_content
from tests.exam_engine.delivery.conftest import prepare_sitting

COUNTED = ["TWK", "TIU", "TKP"]  # skd-kepribadian-demo's KEPRIBADIAN has in_total: false


def test_a_personality_inventory_is_on_the_board_neither_live_nor_final(engine: Any) -> None:
    prepare_sitting(engine, 2, profile="skd-kepribadian-demo").start()
    now = utcnow()
    with engine.db.transaction() as s:
        keys = KeyCache(lambda pk: item_content(s, engine.vault, pk))
        for number in ("P001", "P002"):  # both answer every item with its first option; P001 finishes
            attempt = get_or_create_attempt(s, engine.vault, s.scalar(select(Candidate).where(Candidate.number == number)))
            for handle in range(len(s.get(Form, attempt.form_id).items)):
                record(s, attempt, Event(attempt.last_seq + 1, "answer", handle, 0), now)
            if number == "P001":
                finish(s, engine.vault, keys, attempt, "submitted", now)
    with engine.db.session() as s:
        exam_session = get_session(s, "S1")
        head = board.header(exam_session)
        rows = {r["number"]: r for r in board.rows(s, Delivery.create(engine), exam_session)}
        stored = s.scalar(select(Attempt).join(Attempt.candidate).where(Candidate.number == "P001")).result
    assert [e["code"] for e in stored["sections"]] == [*COUNTED, "KEPRIBADIAN"]  # the result still holds it
    assert [x["code"] for x in head["sections"]] == COUNTED and head["max"] == 75
    final, live = rows["P001"], rows["P002"]
    assert final["final"] is True and list(final["sections"]) == COUNTED
    assert final["total"] == sum(final["sections"].values()) == stored["total"]
    assert live["final"] is False and live["status"] == "active" and list(live["sections"]) == COUNTED
    assert live["total"] == sum(live["sections"].values())
