"""The proctor console page: one HTML page over the staff API (/staff/api/*), the proctor API
(/proctor/api/*) and the /proctor Socket.IO namespace. Everything it says comes from the
message catalogue (`proctor.` keys), Bahasa Indonesia by default, English with ?lang=en."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from exam_engine.i18n import catalogue, other, pick_language

#: The page is /proctor/ and its files /proctor/static/...; the API keeps /proctor/api/.
bp = Blueprint("proctor_console", __name__, url_prefix="/proctor", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.get("/")
def console() -> Any:
    lang = pick_language(request)
    messages = {k: v for k, v in catalogue(lang).items() if k.startswith("proctor.")}
    response = Response(render_template("proctor_console/console.html", lang=lang, messages=messages,
                                        other_lang=other(lang)))
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie("lang", lang, samesite="Strict")
    return response
