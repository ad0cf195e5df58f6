"""Arbitrary bodies for the candidate and the staff login, and arbitrary Authorization headers
for the package, against a real node: always a 4xx JSON error with a code and a message,
never a 500, and the node stays up."""
from __future__ import annotations

import json
from typing import Any

import hypothesis
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CANDIDATE = ("/candidate/api/login", ("number", "pin", "session_pin", "terminal"))
STAFF = ("/staff/api/login", ("username", "password"))

#: Text JSON can carry: every code point, lone surrogates ("\ud800") included.
any_text = st.text(st.characters(codec=None, categories=None), max_size=80)


def values(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | text | st.sampled_from(["", " ", "x" * 70])
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(text, inner, max_size=3), max_leaves=6)


def bodies(fields: tuple[str, ...], text: st.SearchStrategy[str], deep: bool) -> st.SearchStrategy[tuple[bytes, str]]:
    """(body, content type): JSON of any shape, objects with the login's fields, raw bytes."""
    objects = (st.fixed_dictionaries({}, optional={name: text | values(text) for name in fields})
               | st.fixed_dictionaries({name: text for name in fields}))  # every field, as text
    as_json = (values(text) | objects).map(lambda v: (json.dumps(v).encode(), "application/json"))
    raw = st.tuples(st.binary(max_size=200), st.sampled_from(["application/json", "text/plain", ""]))
    nested = st.integers(50, 100_000).map(lambda n: (b"[" * n + b"]" * n, "application/json"))
    return as_json | raw | nested if deep else as_json | raw


def post(url: str, body: bytes, content_type: str) -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return requests.post(url, data=body, headers=headers, timeout=30)


def assert_clear_refusal(response: requests.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]


@pytest.fixture(scope="module")
def url(module_server) -> str:  # type: ignore[no-untyped-def]
    return module_server.url


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies(CANDIDATE[1], any_text, deep=True))
def test_candidate_login_refuses_any_body_clearly(url, body):
    response = post(url + CANDIDATE[0], *body)
    hypothesis.event(f"{response.status_code}")
    assert_clear_refusal(response)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies(STAFF[1], any_text, deep=True))
def test_staff_login_refuses_any_body_clearly(url, body):
    response = post(url + STAFF[0], *body)
    hypothesis.event(f"{response.status_code}")
    assert_clear_refusal(response)


@pytest.mark.parametrize("body", [
    '{"username": "\\ud800", "password": "kunci-ruang-ujian-7"}',
    '{"username": "admin", "password": "\\udfff"}',
    "[" * 100_000 + "]" * 100_000,
])
def test_staff_login_refuses_json_that_is_no_text(url, body):
    """A lone surrogate is valid JSON but no text; deep nesting is valid JSON that Python's
    parser gives up on. Both were a 500."""
    response = post(url + STAFF[0], body.encode(), "application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


#: What HTTP lets a header value hold (RFC 9110 field-value: visible ASCII, space, obs-text):
#: control characters are refused by the WSGI server itself, before the application.
header_text = st.text(st.sampled_from([chr(c) for c in [*range(0x20, 0x7F), *range(0x80, 0x100)]]),
                      min_size=1, max_size=600).map(str.strip).filter(bool)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=header_text | header_text.map("Bearer ".__add__))
def test_package_refuses_any_authorization_clearly(url, header):
    response = requests.get(url + "/candidate/api/package", headers={"Authorization": header.encode("latin-1")},
                            timeout=30)
    assert response.status_code == 401, response.text[:300]
    assert_clear_refusal(response)


def test_node_is_healthy_after_the_fuzzing(url):
    assert requests.get(url + "/healthz", timeout=10).status_code == 200
