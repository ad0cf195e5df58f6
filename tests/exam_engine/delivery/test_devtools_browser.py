"""What a candidate's browser receives, read the way DevTools shows it: a CDP session records
every WebSocket frame and HTTP response body of a whole sitting in headless Chromium.

Nothing that scores crosses the wire (no answer key, weight, trait, bank option letter or
item id, checked against the server's own records), the form's text never travels in the
clear (the package is ciphertext, and before the start there is no key to open it), and a
page of another origin cannot open the candidate socket."""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from exam_engine.delivery.models import Attempt
from exam_engine.node import free_port
from exam_engine.roster.models import Candidate
from question_bank.forms import Form
from question_bank.models import Item
from tests.browser_fixtures import browser, page  # noqa: F401 - fixtures
from tests.exam_engine.delivery.conftest import decrypt
from tests.exam_engine.delivery.test_browser import EXAM_TIMEOUT, log_in
from tests.exam_engine.delivery.test_package import ALLOWED

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture fails with the install hint
    expect = None  # type: ignore[assignment]

#: JSON keys that would carry scoring information or the bank's identity of an item/option.
FORBIDDEN_KEYS = {"answer", "weights", "weight", "correct", "trait", "reverse", "option", "item", "item_id",
                  "content_hash", "revision", "bank"}


@dataclass
class Wire:
    """Everything the page received, as recorded through the Chrome DevTools Protocol."""

    cdp: Any
    frames: list[str] = field(default_factory=list)
    responses: dict[str, str] = field(default_factory=dict)  # request id -> url
    bodiless: set[str] = field(default_factory=set)  # request ids of 101/204/304 responses
    bodies: dict[str, str] = field(default_factory=dict)  # url -> body text

    def fetch_bodies(self) -> None:
        """Ask the browser for the body of every response so far (DevTools' Response tab)."""
        for request_id, url in list(self.responses.items()):
            if request_id in self.bodies or request_id in self.bodiless:
                continue
            got = self.cdp.send("Network.getResponseBody", {"requestId": request_id})
            self.bodies[request_id] = (base64.b64decode(got["body"]).decode("utf-8", "replace")
                                       if got["base64Encoded"] else got["body"])

    def texts(self) -> list[tuple[str, str]]:
        """(where, text) of every frame and body."""
        return ([(f"frame {i}", f) for i, f in enumerate(self.frames)]
                + [(self.responses[r], b) for r, b in self.bodies.items()])

    def json_documents(self) -> Iterator[tuple[str, Any]]:
        """The JSON inside each Socket.IO frame (`42/candidate,[...]`, acks `43...`) and body."""
        for where, text in self.texts():
            start = min((i for i in (text.find("["), text.find("{")) if i >= 0), default=-1)
            if start < 0:
                continue
            try:
                yield where, json.loads(text[start:])
            except ValueError:
                continue  # HTML, JavaScript, Engine.IO pings

    def events(self, name: str) -> list[Any]:
        return [doc[1] for _, doc in self.json_documents()
                if isinstance(doc, list) and len(doc) >= 2 and doc[0] == name]


def record(pg: Any) -> Wire:
    cdp = pg.context.new_cdp_session(pg)
    wire = Wire(cdp)
    cdp.on("Network.webSocketFrameReceived", lambda e: wire.frames.append(e["response"]["payloadData"]))

    def response(e: dict[str, Any]) -> None:
        wire.responses[e["requestId"]] = e["response"]["url"]
        if e["response"]["status"] in (101, 204, 304):
            wire.bodiless.add(e["requestId"])

    cdp.on("Network.responseReceived", response)
    cdp.send("Network.enable", {"maxTotalBufferSize": 50_000_000, "maxResourceBufferSize": 20_000_000})
    return wire


