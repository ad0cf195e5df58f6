"""The delivery heartbeat, once a second on every node: record that the node is alive,
release keys of sessions that started, and close attempts whose time is up."""
from __future__ import annotations

import base64
import logging
import time
from datetime import datetime
from typing import Any

from flask import Flask
from flask_socketio import SocketIO
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.delivery import attempts, clock, presence
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.runtime import Delivery, delivery
from exam_engine.delivery.sittings import scheduled_start, start_session
from exam_engine.delivery.socket import NAMESPACE, attempt_room, close_part
from exam_engine.proctoring import live
from exam_engine.scheduling.models import ExamSession

log = logging.getLogger(__name__)
INTERVAL = 1.0
KEY_INTERVAL = 0.2  # how soon a started session's keys go out: one cheap query per round


class Ticker:
    def __init__(self, app: Flask, socketio: SocketIO) -> None:
        self.app, self.socketio = app, socketio
        self.node = delivery(app).node
        self.released: dict[int, Any] = {}  # session id -> started_at already broadcast
        self.running = False

    def recover(self) -> float:
        """Before serving: credit the outage since the last heartbeat of any node."""
        d = delivery(self.app)
        with d.engine.db.transaction() as session:
            gap = clock.credit_outage(session, d.now())
            clock.beat(session, self.node, d.now())
            presence.sweep(session, d.now())
        if gap:
            log.warning("server was down for %.1f s; credited to running attempts", gap)
        return gap

    def tick(self) -> None:
        d = delivery(self.app)
        with d.engine.db.transaction() as session:
            clock.beat(session, self.node, d.now())
            self._auto_start(session, d.now())
        self._release_keys(d)
        self._close_expired(d)

    @staticmethod
    def _auto_start(session: Session, now: datetime) -> None:
        for exam_session in session.scalars(select(ExamSession).where(ExamSession.status == "open",
                                                                       ExamSession.auto_start.is_(True))):
            if scheduled_start(exam_session) <= now:
                start_session(session, exam_session, now)

    def _release_keys(self, d: Delivery) -> None:
        with d.engine.db.session() as session:
            started = session.scalars(select(ExamSession).where(ExamSession.status == "started")).all()
            fresh = [s for s in started if self.released.get(s.id) != s.started_at]
            messages = []
            for exam_session in fresh:
                now = d.now()
                for attempt in session.scalars(select(Attempt).where(Attempt.session_id == exam_session.id,
                                                                     Attempt.status != "waiting")):
                    key = base64.b64encode(attempts.package_key(d.engine.vault, attempt)).decode()
                    # The clock rides with the key: one emit per terminal, and no `sync` herd after it.
                    messages.append((attempt_room(attempt.id, attempt.terminal),
                                     {"key": key, "time": clock.time_payload(attempt, now)}))
                self.released[exam_session.id] = exam_session.started_at
        for room, message in messages:
            self.socketio.emit("key", message, to=room, namespace=NAMESPACE)

    def _close_expired(self, d: Delivery) -> None:
        pushes = []
        closed: list[int] = []
        with d.engine.db.transaction() as session:
            now = d.now()
            # SKIP LOCKED: on PostgreSQL another node may be closing the same attempts now.
            for attempt in session.scalars(select(Attempt).where(Attempt.status == "active", Attempt.deadline_at <= now)
                                           .with_for_update(skip_locked=True)):
                pushes.append((attempt_room(attempt.id, attempt.terminal), close_part(d, session, attempt, "time", now)))
                closed.append(attempt.id)
        for room, (event, payload) in pushes:  # after the commit: stored before shown
            self.socketio.emit(event, payload, to=room, namespace=NAMESPACE)
        for attempt_id in closed:  # the proctor console and the scoreboard see it too
            live.touch(attempt_id)

    def run(self) -> None:
        self.running = True
        next_tick = 0.0
        while self.running:
            try:
                if time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + INTERVAL
                    self.tick()
                else:  # a start made elsewhere (CLI, another node) reaches the room sooner
                    self._release_keys(delivery(self.app))
            except Exception:  # one bad tick must not stop the clock of every attempt
                log.exception("delivery tick failed")
            self.socketio.sleep(KEY_INTERVAL)


def start_ticker(app: Flask) -> Ticker:
    """Recover synchronously (before any answer is judged against a deadline), then tick."""
    socketio = app.extensions["socketio"]
    ticker = Ticker(app, socketio)
    ticker.recover()
    socketio.start_background_task(ticker.run)
    live.start(app)  # the proctor console's coalesced progress pushes
    return ticker
