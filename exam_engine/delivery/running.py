"""Scores so far of attempts still being answered: what the proctor console, the venue
scoreboard and the candidate's own header show while a sitting runs.

Set-wise (one read of the responses for all the attempts asked for) and remembered for the
life of the database session: a live round asks for the same candidates twice, for the
console rows and then for the scoreboard rows, and pays once. The forms' scoring plans are
kept per node (`FormPlans`): a form never changes once assembled, and decoding it and
rebuilding its section keys every half second dominated the live rounds of a load test."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.delivery.models import Attempt, Response
from exam_engine.delivery.shapes import PerForm
from exam_engine.scoring.results import SectionScores, SectionsPlan, plan_sections, score_planned
from question_bank.forms import Form
from question_bank.profiles import Profile

MEMO = "running_scores"
#: (form id, exam session id): a form belongs to one session, whose exam's profile is a snapshot.
PlanKey = tuple[int, int]


class FormPlans(PerForm[PlanKey, SectionsPlan]):
    """Scoring plans of forms, kept per node like `FormShapes`."""


def running_scores(session: Session, profile: Profile, attempts: Iterable[Attempt],
                   key_of: Callable[[int], Any], plans: FormPlans | None = None) -> dict[int, SectionScores]:
    """attempt id -> section scores of its stored answers, for attempts that have started.
    Without `plans` every form asked for is read and planned again."""
    memo: dict[int, SectionScores] = session.info.setdefault(MEMO, {})
    wanted = [a for a in attempts if a.status != "waiting"]
    todo = [a for a in wanted if a.id not in memo]
    if todo:
        options: dict[int, dict[int, str | None]] = defaultdict(dict)
        for attempt_id, handle, option in session.execute(
                select(Response.attempt_id, Response.handle, Response.option)
                .where(Response.attempt_id.in_([a.id for a in todo]))):
            options[attempt_id][handle] = option
        planned = _plans(session, profile, todo, key_of, FormPlans() if plans is None else plans)
        for a in todo:
            memo[a.id] = score_planned(planned[(a.form_id, a.session_id)], options[a.id])
    return {a.id: memo[a.id] for a in wanted}


def _plans(session: Session, profile: Profile, attempts: list[Attempt], key_of: Callable[[int], Any],
           plans: FormPlans) -> dict[PlanKey, SectionsPlan]:
    """The plans of the attempts' forms; only forms this node has not planned yet are read."""
    found: dict[PlanKey, SectionsPlan] = {}
    missing: dict[int, int] = {}  # form id -> exam session id
    for a in attempts:
        key = (a.form_id, a.session_id)
        plan = plans.get(key)
        if plan is None:
            missing[a.form_id] = a.session_id
        else:
            found[key] = plan
    if missing:
        for form_id, items in session.execute(select(Form.id, Form.items).where(Form.id.in_(list(missing)))):
            key = (form_id, missing[form_id])
            found[key] = plan_sections(profile, items, key_of)
            plans.put(key, found[key])
    return found
