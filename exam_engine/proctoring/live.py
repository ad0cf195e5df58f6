"""Live console updates, coalesced: candidate events only mark their attempt as changed; a
background flush every half second sends `progress` events per session room with the changed
rows, CHUNK candidates per event with a yield between them. A room of 500 answering at once
costs a few events a second, not thousands, and never holds the node for long.

With several nodes, each pushes what it stored; connection state comes from the presence
table, so every node's console sees terminals connected anywhere."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select

from exam_engine.delivery.models import Attempt
from exam_engine.delivery.responses import MOVED
from exam_engine.delivery.runtime import Delivery, delivery
from exam_engine.proctoring import snapshot
from exam_engine.proctoring.flags import raise_flag
from exam_engine.proctoring.models import Flag
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import ExamSession

log = logging.getLogger(__name__)
NAMESPACE = "/proctor"
INTERVAL = 0.5
MAX_SHARE = 0.1  # of the node's time for live pushes, at most
SPACING = 2.0  # within a round: the pause after a slice, in slices (a third of the node, at most)
CHUNK = 5  # candidates per `progress` event; the node serves answers between two
#: What a terminal reports -> the flag kind the proctor sees.
FOCUS_KINDS = {"blur": "focus_lost", "hidden": "page_hidden", "fullscreen_exit": "fullscreen_exit"}


def proctor_room(session_id: int) -> str:
    return f"proctor:{session_id}"


@dataclass
class Live:
    changed: set[int] = field(default_factory=set)  # attempt ids since the last flush
    connected: set[tuple[int, str]] = field(default_factory=set)  # as of the last flush
    last_flag: int = 0  # newest flag already pushed (flags raised anywhere: login, moves...)
    pushed: set[int] = field(default_factory=set)  # flags pushed at once, not to push twice
    seen: set[int] = field(default_factory=set)  # attempts that connected to this node
    busy: float = 0.0  # seconds the last round held the node, its yields to other work left out
    #: Called after each round's pushes with (app, db session, session id -> changed candidate ids).
    hooks: list[Callable[[Flask, Any, dict[int, set[int]]], None]] = field(default_factory=list)


def live(app: Flask | None = None) -> Live:
    return (app or current_app).extensions.setdefault("proctor_live", Live())  # type: ignore[no-any-return]


def touch(*attempt_ids: int, app: Flask | None = None) -> None:
    """The hook: cheap enough to call after every stored candidate event."""
    live(app).changed.update(attempt_ids)


def emit(app: Flask, event: str, payload: Any, session_id: int) -> None:
    app.extensions["socketio"].emit(event, payload, to=proctor_room(session_id), namespace=NAMESPACE)


def report_focus(connection: tuple[int, str], kind: Any) -> dict[str, Any]:
    """A terminal lost focus or left fullscreen: flag it and tell the room at once."""
    if kind not in FOCUS_KINDS:
        return {"ok": False, "code": "bad_request", "message": f"kind: one of {', '.join(FOCUS_KINDS)}"}
    attempt_id, terminal = connection
    d = delivery()
    with d.engine.db.transaction() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None or attempt.terminal != terminal:  # a moved-away terminal proves nothing
            return {"ok": False, **MOVED}
        candidate = session.get(Candidate, attempt.candidate_id)
        flag = raise_flag(session, candidate, FOCUS_KINDS[kind], reported=kind, terminal=terminal)  # type: ignore[arg-type]
        session.flush()
        live().pushed.add(flag.id)  # before the commit: the flush loop must not push it again
        payload, session_id = snapshot.flag_payload(flag, candidate.number), candidate.session_id  # type: ignore[union-attr]
    emit(current_app._get_current_object(), "flag", payload, session_id)  # type: ignore[attr-defined]
    touch(attempt_id)
    return {"ok": True}


def connected(attempt_id: int, terminal: str) -> None:
    """A terminal connected: a `reconnect` flag when the attempt had connected before (to this
    node, or a disconnect was recorded by any node). Never fails the connect."""
    state = live()
    before = attempt_id in state.seen
    state.seen.add(attempt_id)
    try:
        with delivery().engine.db.transaction() as session:
            attempt = session.get(Attempt, attempt_id)
            if attempt is None:
                return
            if not before and session.scalar(select(Flag.id).where(
                    Flag.candidate_id == attempt.candidate_id, Flag.kind == "disconnect").limit(1)) is None:
                return
            raise_flag(session, session.get(Candidate, attempt.candidate_id), "reconnect",  # type: ignore[arg-type]
                       terminal=terminal, status=attempt.status)
    except Exception:
        log.exception("reconnect flag for attempt %s failed", attempt_id)
    touch(attempt_id)


def disconnected(connection: tuple[int, str], reason: Any = None) -> None:
    """A terminal's connection closed: a `disconnect` flag unless the attempt has finished or
    moved to another workstation (both expected)."""
    attempt_id, terminal = connection
    try:
        with delivery().engine.db.transaction() as session:
            attempt = session.get(Attempt, attempt_id)
            if attempt is None or attempt.status == "finished" or attempt.terminal != terminal:
                return
            raise_flag(session, session.get(Candidate, attempt.candidate_id), "disconnect",  # type: ignore[arg-type]
                       terminal=terminal, status=attempt.status, reason=None if reason is None else str(reason))
    except Exception:
        log.exception("disconnect flag for attempt %s failed", attempt_id)
    touch(attempt_id)


def flush(app: Flask) -> int:
    """One round: returns the number of `progress` events sent; `busy` says how long it held the node."""
    d = delivery(app)
    state, watch = live(app), _Stopwatch(d.writer.give_way)
    try:
        return _round(app, state, d, watch.pause)
    finally:
        state.busy = watch.busy()


class _Stopwatch:
    """A round's own time: wall time less its pauses. A pause lasts SPACING times the slice
    before it, then until the writer is quiet: while a large round runs, an answer on its way
    (a few turns of the loop, a commit) meets at most one slice instead of a train of them."""

    def __init__(self, give_way: Callable[[], None]) -> None:
        self.give_way, self.began, self.paused = give_way, time.monotonic(), 0.0
        self.slice_began = self.began

    def pause(self) -> None:
        began = time.monotonic()
        time.sleep((began - self.slice_began) * SPACING)  # gevent's, on a served node
        self.give_way()  # the sockets polled, and the answers read meanwhile stored, before the next slice
        self.slice_began = time.monotonic()
        self.paused += self.slice_began - began

    def busy(self) -> float:
        return time.monotonic() - self.began - self.paused


def _round(app: Flask, state: Live, d: Delivery, pause: Callable[[], None]) -> int:
    sent = 0
    with d.engine.db.session() as session:
        # Connects and disconnects on any node, and a dead node's terminals going dark.
        connected = snapshot.connected_attempts(session, d.now())
        changed = state.changed | {a for a, _ in connected ^ state.connected}
        state.changed, state.connected = set(), connected
        _push_new_flags(app, session, state, changed)
        if not changed:
            return 0
        by_session: dict[int, set[int]] = {}
        for session_id, candidate_id in session.execute(
                select(Attempt.session_id, Attempt.candidate_id).where(Attempt.id.in_(list(changed)))):
            by_session.setdefault(session_id, set()).add(candidate_id)
        now = d.now()
        for session_id, candidate_ids in by_session.items():
            exam_session = session.get(ExamSession, session_id)
            ordered = sorted(candidate_ids)
            # In slices with a yield between them: a round of a thousand changed candidates
            # must not hold every acknowledgement of the node until it is done.
            for chunk in (ordered[i:i + CHUNK] for i in range(0, len(ordered), CHUNK)):
                rows = snapshot.rows(session, d, exam_session, now, only=chunk,  # type: ignore[arg-type]
                                     connected=connected)
                emit(app, "progress", {"session": exam_session.code,  # type: ignore[union-attr]
                                       "server_time": snapshot.millis(now), "candidates": rows}, session_id)
                _push_own_scores(app, session, rows, set(chunk))
                sent += 1
                for hook in state.hooks:  # e.g. the venue scoreboard; one failing must not stop the console
                    try:
                        hook(app, session, {session_id: set(chunk)})
                    except Exception:
                        log.exception("live hook %r failed", hook)
                pause()
    return sent


def _push_own_scores(app: Flask, session: Any, rows: list[dict[str, Any]], candidate_ids: set[int]) -> None:
    """Each sitting candidate's own running total, from the rows the console just got (None
    there when the exam does not show scores); the final one comes with `ended`."""
    from exam_engine.delivery.socket import NAMESPACE as CANDIDATES  # the namespace imports this module
    from exam_engine.delivery.socket import attempt_room

    totals = {r["number"]: r["score"] for r in rows if r["score"] is not None and r["status"] in ("active", "paused")}
    if not totals:
        return
    socketio = app.extensions["socketio"]
    for number, attempt_id, terminal in session.execute(
            select(Candidate.number, Attempt.id, Attempt.terminal).join(Attempt, Attempt.candidate_id == Candidate.id)
            .where(Candidate.id.in_(list(candidate_ids)))):
        if number in totals:
            socketio.emit("score", {"total": totals[number]}, to=attempt_room(attempt_id, terminal),
                          namespace=CANDIDATES)


def _push_new_flags(app: Flask, session: Any, state: Live, changed: set[int]) -> None:
    """Flags raised outside this namespace (second login, terminal or IP change, moves)."""
    for flag, number, attempt_id in session.execute(
            select(Flag, Candidate.number, Attempt.id).join(Candidate, Candidate.id == Flag.candidate_id)
            .outerjoin(Attempt, Attempt.candidate_id == Flag.candidate_id)
            .where(Flag.id > state.last_flag).order_by(Flag.id)):
        state.last_flag = flag.id
        if attempt_id is not None:
            changed.add(attempt_id)
        if flag.id in state.pushed:
            state.pushed.discard(flag.id)
            continue
        emit(app, "flag", snapshot.flag_payload(flag, number), flag.session_id)


def start(app: Flask) -> None:
    """Called once per node, from the delivery ticker's start."""
    from exam_engine.proctoring import live_copying  # imports numpy: only where the live loop runs

    state, d = live(app), delivery(app)
    state.hooks.append(live_copying.note)  # copying suspicion, at most every 30 s per session
    with d.engine.db.session() as session:
        state.last_flag = session.scalar(select(func.max(Flag.id))) or 0  # old flags are in the snapshot

    # Under load (a whole room answering) a round costs more; spacing the rounds keeps the
    # consoles at most MAX_SHARE of the node's time, so answers are never starved.
    socketio = app.extensions["socketio"]
    socketio.start_background_task(forever, app, flush, lambda: max(INTERVAL, state.busy * (1 / MAX_SHARE - 1)),
                                   "proctor live flush")
    socketio.start_background_task(forever, app, live_copying.scan_due,
                                   lambda: min(1.0, live_copying.interval(live_copying.settings_of(app))),
                                   "copying scan")


def forever(app: Flask, step: Callable[[Flask], Any], pause: Callable[[], float], what: str) -> None:
    """A node's background loop: STEP in an app context, then sleep PAUSE() seconds. A failing
    step is logged and the loop goes on: one bad round must not end live updates for the day."""
    socketio = app.extensions["socketio"]
    while True:
        try:
            with app.app_context():
                step(app)
        except Exception:
            log.exception("%s failed", what)
        socketio.sleep(pause())

