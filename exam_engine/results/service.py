"""Result rows of a session or a whole exam from the stored attempts, and the freeze rule.

Rows. One `ResultRow` per candidate on the roster, by candidate number. A candidate with a
finished attempt is present: the section scores are those stored when the attempt was scored;
the total, pass/fail and the rank within the formation are worked out here by ranking.py from
the exam's own profile (thresholds per formation, the profile's tie-break chain; a chain may
name `date_of_birth`, taken from the encrypted roster data). A candidate without a finished
attempt is absent: no scores, not passed, not ranked. `session_rows` ranks within the session,
`exam_rows` ranks every session of the exam together. `sections` holds only the sections that
add into the total; the others (a personality inventory, a Kraepelin curve) travel in `apart`.
`advances` is the exam-wide "N x vacancies" verdict below, set only where the candidate's
formation has a vacancy count (None otherwise: unknown, and so the digest of results frozen
before the counts existed stays what it was).

Who advances. "N x vacancies advance" is exam-wide: `exam_standings` ranks every finished
attempt of the exam per formation and compares the rank with N (the profile's
`ranking.advance_multiple`) times the formation's vacancies (`exam-engine exam vacancies`). A
formation ranked without a vacancy count is named, never taken as "everyone advances".

Freezing. There is no table for it: the audit log is the record, so a freeze and a re-opening
are hash-chained and signed like every other event (`exam-engine audit verify`).

- `freeze` appends `results_frozen` (subject `session:<code>`, actor the committee member,
  payload {sha256, rows, by, reason}; reason only when given); sha256 is `rows_digest` of the
  session's rows: the SHA-256 of their canonical JSON (sorted keys, no spaces, rows by
  candidate number, whole numbers as integers).
- `reopen` appends `results_reopened` with the approving committee member and a required reason.
- A session's state is its newest entry of those two kinds. It cannot be frozen twice in a row,
  re-opened unless frozen, or frozen while an attempt is still running.
- While frozen, `check_exportable` recomputes the digest of the current rows and refuses
  (`ResultsFrozen`, naming the session) if it differs from the frozen one: the results changed
  after the freeze without a recorded re-opening (an edited attempt, a re-score, a roster
  change). The committee re-opens with a reason, then freezes the new results.

Who decides. The command line names the deciding member with `--by`, which must be a staff
account with the committee or admin role (`committee_member`); the audit entry names them as
`staff:<username>`, as the committee page and the proctor actions do.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from exam_engine import audit
from exam_engine.accounts.models import ProctorAssignment, StaffUser
from exam_engine.accounts.service import normalise_username
from exam_engine.audit.log import canonical_json
from exam_engine.audit.models import AuditEntry
from exam_engine.delivery.models import Attempt
from exam_engine.results.exports import ResultRow, SessionInfo, apart_of
from exam_engine.results.ranking import Ranking, advances_within, formation_codes, rank_stage, tie_chain
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import Exam, ExamSession
from exam_engine.scheduling.service import profile_of
from exam_engine.scheduling.vacancies import vacancies_of
from exam_engine.scoring.results import in_total
from exam_engine.vault import Vault
from question_bank.profiles import Profile

FROZEN, REOPENED = "results_frozen", "results_reopened"
RUNNING = ("active", "paused")
#: Staff roles that may freeze and re-open results (the committee page's roles too).
DECIDING_ROLES = ("committee", "admin")


class ResultsError(ValueError):
    """A freeze or re-opening that the rule does not allow; the message says why."""


class ResultsFrozen(ResultsError):
    """The session's results differ from what was frozen."""


# --- rows ---------------------------------------------------------------------------------

def session_rows(session: Session, vault: Vault, exam_session: ExamSession,
                 standings: Standings | None = None) -> list[ResultRow]:
    """Rows of one session, ranked within the session's formations; `standings`, when the caller
    has them already, are the exam's `exam_standings` (who advances is exam-wide)."""
    if standings is None:
        standings = exam_standings(session, vault, exam_session.exam)
    return _rows(session, vault, profile_of(exam_session.exam), Candidate.session_id == exam_session.id, standings)