def keys_of(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from keys_of(v)
    elif isinstance(value, list):
        for v in value:
            yield from keys_of(v)


@dataclass
class ServerSide:
    """What the server knows about the candidate's form and the bank."""

    item_ids: list[str]
    stems: list[str]
    option_texts: list[str]


def server_side(engine: Any, number: str) -> ServerSide:
    with engine.db.session() as s:
        item_ids = list(s.scalars(select(Item.item_id)))
        attempt = s.scalar(select(Attempt).join(Attempt.candidate).where(Candidate.number == number))
        form = s.get(Form, attempt.form_id)
        stems: list[str] = []
        options: list[str] = []
        for entry in form.items:
            item = s.get(Item, entry["item"])
            content = engine.vault.decrypt_json(item.payload, item.context)
            stems.append(content["stem"])
            options += [o["text"] for o in content["options"]]
    return ServerSide(item_ids, stems, options)


def shown_forms(text: str) -> tuple[str, ...]:
    """A text as it may appear on the wire: as is, or JSON-escaped."""
    return text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]


def test_devtools_view_of_a_whole_sitting(sitting, server, terminals, page):  # noqa: F811 - fixture
    number, pin = sitting.candidates[0]
    # A neighbour in the same room, on its own terminal: nothing of theirs may reach this page.
    neighbour_number, neighbour_pin = sitting.candidates[1]
    neighbour = terminals("T2")
    assert neighbour.login(neighbour_number, neighbour_pin, sitting.session_pin).status_code == 200
    neighbour.connect()
    wire = record(page)
    page.goto(f"{server.url}/candidate/")
    log_in(page, number, pin, sitting.session_pin)
    expect(page.locator("#waiting")).to_have_attribute("data-package", "ready")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    wire.fetch_bodies()
    known = server_side(sitting.engine, number)
    texts = [t for t in known.stems + known.option_texts if len(t) >= 8]
    assert len(texts) >= 15  # something real to look for

    # Before the start: the package is ciphertext, nothing on the wire shows the form or a key.
    package_bodies = [b for r, b in wire.bodies.items() if wire.responses[r].endswith("/candidate/api/package")]
    assert len(package_bodies) == 1
    package = json.loads(package_bodies[0])
    assert set(package) == {"iv", "data"}
    before = wire.texts()
    for where, text in before:
        leaked = [t for t in texts if any(form in text for form in shown_forms(t))]
        assert not leaked, f"form text visible before the start in {where}: {leaked[:3]}"
    states = wire.events("state")
    assert states and all(s["key"] is None and s["status"] == "waiting" for s in states)
    assert not wire.events("key")

    # The sitting: start, answer by mouse and keyboard, mark, move, finish.
    sitting.start()
    exam = page.locator("#exam")
    expect(exam).to_be_visible(timeout=EXAM_TIMEOUT)
    page.click('#options .option[data-index="1"]')
    page.click("#btn-mark")
    page.click("#btn-next")
    page.keyboard.press("c")
    page.click('#grid .cell[data-h="6"]')
    page.click('#options .option[data-index="4"]')
    page.click('#grid .cell[data-h="12"]')
    page.click('#options .option[data-index="0"]')
    expect(page.locator("#connection")).to_have_attribute("data-pending", "0")
    neighbour_key = neighbour.wait_key()["key"]
    assert neighbour.call("answer", {"seq": 1, "h": 0, "choice": 2})["ok"] is True
    page.click("#btn-finish")
    page.click("#confirm-finish")
    expect(page.locator("#result")).to_be_visible(timeout=EXAM_TIMEOUT)
    wire.fetch_bodies()
    assert wire.events("ended"), "the result never arrived over the socket"

    # The key that arrived opens the package that arrived; the plaintext holds only what the
    # screen needs (the whitelist of test_package.py), the items in the server's order.
    keys = [k["key"] for k in wire.events("key")] + [s["key"] for s in wire.events("state") if s.get("key")]
    assert keys and len(set(keys)) == 1
    document = decrypt(package, keys[0])
    assert set(document) == ALLOWED["top"]
    for item in document["items"]:
        assert set(item) == ALLOWED["item"]
        assert all(set(o) == ALLOWED["option"] for o in item["options"])
    assert [i["stem"] for i in document["items"]] == known.stems

    # Over the whole sitting: no scoring field in any JSON, no item id and no form text anywhere.
    documents = list(wire.json_documents())
    assert len(documents) >= 10
    for where, doc in [*documents, ("decrypted package", document)]:
        found = FORBIDDEN_KEYS & set(keys_of(doc))
        assert not found, f"{where} carries {found}"
    assert neighbour_key != keys[0]
    for where, text in wire.texts():
        assert neighbour_key not in text and neighbour.token not in text, f"the neighbour's key or token in {where}"
        assert neighbour_number not in text, f"the neighbour's candidate number in {where}"
        ids = [i for i in known.item_ids if i in text]
        assert not ids, f"bank item ids in {where}: {ids[:5]}"
        leaked = [t for t in texts if any(form in text for form in shown_forms(t))]
        assert not leaked, f"form text in the clear in {where}: {leaked[:3]}"


