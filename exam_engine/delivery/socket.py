"""The /candidate Socket.IO namespace: thin handlers over the delivery services.

Every answer is acknowledged only after its transaction has committed."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from flask_socketio import ConnectionRefusedError, Namespace, join_room
from sqlalchemy.orm import Session

from exam_engine.delivery import attempts, clock, presence, responses
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.runtime import ANSWERS, Delivery, delivery
from exam_engine.delivery.tokens import TokenError
from exam_engine.proctoring import live

log = logging.getLogger(__name__)
NAMESPACE = "/candidate"
#: What a write returns to its handler: the ack, and an event to push once committed.
Outcome = tuple[dict[str, Any], "tuple[str, dict[str, Any]] | None"]


def attempt_room(attempt_id: int, terminal: str | None) -> str:
    """Pushes go to the attempt's current workstation only: after a proctor-approved move
    the old terminal, still connected, must receive neither the key nor the result."""
    return f"attempt:{attempt_id}:{terminal}"


def close_part(d: Delivery, session: Session, attempt: Attempt, reason: str, now: Any) -> tuple[str, dict[str, Any]]:
    """End the current timed part; returns the event to push once committed: `ended`, or
    `state` with the next part's clock."""
    if attempts.end_part(session, d.engine.vault, d.keys, attempt, reason, now):
        return "ended", {"reason": reason, "result": attempts.visible_result(session, attempt)}
    return "state", attempts.state(session, d.engine.vault, attempt, now)


#: The answer path's events. They are dispatched without Flask's request context: building
#: one per event (environ, URL adapter, session) cost more than storing the answer. Their
#: handlers take the sid as an argument and use no Flask globals.
FAST_EVENTS = ("answer", "mark", "clear", "navigate")


