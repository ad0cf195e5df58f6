"""The staff pages share one script and one stylesheet (exam_engine/staff_static, served at
/static/staff/): both pages include them before their own, and they are served as JS and CSS."""
from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

SHARED_JS = "/static/staff/staff.js"
SHARED_CSS = "/static/staff/staff.css"


@pytest.mark.parametrize(("page", "own_js", "own_css"), [
    ("/proctor/", "/proctor/static/proctor_console/console.js", "/proctor/static/proctor_console/console.css"),
    ("/committee/", "/committee/static/committee/committee.js", "/committee/static/committee/committee.css"),
])
def test_both_staff_pages_include_the_shared_files_before_their_own(client: FlaskClient, page: str, own_js: str,
                                                                     own_css: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert SHARED_JS in scripts and own_js in scripts
    assert scripts.index(SHARED_JS) < scripts.index(own_js)  # both deferred: run in document order
    assert styles == [SHARED_CSS, own_css]  # the page's own rules come after the shared ones


@pytest.mark.parametrize(("path", "mimetypes", "marker"), [
    (SHARED_JS, {"text/javascript", "application/javascript"}, "window.Staff"),
    (SHARED_CSS, {"text/css"}, ".form-error"),
])
def test_the_shared_files_are_served(client: FlaskClient, path: str, mimetypes: set[str], marker: str) -> None:
    """A JS or CSS type: behind nginx's `X-Content-Type-Options: nosniff` anything else is refused."""
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype in mimetypes
    assert marker in response.get_data(as_text=True)
    response.close()