def test_devtools_view_of_the_login_rate_limit(sitting, server, page):  # noqa: F811 - fixture
    """Five wrong PINs, then the right one: every answer is a refusal without a token, the last
    one says how long to wait, and the page holds the form shut."""
    number, pin = sitting.candidates[2]
    wrong = "000000" if pin != "000000" else "111111"
    wire = record(page)
    page.goto(f"{server.url}/candidate/")
    for attempt in range(6):
        with page.expect_response(lambda r: r.url.endswith("/candidate/api/login")) as answered:
            log_in(page, number, pin if attempt == 5 else wrong, sitting.session_pin)
        assert answered.value.status == (429 if attempt == 5 else 401)
        if attempt < 5:  # the page has handled the refusal (and cleared the PINs) before the next try
            expect(page.locator("#login-error")).to_have_attribute("data-code", "invalid_credentials")
            expect(page.locator("#login-pin")).to_have_value("")
    expect(page.locator("#login-error")).to_have_attribute("data-code", "rate_limited")
    expect(page.locator("#login-submit")).to_be_disabled()
    wire.fetch_bodies()
    logins = [json.loads(b) for r, b in wire.bodies.items() if wire.responses[r].endswith("/candidate/api/login")]
    assert [body["error"]["code"] for body in logins] == ["invalid_credentials"] * 5 + ["rate_limited"]
    assert logins[-1]["error"]["retry_after"] > 0
    assert not [b for b in logins if "token" in b]
    assert not wire.frames  # no socket without a token
    with sitting.engine.db.session() as s:
        candidate = s.scalar(select(Candidate).where(Candidate.number == number))
        bound = s.scalar(select(Attempt.terminal).where(Attempt.candidate_id == candidate.id))
    assert bound is None  # the right PIN, refused by the limit, bound no workstation


FOREIGN_PAGE = "<!doctype html><title>elsewhere</title><p>a page of another origin</p>"
OPEN_SOCKET = """(url) => new Promise((resolve) => {
  const ws = new WebSocket(url);
  const timer = setTimeout(() => resolve({opened: false, reason: 'timeout'}), 8000);
  ws.onmessage = (e) => { clearTimeout(timer); resolve({opened: true, first: String(e.data)}); ws.close(); };
  ws.onclose = (e) => { clearTimeout(timer); resolve({opened: false, code: e.code}); };
})"""


def test_a_page_of_another_origin_cannot_open_the_socket(server, page):  # noqa: F811 - fixture
    """The browser sends its page's Origin; the node refuses the Engine.IO handshake for any
    origin but its own. Same script, same browser, genuine page: the socket opens."""
    socket_url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    wire = record(page)
    handshakes: list[int] = []
    wire.cdp.on("Network.webSocketHandshakeResponseReceived", lambda e: handshakes.append(e["response"]["status"]))

    # A local address on another port: another origin, without Chromium's private-network rules.
    foreign = f"http://localhost:{free_port()}/exam.html"
    page.route(foreign, lambda route: route.fulfill(status=200, content_type="text/html", body=FOREIGN_PAGE))
    page.goto(foreign)
    refused = page.evaluate(OPEN_SOCKET, socket_url)
    assert refused["opened"] is False and refused.get("code") == 1006, refused
    assert not wire.frames and 101 not in handshakes

    page.goto(f"{server.url}/candidate/")
    opened = page.evaluate(OPEN_SOCKET, socket_url)
    assert opened["opened"] is True and opened["first"].startswith("0{"), opened  # Engine.IO's open packet
    assert 101 in handshakes
