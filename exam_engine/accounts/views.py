"""The staff blueprint: login, logout, who am I, and the sessions a user may see."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request, session
from flask.blueprints import BlueprintSetupState

from exam_engine.accounts import auth
from exam_engine.accounts.service import LoginRefused, authenticate, visible_sessions
from exam_engine.accounts.summaries import session_summaries, user_summary

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.record_once
def _cookie_policy(state: BlueprintSetupState) -> None:
    # Lax: the staff cookie is never sent on cross-site POSTs (CSRF on login and actions).
    app: Flask = state.app
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_body() -> dict[str, str] | None:
    """Username and password from the body, or None. silent=True covers only ValueError: JSON
    nested thousands deep raises RecursionError. A lone surrogate ("\\ud800" is valid JSON)
    is text neither the database nor argon2 can encode."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        return None
    if not isinstance(data, dict):
        return None
    fields = {k: data.get(k) for k in ("username", "password")}
    for value in fields.values():
        if not isinstance(value, str) or not value:
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None
    return fields  # type: ignore[return-value]


@bp.post("/api/login")
def api_login() -> Any:
    data = _login_body()
    if data is None:
        return auth.refuse(400, "bad_request", "expected a JSON object with username and password")
    now = auth.clock()
    try:
        user = authenticate(auth.engine().db, data["username"], data["password"], request.remote_addr or "?", now)
    except LoginRefused as refusal:
        response, status = auth.refuse(refusal.status, refusal.code, refusal.message)
        if refusal.retry_after:
            response.headers["Retry-After"] = str(refusal.retry_after)
        return response, status
    auth.start_session(user, now)
    return jsonify({"user": user_summary(user)})


@bp.post("/api/logout")
def api_logout() -> Any:
    auth.end_session()
    return jsonify({"status": "logged_out"})


@bp.get("/api/me")
@auth.login_required()
def api_me() -> Any:
    user = auth.staff()
    return jsonify({"user": user_summary(user), "expires_at": auth.expires_at(session[auth.KEY]).isoformat()})


@bp.get("/api/sessions")
@auth.login_required()
def api_sessions() -> Any:
    user = auth.staff()
    with auth.engine().db.session() as s:
        return jsonify({"sessions": session_summaries(s, visible_sessions(s, user))})


@bp.get("/api/sessions/<code>")
@auth.login_required()
def api_session(code: str) -> Any:
    user = auth.staff()
    with auth.engine().db.session() as s:
        return jsonify({"session": session_summaries(s, [auth.session_for(s, user, code)])[0]})
