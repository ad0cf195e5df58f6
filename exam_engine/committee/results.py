"""What the committee sees of one session: the ranked rows of results/service.py grouped per
formation, each score set against its threshold, and, while the session runs, who is still
answering with their provisional score (as the scoreboard computes it).

Nothing is ranked here: pass/fail and ranks are those of `session_rows`, the same rows the
exports and the freeze digest are made of, so the page never disagrees with a signed file.
Who advances ("N x vacancies", exam-wide, ties at the cut-off included) comes from
`exam_standings`: each row carries its exam-wide rank and `advances` (None while its formation
has no vacancy count, and the page says which formations lack one). Score columns are the
sections that add into the total: an inventory's or a Kraepelin test's summary is no score."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_engine.accounts.models import StaffUser
from exam_engine.accounts.service import visible_sessions
from exam_engine.accounts.summaries import session_summaries
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.runtime import Delivery
from exam_engine.results.exports import ResultRow
from exam_engine.results.service import (
    RUNNING,
    FreezeState,
    Standings,
    exam_standings,
    freeze_state,
    rows_digest,
    session_rows,
)
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import ExamSession
from exam_engine.scheduling.service import profile_of
from exam_engine.scoreboard import board
from exam_engine.scoring.results import in_total, thresholds_for
from question_bank.profiles import Profile


def freeze_summary(state: FreezeState) -> dict[str, Any]:
    return {"frozen": state.frozen, "sha256": state.sha256, "by": state.by,
            "at": state.at.isoformat() if state.at else None, "entry": state.entry, "reason": state.reason}


def attempt_counts(session: Session, session_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per session: attempts by status (one grouped query for the whole list)."""
    counts: dict[int, dict[str, int]] = {}
    for session_id, status, n in session.execute(
            select(Attempt.session_id, Attempt.status, func.count()).where(Attempt.session_id.in_(session_ids))
            .group_by(Attempt.session_id, Attempt.status)):
        counts.setdefault(session_id, {})[status] = n
    return counts


def sessions(session: Session, user: StaffUser) -> list[dict[str, Any]]:
    """Every session the user may see, with its attempt counts and freeze state."""
    found = visible_sessions(session, user)
    counts = attempt_counts(session, [s.id for s in found])
    return [{**summary, "attempts": counts.get(s.id, {}), "results": freeze_summary(freeze_state(session, s))}
            for s, summary in zip(found, session_summaries(session, found), strict=True)]


def _limits(profile: Profile, formation: str) -> dict[str, Any]:
    limits = thresholds_for(profile, formation)
    return {"sections": {k: float(v) for k, v in (limits.get("sections") or {}).items()},
            "total": None if limits.get("total") is None else float(limits["total"])}


def _row(row: ResultRow, limits: dict[str, Any], codes: list[str], status: str,
         live: dict[str, Any] | None, standings: Standings) -> dict[str, Any]:
    sections = {}
    for code in codes:
        score, limit = row.sections.get(code), limits["sections"].get(code)
        if live is not None and not row.present:
            score = (live.get("sections") or {}).get(code)
        sections[code] = {"score": score, "threshold": limit,
                          "passed": None if score is None or limit is None else score >= limit}
    total = row.total if row.present else (live or {}).get("total")
    return {"number": row.number, "name": row.name, "status": status, "present": row.present,
            "provisional": not row.present and live is not None and total is not None,
            "sections": sections, "total": total,
            "total_passed": None if total is None or limits["total"] is None else total >= limits["total"],
            "passed": row.passed if row.present else None, "rank": row.rank,
            # exam-wide: the quota is the exam's, not the session's
            "exam_rank": standings.rank.get(row.number),
            "advances": standings.advances.get(row.number) if row.present else None,
            "result": ("passed" if row.passed else "failed") if row.present
            else "running" if status in RUNNING else "absent"}


def _order(row: dict[str, Any]) -> tuple[Any, ...]:
    """Ranked first by rank; then those who failed, by total; then running; then absent."""
    group = {"passed": 0, "failed": 1, "running": 2, "absent": 3}[row["result"]]
    return (group, row["rank"] or 0, -(row["total"] or 0.0), row["number"])


def session_results(session: Session, d: Delivery, exam_session: ExamSession) -> dict[str, Any]:
    """The session's results grouped per formation (the profile's order, then any other)."""
    profile = profile_of(exam_session.exam)
    standings = exam_standings(session, d.engine.vault, exam_session.exam)
    rows = session_rows(session, d.engine.vault, exam_session, standings)  # one exam-wide ranking, not two
    status = dict(session.execute(select(Candidate.number, Attempt.status).join(
        Attempt, Attempt.candidate_id == Candidate.id).where(Candidate.session_id == exam_session.id)).all())
    running = {number for number, s in status.items() if s in RUNNING}
    live = {r["number"]: r for r in board.rows(session, d, exam_session)} if running else {}
    counted = [s for s in profile.sections if in_total(s)]
    codes = [s.code for s in counted]
    names = list(dict.fromkeys([*profile.formations, *sorted({r.formation for r in rows})]))
    formations = []
    for name in names:
        members = [r for r in rows if r.formation == name]
        if not members:
            continue
        limits = _limits(profile, name)
        out = sorted((_row(r, limits, codes, status.get(r.number, "absent"),
                           live.get(r.number) if r.number in running else None, standings) for r in members),
                     key=_order)
        formations.append({"name": name, "thresholds": limits, "rows": out,
                           "vacancies": standings.vacancies.get(name), "quota": standings.quota(name),
                           "advancing": sum(r["advances"] is True for r in out),
                           "counts": {k: sum(r["result"] == k for r in out)
                                      for k in ("passed", "failed", "running", "absent")}})
    return {
        "session": session_summaries(session, [exam_session])[0],
        "sections": [{"code": s.code, "name": s.name, "max": s.max_score} for s in counted],
        "tie_breaks": [e if isinstance(e, str) else e.get("key") for e in profile.ranking.get("tie_breaks") or []],
        "formations": formations,
        # problem: the server's English sentence; unset: the formations, for the page's own wording
        "advance": {"multiple": standings.multiple, "problem": standings.problem(exam_session.exam),
                    "unset": list(standings.unset)},
        "running": len(running),
        "results": freeze_summary(freeze_state(session, exam_session)),
        "sha256": rows_digest(rows),
    }
