"""The committee blueprint: the page at /committee/ and its JSON API under /committee/api/.

Committee and admin only (401 JSON when not logged in, 403 for a proctor). Handlers parse
the request and call the committee services; every refusal is JSON {error: {code, message}}."""
from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, send_file

from exam_engine import audit
from exam_engine.accounts import auth
from exam_engine.committee import analysis, decisions, exports, results
from exam_engine.committee.errors import CommitteeRefused
from exam_engine.delivery.runtime import delivery
from exam_engine.i18n import catalogue, other, pick_language

bp = Blueprint("committee", __name__, url_prefix="/committee", template_folder="templates",
               static_folder="static", static_url_path="/static")
ROLES = ("committee", "admin")
committee_only = auth.login_required(*ROLES)


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(CommitteeRefused)
def _refused(refusal: CommitteeRefused) -> Any:
    return jsonify({"error": {"code": refusal.code, "message": refusal.message}}), refusal.status


@bp.get("/")
def page() -> Any:
    # The page itself is public (it shows a login form); everything it shows comes from the API.
    lang = pick_language(request)
    messages = {k: v for k, v in catalogue(lang).items() if k.startswith("committee.")}
    response = Response(render_template("committee/page.html", lang=lang, messages=messages, other_lang=other(lang)))
    response.set_cookie("lang", lang, samesite="Strict")
    return response


@bp.get("/api/sessions")
@committee_only
def api_sessions() -> Any:
    with delivery().engine.db.session() as s:
        return jsonify({"sessions": results.sessions(s, auth.staff())})


@bp.get("/api/sessions/<code>/results")
@committee_only
def api_results(code: str) -> Any:
    d = delivery()
    with d.engine.db.session() as s:
        return jsonify(results.session_results(s, d, auth.session_for(s, auth.staff(), code)))


@bp.post("/api/sessions/<code>/freeze")
@committee_only
def api_freeze(code: str) -> Any:
    reason, d, user = decisions.parse_reason(request.get_json(silent=True)), delivery(), auth.staff()
    with d.engine.db.transaction() as s:
        digest = decisions.freeze(s, d.engine.vault, auth.session_for(s, user, code), user, reason)
    return jsonify({"ok": True, "session": code, "sha256": digest})


@bp.post("/api/sessions/<code>/reopen")
@committee_only
def api_reopen(code: str) -> Any:
    reason, d, user = decisions.parse_reason(request.get_json(silent=True)), delivery(), auth.staff()
    with d.engine.db.transaction() as s:
        decisions.reopen(s, d.engine.vault, auth.session_for(s, user, code), user, reason)
    return jsonify({"ok": True, "session": code})


@bp.get("/api/sessions/<code>/exports")
@committee_only
def api_exports(code: str) -> Any:
    d = delivery()
    with d.engine.db.session() as s:
        exam_session = auth.session_for(s, auth.staff(), code)
        return jsonify({"exports": exports.listing(d.engine.settings.instance_path, exam_session)})


@bp.post("/api/sessions/<code>/exports")
@committee_only
def api_export(code: str) -> Any:
    formats, bom, chair = exports.parse_request(request.get_json(silent=True))
    d, user = delivery(), auth.staff()
    with d.engine.db.transaction() as s:
        made = exports.create(s, d.engine.vault, d.engine.settings.instance_path, auth.session_for(s, user, code),
                              decisions.actor(user), formats, bom=bom, chair=chair)
    return jsonify({"export": made}), 201


@bp.get("/api/sessions/<code>/exports/<export_id>/<path:name>")
@committee_only
def api_export_file(code: str, export_id: str, name: str) -> Any:
    d = delivery()
    with d.engine.db.session() as s:
        path = exports.file_path(d.engine.settings.instance_path, auth.session_for(s, auth.staff(), code),
                                 export_id, name)
    return send_file(path, as_attachment=True, download_name=path.name)


@bp.get("/api/sessions/<code>/item-analysis")
@committee_only
def api_item_analysis(code: str) -> Any:
    d = delivery()
    with d.engine.db.session() as s:
        exam = auth.session_for(s, auth.staff(), code).exam
        found, forms_differ = analysis.analyse(s, d.engine.vault, exam)
        return jsonify({"exam": {"code": exam.code, "title": exam.title}, **analysis.as_json(found, forms_differ)})


@bp.get("/api/sessions/<code>/item-analysis.xlsx")
@committee_only
def api_item_analysis_xlsx(code: str) -> Any:
    d, user = delivery(), auth.staff()
    with d.engine.db.transaction() as s:
        exam = auth.session_for(s, user, code).exam
        found, _ = analysis.analyse(s, d.engine.vault, exam)
        exam_code = exam.code
        audit.append(s, d.engine.vault, "item_analysis_exported", decisions.actor(user), f"exam:{exam_code}",
                     candidates=found.n_candidates, items=len(found.items.ids))
    return send_file(io.BytesIO(analysis.xlsx_bytes(found)), as_attachment=True,
                     download_name=f"item-analysis-{exam_code}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
