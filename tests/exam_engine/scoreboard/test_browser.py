"""The scoreboard page in headless Chromium: opened without a login once the committee made
it public, it re-sorts and updates a candidate's total live as they answer and finish."""
from __future__ import annotations

from typing import Any

from tests.browser_fixtures import browser, page  # noqa: F401 - fixtures
from tests.exam_engine.scoreboard.conftest import set_public
from tests.exam_engine.scoreboard.test_scoreboard import form_entries

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture fails with the install hint
    expect = None  # type: ignore[assignment]


def test_the_projected_board_updates_live(engine, server, consoles, terminals, sitting, page: Any) -> None:  # noqa: F811
    assert set_public(consoles("panitia"), True).status_code == 200
    page.goto(f"{server.url}/scoreboard/S1?lang=en")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(page.locator("#rows tr")).to_have_count(4)
    sitting.start()
    t = terminals(2)
    t.wait_key()
    number = sitting.candidates[2][0]
    row = page.locator(f'#rows tr[data-number="{number}"]')
    expect(row).to_have_attribute("data-status", "active")
    tkp = [h for h, entry in enumerate(form_entries(engine, number)) if entry["section"] == "TKP"]
    rises = "([n, v]) => Number(document.querySelector(`#rows tr[data-number='${n}'] td.total`).dataset.total) > v"
    assert t.call("answer", {"seq": 1, "h": tkp[0], "choice": 1})["ok"] is True
    page.wait_for_function(rises, arg=[number, 0], timeout=3000)
    expect(page.locator("#rows tr").first).to_have_attribute("data-number", number)  # sorted by total
    first = float(row.locator("td.total").get_attribute("data-total") or 0)
    expect(row.locator(".verdict")).to_contain_text("Answering · Provisional")
    assert t.call("answer", {"seq": 2, "h": tkp[1], "choice": 1})["ok"] is True
    page.wait_for_function(rises, arg=[number, first], timeout=3000)
    assert t.call("finish", {"seq": 3})["ok"] is True
    expect(row).to_have_attribute("data-final", "true", timeout=3000)
    expect(row.locator(".verdict")).to_have_text("✘ NOT PASSED")
    assert not page.errors.console, page.errors.console
