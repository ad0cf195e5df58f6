"""Staff accounts: argon2id passwords, rate-limited logins, expiring sessions, role and room isolation."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import click
import pytest
from argon2 import Type
from argon2.profiles import RFC_9106_LOW_MEMORY
from click.testing import CliRunner, Result
from sqlalchemy import select

from exam_engine import create_app
from exam_engine.accounts import auth, passwords
from exam_engine.accounts.models import StaffLoginRecord, StaffUser
from exam_engine.accounts.service import (
    LoginRefused,
    assign_proctor,
    authenticate,
    can_view_session,
    create_user,
    get_user,
    set_password,
)
from exam_engine.cli import main
from exam_engine.cli.users import register
from exam_engine.cli.users import user as user_group
from exam_engine.scheduling.models import ExamSession
from exam_engine.scheduling.service import create_exam, create_session
from tests.conftest import FAST_PINS

PASSWORD = "kunci-ruang-ujian-7"
T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
#: Cheap argon2id for tests; production keeps argon2-cffi's memory-hard default.
CHEAP = dataclasses.replace(RFC_9106_LOW_MEMORY, time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "PARAMETERS", CHEAP)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(auth, "clock", frozen)
    return frozen


@pytest.fixture
def rooms(engine) -> list[str]:  # type: ignore[no-untyped-def]
    """Three sessions of one exam: S1, S2, S3."""
    with engine.db.transaction() as s:
        create_exam(s, "E", "skd-demo")
        for n in (1, 2, 3):
            create_session(s, "E", f"S{n}", "2026-12-01", f"{7 + n:02d}:00", f"R{n}", 20, seed=n)
    return ["S1", "S2", "S3"]


@pytest.fixture
def staff(engine) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    """staff(username, role, *session_codes, active=True) -> username, password PASSWORD."""

    def make(username: str, role: str = "proctor", *sessions: str, active: bool = True) -> str:
        with engine.db.transaction() as s:
            create_user(s, username, role, PASSWORD).active = active
            for code in sessions:
                assign_proctor(s, username, code)
        return username

    return make


def log_in(client, username: str, password: str = PASSWORD, ip: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post("/staff/api/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def error_of(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return response.get_json()["error"]  # type: ignore[no-any-return]


# --- passwords -------------------------------------------------------------------------------

def test_passwords_are_argon2id_and_verify():
    stored = passwords.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, PASSWORD)
    assert not passwords.verify_password(stored, PASSWORD + "x")
    assert not passwords.verify_password("not a hash", PASSWORD)


def test_production_default_is_memory_hard(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(passwords, "PARAMETERS", None)
    hasher = passwords._hasher()
    assert hasher.type is Type.ID and hasher.memory_cost >= 64 * 1024 and hasher.time_cost >= 3


@pytest.mark.parametrize("weak, reason", [
    ("short-pw1", "too short: use at least 10 characters"),
    ("aaaaaaaaaaaa", "too simple"),
    ("xx-budi-2026", "must not contain the username"),
])
def test_weak_passwords_are_refused(engine, weak: str, reason: str):
    with engine.db.transaction() as s, pytest.raises(passwords.WeakPassword, match=reason):
        create_user(s, "budi", "proctor", weak)


def test_a_login_upgrades_a_hash_made_with_weaker_parameters(engine, staff, monkeypatch):
    staff("budi")
    monkeypatch.setattr(passwords, "PARAMETERS", dataclasses.replace(CHEAP, time_cost=2))
    authenticate(engine.db, "budi", PASSWORD, "10.0.0.1", T0)
    with engine.db.session() as s:
        assert "t=2" in get_user(s, "budi").password_hash


# --- login -----------------------------------------------------------------------------------

def test_login_me_and_logout(client, staff, clock):
    staff("budi", "committee")
    assert client.get("/staff/api/me").status_code == 401
    ok = log_in(client, " Budi ")
    assert ok.status_code == 200 and ok.get_json()["user"] == {"username": "budi", "name": "budi", "role": "committee"}
    assert ok.headers["Cache-Control"] == "no-store"
    assert "SameSite=Lax" in ok.headers["Set-Cookie"] and "HttpOnly" in ok.headers["Set-Cookie"]
    me = client.get("/staff/api/me").get_json()
    assert me["user"]["username"] == "budi" and me["expires_at"] == (T0 + timedelta(minutes=120)).isoformat()
    assert client.post("/staff/api/logout").status_code == 200
    assert error_of(client.get("/staff/api/me"))["code"] == "login_required"


def test_wrong_password_unknown_user_and_disabled_account_look_the_same(client, staff):
    staff("budi")
    staff("sari", active=False)
    refusals = [log_in(client, "budi", "wrong-password-1"), log_in(client, "nobody"), log_in(client, "sari")]
    assert {r.status_code for r in refusals} == {401}
    assert all(r.get_json() == refusals[0].get_json() for r in refusals)
    assert error_of(refusals[0]) == {"code": "invalid_credentials", "message": "username or password is wrong"}


@pytest.mark.parametrize("body", [None, {"username": "budi"}, {"username": 1, "password": PASSWORD}, [1]])
def test_malformed_login_is_a_bad_request(client, body):
    response = client.post("/staff/api/login", json=body)
    assert response.status_code == 400 and error_of(response)["code"] == "bad_request"


def test_rate_limit_per_user(client, staff, clock):
    staff("budi")
    staff("sari")
    for _ in range(5):
        assert log_in(client, "budi", "wrong-password-1").status_code == 401
        clock.advance(seconds=10)
    locked = log_in(client, "budi")  # even the right password: the guesser must not learn it
    assert locked.status_code == 429 and error_of(locked)["code"] == "rate_limited"
    assert locked.headers["Retry-After"] == "250"  # the first failure leaves the window then
    assert log_in(client, "sari").status_code == 200  # other users from the same address are unaffected
    clock.advance(seconds=251)
    assert log_in(client, "budi").status_code == 200


def test_a_success_clears_the_users_failures(engine, staff):
    staff("budi")
    for attempt in ["wrong-password-1"] * 4 + [PASSWORD] + ["wrong-password-1"] * 4:
        with pytest.raises(LoginRefused) if attempt != PASSWORD else nullcontext():
            authenticate(engine.db, "budi", attempt, "10.0.0.1", T0)
    assert authenticate(engine.db, "budi", PASSWORD, "10.0.0.1", T0).username == "budi"


def test_rate_limit_per_address(engine, staff):
    staff("budi")
    for n in range(30):  # a spray over many usernames from one address
        with pytest.raises(LoginRefused, match="wrong"):
            authenticate(engine.db, f"guess{n}", "wrong-password-1", "10.6.6.6", T0)
    with pytest.raises(LoginRefused) as refused:
        authenticate(engine.db, "budi", PASSWORD, "10.6.6.6", T0 + timedelta(minutes=1))
    assert refused.value.code == "rate_limited" and refused.value.status == 429
    assert authenticate(engine.db, "budi", PASSWORD, "10.0.0.2", T0 + timedelta(minutes=1)).username == "budi"
    assert authenticate(engine.db, "budi", PASSWORD, "10.6.6.6", T0 + timedelta(minutes=5, seconds=1))
    with engine.db.session() as s:
        outcomes = [r.outcome for r in s.scalars(select(StaffLoginRecord).order_by(StaffLoginRecord.id))]
    assert outcomes == ["invalid_credentials"] * 30 + ["rate_limited", "ok", "ok"]


# --- session expiry --------------------------------------------------------------------------

@pytest.fixture
def short_app(engine):  # type: ignore[no-untyped-def]
    """An app whose staff logins expire after 30 idle minutes."""
    app = create_app({"instance_path": engine.settings.instance_path, "staff_session_minutes": 30, **FAST_PINS})
    yield app
    app.extensions["exam_engine"].close()


def test_a_login_expires_when_idle(short_app, staff, clock):
    client = short_app.test_client()
    staff("budi")
    assert log_in(client, "budi").status_code == 200
    for _ in range(3):  # activity keeps it alive, well past 30 minutes in total
        clock.advance(minutes=29)
        assert client.get("/staff/api/me").status_code == 200
    clock.advance(minutes=30, seconds=1)
    expired = client.get("/staff/api/me")
    assert expired.status_code == 401
    assert error_of(expired) == {"code": "login_required", "message": "your login has expired; log in again"}
    assert error_of(client.get("/staff/api/me"))["message"] == "log in first"  # the cookie was cleared


def test_a_login_ends_after_twelve_hours_however_active(short_app, staff, clock):
    client = short_app.test_client()
    staff("budi")
    log_in(client, "budi")
    for _ in range(24):
        clock.advance(minutes=29)
        assert client.get("/staff/api/me").status_code == 200  # 11 h 36 min
    clock.advance(minutes=25)
    assert error_of(client.get("/staff/api/me"))["message"] == "your login has expired; log in again"


def test_a_new_password_or_a_disabled_account_ends_open_logins(client, engine, staff, clock):
    staff("budi")
    log_in(client, "budi")
    with engine.db.transaction() as s:
        set_password(s, get_user(s, "budi"), "another-good-pw")
    assert error_of(client.get("/staff/api/me"))["message"] == "your account has changed; log in again"
    log_in(client, "budi", "another-good-pw")
    with engine.db.transaction() as s:
        get_user(s, "budi").active = False
    assert client.get("/staff/api/sessions").status_code == 401


def test_a_tampered_cookie_is_not_a_login(client, staff):
    staff("budi", "admin")
    client.set_cookie("session", "eyJzdGFmZiI6eyJ1aWQiOjF9fQ.forged.signature")
    assert error_of(client.get("/staff/api/me"))["code"] == "login_required"


# --- role and room isolation -----------------------------------------------------------------

def codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [s["code"] for s in response.get_json()["sessions"]]


def test_a_proctor_sees_only_assigned_sessions(client, rooms, staff, clock):
    staff("budi", "proctor", "S1", "S3")
    staff("sari", "proctor", "S2")
    log_in(client, "budi")
    assert codes(client.get("/staff/api/sessions")) == ["S1", "S3"]
    summary = client.get("/staff/api/sessions/S1").get_json()["session"]
    assert summary["room"] == "R1" and summary["proctors"] == ["budi"] and summary["candidates"] == 0
    assert not {"seed", "session_pin_hash", "pin"} & set(summary)
    for other in ("S2", "NOPE"):  # an unknown code looks like someone else's session
        refused = client.get(f"/staff/api/sessions/{other}")
        assert refused.status_code == 403
        assert error_of(refused) == {"code": "forbidden", "message": f"you are not assigned to session '{other}'"}


@pytest.mark.parametrize("role", ["committee", "admin"])
def test_committee_and_admin_see_every_session(client, rooms, staff, clock, role):
    staff("sari", "proctor", "S2")
    staff("boss", role)
    log_in(client, "boss")
    assert codes(client.get("/staff/api/sessions")) == ["S1", "S2", "S3"]
    assert client.get("/staff/api/sessions/S2").get_json()["session"]["proctors"] == ["sari"]
    missing = client.get("/staff/api/sessions/NOPE")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"


def test_not_logged_in_is_401_everywhere(client, rooms):
    for path in ("/staff/api/me", "/staff/api/sessions", "/staff/api/sessions/S1"):
        response = client.get(path)
        assert response.status_code == 401 and error_of(response)["code"] == "login_required"


def test_roles_are_enforced_with_a_clear_403(app, staff, clock):
    @app.get("/staff/api/admin-only")
    @auth.login_required("admin")
    def admin_only() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/staff/admin-page")
    @auth.login_required("admin")
    def admin_page() -> str:
        return "page"

    client = app.test_client()
    for username, role in (("budi", "proctor"), ("ani", "committee")):
        staff(username, role)
        log_in(client, username)
        refused = client.get("/staff/api/admin-only")
        assert refused.status_code == 403
        assert error_of(refused) == {"code": "forbidden", "message": f"this needs the admin role; you are a {role}"}
        page = client.get("/staff/admin-page")  # a page, not an API: plain text, same status
        assert page.status_code == 403 and page.mimetype == "text/plain"
    staff("root", "admin")
    log_in(client, "root")
    assert client.get("/staff/api/admin-only").get_json() == {"ok": "yes"}


def test_an_unknown_role_in_the_decorator_fails_loudly():
    with pytest.raises(ValueError, match="unknown role"):
        auth.login_required("admn")


def test_can_view_session_by_role(engine, rooms, staff):
    staff("budi", "proctor", "S1")
    staff("ani", "committee")
    staff("off", "admin", active=False)
    with engine.db.session() as s:
        s1, s2 = (s.scalar(select(ExamSession).where(ExamSession.code == c)) for c in ("S1", "S2"))
        users = {u.username: u for u in s.scalars(select(StaffUser))}
    assert can_view_session(users["budi"], s1) and not can_view_session(users["budi"], s2)
    assert can_view_session(users["ani"], s2)
    assert not can_view_session(users["off"], s1)


# --- CLI -------------------------------------------------------------------------------------

@pytest.fixture
def run(engine, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:  # type: ignore[no-untyped-def]
    """`exam-engine --instance <tmp> ARGS` with INPUT on stdin, the `user` group registered; session S1."""
    for name, value in FAST_PINS.items():
        monkeypatch.setenv("EXAM_ENGINE_" + name.upper(), str(value))
    if "user" not in main.commands:  # until cli/__init__.py registers it
        monkeypatch.setitem(main.commands, "user", user_group)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(main, ["--instance", str(engine.settings.instance_path), *args], input=input,
                             catch_exceptions=False)

    invoke("exam", "create", "--code", "E", "--profile", "skd-demo")
    invoke("session", "create", "--exam", "E", "--code", "S1", "--date", "2026-12-01", "--start", "08:00",
           "--room", "R1", "--capacity", "10")
    return invoke


def test_register_adds_the_user_group():
    group = click.Group("g")
    register(group)
    assert set(group.commands["user"].commands) == {"add", "password", "assign", "list"}


def test_cli_add_assign_list_and_log_in(run, client):
    admin = run("user", "add", "--username", "Root", "--role", "admin", "--password-stdin", input=PASSWORD + "\n")
    assert admin.exit_code == 0 and "user root (admin) created" in admin.output
    prompted = run("user", "add", "--username", "budi", "--role", "proctor", "--name", "Budi Santoso",
                   input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORD not in prompted.output  # the prompt hides what is typed
    assigned = run("user", "assign", "--username", "budi", "--session", "S1")
    assert assigned.exit_code == 0 and "budi assigned to session S1" in assigned.output
    assert "budi was already assigned to session S1" in run("user", "assign", "--username", "budi",
                                                            "--session", "S1").output
    rows = [line.split() for line in run("user", "list").output.splitlines()]
    assert rows[0] == ["USERNAME", "ROLE", "ACTIVE", "NAME", "SESSIONS"]
    assert rows[1:] == [["root", "admin", "yes", "root", "(all)"], ["budi", "proctor", "yes", "Budi", "Santoso", "S1"]]
    assert log_in(client, "budi").status_code == 200
    assert codes(client.get("/staff/api/sessions")) == ["S1"]


def test_cli_refuses_a_weak_password(run):
    weak = run("user", "add", "--username", "budi", "--role", "proctor", "--password-stdin", input="abc12\n")
    assert weak.exit_code == 1
    assert "error: password too short: use at least 10 characters" in weak.output
    assert "no users yet" in run("user", "list").output
    # At a prompt it asks again instead of giving up; then the confirmation must match.
    retried = run("user", "add", "--username", "budi", "--role", "proctor",
                  input=f"abc12\n{PASSWORD}\nsomething-else\n{PASSWORD}\n{PASSWORD}\n")
    assert retried.exit_code == 0, retried.output
    assert "Error: password too short" in retried.output and "do not match" in retried.output


def test_cli_says_what_is_wrong(run):
    run("user", "add", "--username", "ani", "--role", "committee", "--password-stdin", input=PASSWORD + "\n")
    again = run("user", "add", "--username", "ANI", "--role", "proctor")  # refused before any prompt
    assert again.exit_code == 1 and "error: user 'ani' already exists" in again.output
    assert "Password" not in again.output
    bad_name = run("user", "add", "--username", "a b", "--role", "proctor")
    assert bad_name.exit_code == 1 and "letters, digits" in bad_name.output
    committee = run("user", "assign", "--username", "ani", "--session", "S1")
    assert committee.exit_code == 1 and "ani is a committee account and already sees every session" in committee.output
    assert "error: no user 'nobody'" in run("user", "assign", "--username", "nobody", "--session", "S1").output
    run("user", "add", "--username", "budi", "--role", "proctor", "--password-stdin", input=PASSWORD + "\n")
    assert "error: no session 'S9'" in run("user", "assign", "--username", "budi", "--session", "S9").output


def test_cli_password_change(run, client):
    run("user", "add", "--username", "budi", "--role", "proctor", "--password-stdin", input=PASSWORD + "\n")
    changed = run("user", "password", "--username", "budi", "--password-stdin", input="a-new-passphrase\n")
    assert changed.exit_code == 0 and "password of budi changed" in changed.output
    assert log_in(client, "budi").status_code == 401
    assert log_in(client, "budi", "a-new-passphrase").status_code == 200
