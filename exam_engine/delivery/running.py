"""Scores so far of attempts still being answered: what the proctor console, the venue
scoreboard and the candidate's own header show while a sitting runs.

Set-wise (one read of the responses and one of the forms for all the attempts asked for) and
remembered for the life of the database session: a live round asks for the same candidates
twice, for the console rows and then for the scoreboard rows, and pays once."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.delivery.models import Attempt, Response
from exam_engine.scoring.results import SectionScores, score_sections
from question_bank.forms import Form
from question_bank.profiles import Profile

MEMO = "running_scores"


def running_scores(session: Session, profile: Profile, attempts: Iterable[Attempt],
                   key_of: Callable[[int], Any]) -> dict[int, SectionScores]:
    """attempt id -> section scores of its stored answers, for attempts that have started."""
    memo: dict[int, SectionScores] = session.info.setdefault(MEMO, {})
    wanted = [a for a in attempts if a.status != "waiting"]
    todo = [a for a in wanted if a.id not in memo]
    if todo:
        options: dict[int, dict[int, str | None]] = defaultdict(dict)
        for attempt_id, handle, option in session.execute(
                select(Response.attempt_id, Response.handle, Response.option)
                .where(Response.attempt_id.in_([a.id for a in todo]))):
            options[attempt_id][handle] = option
        forms = dict(session.execute(select(Form.id, Form.items).where(Form.id.in_({a.form_id for a in todo}))).all())
        for a in todo:
            memo[a.id] = score_sections(profile, forms[a.form_id], options[a.id], key_of)
    return {a.id: memo[a.id] for a in wanted}

