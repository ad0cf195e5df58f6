"""A Kraepelin column in headless Chromium: the page shows the column's digits with a cell
between each pair, typed digits answer the current cell and move down, and the column
changes when the server moves the candidate on. The result shows the work curve, and its
section adds nothing to the total's maximum."""
from __future__ import annotations

import pytest

from tests.browser_fixtures import browser, page  # noqa: F401 - fixtures
from tests.exam_engine.delivery.conftest import prepare_sitting
from tests.exam_engine.delivery.test_browser import EXAM_TIMEOUT, catalogue, log_in, stored
from tests.exam_engine.delivery.test_kraepelin_sitting import form_of

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture fails with the install hint
    expect = None  # type: ignore[assignment]

SECONDS = 10  # per column: long enough for the key release and the decryption before column 1 ends
ROWS = 4     # 5 digits per column
PROFILE = f"""
code: kraepelin-browser
duration_minutes: 1
accommodations:
  tunanetra: {{extra_minutes: 1}}
sections:
  - {{code: KRAEPELIN, name: {{id: Tes Kraepelin, en: Kraepelin Test}}, item_type: kraepelin,
     scoring: {{rule: kraepelin}}, sheet: {{columns: 2, digits: 5, seconds_per_column: {SECONDS}}}}}
"""


@pytest.fixture
def sitting(engine, tmp_path):
    profile = tmp_path / "kraepelin-browser.yaml"
    profile.write_text(PROFILE)
    return prepare_sitting(engine, 2, profile=str(profile))


def right(cell):
    return (cell["pair"][0] + cell["pair"][1]) % 10


