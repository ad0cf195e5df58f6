"""Answers in the audit chain: each group commit appends one entry with a digest per stored
answer, so an answer row edited, deleted or inserted behind the engine's back is named."""
from __future__ import annotations

from sqlalchemy import func, select

from exam_engine.audit.answers import KIND
from exam_engine.audit.models import AuditEntry
from exam_engine.delivery.models import AnswerEvent, Attempt
from tests.exam_engine.audit.test_audit import sql
from tests.exam_engine.delivery.conftest import (  # noqa: F401  (fixtures)
    collect_client_sockets,
    prepare_sitting,
    server,
    terminals,
)


def test_every_acknowledged_answer_is_chained_and_tampering_is_named(engine, server, terminals, cli) -> None:  # type: ignore[no-untyped-def]
    sitting = prepare_sitting(engine, 2)
    t = terminals("T1")
    number, pin = sitting.candidates[0]
    assert t.login(number, pin, sitting.session_pin).status_code == 200
    t.connect().wait_for("state")
    sitting.start()
    t.wait_key()
    acks = [t.call("answer", {"seq": seq, "h": seq, "choice": 1}) for seq in range(1, 6)]
    acks.append(t.call("mark", {"seq": 6, "h": 2, "marked": True}))
    assert all(a["ok"] for a in acks)
    refused = t.call("answer", {"seq": 7, "h": 999, "choice": 1})
    assert refused["code"] == "bad_handle"  # refused: neither stored nor chained

    with engine.db.session() as s:
        attempt_id = s.scalar(select(Attempt.id).where(Attempt.terminal == "T1"))
        chained = [tuple(e[:2]) for payload in s.scalars(select(AuditEntry.payload).where(AuditEntry.kind == KIND))
                   for e in payload["events"]]
        assert s.scalar(select(func.count(AnswerEvent.id))) == 6
    assert sorted(chained) == [(attempt_id, seq) for seq in range(1, 7)]
    intact = cli("audit", "verify")
    assert intact.exit_code == 0 and intact.output.startswith("VALID"), intact.output

    server.stop()  # tamper as someone with the database file would, with the node down
    sql(engine, f"UPDATE answer_events SET value = 3 WHERE attempt_id = {attempt_id} AND seq = 2",
        f"DELETE FROM answer_events WHERE attempt_id = {attempt_id} AND seq = 4",
        "INSERT INTO answer_events (attempt_id, seq, kind, handle, value, received_at) "
        f"SELECT attempt_id, 50, kind, handle, 0, received_at FROM answer_events WHERE attempt_id = {attempt_id} "
        "AND seq = 1")
    tampered = cli("audit", "verify")
    assert tampered.exit_code == 1
    assert f"answer edited: attempt {attempt_id} seq 2 differs from what was acknowledged" in tampered.output
    assert f"answer deleted: attempt {attempt_id} seq 4 is no longer stored" in tampered.output
    assert f"answer added: attempt {attempt_id} seq 50 is in no audit entry" in tampered.output
    assert "seq 1 " not in tampered.output and "seq 3 " not in tampered.output
