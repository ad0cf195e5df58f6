"""Staff logins in Flask's signed session cookie; `current_user()` and `login_required(*roles)`.

The cookie holds the user id, the login and last-seen times and a stamp of the password hash;
the user is re-read from the database on every request, so a disabled account, a new role or
a new password takes effect at once on every node."""
from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask import Response, current_app, g, jsonify, request, session
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.accounts.models import ROLES, StaffUser
from exam_engine.accounts.service import SEE_ALL, can_view_session
from exam_engine.context import EngineContext
from exam_engine.db import utcnow
from exam_engine.scheduling.models import ExamSession

F = TypeVar("F", bound=Callable[..., Any])

KEY = "staff"
#: However active, a login ends after a working day (or the idle limit, if that is longer).
ABSOLUTE = timedelta(hours=12)
#: Refresh last-seen at most this often, so not every response rewrites the cookie.
TOUCH = timedelta(minutes=1)

MESSAGES = {
    "absent": "log in first",
    "expired": "your login has expired; log in again",
    "revoked": "your account has changed; log in again",
}


class Refused(Exception):
    """Raised inside a `login_required` view; becomes a JSON error with STATUS."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def clock() -> datetime:
    """Now; tests freeze time by replacing this function."""
    return utcnow()


def engine() -> EngineContext:
    return current_app.extensions["exam_engine"]  # type: ignore[no-any-return]


def _stamp(user: StaffUser) -> str:
    # Keyed, so the cookie (readable by its holder) reveals nothing about the hash.
    key = str(current_app.secret_key).encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:16]


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


def start_session(user: StaffUser, now: datetime) -> None:
    session.clear()
    session[KEY] = {"uid": user.id, "login": _epoch(now), "seen": _epoch(now), "stamp": _stamp(user)}


def end_session() -> None:
    session.pop(KEY, None)
    g.pop("staff_login", None)


def idle_limit() -> timedelta:
    return timedelta(minutes=engine().settings.staff_session_minutes)


def expires_at(data: dict[str, Any]) -> datetime:
    """When the login in cookie DATA ends unless the user is seen again."""
    idle = idle_limit()
    seen = datetime.fromtimestamp(data["seen"], UTC)
    login = datetime.fromtimestamp(data["login"], UTC)
    return min(seen + idle, login + max(ABSOLUTE, idle))


def _cookie() -> dict[str, Any] | None:
    data = session.get(KEY)
    if not isinstance(data, dict) or not isinstance(data.get("stamp"), str):
        return None
    if not all(isinstance(data.get(k), int) for k in ("uid", "login", "seen")):
        return None
    return data


def _resolve() -> tuple[StaffUser | None, str]:
    """The logged-in user, or None and why (a key of MESSAGES); cached for the request."""
    if "staff_login" in g:
        return g.staff_login  # type: ignore[no-any-return]
    g.staff_login = result = _load()
    return result


def _load() -> tuple[StaffUser | None, str]:
    data = _cookie()
    if data is None:
        return None, "absent"
    now = clock()
    if now >= expires_at(data):
        end_session()
        return None, "expired"
    with engine().db.session() as s:
        user = s.get(StaffUser, data["uid"])
    if user is None or not user.active or not hmac.compare_digest(data["stamp"], _stamp(user)):
        end_session()
        return None, "revoked"
    if now - datetime.fromtimestamp(data["seen"], UTC) >= TOUCH:
        session[KEY] = {**data, "seen": _epoch(now)}
    return user, "ok"


def current_user() -> StaffUser | None:
    return _resolve()[0]


def staff() -> StaffUser:
    """The logged-in user, inside a `login_required` view."""
    user = current_user()
    if user is None:
        raise Refused(401, "login_required", MESSAGES["absent"])
    return user


def is_api_request() -> bool:
    return "/api/" in request.path or request.accept_mimetypes.best == "application/json"


def refuse(status: int, code: str, message: str) -> tuple[Response, int]:
    if is_api_request():
        return jsonify({"error": {"code": code, "message": message}}), status
    return Response(message + "\n", mimetype="text/plain"), status


def login_required(*roles: str) -> Callable[[F], F]:
    """Refuse with 401 when not logged in and 403 for other roles; no roles means any staff role."""
    unknown = set(roles) - set(ROLES)
    if unknown:  # a typo here would silently lock everyone out
        raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user, reason = _resolve()
            if user is None:
                return refuse(401, "login_required", MESSAGES[reason])
            if roles and user.role not in roles:
                return refuse(403, "forbidden", f"this needs the {' or '.join(roles)} role; you are a {user.role}")
            try:
                return view(*args, **kwargs)
            except Refused as refusal:
                return refuse(refusal.status, refusal.code, refusal.message)

        return wrapper  # type: ignore[return-value]

    return decorate


def session_for(db_session: Session, user: StaffUser, code: str) -> ExamSession:
    """The session CODE if USER may see it; otherwise Refused.

    A proctor gets 403 for unknown codes too, so codes cannot be probed for existence."""
    found = db_session.scalar(select(ExamSession).where(ExamSession.code == code))
    if found is not None and can_view_session(user, found):
        return found
    if found is None and user.role in SEE_ALL:
        raise Refused(404, "not_found", f"no session {code!r}")
    raise Refused(403, "forbidden", f"you are not assigned to session {code!r}")
