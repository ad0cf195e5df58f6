"""Bank and assembly services over a database session: what the CLI and the server call."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import ExamSession
from exam_engine.scheduling.service import profile_of
from exam_engine.vault import Vault
from question_bank.assembly import PoolItem, RoomState, assemble_form, bank_version
from question_bank.forms import Form
from question_bank.models import Item


def active_pool(session: Session, sections: list[str]) -> list[PoolItem]:
    rows = session.scalars(select(Item).where(Item.active, Item.section.in_(sections)).order_by(Item.id))
    return [PoolItem(i.id, i.item_id, i.revision, i.section, i.item_type, i.topic, i.difficulty, i.option_count)
            for i in rows]


def bank_summary(session: Session) -> list[tuple[str, str, str, int, int]]:
    """(bank, section, topic, difficulty, count) of the active items."""
    return list(session.execute(
        select(Item.bank, Item.section, Item.topic, Item.difficulty, func.count())
        .where(Item.active).group_by(Item.bank, Item.section, Item.topic, Item.difficulty)
        .order_by(Item.bank, Item.section, Item.topic, Item.difficulty)).all())


def assemble_session(session: Session, exam_session: ExamSession) -> list[Form]:
    """Give every candidate of the session without a form their own form."""
    profile = profile_of(exam_session.exam)
    pool = active_pool(session, [s.code for s in profile.sections])
    version = bank_version(pool)
    candidates = list(session.scalars(select(Candidate).where(Candidate.session_id == exam_session.id)
                                      .order_by(Candidate.number)))
    existing = {f.candidate_id: f for f in session.scalars(select(Form).where(Form.session_id == exam_session.id))}
    state = RoomState(room_size=max(len(candidates), 1))
    for form in existing.values():
        state.record(entry["item"] for entry in form.items if entry.get("item") is not None)
    created = []
    for candidate in candidates:
        if candidate.id in existing:
            continue
        assembled = assemble_form(profile, pool, state, exam_session.seed, candidate.number, version)
        form = Form(candidate_id=candidate.id, session_id=exam_session.id, seed=assembled.seed,
                    bank_version=assembled.bank_version, items=assembled.items, difficulty=assembled.difficulty)
        session.add(form)
        created.append(form)
    session.flush()
    return created


def item_content(session: Session, vault: Vault, pk: int) -> dict[str, Any]:
    """Decrypted content of one stored item revision (server side only)."""
    item = session.get(Item, pk)
    if item is None:
        raise LookupError(f"no item {pk}")
    return vault.decrypt_json(item.payload, item.context)  # type: ignore[no-any-return]
