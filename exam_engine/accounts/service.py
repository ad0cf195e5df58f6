"""Staff accounts: creating users, assigning proctors, logging in, and who sees which session.

Plain functions over a SQLAlchemy session (or the Database, for login), shared by the CLI
and the HTTP views; none of them knows about a request."""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_engine.accounts import passwords
from exam_engine.accounts.models import ROLES, ProctorAssignment, StaffLoginRecord, StaffUser
from exam_engine.db import Database
from exam_engine.scheduling.models import ExamSession
from exam_engine.scheduling.service import get_session

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,63}$")
#: Roles that see every session; a proctor sees only the sessions assigned to them.
SEE_ALL = frozenset({"admin", "committee"})

WINDOW = timedelta(minutes=5)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 30
FAILED = "invalid_credentials"


class AccountError(ValueError):
    """A request that names something missing or invalid; the message says what."""


class LoginRefused(Exception):
    def __init__(self, code: str, message: str, status: int, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.retry_after = code, message, status, retry_after


def normalise_username(username: str) -> str:
    return username.strip().lower()


def get_user(session: Session, username: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == normalise_username(username)))
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def username_problem(session: Session, username: str) -> str | None:
    """Why USERNAME cannot be used for a new account, or None; lets the CLI check before prompting."""
    name = normalise_username(username)
    if not USERNAME.match(name):
        return f"username {username!r}: 2-64 letters, digits, '-', '_' and '.'"
    if session.scalar(select(StaffUser.id).where(StaffUser.username == name)) is not None:
        return f"user {name!r} already exists"
    return None


def create_user(session: Session, username: str, role: str, password: str,
                display_name: str | None = None) -> StaffUser:
    if role not in ROLES:
        raise AccountError(f"role {role!r}: one of {', '.join(ROLES)}")
    problem = username_problem(session, username)
    if problem:
        raise AccountError(problem)
    name = normalise_username(username)
    passwords.check_strength(password, name)
    user = StaffUser(username=name, role=role, display_name=(display_name or "").strip() or name,
                     password_hash=passwords.hash_password(password), active=True)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: StaffUser, password: str) -> None:
    """Also ends the user's open browser sessions: their cookies carry a stamp of the old hash."""
    passwords.check_strength(password, user.username)
    user.password_hash = passwords.hash_password(password)
    session.flush()


def assign_proctor(session: Session, username: str, session_code: str) -> tuple[ProctorAssignment, bool]:
    """(assignment, created); assigning twice is harmless."""
    user = get_user(session, username)
    if user.role != "proctor":
        raise AccountError(f"{user.username} is a {user.role} account and already sees every session")
    exam_session = get_session(session, session_code)
    for existing in user.assignments:
        if existing.session_id == exam_session.id:
            return existing, False
    assignment = ProctorAssignment(user=user, exam_session=exam_session)
    session.add(assignment)
    session.flush()
    return assignment, True


def can_view_session(user: StaffUser, exam_session: ExamSession) -> bool:
    if not user.active:
        return False
    return user.role in SEE_ALL or any(a.session_id == exam_session.id for a in user.assignments)


def visible_sessions(session: Session, user: StaffUser) -> list[ExamSession]:
    query = select(ExamSession).order_by(ExamSession.date, ExamSession.start_time, ExamSession.code)
    if not user.active:
        return []
    if user.role not in SEE_ALL:
        query = query.join(ProctorAssignment, ProctorAssignment.session_id == ExamSession.id).where(
            ProctorAssignment.user_id == user.id)
    return list(session.scalars(query))


def _retry_after(session: Session, now: datetime, limit: int, *where: object) -> int | None:
    """Seconds until the oldest counted failure leaves the window, or None when under the limit."""
    count, oldest = session.execute(select(func.count(), func.min(StaffLoginRecord.at)).where(*where)).one()
    if count < limit:
        return None
    if oldest.tzinfo is None:  # aggregates bypass the column type's UTC conversion
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(1, math.ceil((oldest + WINDOW - now).total_seconds()))


def check_rate(session: Session, username: str, address: str, now: datetime) -> None:
    recent = (StaffLoginRecord.outcome == FAILED, StaffLoginRecord.at > now - WINDOW)
    # A success proves the password, so it clears the user's (not the address's) failures.
    last_ok = session.scalar(select(func.max(StaffLoginRecord.id)).where(
        StaffLoginRecord.username == username, StaffLoginRecord.outcome == "ok"))
    waits = [
        _retry_after(session, now, MAX_FAILURES_PER_USER, StaffLoginRecord.username == username,
                     StaffLoginRecord.id > (last_ok or 0), *recent),
        _retry_after(session, now, MAX_FAILURES_PER_ADDRESS, StaffLoginRecord.ip == address, *recent),
    ]
    if any(w is not None for w in waits):
        raise LoginRefused("rate_limited", "too many failed logins; wait and try again", 429,
                           retry_after=max(w for w in waits if w is not None))


def _verify(session: Session, username: str, password: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        passwords.burn_time(password)
    # One refusal for an unknown user, a wrong password and a disabled account: none of
    # them may tell a guesser which usernames exist.
    if user is None or not passwords.verify_password(user.password_hash, password) or not user.active:
        raise LoginRefused(FAILED, "username or password is wrong", 401)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def authenticate(db: Database, username: str, password: str, address: str, now: datetime) -> StaffUser:
    """The user, or LoginRefused; the attempt is recorded (committed) either way."""
    name, address = normalise_username(username)[:64], address[:64]
    user: StaffUser | None = None
    refusal: LoginRefused | None = None
    # The record commits with a refusal too: the failures are the rate limiter's memory.
    with db.transaction() as session:
        try:
            check_rate(session, name, address, now)
            user = _verify(session, name, password)
        except LoginRefused as exc:
            refusal = exc
        session.add(StaffLoginRecord(username=name, ip=address, outcome=refusal.code if refusal else "ok", at=now))
    if refusal or user is None:
        raise refusal or LoginRefused(FAILED, "username or password is wrong", 401)
    return user
