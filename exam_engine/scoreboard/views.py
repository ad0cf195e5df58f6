"""The scoreboard blueprint (page, JSON rows, visibility switch) and its /scoreboard namespace.

Anyone may watch a board the committee opened (ExamSession.scoreboard_public); otherwise only
staff who can view the session. Every refusal is the same 404, so a closed board and an
unknown code look alike. Live updates ride on the proctor console's flush loop (a hook in
proctoring.live): each round, the changed candidates' rows are re-scored and the rows that
differ from the last push are sent as `scores`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from flask_socketio import Namespace, join_room
from sqlalchemy.orm import Session

from exam_engine import audit
from exam_engine.accounts import auth
from exam_engine.delivery.runtime import delivery
from exam_engine.i18n import catalogue, other, pick_language
from exam_engine.proctoring import live
from exam_engine.scheduling.models import ExamSession
from exam_engine.scoreboard import board

NAMESPACE = "/scoreboard"

bp = Blueprint("scoreboard", __name__, url_prefix="/scoreboard", template_folder="templates",
               static_folder="static", static_url_path="/static")


def room(session_id: int, public: bool) -> str:
    """Staff viewers and anonymous viewers wait in separate rooms: closing a board drops only the latter."""
    return f"scoreboard:{session_id}:{'public' if public else 'staff'}"


def not_found() -> tuple[Response, int]:
    return auth.refuse(404, "not_found", board.NOT_FOUND)


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def score_text(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


@bp.get("/<code>")
def page(code: str) -> Any:
    d = delivery()
    with d.engine.db.session() as s:
        found = board.find(s, code, auth.current_user())
        if found is None:
            return not_found()
        head, rows = board.header(found[0]), board.rows(s, d, found[0])
    lang = pick_language(request)
    messages = {k: v for k, v in catalogue(lang).items() if k.startswith("scoreboard.")}
    response = Response(render_template("scoreboard/board.html", lang=lang, other_lang=other(lang), messages=messages,
                                        head=head, rows=rows, score_text=score_text))
    response.set_cookie("lang", lang, samesite="Strict")
    return response


@bp.get("/api/<code>")
def api_rows(code: str) -> Any:
    d = delivery()
    with d.engine.db.session() as s:
        found = board.find(s, code, auth.current_user())
        if found is None:
            return not_found()
        return jsonify({**board.header(found[0]), "rows": board.rows(s, d, found[0])})


@bp.post("/api/<code>/visibility")
@auth.login_required("committee", "admin")
def api_visibility(code: str) -> Any:
    # A JSON body is required: with the Lax cookie this also keeps cross-site forms out.
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("public"), bool):
        raise auth.Refused(400, "bad_request", "expected JSON with public: true or false")
    user, d, public = auth.staff(), delivery(), data["public"]
    with d.engine.db.transaction() as s:
        exam_session = auth.session_for(s, user, code)
        changed = exam_session.scoreboard_public != public
        exam_session.scoreboard_public = public
        if changed:
            audit.append(s, d.engine.vault, "scoreboard_visibility", f"staff:{user.username}", f"session:{code}",
                         public=public)
        session_id = exam_session.id
    if not public:  # anonymous viewers lose the board at once; staff viewers keep theirs
        socketio = current_app.extensions["socketio"]
        socketio.emit("closed", {"session": code}, to=room(session_id, True), namespace=NAMESPACE)
        socketio.close_room(room(session_id, True), namespace=NAMESPACE)
    return jsonify({"ok": True, "session": code, "public": public})


class ScoreboardNamespace(Namespace):
    """No login to connect: what a viewer may see is decided per `join`."""

    def on_join(self, data: Any = None) -> dict[str, Any]:
        code = data.get("session") if isinstance(data, dict) else None
        d = delivery()
        with d.engine.db.session() as s:
            found = board.find(s, code, auth.current_user())
            if found is None:
                return {"ok": False, "error": {"code": "not_found", "message": board.NOT_FOUND}}
            exam_session, staff = found
            reply = {"ok": True, **board.header(exam_session), "rows": board.rows(s, d, exam_session)}
            target = room(exam_session.id, not staff)
        join_room(target)
        return reply


@dataclass
class Pushed:
    """Per node: the rows last pushed for each session, so only changed rows go out."""

    rows: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)


def push(app: Flask, session: Session, by_session: dict[int, set[int]]) -> None:
    """The live hook: one `scores` event per session with rows that changed since the last push."""
    state: Pushed = app.extensions.setdefault("scoreboard_pushed", Pushed())
    d = delivery(app)
    socketio = app.extensions["socketio"]
    for session_id, candidate_ids in by_session.items():
        exam_session = session.get(ExamSession, session_id)
        if exam_session is None:
            continue
        last = state.rows.setdefault(session_id, {})
        changed = [r for r in board.rows(session, d, exam_session, only=candidate_ids) if last.get(r["number"]) != r]
        if not changed:
            continue
        last.update((r["number"], r) for r in changed)
        payload = {"session": exam_session.code, "rows": changed}
        socketio.emit("scores", payload, to=room(session_id, False), namespace=NAMESPACE)
        if exam_session.scoreboard_public:
            socketio.emit("scores", payload, to=room(session_id, True), namespace=NAMESPACE)


def register(app: Flask, socketio: Any) -> None:
    socketio.on_namespace(ScoreboardNamespace(NAMESPACE))
    app.register_blueprint(bp)
    live.live(app).hooks.append(push)


__all__ = ["NAMESPACE", "ScoreboardNamespace", "bp", "push", "register"]
