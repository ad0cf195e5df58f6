"""The proctor API: the room snapshot and the actions (the console page is built on these)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from exam_engine.accounts import auth
from exam_engine.delivery.runtime import delivery
from exam_engine.delivery.socket import NAMESPACE as CANDIDATE_NAMESPACE
from exam_engine.delivery.socket import attempt_room
from exam_engine.proctoring import live, snapshot
from exam_engine.proctoring.actions import ActionRefused
from exam_engine.proctoring.more_actions import ALL_ACTIONS as ACTIONS

bp = Blueprint("proctor", __name__, url_prefix="/proctor")


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/sessions/<code>/candidates")
@auth.login_required()
def api_candidates(code: str) -> Any:
    user, d = auth.staff(), delivery()
    with d.engine.db.session() as s:
        exam_session = auth.session_for(s, user, code)
        now = d.now()
        return jsonify({"session": code, "server_time": snapshot.millis(now),
                        "candidates": snapshot.rows(s, d, exam_session, now)})


def parse_targets(value: Any) -> list[str] | str:
    if value == "all":
        return "all"
    if isinstance(value, list) and value and all(isinstance(n, str) and n for n in value):
        return list(dict.fromkeys(value))
    raise auth.Refused(400, "bad_request", 'candidates: a list of candidate numbers, or "all"')


@bp.post("/api/sessions/<code>/actions")
@auth.login_required()
def api_action(code: str) -> Any:
    # A JSON body is required: with the Lax cookie this also keeps cross-site forms out.
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or data.get("action") not in ACTIONS:
        raise auth.Refused(400, "bad_request", f"expected JSON with action one of {', '.join(ACTIONS)}")
    action = data["action"]
    targets = "all" if action == "start_session" else parse_targets(data.get("candidates"))
    extra: dict[str, Any] = {}
    user, d = auth.staff(), delivery()
    if action == "add_time":
        extra["minutes"] = data.get("minutes")
    if action == "end_attempt":
        extra["keys"] = d.keys
    try:
        with d.engine.db.transaction() as s:
            exam_session = auth.session_for(s, user, code)
            outcome = ACTIONS[action](s, d.engine.vault, user, exam_session, targets, data.get("reason"), d.now(),
                                      **extra)
    except ActionRefused as refused:
        raise auth.Refused(refused.status, refused.code, refused.message) from None
    socketio = current_app.extensions["socketio"]
    for push in outcome.pushes:  # after the commit: stored before shown
        socketio.emit(push.event, push.payload, to=attempt_room(push.attempt_id, push.terminal),
                      namespace=CANDIDATE_NAMESPACE)
    live.touch(*outcome.touched)
    return jsonify({"ok": True, "action": action, "applied": outcome.applied})
