"""The candidate blueprint: the terminal page, login and the package download."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from sqlalchemy import select

from exam_engine import audit
from exam_engine.delivery import packages
from exam_engine.delivery.attempts import package_key
from exam_engine.delivery.login import LoginRefused, LoginRequest, flag_refusal, login, record
from exam_engine.delivery.models import Attempt
from exam_engine.delivery.runtime import delivery
from exam_engine.delivery.seb import seb_allows
from exam_engine.delivery.tokens import TokenError
from exam_engine.i18n import catalogue, other, pick_language
from exam_engine.roster.models import Candidate
from exam_engine.scheduling.service import profile_of

bp = Blueprint("candidate", __name__, url_prefix="/candidate", template_folder="templates",
               static_folder="static", static_url_path="/static")


def error(code: str, message: str, status: int, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


@bp.get("/")
def terminal() -> Any:
    lang = pick_language(request)
    messages = {k: v for k, v in catalogue(lang).items() if k.startswith("candidate.")}
    response = Response(render_template("candidate/terminal.html", lang=lang, messages=messages,
                                        other_lang=other(lang)))
    response.set_cookie("lang", lang, samesite="Strict")
    return response


def _json_body() -> Any:
    """silent=True covers only ValueError: JSON nested thousands deep raises RecursionError."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


@bp.post("/api/login")
def api_login() -> Any:
    d = delivery()
    db, now = d.engine.db, d.now()
    try:
        req = LoginRequest.parse(_json_body(), request.remote_addr or "?")
    except LoginRefused as refusal:
        return error(refusal.code, refusal.message, refusal.status)
    try:
        with db.transaction() as session:
            attempt = login(session, d.engine.vault, d.engine.pins, req, now)
            candidate = session.get(Candidate, attempt.candidate_id)
            if not seb_allows(profile_of(candidate.exam).source.get("seb"), request.url, request.headers):
                raise LoginRefused("seb_required", "this exam must be taken in Safe Exam Browser", 403)
            record(session, req, "ok", now)
            audit.append(session, d.engine.vault, "login", f"candidate:{req.number}", f"attempt:{attempt.id}",
                         outcome="ok", ip=req.ip, terminal=req.terminal)
            token, status = d.tokens.issue(attempt.id, req.terminal), attempt.status
    except LoginRefused as refusal:
        with db.transaction() as session:
            record(session, req, refusal.code, now)
            flag_refusal(session, req, refusal)
            audit.append(session, d.engine.vault, "login", f"candidate:{req.number}", "", outcome=refusal.code,
                         ip=req.ip, terminal=req.terminal)
        extra = {"retry_after": refusal.retry_after} if refusal.retry_after else {}
        return error(refusal.code, refusal.message, refusal.status, **extra)
    return jsonify({"token": token, "status": status})


def bearer_attempt() -> tuple[int, str]:
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.startswith("Bearer ") else None
    claims = delivery().tokens.verify(token)
    return claims.attempt_id, claims.terminal


@bp.get("/api/package")
def api_package() -> Any:
    d = delivery()
    try:
        attempt_id, terminal = bearer_attempt()
    except TokenError as exc:
        return error(exc.code, exc.message, 401)
    with d.engine.db.session() as session:
        attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id))
        if attempt is None or attempt.terminal != terminal:
            return error("terminal_conflict", "this attempt belongs to another workstation", 409)
        body = packages.build(session, d.engine.vault, attempt, package_key(d.engine.vault, attempt))
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