def exam_rows(session: Session, vault: Vault, exam: Exam) -> list[ResultRow]:
    """Rows of every session of an exam, ranked across sessions within each formation."""
    return _rows(session, vault, profile_of(exam), Candidate.exam_id == exam.id, exam_standings(session, vault, exam))


@dataclass(frozen=True)
class _Sat:
    """Who of a roster finished, with their section scores and the ranking columns."""

    candidates: list[Candidate]
    personal: list[dict[str, Any]]   # decrypted roster data ({} when not needed)
    present: list[int]               # indices into candidates of those with a finished attempt
    codes: list[str]                 # section codes, the columns of scores
    scores: np.ndarray               # (present, sections), NaN for a section the result lacks
    results: dict[int, Any]          # candidate id -> stored result of the finished attempt


def _sat(session: Session, vault: Vault, profile: Profile, where: ColumnElement[bool], personal: bool) -> _Sat:
    candidates = list(session.scalars(select(Candidate).where(where).order_by(Candidate.number)))
    results = {a.candidate_id: a.result for a in session.scalars(
        select(Attempt).join(Candidate, Attempt.candidate_id == Candidate.id)
        .where(where, Attempt.status == "finished"))}
    data = [vault.decrypt_json(c.personal, c.context) if personal else {} for c in candidates]
    present = [i for i, c in enumerate(candidates) if c.id in results]
    codes = [s.code for s in profile.sections]
    # NaN for a section the stored result lacks: ranking.py then never passes the candidate
    scores = np.full((len(present), len(codes)), np.nan)
    for row, i in enumerate(present):
        stored = {s["code"]: s["score"] for s in (results[candidates[i].id] or {}).get("sections", [])}
        scores[row] = [float(stored.get(code, np.nan)) for code in codes]
    return _Sat(candidates, data, present, codes, scores, results)


def _ranked(profile: Profile, sat: _Sat) -> Ranking:
    columns: dict[str, np.ndarray] = {code: sat.scores[:, j] for j, code in enumerate(sat.codes)}
    columns["date_of_birth"] = np.array([sat.personal[i].get("date_of_birth") or "NaT" for i in sat.present],
                                        dtype="datetime64[D]")
    return rank_stage(profile, columns, [sat.candidates[i].formation for i in sat.present])


def _needs_birth_dates(profile: Profile) -> bool:
    return any(column == "date_of_birth" for column, _ in tie_chain(profile.ranking.get("tie_breaks") or []))


def _rows(session: Session, vault: Vault, profile: Profile, where: ColumnElement[bool],
          standings: Standings) -> list[ResultRow]:
    sat = _sat(session, vault, profile, where, personal=True)
    candidates, personal, present, codes, scores = sat.candidates, sat.personal, sat.present, sat.codes, sat.scores
    # an inventory's or a Kraepelin test's summary adds nothing into the total: no score column
    counted = {s.code for s in profile.sections if in_total(s)}
    passed, rank = np.zeros(len(present), bool), np.zeros(len(present), np.int64)
    total = np.full(len(present), np.nan)
    if present:
        ranked = _ranked(profile, sat)
        passed, rank, total = ranked.passed, ranked.rank, ranked.total
    out = [ResultRow(number=c.number, name=str(p.get("name", "")), formation=c.formation, sections={},
                     total=None, passed=False, rank=None, present=False) for c, p in zip(candidates, personal)]
    for row, i in enumerate(present):
        base = out[i]
        out[i] = ResultRow(
            number=base.number, name=base.name, formation=base.formation,
            sections={code: float(scores[row, j]) for j, code in enumerate(codes)
                      if code in counted and np.isfinite(scores[row, j])},
            total=float(total[row]) if np.isfinite(total[row]) else None, passed=bool(passed[row]),
            rank=int(rank[row]) or None, present=True, apart=apart_of(sat.results[candidates[i].id]),
            advances=standings.advances.get(base.number) if base.formation in standings.vacancies else None)
    return out


# --- who advances -------------------------------------------------------------------------

