"""Candidate login: registration PIN + session PIN, one terminal per attempt, rate-limited.

Two terminals racing with the same PIN: the binding is one conditional UPDATE, so the
database lets exactly one win; the other is refused and the proctor is flagged."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from exam_engine.delivery.attempts import NoForm, get_or_create_attempt
from exam_engine.delivery.models import Attempt, LoginRecord
from exam_engine.proctoring.flags import raise_flag
from exam_engine.roster.models import Candidate
from exam_engine.roster.pins import PinHasher
from exam_engine.vault import Vault

WINDOW = timedelta(minutes=5)
MAX_FAILURES_PER_CANDIDATE = 5
MAX_FAILURES_PER_ADDRESS = 30


class LoginRefused(Exception):
    def __init__(self, code: str, message: str, status: int, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.retry_after = code, message, status, retry_after


@dataclass(frozen=True)
class LoginRequest:
    number: str
    pin: str
    session_pin: str
    terminal: str
    ip: str

    @classmethod
    def parse(cls, data: Any, ip: str) -> LoginRequest:
        if not isinstance(data, dict):
            raise LoginRefused("bad_request", "expected a JSON object", 400)
        fields = {}
        for name in ("number", "pin", "session_pin", "terminal"):
            value = data.get(name)
            if not isinstance(value, str) or not value.strip() or len(value) > 64:
                raise LoginRefused("bad_request", f"{name}: a non-empty string of at most 64 characters", 400)
            if not _encodable(value):  # "\ud800" is valid JSON, but no text the database can store
                raise LoginRefused("bad_request", f"{name}: not valid Unicode text", 400)
            fields[name] = value.strip()
        return cls(ip=ip, **fields)


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _failures(session: Session, now: datetime, **where: str) -> int:
    column, value = next(iter(where.items()))
    return session.scalar(select(func.count()).select_from(LoginRecord).where(
        getattr(LoginRecord, column) == value, LoginRecord.outcome != "ok", LoginRecord.at > now - WINDOW)) or 0


def check_rate(session: Session, request: LoginRequest, now: datetime) -> None:
    if (_failures(session, now, number=request.number) >= MAX_FAILURES_PER_CANDIDATE
            or _failures(session, now, ip=request.ip) >= MAX_FAILURES_PER_ADDRESS):
        raise LoginRefused("rate_limited", "too many failed logins; wait and try again", 429,
                           retry_after=int(WINDOW.total_seconds()))


def record(session: Session, request: LoginRequest, outcome: str, now: datetime) -> None:
    session.add(LoginRecord(number=request.number, ip=request.ip, terminal=request.terminal, outcome=outcome, at=now))


def authenticate(session: Session, pins: PinHasher, request: LoginRequest) -> Candidate:
    for candidate in session.scalars(select(Candidate).where(Candidate.number == request.number)):
        if not pins.verify(candidate.pin_hash, request.pin):
            continue
        exam_session = candidate.session
        if exam_session.status not in ("open", "started") or not exam_session.session_pin_hash:
            raise LoginRefused("session_not_open", "the session is not open for login yet", 409)
        if pins.verify_shared(exam_session.session_pin_hash, request.session_pin):
            return candidate
    raise LoginRefused("invalid_credentials", "candidate number, registration PIN or session PIN is wrong", 401)


def bind_terminal(session: Session, attempt: Attempt, candidate: Candidate, request: LoginRequest) -> None:
    """Same terminal: resume. Another terminal: only after a proctor allowed the move."""
    previous_terminal, previous_ip = attempt.terminal, attempt.terminal_ip
    won = session.execute(
        update(Attempt).where(Attempt.id == attempt.id, or_(
            Attempt.terminal.is_(None), Attempt.terminal == request.terminal, Attempt.move_allowed.is_(True)))
        .values(terminal=request.terminal, terminal_ip=request.ip, move_allowed=False)
        .execution_options(synchronize_session=False)).rowcount
    if not won:
        raise LoginRefused("terminal_conflict", "this candidate is already logged in on another workstation", 409)
    session.refresh(attempt)
    if previous_terminal not in (None, request.terminal):
        raise_flag(session, candidate, "terminal_change", old=previous_terminal, new=request.terminal, ip=request.ip)
    elif previous_ip not in (None, request.ip):
        raise_flag(session, candidate, "ip_change", old=previous_ip, new=request.ip)


def login(session: Session, vault: Vault, pins: PinHasher, request: LoginRequest, now: datetime) -> Attempt:
    """Checks run in the caller's transaction; a refusal is recorded by the caller."""
    check_rate(session, request, now)
    candidate = authenticate(session, pins, request)
    try:
        attempt = get_or_create_attempt(session, vault, candidate)
    except NoForm:
        raise LoginRefused("session_not_open", "no form has been assembled for this candidate yet", 409) from None
    bind_terminal(session, attempt, candidate, request)
    return attempt


def flag_refusal(session: Session, request: LoginRequest, refusal: LoginRefused) -> None:
    """A second login for a bound attempt is evidence for the proctor."""
    if refusal.code != "terminal_conflict":
        return
    for candidate in session.scalars(select(Candidate).where(Candidate.number == request.number)):
        raise_flag(session, candidate, "second_login", terminal=request.terminal, ip=request.ip)
