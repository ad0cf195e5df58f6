"""running_scores with a node's FormPlans: each form is read and planned once, later rounds
(new database sessions) score from the plan, and a changed answer still shows."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from exam_engine.db import utcnow
from exam_engine.delivery.attempts import get_or_create_attempt
from exam_engine.delivery.models import Attempt, Response
from exam_engine.delivery.responses import Event, record
from exam_engine.delivery.running import FormPlans, running_scores
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import get_session, profile_of
from exam_engine.scoring.keys import KeyCache
from exam_engine.scoring.results import score_sections
from question_bank.forms import Form
from question_bank.service import item_content
from tests.exam_engine.delivery.conftest import prepare_sitting


class CountingKeys:
    """key_of for the test: the real keys, counting the items asked for."""

    def __init__(self, engine: Any) -> None:
        def load(pk: int) -> dict[str, Any]:
            with engine.db.session() as s:
                return item_content(s, engine.vault, pk)

        self.asked = 0
        self._keys = KeyCache(load)

    def __call__(self, pk: int) -> Any:
        self.asked += 1
        return self._keys(pk)


def start_and_answer(engine: Any, numbers: tuple[str, ...], option: int) -> None:
    """Every item of each candidate's form answered with display option OPTION."""
    now = utcnow()
    with engine.db.transaction() as s:
        for number in numbers:
            candidate = s.scalar(select(Candidate).where(Candidate.number == number))
            attempt = get_or_create_attempt(s, engine.vault, candidate)
            for handle in range(len(s.get(Form, attempt.form_id).items)):
                record(s, attempt, Event(attempt.last_seq + 1, "answer", handle, option), now)


def live_round(engine: Any, keys: CountingKeys,
               plans: FormPlans | None) -> tuple[dict[int, float], list[tuple[str, Any]]]:
    """One live round in a fresh database session: attempt id -> total, and the SQL it ran."""
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine.db.engine, "before_cursor_execute", seen)
    try:
        with engine.db.session() as s:
            exam_session = get_session(s, "S1")
            attempts = list(s.scalars(select(Attempt)))
            profile = profile_of(exam_session.exam)
            scores = running_scores(s, profile, attempts, keys, plans)
            totals = {aid: float(sum(v.values())) for aid, v in scores.items()}
    finally:
        event.remove(engine.db.engine, "before_cursor_execute", seen)
    return totals, statements


def forms_read(statements: list[tuple[str, Any]]) -> set[int]:
    """Ids of the forms whose items the statements read (positional parameters on SQLite, named
    ones on PostgreSQL)."""
    return {v for sql, params in statements if "forms.items" in sql
            for v in (params.values() if isinstance(params, dict) else params)}


def reference_totals(engine: Any) -> dict[int, float]:
    """What the final scoring path (score_sections on the stored form) gives now."""
    keys = CountingKeys(engine)
    with engine.db.session() as s:
        profile = profile_of(get_session(s, "S1").exam)
        totals = {}
        for a in s.scalars(select(Attempt)):
            if a.status == "waiting":
                continue
            options = dict(s.execute(select(Response.handle, Response.option).where(Response.attempt_id == a.id)).all())
            totals[a.id] = float(sum(score_sections(profile, s.get(Form, a.form_id).items, options, keys).values()))
        return totals


def test_a_form_is_read_and_planned_once_per_node(engine: Any) -> None:
    prepare_sitting(engine, 2, profile="skd-kepribadian-demo").start()
    start_and_answer(engine, ("P001", "P002"), 0)
    keys, plans = CountingKeys(engine), FormPlans()
    first, statements = live_round(engine, keys, plans)
    forms = forms_read(statements)
    assert len(forms) == 2 and keys.asked > 0 and len(first) == 2
    asked = keys.asked
    second, statements = live_round(engine, keys, plans)
    assert second == first == reference_totals(engine)
    assert keys.asked == asked and forms_read(statements) == set()  # neither the keys nor the forms again
    # Without a node's plans every round reads and plans the forms, as before.
    again, statements = live_round(engine, keys, None)
    assert again == first and forms_read(statements) == forms and keys.asked == 2 * asked


def test_a_changed_answer_changes_the_running_score_with_warm_plans(engine: Any) -> None:
    prepare_sitting(engine, 2, profile="skd-kepribadian-demo").start()
    start_and_answer(engine, ("P001",), 0)
    keys, plans = CountingKeys(engine), FormPlans()
    before, _ = live_round(engine, keys, plans)
    (p001,) = before
    asked = keys.asked
    start_and_answer(engine, ("P001", "P002"), 1)  # P001 changes every answer; P002 starts
    after, statements = live_round(engine, keys, plans)
    assert after == reference_totals(engine) and len(after) == 2
    assert after[p001] != before[p001]
    # P002's form is new to the node: read and planned; P001's is not read again.
    with engine.db.session() as s:
        forms = {a.id: a.form_id for a in s.scalars(select(Attempt))}
    (p002,) = set(after) - {p001}
    assert forms_read(statements) == {forms[p002]} and keys.asked > asked
