"""Answer-copying suspicion during the session: the live flush tells `note` (a live hook) which
sessions changed, and the node's scan loop (`live.forever` over `scan_due`) analyses each
started one off the hub, at most every INTERVAL seconds (longer for a room so big that its
scan would take more than SHARE of the time); the first scan comes an interval after the
session's first change. The analysis runs in a niced child process (`offload.in_child`). Each
new pair above the threshold gets one `copying_suspected` flag per candidate, naming the other.
The flags go out through the flush's flag poll like every other flag. `suspect_pairs` is also
the after-session report (`exam-engine proctor copying`).

Settings (exam_engine/config.py): copying_threshold (EXAM_ENGINE_COPYING_THRESHOLD, z, default
copying.DEFAULT_THRESHOLD), copying_interval (EXAM_ENGINE_COPYING_INTERVAL, seconds, default 30)
and copying_min_shared (EXAM_ENGINE_COPYING_MIN_SHARED, items two forms must share, default 20).
The scan reads them from its app's engine settings; a caller may pass a Settings explicitly."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask import Flask, current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.config import Settings, load_settings
from exam_engine.delivery.models import Attempt, Response
from exam_engine.delivery.runtime import delivery
from exam_engine.offload import in_child
from exam_engine.proctoring.copying import BLANK, SuspectPair, detect_copying
from exam_engine.proctoring.flags import raise_flag
from exam_engine.proctoring.models import Flag
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.models import ExamSession
from question_bank.forms import Form

log = logging.getLogger(__name__)
KIND = "copying_suspected"
SLICE = 5000  # response rows read between two yields
FORM_SLICE = 25  # forms decoded between two yields
SHARE = 0.02  # of the time, at most, for one session's scans
#: Seconds a scan's analysis may take in its child process before it is killed (2,000
#: candidates take seconds; a scan is retried when the session next changes).
ANALYSIS_TIMEOUT = 600.0


def settings_of(app: Flask | None = None) -> Settings:
    """APP's engine settings (the current app's when None). Outside any app context (the CLI
    report, the scan loop's pause between two rounds) there is no app to ask: the settings are
    then loaded from the environment, as the CLI and the app factory load them."""
    if app is None:
        if not has_app_context():
            return load_settings()
        app = current_app
    return app.extensions["exam_engine"].settings  # type: ignore[no-any-return]


def threshold(settings: Settings | None = None) -> float:
    return (settings or settings_of()).copying_threshold


def interval(settings: Settings | None = None) -> float:
    return (settings or settings_of()).copying_interval


def min_shared(settings: Settings | None = None) -> int:
    return (settings or settings_of()).copying_min_shared


@dataclass(frozen=True)
class Matrix:
    """The started attempts of one session x the distinct items on their forms."""

    candidate_ids: list[int]
    numbers: list[str]
    responses: np.ndarray  # bank option index, -1 blank or not on the form
    correct: np.ndarray    # key index per item, -1 for unkeyed (weighted) items
    present: np.ndarray


def session_matrix(session: Session, keys: Callable[[int], tuple[int, Any]], session_id: int,
                   pause: Callable[[], None] = lambda: None) -> Matrix:
    """PAUSE runs between slices of the response rows (a room of 2,000 has ~200,000): the live
    scan passes a cooperative yield, so reading the room never holds the node for long."""
    found = session.execute(select(Attempt.id, Attempt.form_id, Candidate.id, Candidate.number)
                            .join(Candidate, Candidate.id == Attempt.candidate_id)
                            .where(Attempt.session_id == session_id, Attempt.status != "waiting")
                            .order_by(Candidate.number)).all()
    # Bank items only: generated cells (a Kraepelin sheet) have no item, and no one's to copy.
    # Forms are read FORM_SLICE at a time: decoding 2,000 of them at once held the node ~0.1 s.
    forms: dict[int, list[dict[str, Any] | None]] = {}
    form_ids = sorted({r[1] for r in found})
    for start in range(0, len(form_ids), FORM_SLICE):
        for fid, items in session.execute(select(Form.id, Form.items)
                                          .where(Form.id.in_(form_ids[start:start + FORM_SLICE]))):
            forms[fid] = [e if e.get("item") is not None else None for e in items]
        pause()
    columns: dict[int, int] = {}
    for row in found:
        for entry in forms[row[1]]:
            if entry is not None:
                columns.setdefault(entry["item"], len(columns))
    # per form: handle -> matrix column (-1 for generated cells)
    column_of = {fid: np.array([-1 if e is None else columns[e["item"]] for e in items] or [-1], dtype=np.int64)
                 for fid, items in forms.items()}
    responses = np.full((len(found), len(columns)), BLANK, dtype=np.int8)
    present = np.zeros(responses.shape, dtype=bool)
    row_of: dict[int, tuple[int, np.ndarray]] = {}
    for i, (attempt_id, form_id, _, _) in enumerate(found):
        row_of[attempt_id] = (i, column_of[form_id])
        cols = column_of[form_id]
        present[i, cols[cols >= 0]] = True
    pause()
    rows = session.execute(select(Response.attempt_id, Response.handle, Response.option)
                           .where(Response.attempt_id.in_(list(row_of)), Response.option.is_not(None))
                           .execution_options(yield_per=SLICE))
    for part in rows.partitions():
        for attempt_id, handle, option in part:
            i, cols = row_of[attempt_id]
            if 0 <= handle < len(cols) and cols[handle] >= 0:
                responses[i, cols[handle]] = ord(option) - ord("A")
        pause()
    correct = np.array([keys(pk)[0] for pk in columns], dtype=np.int64)
    return Matrix([r[2] for r in found], [r[3] for r in found], responses, correct, present)


def find_pairs(m: Matrix, z: float | None = None, settings: Settings | None = None,
               run: Callable[..., list[SuspectPair]] | None = None) -> list[SuspectPair]:
    """The pairs above Z (default: the settings' threshold). The analysis, `detect_copying` on
    the matrix's arrays (pure numpy, all of them picklable), is called through RUN when given:
    the live scan runs it in a child process (`offload.in_child`)."""
    if len(m.numbers) < 2 or m.responses.shape[1] == 0:
        return []
    settings = settings or settings_of()
    return (run or _call)(detect_copying, m.responses, m.correct, m.present,
                          threshold=threshold(settings) if z is None else z, min_shared=min_shared(settings))


def _call(fn: Callable[..., list[SuspectPair]], /, *args: Any, **kwargs: Any) -> list[SuspectPair]:
    return fn(*args, **kwargs)


def _in_child(fn: Callable[..., list[SuspectPair]], /, *args: Any, **kwargs: Any) -> list[SuspectPair]:
    return in_child(fn, *args, timeout=ANALYSIS_TIMEOUT, **kwargs)


def suspect_pairs(session: Session, keys: Callable[[int], tuple[int, Any]], session_id: int,
                  z: float | None = None, settings: Settings | None = None) -> tuple[Matrix, list[SuspectPair]]:
    m = session_matrix(session, keys, session_id)
    return m, find_pairs(m, z, settings)


def evidence(m: Matrix, pair: SuspectPair, other: int) -> dict[str, Any]:
    return {"other": m.numbers[other], "z": round(pair.z, 2), "identical_wrong": pair.identical_wrong,
            "expected_wrong": round(pair.expected_wrong, 2), "identical": pair.identical, "shared": pair.shared}


def flag_new_pairs(session: Session, session_id: int, m: Matrix, pairs: list[SuspectPair]) -> int:
    """Raise flags for pairs not flagged before (in this session, by any node); returns how many pairs."""
    known = {(f.candidate_id, f.evidence.get("other"))
             for f in session.scalars(select(Flag).where(Flag.session_id == session_id, Flag.kind == KIND))}
    new = 0
    for pair in pairs:
        if (m.candidate_ids[pair.first], m.numbers[pair.second]) in known:
            continue
        new += 1
        for me, other in ((pair.first, pair.second), (pair.second, pair.first)):
            candidate = session.get(Candidate, m.candidate_ids[me])
            raise_flag(session, candidate, KIND, **evidence(m, pair, other))  # type: ignore[arg-type]
    return new


@dataclass
class Scans:
    """This node's copying scans: sessions with answers since their last scan, and when each was last scanned."""

    pending: set[int] = field(default_factory=set)
    #: session id -> monotonic time of its last scan (or of its first change: a room with a
    #: handful of answers has no evidence to give yet)
    last: dict[int, float] = field(default_factory=dict)
    cost: dict[int, float] = field(default_factory=dict)  # session id -> seconds its last scan took

    def due(self, session_id: int, now: float, every: float) -> bool:
        """Whether SESSION_ID's last scan is EVERY seconds old (the interval setting), or more
        for a big room: its scans (seconds of CPU at 2,000) take at most SHARE of the time."""
        return now - self.last[session_id] >= max(every, self.cost.get(session_id, 0.0) / SHARE)


def scans(app: Flask) -> Scans:
    return app.extensions.setdefault("copying_scans", Scans())  # type: ignore[no-any-return]


def note(app: Flask, session: Session, by_session: dict[int, set[int]]) -> None:
    """The live hook: remember which sessions changed; `scan_due` analyses them in its own time."""
    state, now = scans(app), time.monotonic()
    for session_id in by_session:
        state.last.setdefault(session_id, now)
    state.pending.update(by_session)


def scan_due(app: Flask) -> int:
    """Analyse each pending started session whose last scan is older than the interval; returns how many."""
    state, d, now = scans(app), delivery(app), time.monotonic()
    settings = settings_of(app)
    done = 0
    for session_id in sorted(state.pending):
        if not state.due(session_id, now, interval(settings)):
            continue
        state.pending.discard(session_id)
        state.last[session_id] = began = time.monotonic()
        with d.engine.db.session() as session:
            exam_session = session.get(ExamSession, session_id)
            if exam_session is None or exam_session.started_at is None:
                continue
            # The room is read in slices with yields between them, on the hub (the database
            # session is the hub's); answers keep being acknowledged meanwhile.
            m = session_matrix(session, d.keys, session_id, pause=d.writer.give_way)
        # The analysis (seconds of numpy for 2,000) runs in a niced child process, waited for
        # cooperatively: in a native thread it still took the GIL from the hub for much of that
        # time (numpy holds it in parts, the Python around it always), and its CPU competed on
        # equal terms with the node's. A failed scan still counts its time towards SHARE.
        try:
            pairs = find_pairs(m, settings=settings, run=_in_child)
            if pairs:
                with d.engine.db.transaction() as tx:
                    flag_new_pairs(tx, session_id, m, pairs)
        finally:
            state.cost[session_id] = time.monotonic() - began
        done += 1
    return done
