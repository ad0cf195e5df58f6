"""The staff pages' shared files: staff.js and staff.css from exam_engine/staff_static/, served
at /static/staff/. The proctor console and the committee page include them before their own
script and stylesheet, so a helper (login form, catalogue lookup, JSON fetch) is fixed once."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff_assets", __name__, static_folder="staff_static", static_url_path="/static/staff")