@dataclass(frozen=True)
class Standings:
    """The exam-wide ranking per formation and who advances: rank <= N x vacancies, ties at the
    cut-off included (N: the profile's `ranking.advance_multiple`; vacancies: `exam vacancies`).

    A formation with someone ranked but no vacancy count is listed in `unset` and its ranked
    candidates' `advances` is None: unknown, never "everyone advances"."""

    multiple: float
    vacancies: dict[str, int]             # formation -> posts, as set
    rank: dict[str, int]                  # candidate number -> rank in the formation, exam-wide (ranked only)
    advances: dict[str, bool | None]      # candidate number -> advances (present candidates only)
    unset: tuple[str, ...]                # formations ranked without a vacancy count

    def quota(self, formation: str) -> int | None:
        """How many places the formation has (ties at the cut-off may add more)."""
        count = self.vacancies.get(formation)
        return None if count is None else int(self.multiple * count)

    def problem(self, exam: Exam) -> str | None:
        """What to do about formations without a count; None when every one has one."""
        if not self.unset:
            return None
        return (f"exam {exam.code}: no vacancy count for formation(s) {', '.join(self.unset)}, so who advances "
                f"is unknown there; set them with `exam-engine exam vacancies --exam {exam.code} "
                f"--formation F --count N` (or --file formasi.csv)")


def exam_standings(session: Session, vault: Vault, exam: Exam) -> Standings:
    """Rank every finished attempt of the exam per formation and apply N x vacancies."""
    profile = profile_of(exam)
    sat = _sat(session, vault, profile, Candidate.exam_id == exam.id, personal=_needs_birth_dates(profile))
    vacancies = vacancies_of(session, exam)
    multiple = float(profile.ranking.get("advance_multiple", 1))
    if not sat.present:
        return Standings(multiple, vacancies, {}, {}, ())
    ranked = _ranked(profile, sat)
    codes, names = formation_codes([sat.candidates[i].formation for i in sat.present])
    advances, unset = advances_within(ranked.rank, codes, names, vacancies, multiple)
    numbers = [sat.candidates[i].number for i in sat.present]
    return Standings(
        multiple, vacancies,
        rank={n: int(r) for n, r in zip(numbers, ranked.rank, strict=True) if r > 0},
        # one who failed never advances; a ranked one of an uncounted formation: unknown
        advances={n: None if r > 0 and names[c] in unset else bool(a)
                  for n, c, r, a in zip(numbers, codes, ranked.rank, advances, strict=True)},
        unset=unset)


def exam_advancing(session: Session, vault: Vault, exam: Exam) -> Standings:
    """exam_standings, refusing (ResultsError naming the formations) while a ranked formation has
    no vacancy count: for a list of who goes on to the next stage."""
    standings = exam_standings(session, vault, exam)
    problem = standings.problem(exam)
    if problem is not None:
        raise ResultsError(problem)
    return standings


def rows_digest(rows: Sequence[ResultRow]) -> str:
    """SHA-256 of the rows' canonical JSON: the same results give the same digest, always."""
    def plain(value: Any) -> Any:
        # 85.0 and 85 are one score: spell it one way, whatever the JSON column gave back
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    def record(row: ResultRow) -> dict[str, Any]:
        # Fields added later leave the JSON while unset, so results frozen before them (no
        # section apart, no vacancy count) keep the digest they were frozen with.
        found = asdict(row)
        if not found["apart"]:
            del found["apart"]
        if found["advances"] is None:
            del found["advances"]
        return found

    records = [plain(record(row)) for row in sorted(rows, key=lambda r: r.number)]
    return hashlib.sha256(canonical_json(records).encode("utf-8")).hexdigest()


# --- freezing -----------------------------------------------------------------------------

@dataclass(frozen=True)
class FreezeState:
    frozen: bool
    sha256: str | None = None     # of the rows when frozen
    by: str | None = None         # who froze, or who approved the latest re-opening
    at: datetime | None = None
    entry: int | None = None      # the audit entry that set this state
    reason: str | None = None     # of that entry: why frozen, or why re-opened


def subject(exam_session: ExamSession) -> str:
    return f"session:{exam_session.code}"


