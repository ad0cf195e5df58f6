"""The /proctor Socket.IO namespace: staff log in over HTTP; the handshake carries the same
signed session cookie, so the login, its expiry and the room checks are those of the API.

The app runs Flask-SocketIO with manage_session=False: each handler sees the cookie of the
handshake through flask.session, and the user is re-read from the database per event, so a
disabled account or a removed assignment takes effect without reconnecting."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, Namespace, join_room, leave_room
from sqlalchemy import select

from exam_engine.accounts import auth
from exam_engine.delivery.runtime import delivery
from exam_engine.proctoring import snapshot
from exam_engine.proctoring.live import NAMESPACE, proctor_room
from exam_engine.scheduling.models import ExamSession

__all__ = ["NAMESPACE", "ProctorNamespace"]


#: One message for absent, expired and revoked logins: the remedy is the same.
LOGIN = "log in first (logins expire)"


def refusal(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


class ProctorNamespace(Namespace):
    def on_connect(self, auth_data: Any = None) -> None:
        if auth.current_user() is None:
            raise ConnectionRefusedError(LOGIN, {"code": "login_required", "message": LOGIN})

    def on_join(self, data: Any = None) -> dict[str, Any]:
        """Join a session's room; the ack is the full snapshot, later changes come as `progress`."""
        code = data.get("session") if isinstance(data, dict) else None
        if not isinstance(code, str) or not code:
            return refusal("bad_request", "session: expected a session code")
        user = auth.current_user()
        if user is None:
            return refusal("login_required", LOGIN)
        d = delivery()
        with d.engine.db.session() as session:
            try:
                exam_session = auth.session_for(session, user, code)
            except auth.Refused as refused:
                return refusal(refused.code, refused.message)
            now = d.now()
            rows = snapshot.rows(session, d, exam_session, now)
            room = proctor_room(exam_session.id)
        join_room(room)
        return {"ok": True, "session": code, "server_time": snapshot.millis(now), "candidates": rows}

    def on_leave(self, data: Any = None) -> dict[str, Any]:
        code = data.get("session") if isinstance(data, dict) else None
        d = delivery()
        with d.engine.db.session() as session:
            session_id = session.scalar(select(ExamSession.id).where(ExamSession.code == code))
        if session_id is not None:
            leave_room(proctor_room(session_id), sid=request.sid)
        return {"ok": True}