class CandidateNamespace(Namespace):
    def __init__(self, namespace: str, app: Flask) -> None:
        super().__init__(namespace)
        self.app = app

    def trigger_event(self, event: str, *args: Any) -> Any:
        if event in FAST_EVENTS:
            if not 1 <= len(args) <= 2:  # (sid, data): anything else is a client's mistake
                log.warning("candidate event %r with %d arguments", event, len(args) - 1)
                return {"ok": False, "code": "bad_request", "message": "wrong arguments"}
            sid, data = args[0], args[1] if len(args) == 2 else None
            if event == "navigate":
                return self._navigate(sid, data)
            return self._event(sid, event, data)
        if event not in ("connect", "disconnect") and not hasattr(self, f"on_{event}"):
            # The dispatcher would drop it silently; the terminal deserves an answer.
            # Outside Flask's request context here: the sid is the first argument.
            sid = args[0] if args else None
            log.warning("unknown candidate event %r from %s", event, sid)
            self.emit("error", {"code": "unknown_event", "message": f"unknown event {event!r}"}, room=sid)
            return {"ok": False, "code": "unknown_event", "message": f"unknown event {event!r}"}
        try:
            return super().trigger_event(event, *args)
        except TypeError:
            # Wrong number of arguments from a client: answer, never crash the handler. Logged
            # with the traceback, since a TypeError of our own would land here too.
            log.exception("candidate event %r with unexpected arguments", event)
            return {"ok": False, "code": "bad_request", "message": "wrong arguments"}

    def on_connect(self, auth: Any = None) -> None:
        d = delivery()
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            claims = d.tokens.verify(token)
        except TokenError as exc:
            raise ConnectionRefusedError(exc.message, {"code": exc.code, "message": exc.message}) from None
        with d.engine.db.session() as session:
            attempt = session.get(Attempt, claims.attempt_id)
            if attempt is None or attempt.terminal != claims.terminal:
                message = "this attempt belongs to another workstation"
                raise ConnectionRefusedError(message, {"code": "terminal_conflict", "message": message})
            state = attempts.state(session, d.engine.vault, attempt, d.now())
            d.shapes.get(session, attempt.form_id)  # read now, not in the group writer at the first answer
        sid = request.sid
        d.writer.run(lambda s: presence.arrived(s, d.node, sid, claims.attempt_id, claims.terminal, d.now()))
        d.connections[sid] = (claims.attempt_id, claims.terminal)
        live.connected(claims.attempt_id, claims.terminal)
        join_room(attempt_room(claims.attempt_id, claims.terminal))
        self.emit("state", state, room=request.sid)

    def on_disconnect(self, reason: Any = None) -> None:
        d = delivery()
        connection = d.connections.pop(request.sid, None)
        if connection is not None:
            sid = request.sid
            d.writer.run(lambda s: presence.left(s, d.node, sid))
            live.disconnected(connection, reason)

    def _with_attempt(self, sid: str, work: Callable[[Delivery, Session, Attempt], Outcome], seq: Any = None,
                      event: responses.Event | None = None) -> dict[str, Any]:
        """Run `work` for the attempt of connection SID through the group writer: the commit
        happens before the ack is returned, and the push (if any) after it. An EVENT goes
        through the writer's set-wise path with its neighbours; `work` is its fallback.
        Uses no Flask globals (see FAST_EVENTS)."""
        d = delivery(self.app)
        connection = d.connections.get(sid)
        if connection is None:
            return {"ok": False, "seq": seq, "code": "not_logged_in", "message": "connect with a token first"}

        def job(session: Session) -> Outcome:
            attempt = session.get(Attempt, connection[0], with_for_update=True)
            if attempt is None or attempt.terminal != connection[1]:
                # Answered, not disconnected: the old terminal must learn why.
                return {"ok": False, "seq": seq, **responses.MOVED}, None
            now = d.now()
            if attempt.status == "active" and clock.expired(attempt, now):
                # The ticker may not have run yet: the deadline is enforced here too.
                push = close_part(d, session, attempt, "time", now)
                return {"ok": False, "seq": seq, "code": "finished" if push[0] == "ended" else "section_closed",
                        "message": "time is up for this part of the exam"}, push
            return work(d, session, attempt)

        item = None if event is None else responses.Submission(connection[0], connection[1], event)
        try:
            result, push = d.writer.run(job, bulk=None if event is None else ANSWERS, item=item)
        except responses.Refused as refusal:
            return {"ok": False, "seq": seq, "code": refusal.code, "message": refusal.message}
        except Exception:
            # Storage failed (disk full, database unreachable): nothing was stored, so nothing is
            # acknowledged; the terminal keeps the event and sends it again.
            log.exception("candidate event for attempt %s not stored", connection[0])
            return {"ok": False, "seq": seq, "code": "unavailable", "retry": True,
                    "message": "the server could not store this event; it will be sent again"}
        live.touch(connection[0], app=self.app)  # committed: the proctor room sees it in the next flush
        if push:
            self.emit(push[0], push[1], room=attempt_room(*connection))
        return result

    def _event(self, sid: str, kind: str, data: Any) -> dict[str, Any]:
        seq = data.get("seq") if isinstance(data, dict) else None
        try:
            event = responses.parse(kind, data)
        except responses.Refused as refusal:
            return {"ok": False, "seq": seq, "code": refusal.code, "message": refusal.message}

        def work(d: Delivery, session: Session, attempt: Attempt) -> Outcome:
            now = d.now()
            stored = responses.record(session, attempt, event, now, d.shapes)
            if stored and kind == "answer":
                d.bursts.stored(session, attempt, now)
            return {"ok": True, "seq": event.seq, **({} if stored else {"duplicate": True})}, None

        return self._with_attempt(sid, work, seq, event)

    def _navigate(self, sid: str, data: Any) -> dict[str, Any]:
        handle = data.get("h") if isinstance(data, dict) else None
        if isinstance(handle, bool) or not isinstance(handle, int) or handle < 0:
            return {"ok": False, "code": "bad_handle", "message": "h: expected a handle"}

        def work(d: Delivery, session: Session, attempt: Attempt) -> Outcome:
            return responses.navigate(session, attempt, handle, d.shapes), None

        return self._with_attempt(sid, work, event=responses.navigation(handle))

    def on_finish(self, data: Any = None) -> dict[str, Any]:
        """Finish the current timed part: the next part opens, or the attempt ends."""
        seq = data.get("seq") if isinstance(data, dict) else None
        if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= responses.MAX_SEQ:
            return {"ok": False, "seq": seq, "code": "bad_request", "message": f"seq: an integer 1..{responses.MAX_SEQ}"}

        def work(d: Delivery, session: Session, attempt: Attempt) -> Outcome:
            if attempt.status == "finished":
                return {"ok": True, "seq": seq}, ("ended", {"reason": attempt.finish_reason,
                                                             "result": attempts.visible_result(session, attempt)})
            if seq <= attempt.last_seq:  # a resent finish of a part that already closed
                return {"ok": True, "seq": seq, "duplicate": True}, None
            if seq > attempt.last_seq + responses.MAX_SEQ_GAP:
                raise responses.Refused("bad_seq", f"seq {seq} is too far ahead of {attempt.last_seq}")
            responses.check_open(attempt, d.now())
            if attempts.time_group(session, attempt)[0].column is not None:
                raise responses.Refused("section_timed", "a Kraepelin column ends when the server moves on")
            attempt.last_seq = seq
            return {"ok": True, "seq": seq}, close_part(d, session, attempt, "finished", d.now())

        return self._with_attempt(request.sid, work, seq)

    def on_focus(self, data: Any = None) -> dict[str, Any]:
        """The page lost focus or left fullscreen: a flag for the proctor, raised at once."""
        connection = delivery().connections.get(request.sid)
        if connection is None:
            return {"ok": False, "code": "not_logged_in", "message": "connect with a token first"}
        return live.report_focus(connection, data.get("kind") if isinstance(data, dict) else None)

    def on_sync(self, data: Any = None) -> dict[str, Any]:
        d = delivery()
        connection = d.connections.get(request.sid)
        if connection is None:
            return {"ok": False, "code": "not_logged_in", "message": "connect with a token first"}
        with d.engine.db.session() as session:
            attempt = session.get(Attempt, connection[0])
            if attempt is None or attempt.terminal != connection[1]:
                return {"ok": False, **responses.MOVED}
            return attempts.state(session, d.engine.vault, attempt, d.now())
