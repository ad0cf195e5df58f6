"""The proctor console in headless Chromium against a real server node.

A proctor logs in, picks the session, starts it, and watches a simulated candidate (a
python-socketio Terminal) answer: the card's answered count follows within a second or two.
Pause, resume and "+5 minutes" go through the reason dialog and reach the candidate's
terminal at once; a real candidate page in a second browser context loses focus and the
flag appears on its card. Hooks are the ones listed at the top of console.js."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.browser_fixtures import VIEWPORT, browser, page  # noqa: F401 - fixtures
from tests.exam_engine.delivery.conftest import Terminal
from tests.exam_engine.proctoring.conftest import (  # noqa: F401 - fixtures
    PASSWORD,
    collect_client_sockets,
    server,
    sitting,
    staff,
    terminals,
)

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture fails with the install hint
    expect = None  # type: ignore[assignment]

MESSAGES = Path(__file__).resolve().parents[2] / "exam_engine" / "i18n" / "messages"
EXAM_TIMEOUT = 15_000  # ms: key release + package decryption in the candidate page
LIVE = 2_000  # ms: the console shows a change within this


def catalogue(lang: str) -> dict[str, str]:
    return json.loads((MESSAGES / f"{lang}.json").read_text(encoding="utf-8"))


def wait_event(t: Terminal, name: str, after: int, match: Callable[[Any], bool], timeout: float = 5.0) -> Any:
    """The first NAME event after the first AFTER ones that MATCH accepts."""
    found: list[Any] = []

    def seen() -> bool:
        found[:] = [e for e in t.events.get(name, [])[after:] if match(e)]
        return bool(found)

    with t._arrived:
        assert t._arrived.wait_for(seen, timeout), f"no matching {name!r}; got {t.events.get(name)}"
    return found[0]


def log_in(pg: Any, username: str) -> None:
    expect(pg.locator("body")).to_have_attribute("data-screen", "login")
    pg.fill("#staff-login-username", username)
    pg.fill("#staff-login-password", PASSWORD)
    pg.click("#staff-login-submit")


def act(pg: Any, button: Any, reason: str) -> None:
    """Click an action button and confirm it with REASON in the dialog."""
    button.click()
    dialog = pg.locator("#action-dialog")
    expect(dialog).to_be_visible()
    pg.fill("#action-reason", reason)
    pg.click("#action-confirm")
    expect(dialog).to_be_hidden()


def test_proctor_watches_and_acts(sitting, server, terminals, browser, page):  # noqa: F811 - fixtures
    ui = catalogue("id")
    watched, _ = sitting.candidates[0]
    focused, focused_pin = sitting.candidates[1]

    page.goto(f"{server.url}/proctor/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#login-title")).to_have_text(ui["proctor.login.title"])
    page.fill("#staff-login-username", "pengawas")
    page.fill("#staff-login-password", "salah-sekali")
    page.click("#staff-login-submit")
    expect(page.locator("#staff-login-error")).to_have_attribute("data-code", "invalid_credentials")
    expect(page.locator("#staff-login-error")).to_have_text(ui["proctor.error.invalid_credentials"])
    log_in(page, "pengawas")
    picker = page.locator("#session-picker")
    expect(picker.locator("button.session-option")).to_have_count(1)  # S2 belongs to another proctor
    picker.locator('button[data-code="S1"]').click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    cards = page.locator(".candidate-card")
    expect(cards).to_have_count(4)
    card = page.locator(f'.candidate-card[data-number="{watched}"]')
    expect(card.locator('[data-field="status"]')).to_have_attribute("data-value", "absent")

    # The simulated candidate logs in; the real one opens the terminal page in its own context.
    t = terminals(0)
    expect(card.locator('[data-field="status"]')).to_have_attribute("data-value", "waiting", timeout=LIVE)
    expect(card.locator('[data-field="connected"]')).to_have_attribute("data-value", "true", timeout=LIVE)
    candidate_context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
    try:
        candidate = candidate_context.new_page()
        candidate.goto(f"{server.url}/candidate/")
        candidate.fill("#login-number", focused)
        candidate.fill("#login-pin", focused_pin)
        candidate.fill("#login-session-pin", sitting.session_pin)
        candidate.click("#login-submit")
        expect(candidate.locator("#waiting")).to_have_attribute("data-package", "ready")

        # A reason is required, and a refusal is shown in the dialog.
        page.locator('.room-action[data-action="pause"]').click()
        page.click("#action-confirm")
        expect(page.locator("#action-error")).to_have_attribute("data-code", "reason_required")
        page.click("#action-cancel")
        act(page, page.locator('.room-action[data-action="start_session"]'), "jadwal mulai")
        t.wait_key()
        expect(card.locator('[data-field="status"]')).to_have_attribute("data-value", "active", timeout=LIVE)
        page.locator('.room-action[data-action="start_session"]').click()
        page.fill("#action-reason", "sekali lagi")
        page.click("#action-confirm")
        expect(page.locator("#action-error")).to_have_attribute("data-code", "not_open")
        page.click("#action-cancel")

        # Each stored answer shows on the card within a second or two.
        answered = card.locator('[data-field="answered"]')
        expect(answered).to_have_text("0")
        for seq, h in enumerate((0, 1, 2), start=1):
            sent = time.monotonic()
            assert t.call("answer", {"seq": seq, "h": h, "choice": 1})["ok"] is True
            expect(answered).to_have_text(str(seq), timeout=LIVE)
            assert time.monotonic() - sent < LIVE / 1000
        assert t.call("mark", {"seq": 4, "h": 1, "marked": True})["ok"] is True
        expect(card.locator('[data-field="marked"]')).to_have_text("1", timeout=LIVE)
        t.call("navigate", {"h": 4})
        expect(card.locator('[data-field="position"]')).to_have_text("5", timeout=LIVE)
        expect(card.locator('[data-field="since_answer"]')).not_to_have_text(ui["proctor.card.none"])
        remaining = card.locator('[data-field="remaining"]')
        first = int(remaining.get_attribute("data-remaining-ms"))
        page.wait_for_timeout(1_200)
        assert 500 < first - int(remaining.get_attribute("data-remaining-ms")) < 2_500  # counts down locally

        # Pause: the candidate's terminal is told at once, the clock stops.
        seen = len(t.events.get("time", []))
        act(page, card.locator('.card-action[data-action="pause"]'), "peserta izin ke toilet")
        paused = wait_event(t, "time", seen, lambda e: e["status"] == "paused")
        expect(card.locator('[data-field="status"]')).to_have_attribute("data-value", "paused", timeout=LIVE)
        expect(page.locator("#notice")).to_be_visible()
        frozen = remaining.get_attribute("data-remaining-ms")
        page.wait_for_timeout(600)
        assert remaining.get_attribute("data-remaining-ms") == frozen

        # Resume, then five more minutes: the candidate's remaining time jumps by ~300 s.
        seen = len(t.events.get("time", []))
        act(page, card.locator('.card-action[data-action="resume"]'), "kembali dari toilet")
        resumed = wait_event(t, "time", seen, lambda e: e["status"] == "active")
        assert abs(resumed["remaining"] - paused["remaining"]) < 1_000  # the pause was credited
        expect(card.locator('[data-field="status"]')).to_have_attribute("data-value", "active", timeout=LIVE)
        before_card = int(remaining.get_attribute("data-remaining-ms"))
        seen = len(t.events.get("time", []))
        act(page, card.locator('.card-action[data-action="add_time"]'), "gangguan listrik")
        extended = wait_event(t, "time", seen, lambda e: e["remaining"] > resumed["remaining"] + 200_000)
        # The clock ran between the two pushes: add back the server time that passed.
        jump = extended["remaining"] - resumed["remaining"] + (extended["server_time"] - resumed["server_time"])
        assert abs(jump - 300_000) < 1_000, jump
        page.wait_for_function(
            "([n, before]) => Number(document.querySelector(`.candidate-card[data-number=\"${n}\"] "
            "[data-field=remaining]`).dataset.remainingMs) > before + 290000",
            arg=[watched, before_card], timeout=LIVE)

        # The real candidate page loses focus: a flag on its card, with kind and time.
        expect(candidate.locator("#exam")).to_be_visible(timeout=EXAM_TIMEOUT)
        candidate.evaluate("() => window.dispatchEvent(new Event('blur'))")  # headless pages keep focus
        flag = page.locator(f'.candidate-card[data-number="{focused}"] .flag[data-kind="focus_lost"]')
        expect(flag).to_have_count(1, timeout=LIVE)
        expect(flag).to_contain_text(ui["proctor.flag.kind.focus_lost"])
        page.select_option("#flag-filter", "focus_lost")
        expect(page.locator(".candidate-card:visible")).to_have_count(1)
        expect(page.locator(f'.candidate-card[data-number="{focused}"]')).to_be_visible()
        page.select_option("#flag-filter", "")
        page.select_option("#sort", "answered")
        expect(cards.first).to_have_attribute("data-number", watched)
        assert not candidate.locator("#notice").is_visible()
    finally:
        candidate_context.close()


def test_console_in_english(server, page):  # noqa: F811 - fixtures
    en = catalogue("en")
    page.goto(f"{server.url}/proctor/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#login-title")).to_have_text(en["proctor.login.title"])
    expect(page.locator("#staff-login-submit")).to_have_text(en["proctor.login.submit"])
    log_in(page, "lain")
    expect(page.locator('#session-picker button[data-code="S2"]')).to_be_visible()
    expect(page.locator("#picker-title")).to_have_text(en["proctor.picker.title"])


def test_catalogues_have_the_same_proctor_keys() -> None:
    id_, en = catalogue("id"), catalogue("en")
    assert {k for k in id_ if k.startswith("proctor.")} == {k for k in en if k.startswith("proctor.")}