def freeze_state(session: Session, exam_session: ExamSession) -> FreezeState:
    latest = session.scalar(select(AuditEntry).where(AuditEntry.subject == subject(exam_session),
                                                     AuditEntry.kind.in_((FROZEN, REOPENED)))
                            .order_by(AuditEntry.id.desc()).limit(1))
    if latest is None:
        return FreezeState(False)
    payload = latest.payload or {}
    if latest.kind == REOPENED:
        return FreezeState(False, by=payload.get("by"), at=latest.at, entry=latest.id, reason=payload.get("reason"))
    return FreezeState(True, sha256=payload.get("sha256"), by=payload.get("by"), at=latest.at, entry=latest.id,
                       reason=payload.get("reason"))


def _name(value: str, what: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ResultsError(f"{what}: must not be empty")
    return value


def committee_member(session: Session, username: str) -> str:
    """The audit actor `staff:<username>` of an active committee or admin account; ResultsError
    saying what is wrong otherwise (a free-typed name would make the record unverifiable)."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == normalise_username(username)))
    if user is None:
        raise ResultsError(f"--by {username!r}: no staff account of that name; name a committee or admin "
                           "account (`exam-engine user add`)")
    if user.role not in DECIDING_ROLES or not user.active:
        what = f"a {user.role} account" if user.active else "a disabled account"
        raise ResultsError(f"--by {username!r}: {what}; only an active committee or admin account "
                           "may freeze or re-open results")
    return f"staff:{user.username}"


def freeze(session: Session, vault: Vault, exam_session: ExamSession, by: str, reason: str | None = None) -> str:
    """Record the current rows' digest as frozen, with why if given; returns the digest."""
    by = _name(by, "the committee member freezing the results")
    why = {} if reason is None else {"reason": _name(reason, "the reason for freezing")}
    state = freeze_state(session, exam_session)
    if state.frozen:
        raise ResultsError(f"session {exam_session.code}: results are already frozen (by {state.by}, "
                           f"audit entry #{state.entry}); re-open them first")
    running = session.scalar(select(Attempt.id).where(Attempt.session_id == exam_session.id,
                                                      Attempt.status.in_(RUNNING)).limit(1))
    if running is not None:
        raise ResultsError(f"session {exam_session.code}: attempts are still running; freeze after they finish")
    rows = session_rows(session, vault, exam_session)
    digest = rows_digest(rows)
    audit.append(session, vault, FROZEN, by, subject(exam_session), sha256=digest, rows=len(rows), by=by, **why)
    return digest


def reopen(session: Session, vault: Vault, exam_session: ExamSession, by: str, reason: str) -> None:
    """Record a committee-approved re-opening of frozen results."""
    by = _name(by, "the approving committee member")
    reason = _name(reason, "the reason for re-opening")
    state = freeze_state(session, exam_session)
    if not state.frozen:
        raise ResultsError(f"session {exam_session.code}: results are not frozen; nothing to re-open")
    audit.append(session, vault, REOPENED, by, subject(exam_session), by=by, reason=reason,
                 frozen_sha256=state.sha256, frozen_entry=state.entry)


def session_info(session: Session, exam_session: ExamSession, chair: str, frozen: FreezeState) -> SessionInfo:
    """What the berita acara states about the sitting, from the database."""
    proctors = session.scalars(select(StaffUser.display_name).join(ProctorAssignment)
                               .where(ProctorAssignment.session_id == exam_session.id, StaffUser.role == "proctor")
                               .order_by(StaffUser.display_name))
    extra = {"Hasil dibekukan": f"oleh {frozen.by} (log audit #{frozen.entry})"} if frozen.frozen else {}
    return SessionInfo(exam=exam_session.exam.title, session=exam_session.code, room=exam_session.room,
                       date=exam_session.date.isoformat(), start=exam_session.start_time.strftime("%H:%M"),
                       proctors=tuple(proctors), chair=chair, extra=extra)


def check_exportable(session: Session, exam_session: ExamSession, rows: Sequence[ResultRow]) -> FreezeState:
    """Refuse rows of a frozen session that are not the frozen ones; returns the state."""
    state = freeze_state(session, exam_session)
    if state.frozen and rows_digest(rows) != state.sha256:
        raise ResultsFrozen(
            f"session {exam_session.code}: the results changed after they were frozen by {state.by} "
            f"(audit entry #{state.entry}) without a re-opening; nothing was exported. "
            f"Find out what changed, then re-open with a reason (`exam-engine results reopen`)")
    return state