def test_typing_digits_down_a_column_and_the_server_moving_on(sitting, server, page):  # noqa: F811 - fixture
    number, pin = sitting.candidates[0]
    ui = catalogue("id")
    page.goto(f"{server.url}/candidate/")
    log_in(page, number, pin, sitting.session_pin)
    expect(page.locator("#waiting")).to_have_attribute("data-phase", "waiting")
    sitting.start()
    kraepelin = page.locator("#kraepelin")
    expect(kraepelin).to_be_visible(timeout=EXAM_TIMEOUT)
    form = form_of(sitting.engine, number)

    # Column 1 of 2: its five digits top to bottom, a cell between each pair; no question view.
    expect(kraepelin).to_have_attribute("data-column", "0")
    expect(kraepelin).to_have_attribute("data-columns", "2")
    expect(page.locator("#kraepelin-title")).to_have_text(ui["candidate.kraepelin.column"].format(n=1, count=2))
    digits = [form[0]["pair"][0]] + [form[r]["pair"][1] for r in range(ROWS)]
    expect(page.locator("#kraepelin-sheet .kp-digit")).to_have_text([str(d) for d in digits])
    cells = page.locator("#kraepelin-sheet .kp-cell")
    expect(cells).to_have_count(ROWS)
    for hidden in ("#item", "#nav-panel", "#exam-controls"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(cells.nth(0)).to_have_attribute("data-current", "true")

    # Typing: the right digit, a wrong one, the right one; each moves the cursor down a cell.
    typed = [right(form[0]), (right(form[1]) + 1) % 10, right(form[2])]
    for digit in typed:
        page.keyboard.press(str(digit))
    for row, digit in enumerate(typed):
        expect(cells.nth(row)).to_have_attribute("data-written", str(digit))
        expect(cells.nth(row)).to_have_text(str(digit))
    expect(cells.nth(3)).to_have_attribute("data-current", "true")
    expect(cells.nth(3)).to_have_attribute("aria-label", ui["candidate.kraepelin.cell"].format(
        upper=form[3]["pair"][0], lower=form[3]["pair"][1]))
    expect(page.locator("#connection")).to_have_attribute("data-pending", "0")
    assert stored(sitting.engine, number)[1] == {0: (typed[0], False), 1: (typed[1], False), 2: (typed[2], False)}

    # A reload inside the column comes back to the same column, below the last digit written.
    page.reload()
    expect(kraepelin).to_be_visible(timeout=EXAM_TIMEOUT)
    expect(kraepelin).to_have_attribute("data-column", "0")
    expect(cells.nth(1)).to_have_attribute("data-written", str(typed[1]))
    expect(cells.nth(3)).to_have_attribute("data-current", "true")

    # The server moves the page to column 2 when column 1's time is up.
    expect(kraepelin).to_have_attribute("data-column", "1", timeout=SECONDS * 1000 + 5000)
    expect(page.locator("#notice")).to_have_attribute("data-code", "part_opened")
    expect(page.locator("#notice-text")).to_have_text(ui["candidate.kraepelin.opened"].format(n=2, count=2))
    digits = [form[ROWS]["pair"][0]] + [form[ROWS + r]["pair"][1] for r in range(ROWS)]
    expect(page.locator("#kraepelin-sheet .kp-digit")).to_have_text([str(d) for d in digits])
    expect(cells.nth(0)).to_have_attribute("data-h", str(ROWS))
    expect(cells.nth(0)).to_have_attribute("data-current", "true")
    expect(cells.nth(0)).to_have_attribute("data-written", "")
    page.keyboard.press(str(right(form[ROWS])))
    expect(cells.nth(0)).to_have_attribute("data-written", str(right(form[ROWS])))
    expect(page.locator("#connection")).to_have_attribute("data-pending", "0")

    # After column 2 the exam ends by itself: 2 + 1 correct, 1 error, speed 3 / 2 columns.
    expect(page.locator("#result")).to_be_visible(timeout=SECONDS * 1000 + 5000)
    row = page.locator('#result-sections tr[data-code="KRAEPELIN"]')
    expect(row.locator("td.score")).to_have_text("3")
    detail = page.locator('#result-sections tr.result-detail[data-detail-of="KRAEPELIN"]')
    expect(detail.locator('li[data-metric="speed"]')).to_have_text(ui["candidate.result.metric.speed"] + ": 1.5")
    expect(detail.locator('li[data-metric="errors"]')).to_have_text(ui["candidate.result.metric.errors"] + ": 1")
    # endurance: per-column correct 2, 1 over x = 0, 1: slope -1
    expect(detail.locator('li[data-metric="endurance"]')).to_have_text(ui["candidate.result.metric.endurance"] + ": -1")
    expect(page.locator("#result-total-max")).to_have_text("")  # nothing adds into the total here


MIXED = """
code: tiu-then-kraepelin
duration_minutes: 2
accommodations:
  tunanetra: {extra_minutes: 1}
sections:
  - {code: TIU, name: {id: Tes Intelegensia Umum, en: General Intelligence}, item_type: single_choice,
     scoring: {rule: dichotomous, correct: 5}, items: 5, max_score: 25,
     topics: {analogi: 1, silogisme: 1, berhitung: 1, deret: 1, figural: 1},
     difficulty_mix: {easy: 0.4, medium: 0.4, hard: 0.2}}
  - {code: KRAEPELIN, name: {id: Tes Kraepelin, en: Kraepelin Test}, item_type: kraepelin,
     scoring: {rule: kraepelin}, sheet: {columns: 1, digits: 3, seconds_per_column: 4}}
"""


@pytest.fixture
def mixed_sitting(engine, tmp_path):
    profile = tmp_path / "tiu-then-kraepelin.yaml"
    profile.write_text(MIXED)
    return prepare_sitting(engine, 2, profile=str(profile))


def test_a_column_after_a_question_part_and_the_result_beside_the_total(mixed_sitting, server, page):  # noqa: F811
    number, pin = mixed_sitting.candidates[0]
    ui = catalogue("id")
    page.goto(f"{server.url}/candidate/")
    log_in(page, number, pin, mixed_sitting.session_pin)
    expect(page.locator("#waiting")).to_have_attribute("data-phase", "waiting")
    mixed_sitting.start()
    expect(page.locator("#exam")).to_be_visible(timeout=EXAM_TIMEOUT)

    # The TIU part looks like any exam; the Kraepelin column is not shown yet.
    expect(page.locator("#item")).to_be_visible()
    expect(page.locator("#kraepelin")).to_be_hidden()
    expect(page.locator("#grid .cell")).to_have_count(5)  # the column's cells are not in the grid
    page.click("#btn-finish")
    page.click("#confirm-finish")

    # The column opens: its 3 digits, 2 cells; the finish button is not the candidate's to use.
    expect(page.locator("#kraepelin")).to_be_visible()
    expect(page.locator("#kraepelin-sheet .kp-digit")).to_have_count(3)
    expect(page.locator("#btn-finish")).to_be_hidden()
    form = form_of(mixed_sitting.engine, number)
    page.keyboard.press(str(right(form[5])))
    expect(page.locator("#kraepelin-sheet .kp-cell").nth(0)).to_have_attribute("data-written", str(right(form[5])))
    expect(page.locator("#connection")).to_have_attribute("data-pending", "0")

    # The result: TIU counts into the total (max 25); the work curve stands apart, with no
    # maximum of its own, and a single column has no slope.
    expect(page.locator("#result")).to_be_visible(timeout=15_000)
    expect(page.locator('#result-sections tr[data-code="TIU"] td.score')).to_have_text("0")
    expect(page.locator("#result-total-max")).to_have_text("25")
    expect(page.locator('#result-sections tr[data-code="KRAEPELIN"] td.score')).to_have_text("1")
    expect(page.locator('#result-sections tr[data-code="KRAEPELIN"] td').nth(1)).to_have_text("—")
    detail = page.locator('#result-sections tr.result-detail[data-detail-of="KRAEPELIN"]')
    expect(detail.locator("li[data-metric]")).to_have_count(8)
    expect(detail.locator('li[data-metric="correct"]')).to_have_text(ui["candidate.result.metric.correct"] + ": 1")
    expect(detail.locator('li[data-metric="endurance"]')).to_have_text(ui["candidate.result.metric.endurance"] + ": —")
