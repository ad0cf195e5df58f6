"""The committee page in headless Chromium against a real server node.

A committee member logs in, opens S1 while one candidate is still answering, sees the ranking
per formation with pass/fail and the provisional score, watches the last candidate finish
(the page polls), freezes the results with a reason, downloads the signed XLSX and opens it,
loads the item analysis, and switches to English. Hooks: the top of committee.js."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from exam_engine.node import ServerProcess
from exam_engine.scheduling.service import get_exam
from exam_engine.scheduling.vacancies import set_vacancies
from tests.browser_fixtures import browser, page  # noqa: F401 - fixtures
from tests.exam_engine.committee.conftest import PASSWORD, finish_attempt, start_attempt

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture fails with the install hint
    expect = None  # type: ignore[assignment]

MESSAGES = Path(__file__).resolve().parents[3] / "exam_engine" / "i18n" / "messages"
LIVE = 8_000  # ms: a poll every 3 s, plus the server's answer


def catalogue(lang: str) -> dict[str, str]:
    return json.loads((MESSAGES / f"{lang}.json").read_text(encoding="utf-8"))


@pytest.fixture
def server(sat: Any) -> Iterator[ServerProcess]:
    node = ServerProcess(sat.settings.instance_path)
    node.start()
    yield node
    node.stop()


def test_committee_ranks_freezes_downloads_and_reads_english(sat, server, page, tmp_path):  # noqa: F811
    ui, en = catalogue("id"), catalogue("en")
    with sat.db.transaction() as s:  # umum: 3 x 1 places (the tie at 3rd lets 4 advance); cumlaude: no count
        set_vacancies(s, get_exam(s, "EXAM"), "umum", 1)
    start_attempt(sat, "P006", correct=2)  # still answering when the committee looks

    page.goto(f"{server.url}/committee/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#login-title")).to_have_text(ui["committee.login.title"])
    page.fill("#staff-login-username", "panitia")
    page.fill("#staff-login-password", PASSWORD)
    page.click("#staff-login-submit")
    page.locator('#session-picker button.session-option[data-code="S1"]').click()

    results = page.locator("#results")
    expect(results).to_have_attribute("data-session", "S1")
    expect(results).to_have_attribute("data-running", "1")
    umum = page.locator('.formation[data-formation="umum"]')
    rows = umum.locator("tr.result-row")
    expect(rows).to_have_count(7)
    # ranked by total and the tie-break chain; P004 fails on TWK; P006 is still answering
    ranked = [(r.get_attribute("data-number"), r.get_attribute("data-rank"), r.get_attribute("data-result"))
              for r in rows.all()[:6]]
    assert ranked == [("P005", "1", "passed"), ("P002", "2", "passed"), ("P003", "3", "passed"),
                      ("P007", "3", "passed"), ("P001", "5", "passed"), ("P004", "", "failed")]
    p004 = umum.locator('tr[data-number="P004"]')
    expect(p004.locator('td[data-field="TWK"]')).to_have_attribute("data-passed", "false")
    expect(p004.locator('td[data-field="result"]')).to_have_text(ui["committee.result.failed"])
    expect(umum.locator('tr[data-number="P005"] td[data-field="result"]')).to_have_text(ui["committee.result.passed"])
    p006 = umum.locator('tr[data-number="P006"]')
    expect(p006).to_have_attribute("data-result", "running")
    expect(p006.locator('td[data-field="TWK"]')).to_contain_text(ui["committee.result.provisional"])
    expect(page.locator('.formation[data-formation="cumlaude"] tr[data-number="P008"]')).to_have_attribute("data-rank", "1")
    expect(page.locator("#freeze")).to_be_disabled()
    # who advances: a column per row, N x vacancies under the heading, what to set where uncounted
    advances = [(r.get_attribute("data-number"), r.locator('td[data-field="advances"]').get_attribute("data-advances"),
                 r.locator('td[data-field="advances"]').text_content()) for r in rows.all()]
    assert advances == [("P005", "true", ui["committee.advances.yes"]), ("P002", "true", ui["committee.advances.yes"]),
                        ("P003", "true", ui["committee.advances.yes"]), ("P007", "true", ui["committee.advances.yes"]),
                        ("P001", "false", ui["committee.advances.no"]), ("P004", "false", ui["committee.advances.no"]),
                        ("P006", "", ui["committee.advances.unknown"])]
    expect(umum.locator("thead th").last).to_have_text(ui["committee.col.advances"])
    expect(umum.locator("p.quota")).to_have_text("Kuota lolos ke tahap berikut: 1 formasi × 3 = 3 (lolos: 4)")
    cumlaude = page.locator('.formation[data-formation="cumlaude"]')
    expect(cumlaude.locator("p.quota")).to_have_attribute("data-quota", "")
    expect(cumlaude.locator("p.quota")).to_have_text(ui["committee.results.quota_unset"])
    expect(cumlaude.locator('td[data-field="advances"]')).to_have_attribute("data-advances", "")
    expect(page.locator("#advance-problem")).to_have_text(
        "Jumlah formasi belum diisi untuk formasi cumlaude, jadi siapa yang lolos di sana belum diketahui. Isi dengan "
        "`exam-engine exam vacancies --exam EXAM --formation F --count N` (atau --file formasi.csv).")

    finish_attempt(sat, "P006")  # the page follows without a reload
    expect(p006).not_to_have_attribute("data-result", "running", timeout=LIVE)
    expect(results).to_have_attribute("data-running", "0")

    # freezing needs a reason
    page.click("#freeze")
    page.click("#reason-confirm")
    expect(page.locator("#reason-error")).to_have_attribute("data-code", "reason_required")
    page.fill("#reason-text", "rapat pleno panitia")
    page.click("#reason-confirm")
    expect(page.locator("#reason-dialog")).to_be_hidden()
    expect(results).to_have_attribute("data-frozen", "true")
    expect(page.locator("#reopen")).to_be_visible()

    page.click("#export-create")  # XLSX is ticked by default
    link = page.locator('#export-list li.export a.export-file[data-name="hasil.xlsx"]')
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "hasil.xlsx"
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    table = list(book["umum"].iter_rows(values_only=True))
    assert table[0][:3] == ("No. Peserta", "Nama", "Formasi")
    assert table[0][-3:] == ("Peringkat", "Lolos ke tahap berikut", "Keterangan")
    assert [(r[0], r[-3], r[-2], r[-1]) for r in table[1:4]] == [("P005", 1, "Ya", "LULUS"), ("P002", 2, "Ya", "LULUS"),
                                                                 ("P003", 3, "Ya", "LULUS")]
    expect(page.locator('#export-list a.export-file[data-name="MANIFEST.sig"]')).to_have_count(1)

    page.click("#analysis-load")
    expect(page.locator("#analysis")).to_have_attribute("data-state", "ready")
    expect(page.locator("#analysis-chart")).to_be_visible()
    assert page.locator("#analysis-items tbody tr").count() > 0

    page.click("#lang-switch")  # comes back to the same session, in English
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#results")).to_have_attribute("data-frozen", "true")
    expect(page.locator("#freeze")).to_be_hidden()
    expect(page.locator("#reopen")).to_have_text(en["committee.action.reopen"])
    expect(page.locator("#results-title")).to_contain_text("Results of session S1")
    expect(umum.locator("thead th").first).to_have_text(en["committee.col.rank"])
    expect(umum.locator('tr[data-number="P005"] td[data-field="result"]')).to_have_text(en["committee.result.passed"])
    expect(umum.locator('tr[data-number="P005"] td[data-field="advances"]')).to_have_text(en["committee.advances.yes"])
    expect(umum.locator("p.quota")).to_contain_text("1 vacancies × 3 = 3")
    expect(page.locator("#exports-title")).to_have_text(en["committee.exports.title"])
    # the one expected error: /staff/api/me answering 401 before the login
    assert [e for e in page.errors.console if "401" not in e] == [], page.errors.console
