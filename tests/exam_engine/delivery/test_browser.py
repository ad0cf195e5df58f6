"""The candidate terminal in headless Chromium against a real server node.

Login, waiting room, start, WebCrypto decryption, answering by mouse and keyboard, a
"ragu-ragu" mark, a reload that resumes everything, the answers in the database, finishing
through the confirmation dialog, and the result screen. Plus the page's languages.
Hooks are the ones listed at the top of static/candidate/terminal.js.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from exam_engine.delivery.models import Attempt, Response
from exam_engine.roster.models import Candidate
from tests.browser_fixtures import browser, page  # noqa: F401 - fixtures
from tests.exam_engine.delivery.test_sitting import expected_score

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture fails with the install hint
    expect = None  # type: ignore[assignment]

MESSAGES = Path(__file__).resolve().parents[3] / "exam_engine" / "i18n" / "messages"
EXAM_TIMEOUT = 15_000  # ms: key release (~1 s after the start) + package decryption


def catalogue(lang: str) -> dict[str, str]:
    return json.loads((MESSAGES / f"{lang}.json").read_text(encoding="utf-8"))


def log_in(pg: Any, number: str, pin: str, session_pin: str) -> None:
    expect(pg.locator("#login")).to_be_visible()
    pg.fill("#login-number", number)
    pg.fill("#login-pin", pin)
    pg.fill("#login-session-pin", session_pin)
    pg.click("#login-submit")


def remaining_ms(pg: Any) -> int:
    value = pg.locator("#timer").get_attribute("data-remaining-ms")
    assert value, "the timer shows no remaining time"
    return int(value)


def expect_item_state(pg: Any, h: int, choice: int | None, marked: bool) -> None:
    """The grid cell of handle h (and, when h is current, the options) show choice/marked."""
    cell = pg.locator(f'#grid .cell[data-h="{h}"]')
    state = "marked" if marked else "answered" if choice is not None else "unanswered"
    expect(cell).to_have_attribute("data-state", state)
    expect(cell).to_have_attribute("data-answered", "true" if choice is not None else "false")
    if pg.locator("#exam").get_attribute("data-h") == str(h):
        for option in pg.locator("#options .option").all():
            selected = option.get_attribute("data-index") == str(choice)
            expect(option).to_have_attribute("aria-pressed", "true" if selected else "false")
        expect(pg.locator("#answer-status")).to_have_attribute("data-marked", "true" if marked else "false")
        expect(pg.locator("#btn-mark")).to_have_attribute("aria-pressed", "true" if marked else "false")


def stored(engine: Any, number: str) -> tuple[Attempt, dict[int, tuple[int | None, bool]]]:
    with engine.db.session() as s:
        attempt = s.scalar(select(Attempt).join(Attempt.candidate).where(Candidate.number == number))
        assert attempt is not None, f"no attempt for candidate {number}"
        rows = s.scalars(select(Response).where(Response.attempt_id == attempt.id)).all()
        s.expunge(attempt)
        return attempt, {r.handle: (r.choice, r.marked) for r in rows if r.choice is not None or r.marked}


def test_sitting_in_the_browser(sitting, server, page, tmp_path):  # noqa: F811 - fixture
    number, pin = sitting.candidates[0]
    ui = catalogue("id")
    page.goto(f"{server.url}/candidate/")
    expect(page.locator("body")).to_have_attribute("data-screen", "login")
    expect(page.locator("html")).to_have_attribute("lang", "id")

    # Login -> waiting room with the package downloaded, no key yet.
    log_in(page, number, pin, sitting.session_pin)
    waiting = page.locator("#waiting")
    expect(waiting).to_be_visible()
    expect(waiting).to_have_attribute("data-phase", "waiting")
    expect(waiting).to_have_attribute("data-package", "ready")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("#exam")).to_be_hidden()

    # Start: the key arrives, WebCrypto opens the package, the first item shows.
    sitting.start()
    exam = page.locator("#exam")
    expect(exam).to_be_visible(timeout=EXAM_TIMEOUT)
    expect(exam).to_have_attribute("data-status", "active")
    expect(exam).to_have_attribute("data-h", "0")
    expect(page.locator("#grid .cell")).to_have_count(15)
    expect(page.locator("#grid .grid-section")).to_have_count(3)
    expect(page.locator("#options .option")).to_have_count(5)
    expect(page.locator("#stem")).not_to_be_empty()
    expect(page.locator("#exam-title")).to_have_text("SKD Demo")
    expect(page.locator("#candidate-number")).to_have_text(number)
    expect(page.locator("#item-of")).to_have_text(ui["candidate.exam.item_of"].format(n=1, total=15))
    assert 14 * 60_000 < remaining_ms(page) <= 15 * 60_000

    # h0: B by mouse, then ragu-ragu: the answer stays selected, the cell shows "marked".
    page.click('#options .option[data-index="1"]')
    expect_item_state(page, 0, 1, False)
    page.click("#btn-mark")
    expect_item_state(page, 0, 1, True)
    expect(page.locator('#options .option[data-index="1"]')).to_have_attribute("data-selected", "true")

    # h1: C by keyboard; h2: A then D by keyboard (the later answer wins).
    page.click("#btn-next")
    expect(exam).to_have_attribute("data-h", "1")
    page.keyboard.press("c")
    expect_item_state(page, 1, 2, False)
    page.keyboard.press("ArrowRight")
    expect(exam).to_have_attribute("data-h", "2")
    page.keyboard.press("a")
    expect_item_state(page, 2, 0, False)
    page.keyboard.press("d")
    expect_item_state(page, 2, 3, False)

    # h6 (second section) through the grid, answered E by mouse.
    page.click('#grid .cell[data-h="6"]')
    expect(exam).to_have_attribute("data-h", "6")
    page.click('#options .option[data-index="4"]')
    expect_item_state(page, 6, 4, False)
    expected = {0: (1, True), 1: (2, False), 2: (3, False), 6: (4, False)}
    expect(page.locator("#count-answered")).to_have_text("4")
    expect(page.locator("#count-unanswered")).to_have_text("11")
    expect(page.locator("#count-marked")).to_have_text("1")

    # Every event acknowledged, i.e. durably stored: the outbox is empty.
    expect(page.locator("#connection")).to_have_attribute("data-pending", "0")
    shot = tmp_path / "exam-screen.png"
    page.screenshot(path=str(shot))
    print(f"exam screen screenshot: {shot}")
    _, responses = stored(sitting.engine, number)
    assert responses == expected
    # The running total the server pushes once answers are stored (skd-demo shows scores).
    total = sum(expected_score(sitting.engine, number, {h: c for h, (c, _) in expected.items()}).values())
    expect(page.locator("#live-score-box")).to_be_visible()
    expect(page.locator("#live-score")).to_have_text(f"{total:g}")

    # Reload: same item, same answers and mark, the clock continues from the server's.
    before, at = remaining_ms(page), time.monotonic()
    page.reload()
    expect(exam).to_be_visible(timeout=EXAM_TIMEOUT)
    expect(exam).to_have_attribute("data-status", "active")
    expect(exam).to_have_attribute("data-h", "6")
    for h, (choice, marked) in expected.items():
        expect_item_state(page, h, choice, marked)
    expect(page.locator("#grid .cell[data-state=unanswered]")).to_have_count(11)
    expect(page.locator("#count-marked")).to_have_text("1")
    page.click('#grid .cell[data-h="0"]')
    expect(exam).to_have_attribute("data-h", "0")
    expect_item_state(page, 0, 1, True)
    expect(page.locator('#options .option[data-index="1"]')).to_have_attribute("data-selected", "true")
    after = remaining_ms(page)
    predicted = before - (time.monotonic() - at) * 1000
    assert abs(after - predicted) < 3_000, (before, after, predicted)
    page.wait_for_timeout(1_500)
    later = remaining_ms(page)
    assert 500 < after - later < 3_000, f"the timer is not counting down: {after} -> {later}"
    expect(page.locator("#connection")).to_have_attribute("data-pending", "0")
    assert stored(sitting.engine, number)[1] == expected  # the reload changed nothing

    # Finish through the confirmation dialog.
    page.click("#btn-finish")
    modal = page.locator("#finish-modal")
    expect(modal).to_be_visible()
    expect(page.locator("#finish-unanswered")).to_have_attribute("data-count", "11")
    expect(page.locator("#finish-marked")).to_have_attribute("data-count", "1")
    page.click("#cancel-finish")
    expect(modal).to_be_hidden()
    expect(exam).to_have_attribute("data-status", "active")
    page.click("#btn-finish")
    page.click("#confirm-finish")

    result = page.locator("#result")
    expect(result).to_be_visible(timeout=EXAM_TIMEOUT)
    expect(result).to_have_attribute("data-reason", "finished")
    expect(page.locator("#result-scores")).to_be_visible()
    attempt, responses = stored(sitting.engine, number)
    assert attempt.status == "finished" and attempt.finish_reason == "finished"
    assert responses == expected
    assert attempt.result is not None
    rows = page.locator("#result-sections tr")
    expect(rows).to_have_count(len(attempt.result["sections"]))
    assert [s["code"] for s in attempt.result["sections"]] == ["TWK", "TIU", "TKP"]
    for section in attempt.result["sections"]:
        row = page.locator(f'#result-sections tr[data-code="{section["code"]}"]')
        expect(row).to_be_visible()
        assert float(row.locator("td.score").inner_text()) == pytest.approx(section["score"])
    total = page.locator("#result-total")
    shown = total.get_attribute("data-total")
    assert shown and float(shown) == pytest.approx(attempt.result["total"])
    assert float(total.inner_text()) == pytest.approx(attempt.result["total"])
    expect(page.locator("#result-overall")).to_have_attribute("data-passed", str(attempt.result["passed"]).lower())
    assert page.evaluate(f"() => localStorage.getItem('exam-engine.outbox.{number}')") is None
    assert not page.errors.console, f"console errors: {page.errors.console}"


def test_login_page_in_english(server, page):  # noqa: F811 - fixture
    en, id_ = catalogue("en"), catalogue("id")
    page.goto(f"{server.url}/candidate/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("body")).to_have_attribute("data-screen", "login")
    for key, selector in [("candidate.login.title", "#login-title"),
                          ("candidate.login.number", 'label[for="login-number"]'),
                          ("candidate.login.pin", 'label[for="login-pin"]'),
                          ("candidate.login.session_pin", 'label[for="login-session-pin"]'),
                          ("candidate.login.submit", "#login-submit")]:
        assert en[key] != id_[key], key
        expect(page.locator(selector)).to_have_text(en[key])
    expect(page.locator('label[for="login-number"]')).to_have_text("Candidate number")
    expect(page.locator("#lang-switch")).to_have_attribute("hreflang", "id")
    assert page.title() == en["candidate.page.title"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_wrong_pin_shows_the_translated_message(sitting, server, page, lang):  # noqa: F811 - fixture
    number, pin = sitting.candidates[1]
    page.goto(f"{server.url}/candidate/?lang={lang}")
    log_in(page, number, pin + "9", sitting.session_pin)
    error = page.locator("#login-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("data-code", "invalid_credentials")
    expect(error).to_have_text(catalogue(lang)["candidate.error.invalid_credentials"])
    expect(page.locator("body")).to_have_attribute("data-screen", "login")
    expect(page.locator("#login-submit")).to_be_enabled()
