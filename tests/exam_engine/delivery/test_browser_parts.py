"""The candidate terminal with timed parts, and with a proctor-approved move, in headless Chromium.

Two parts (TWK: 2 minutes, then TKP: 1 minute, as in test_time_groups.py): the part indicator,
the locked grid cells of the other part, navigation kept inside the open part, the finish
dialog that closes a part, the next part's own clock, an outbox event for a closed part that
the server refuses with `section_closed`, and the result. Then a one-part exam whose
attempt moves to another workstation: the old page blocks and forgets its token; and a
refused login that leaves no PIN in the form. Hooks: the list at the top of terminal.js.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from exam_engine.delivery.sittings import allow_move
from tests.browser_fixtures import browser, page  # noqa: F401 - fixtures
from tests.exam_engine.delivery.conftest import Terminal, prepare_sitting
from tests.exam_engine.delivery.test_browser import EXAM_TIMEOUT, catalogue, log_in, remaining_ms, stored
from tests.exam_engine.delivery.test_time_groups import TWO_PARTS

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture fails with the install hint
    expect = None  # type: ignore[assignment]

PART_1 = range(5)  # TWK, handles 0..4
PART_2 = range(5, 8)  # TKP, handles 5..7


@pytest.fixture
def sitting(engine, tmp_path):
    profile = tmp_path / "two-parts.yaml"
    profile.write_text(TWO_PARTS)
    return prepare_sitting(engine, 2, profile=str(profile))


@pytest.fixture
def one_part_sitting(engine):
    return prepare_sitting(engine, 2)


def cell(pg: Any, h: int) -> Any:
    return pg.locator(f'#grid .cell[data-h="{h}"]')


def expect_locked(pg: Any, handles: range, part: str, ui: dict[str, str]) -> None:
    """Cells of another part: locked, with the symbol and the words for closed/future."""
    key = "candidate.grid.cell_closed" if part == "closed" else "candidate.grid.cell_future"
    symbol = ui[f"candidate.grid.symbol.{part}"]
    for h in handles:
        expect(cell(pg, h)).to_have_attribute("data-locked", "true")
        expect(cell(pg, h)).to_have_attribute("data-part", part)
        expect(cell(pg, h)).to_have_attribute("aria-disabled", "true")
        expect(cell(pg, h)).to_have_attribute("aria-label", ui[key].format(n=h + 1))
        expect(cell(pg, h).locator(".cell-symbol")).to_have_text(symbol)


def expect_open(pg: Any, handles: range) -> None:
    for h in handles:
        expect(cell(pg, h)).to_have_attribute("data-locked", "false")
        expect(cell(pg, h)).not_to_have_attribute("aria-disabled", "true")


def expect_part(pg: Any, n: int, count: int, ui: dict[str, str]) -> None:
    indicator = pg.locator("#part-indicator")
    expect(indicator).to_be_visible()
    expect(indicator).to_have_text(ui["candidate.part.indicator"].format(n=n, count=count))
    expect(indicator).to_have_attribute("data-index", str(n - 1))
    expect(indicator).to_have_attribute("data-count", str(count))
    expect(pg.locator("#timer-label")).to_have_text(ui["candidate.exam.remaining_part"])


def test_two_timed_parts_in_the_browser(sitting, server, page):  # noqa: F811 - fixture
    number, pin = sitting.candidates[0]
    ui = catalogue("id")
    page.goto(f"{server.url}/candidate/")
    log_in(page, number, pin, sitting.session_pin)
    expect(page.locator("#waiting")).to_have_attribute("data-phase", "waiting")
    sitting.start()
    exam = page.locator("#exam")
    expect(exam).to_be_visible(timeout=EXAM_TIMEOUT)
    expect(exam).to_have_attribute("data-status", "active")

    # Part 1 of 2: TWK open, TKP not open yet (locked, said in words).
    expect_part(page, 1, 2, ui)
    expect(exam).to_have_attribute("data-h", "0")
    expect(page.locator("#grid .cell")).to_have_count(8)
    expect_open(page, PART_1)
    expect_locked(page, PART_2, "future", ui)
    expect(page.locator('#grid .grid-section[data-section="TKP"] .grid-section-status')).to_have_text(
        ui["candidate.grid.section_future"])
    expect(page.locator('#grid .grid-section[data-section="TWK"] .grid-section-status')).to_have_text("")
    expect(page.locator('#legend li[data-state="future"]')).to_be_visible()
    expect(page.locator("#count-future")).to_have_text("3")
    expect(page.locator('#legend li[data-state="closed"]')).to_be_hidden()
    expect(page.locator("#count-unanswered")).to_have_text("5")  # of the open part
    assert 110_000 < remaining_ms(page) <= 120_000

    # Answer h0 (B); navigation stays inside part 1: grid, Next and the keyboard.
    page.click('#options .option[data-index="1"]')
    expect(cell(page, 0)).to_have_attribute("data-state", "answered")
    expect(cell(page, 6)).to_be_disabled()  # aria-disabled: assistive technology says so too
    cell(page, 6).click(force=True)  # and a click anyway does nothing
    expect(exam).to_have_attribute("data-h", "0")
    cell(page, 4).click()
    expect(exam).to_have_attribute("data-h", "4")
    expect(page.locator("#btn-next")).to_be_disabled()
    page.keyboard.press("ArrowRight")
    expect(exam).to_have_attribute("data-h", "4")
    expect(page.locator("#connection")).to_have_attribute("data-pending", "0")

    # Finish part 1: the dialog says that part 2 opens and part 1 can no longer be changed.
    page.click("#btn-finish")
    modal = page.locator("#finish-modal")
    expect(modal).to_be_visible()
    expect(modal).to_have_attribute("data-scope", "part")
    expect(page.locator("#finish-title")).to_have_text(ui["candidate.finish.part_title"].format(n=1))
    expect(page.locator("#finish-warning")).to_have_text(ui["candidate.finish.part_warning"].format(n=1, next=2))
    expect(page.locator("#confirm-finish")).to_have_text(ui["candidate.finish.part_confirm"].format(n=1))
    expect(page.locator("#finish-unanswered")).to_have_attribute("data-count", "4")
    page.click("#confirm-finish")

    # Part 2 of 2: its first item, its own clock (1 minute), part 1 closed and locked.
    expect_part(page, 2, 2, ui)
    expect(exam).to_have_attribute("data-h", "5")
    expect(exam).to_have_attribute("data-status", "active")
    expect(page.locator("#finishing-banner")).to_be_hidden()
    expect(page.locator("#notice")).to_have_attribute("data-code", "part_opened")
    assert 50_000 < remaining_ms(page) <= 60_000
    expect_open(page, PART_2)
    expect_locked(page, PART_1, "closed", ui)
    expect(cell(page, 0)).to_have_attribute("data-state", "answered")  # the answer is kept, not editable
    expect(page.locator('#grid .grid-section[data-section="TWK"] .grid-section-status')).to_have_text(
        ui["candidate.grid.section_closed"])
    expect(page.locator("#count-closed")).to_have_text("5")
    expect(page.locator('#legend li[data-state="future"]')).to_be_hidden()
    expect(page.locator("#btn-prev")).to_be_disabled()
    page.keyboard.press("ArrowLeft")
    cell(page, 0).click(force=True)
    expect(exam).to_have_attribute("data-h", "5")

    # An unsent event for a closed part (say, queued offline) is refused with section_closed
    # after the reload: dropped from the outbox with a notice, not retried.
    stale = {"type": "answer", "seq": 1000, "h": 1, "choice": 3}
    page.evaluate("([key, event]) => localStorage.setItem(key, JSON.stringify([event]))",
                  [f"exam-engine.outbox.{number}", stale])
    page.reload()
    expect(exam).to_be_visible(timeout=EXAM_TIMEOUT)
    expect(page.locator("#notice")).to_have_attribute("data-code", "section_closed")
    expect(page.locator("#notice-text")).to_have_text(ui["candidate.error.section_closed"])
    expect(page.locator("#connection")).to_have_attribute("data-pending", "0")
    assert page.evaluate(f"() => localStorage.getItem('exam-engine.outbox.{number}')") is None
    expect_part(page, 2, 2, ui)  # resumed inside part 2
    expect(exam).to_have_attribute("data-h", "5")
    expect_locked(page, PART_1, "closed", ui)
    expect(cell(page, 1)).to_have_attribute("data-state", "unanswered")
    assert 45_000 < remaining_ms(page) <= 60_000

    # Answer h5 (C) by keyboard, then finish the last part: the exam's own dialog.
    page.keyboard.press("c")
    expect(cell(page, 5)).to_have_attribute("data-state", "answered")
    expect(page.locator("#connection")).to_have_attribute("data-pending", "0")
    page.click("#btn-finish")
    expect(modal).to_have_attribute("data-scope", "exam")
    expect(page.locator("#finish-title")).to_have_text(ui["candidate.finish.title"])
    expect(page.locator("#finish-warning")).to_have_text(ui["candidate.finish.warning"])
    expect(page.locator("#confirm-finish")).to_have_text(ui["candidate.finish.confirm"])
    expect(page.locator("#finish-unanswered")).to_have_attribute("data-count", "2")
    page.click("#confirm-finish")

    result = page.locator("#result")
    expect(result).to_be_visible(timeout=EXAM_TIMEOUT)
    expect(result).to_have_attribute("data-reason", "finished")
    expect(page.locator("#result-sections tr")).to_have_count(2)
    attempt, responses = stored(sitting.engine, number)
    assert attempt.status == "finished" and attempt.finish_reason == "finished"
    assert responses == {0: (1, False), 5: (2, False)}
    assert [s["code"] for s in attempt.result["sections"]] == ["TWK", "TKP"]
    assert not page.errors.console, f"console errors: {page.errors.console}"


def test_refused_login_clears_the_pins_and_a_moved_attempt_blocks_the_old_page(
        one_part_sitting, server, page):  # noqa: F811 - fixture
    sitting = one_part_sitting
    number, pin = sitting.candidates[0]
    ui = catalogue("id")
    page.goto(f"{server.url}/candidate/")

    # A refused login leaves no PIN behind on a shared workstation; the number stays.
    log_in(page, number, pin + "9", sitting.session_pin)
    expect(page.locator("#login-error")).to_have_attribute("data-code", "invalid_credentials")
    expect(page.locator("#login-pin")).to_have_value("")
    expect(page.locator("#login-session-pin")).to_have_value("")
    expect(page.locator("#login-number")).to_have_value(number)

    sitting.start()
    log_in(page, number, pin, sitting.session_pin)
    exam = page.locator("#exam")
    expect(exam).to_be_visible(timeout=EXAM_TIMEOUT)
    # One part: no part indicator, nothing locked, the usual timer label and dialog.
    expect(page.locator("#part-indicator")).to_be_hidden()
    expect(page.locator("#part-indicator")).to_have_attribute("data-count", "1")
    expect(page.locator('#grid .cell[data-locked="true"]')).to_have_count(0)
    expect(page.locator('#grid .cell[data-locked="false"]')).to_have_count(15)
    expect(page.locator("#timer-label")).to_have_text(ui["candidate.exam.remaining"])
    expect(page.locator('#legend li[data-state="closed"]')).to_be_hidden()
    expect(page.locator('#legend li[data-state="future"]')).to_be_hidden()
    page.click("#btn-finish")
    expect(page.locator("#finish-modal")).to_have_attribute("data-scope", "exam")
    expect(page.locator("#finish-title")).to_have_text(ui["candidate.finish.title"])
    expect(page.locator("#finish-unanswered")).to_have_attribute("data-count", "15")
    page.click("#cancel-finish")
    page.click('#options .option[data-index="0"]')
    expect(page.locator("#connection")).to_have_attribute("data-pending", "0")

    # The proctor approves a move; the candidate logs in on workstation T2.
    with sitting.engine.db.transaction() as s:
        allow_move(s, sitting.code, number)
    assert Terminal(server.url, "T2").login(number, pin, sitting.session_pin).status_code == 200

    # The old page's next event is refused with `moved`: blocked, token and outbox gone.
    page.click('#options .option[data-index="2"]')
    blocked = page.locator("#blocked")
    expect(blocked).to_be_visible()
    expect(blocked).to_have_attribute("data-code", "moved")
    expect(page.locator("#blocked-text")).to_have_text(ui["candidate.error.moved"])
    expect(page.locator("body")).to_have_attribute("data-screen", "blocked")
    expect(exam).to_be_hidden()
    expect(page.locator("#stem")).to_be_empty()
    storage = json.loads(page.evaluate(
        "() => JSON.stringify([localStorage.getItem('exam-engine.token'), sessionStorage.getItem('exam-engine.token'),"
        f" localStorage.getItem('exam-engine.outbox.{number}')])"))
    assert storage == [None, None, None]
    assert stored(sitting.engine, number)[1] == {0: (0, False)}  # the refused answer changed nothing

    # Nothing behind the message can be reached; a reload shows the login form.
    assert page.evaluate("() => document.getElementById('main').inert") is True
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-screen", "login")
    unexpected = [m for m in page.errors.console if "status of 401" not in m]  # the refused login's own 401
    assert not unexpected, f"console errors: {unexpected}"
