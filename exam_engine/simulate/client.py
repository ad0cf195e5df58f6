"""One simulated candidate: the terminal's protocol, spoken by a python-socketio AsyncClient.

Like the real terminal it logs in over HTTP, downloads the encrypted package before the
start, connects with its token, waits for the key, and answers at a human pace. Every
event carries seq = last + 1 and stays in an outbox until acknowledged; after a reconnect
(python-socketio reconnects by itself) it waits for `state` and resends the outbox in order."""
from __future__ import annotations

import asyncio
import base64
import collections
import json
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from exam_engine.simulate.sitting import Credential

NAMESPACE = "/candidate"
ACK_TIMEOUT = 20.0  # a silent connection is given up on and the outbox resent
CONNECT_TIMEOUT = 20.0
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=15)
log = logging.getLogger(__name__)
# python-socketio and python-engineio narrate every reconnect and close at INFO/WARNING;
# the summary reports what matters.
transport_log = logging.getLogger(__name__ + ".transport")
transport_log.setLevel(logging.ERROR)


@dataclass(frozen=True)
class Pace:
    """How a candidate behaves; think times are divided by `speed`."""

    speed: float = 1.0
    think: tuple[float, float] = (4.0, 25.0)
    mark_rate: float = 0.10  # ragu-ragu
    change_rate: float = 0.12  # an answer changed on review
    clear_rate: float = 0.02  # an answer withdrawn on review

    def think_time(self, rng: random.Random, factor: float = 1.0) -> float:
        return rng.uniform(*self.think) * factor / self.speed


@dataclass
class Event:
    seq: int
    kind: str  # answer | mark | clear | finish
    h: int | None
    value: int | None
    payload: dict[str, Any]


@dataclass
class CandidateRecord:
    """What one candidate saw: the runner verifies it against the database."""

    number: str
    candidate_id: int
    login_error: str | None = None
    package_error: str | None = None
    package_bytes: int = 0
    token: str | None = None
    connected: bool = False
    key_at: float | None = None  # time.monotonic() when the key arrived
    items: int = 0
    sent: int = 0  # distinct events created
    transmissions: int = 0  # emits, resends included
    reconnects: int = 0
    failed_connects: int = 0  # attempts while the server was unreachable
    queued_offline: int = 0  # events created while disconnected, sent from the outbox later
    duplicates: int = 0  # resends the server had already stored (its ack was lost)
    acked: list[tuple[int, str, int | None, int | None]] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    ended_reason: str | None = None
    result: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def logged_in(self) -> bool:
        return self.token is not None

    def final_choices(self) -> dict[int, int | None]:
        """Per handle, the acknowledged choice with the highest seq (None: cleared)."""
        final: dict[int, tuple[int, int | None]] = {}
        for seq, kind, h, value in self.acked:
            if kind in ("answer", "clear") and h is not None and seq > final.get(h, (0, None))[0]:
                final[h] = (seq, value if kind == "answer" else None)
        return {h: choice for h, (_, choice) in final.items()}


class _Client(socketio.AsyncClient):
    """python-socketio's reconnect gives the namespace 1 s to connect; a node that has just
    restarted under every terminal of the room needs longer, and giving up only makes it
    redo the work. The browser client waits 20 s."""

    async def connect(self, *args: Any, wait_timeout: float = CONNECT_TIMEOUT, **kwargs: Any) -> None:
        await super().connect(*args, wait_timeout=wait_timeout, **kwargs)


class SimulatedCandidate:
    def __init__(self, base_url: str, credential: Credential, session_pin: str, http: aiohttp.ClientSession,
                 rng: random.Random, pace: Pace) -> None:
        self.base_url, self.credential, self.session_pin = base_url.rstrip("/"), credential, session_pin
        self.http, self.rng, self.pace = http, rng, pace
        self.record = CandidateRecord(credential.number, credential.candidate_id)
        self.terminal = uuid.UUID(int=rng.getrandbits(128)).hex
        self.package: dict[str, str] | None = None
        self.sio: socketio.AsyncClient | None = None
        self.outbox: collections.deque[Event] = collections.deque()
        self.next_seq = 1
        self.key: bytes | None = None
        self._ready = asyncio.Event()  # connected, and this connection's `state` received
        self._connected = False
        self._state_seen = False
        self._lost: asyncio.Future[None] | None = None  # resolved when this connection drops
        self._key_event = asyncio.Event()
        self._ended = asyncio.Event()
        self._pending = asyncio.Event()  # the outbox has something
        self._drained = asyncio.Event()
        self._drained.set()
        self._sender: asyncio.Task[None] | None = None

    # -- before the start -------------------------------------------------------------

    async def login(self, attempts: int = 4) -> bool:
        body = {"number": self.credential.number, "pin": self.credential.pin,
                "session_pin": self.session_pin, "terminal": self.terminal}
        for attempt in range(attempts):
            try:
                async with self.http.post(f"{self.base_url}/candidate/api/login", json=body,
                                          timeout=HTTP_TIMEOUT) as response:
                    data = await response.json(content_type=None)
                    if response.status == 200:
                        self.record.token = data["token"]
                        self.record.login_error = None
                        return True
                    error = (data or {}).get("error") or {}
                    self.record.login_error = f"{response.status} {error.get('code', '?')}"
                    if response.status != 429:
                        return False
                    await asyncio.sleep(min(float(error.get("retry_after") or 1), 5.0))
            except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                self.record.login_error = f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(0.5 * (attempt + 1))
        return False

    async def download(self, attempts: int = 3) -> bool:
        headers = {"Authorization": f"Bearer {self.record.token}"}
        for attempt in range(attempts):
            try:
                async with self.http.get(f"{self.base_url}/candidate/api/package", headers=headers,
                                         timeout=HTTP_TIMEOUT) as response:
                    raw = await response.read()
                    if response.status == 200:
                        self.package = json.loads(raw)
                        self.record.package_bytes, self.record.package_error = len(raw), None
                        return True
                    self.record.package_error = f"{response.status} {raw[:200]!r}"
                    return False
            except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                self.record.package_error = f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(0.5 * (attempt + 1))
        return False

    async def connect(self) -> bool:
        sio = _Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2.0,
                                   randomization_factor=0.5, http_session=self.http, handle_sigint=False,
                                   logger=transport_log, engineio_logger=transport_log)
        self.sio = sio
        sio.on("connect", self._on_connect, namespace=NAMESPACE)
        sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        sio.on("connect_error", self._on_connect_error, namespace=NAMESPACE)
        sio.on("state", self._on_state, namespace=NAMESPACE)
        sio.on("key", self._on_key, namespace=NAMESPACE)
        sio.on("ended", self._on_ended, namespace=NAMESPACE)
        try:
            await sio.connect(self.base_url, auth={"token": self.record.token}, transports=["websocket"],
                              namespaces=[NAMESPACE])
        except socketio.exceptions.ConnectionError as exc:
            self.record.errors.append(f"connect: {exc}")
            return False
        self.record.connected = True
        return True

    # -- socket events ----------------------------------------------------------------

    def _on_connect(self) -> None:
        if self._lost is not None:
            self.record.reconnects += 1
        self._lost = asyncio.get_running_loop().create_future()
        self._connected = True
        self._maybe_ready()

    def _on_disconnect(self, reason: Any = None) -> None:
        self._connected = self._state_seen = False
        self._ready.clear()
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)

    def _on_connect_error(self, data: Any = None) -> None:
        if isinstance(data, dict) and data.get("code"):  # refused by the server, not unreachable
            self.record.errors.append(f"connection refused: {data.get('code')}: {data.get('message')}")
        else:
            self.record.failed_connects += 1

    def _on_state(self, state: dict[str, Any]) -> None:
        self.next_seq = max(self.next_seq, int(state.get("last_seq") or 0) + 1)
        if state.get("key"):
            self._got_key(state["key"])
        if state.get("status") == "finished":
            self._end(state.get("finish_reason") or "finished", state.get("result"))
        self._state_seen = True
        self._maybe_ready()

    def _on_key(self, data: dict[str, Any]) -> None:
        self._got_key(data["key"])

    def _on_ended(self, data: dict[str, Any]) -> None:
        self._end(data.get("reason") or "?", data.get("result"))

    def _maybe_ready(self) -> None:
        if self._connected and self._state_seen:
            self._ready.set()

    def _got_key(self, key: str) -> None:
        if self.key is None:
            self.key = base64.b64decode(key)
            self.record.key_at = time.monotonic()
            self._key_event.set()

    def _end(self, reason: str, result: Any) -> None:
        if not self._ended.is_set():
            self.record.ended_reason, self.record.result = reason, result
            self._ended.set()

    # -- the sitting --------------------------------------------------------------------

    def decrypt(self) -> dict[str, Any]:
        assert self.package is not None and self.key is not None
        plaintext = AESGCM(self.key).decrypt(base64.b64decode(self.package["iv"]),
                                             base64.b64decode(self.package["data"]), None)
        return json.loads(plaintext)  # type: ignore[no-any-return]

    async def sit(self, key_timeout: float) -> None:
        """Wait for the key, answer every item, review, finish; the outbox drains meanwhile."""
        try:
            await asyncio.wait_for(self._key_event.wait(), key_timeout)
        except TimeoutError:
            self.record.errors.append(f"no key within {key_timeout:g} s")
            return
        try:
            items = self.decrypt()["items"]
        except (InvalidTag, ValueError, KeyError, TypeError) as exc:  # wrong key or corrupt package
            self.record.errors.append(f"package: {type(exc).__name__}: {exc}")
            return
        self.record.items = len(items)
        self._sender = asyncio.create_task(self._send_loop())
        await self._answer_all([len(i["options"]) for i in items])
        if not self._ended.is_set():
            self._submit("finish", None, None, {})
        await self._drained.wait()
        if not self._ended.is_set():
            try:  # `ended` accompanies the finish ack
                await asyncio.wait_for(self._ended.wait(), 15)
            except TimeoutError:
                self.record.errors.append("finish acknowledged but no `ended` event")

    async def _think(self, factor: float = 1.0) -> bool:
        """Sleep a human moment; False once the exam has ended meanwhile."""
        try:
            await asyncio.wait_for(self._ended.wait(), self.pace.think_time(self.rng, factor))
        except TimeoutError:
            return True
        return False

    async def _answer_all(self, options: list[int]) -> None:
        rng = self.rng
        chosen: dict[int, int] = {}
        marked: set[int] = set()
        for h, count in enumerate(options):
            await self._navigate(h)
            if not await self._think():
                return
            chosen[h] = rng.randrange(count)
            self._submit("answer", h, chosen[h], {"choice": chosen[h]})
            if rng.random() < self.pace.mark_rate:
                marked.add(h)
                self._submit("mark", h, 1, {"marked": True})
        # Review: the doubtful items first, then a few second thoughts.
        review = sorted(marked) + [h for h in range(len(options))
                                   if h not in marked and rng.random() < self.pace.change_rate]
        for h in review:
            await self._navigate(h)
            if not await self._think(0.3):
                return
            roll = rng.random()
            if roll < self.pace.clear_rate:
                self._submit("clear", h, None, {})
            elif h not in marked or roll < 0.6:
                choice = rng.choice([c for c in range(options[h]) if c != chosen[h]] or [chosen[h]])
                chosen[h] = choice
                self._submit("answer", h, choice, {"choice": choice})
            if h in marked:
                self._submit("mark", h, 0, {"marked": False})

    async def _navigate(self, h: int) -> None:
        """Best effort, like the terminal: no seq, nothing to resend."""
        if self.sio is not None and self._ready.is_set():
            try:
                await self.sio.emit("navigate", {"h": h}, namespace=NAMESPACE)
            except socketio.exceptions.SocketIOError:
                pass

    def _submit(self, kind: str, h: int | None, value: int | None, fields: dict[str, Any]) -> None:
        seq = self.next_seq
        self.next_seq += 1
        payload = {"seq": seq, **({} if h is None else {"h": h}), **fields}
        self.outbox.append(Event(seq, kind, h, value, payload))
        self.record.sent += 1
        if not self._ready.is_set():
            self.record.queued_offline += 1
        self._drained.clear()
        self._pending.set()

    async def _send_loop(self) -> None:
        """One event in flight at a time, oldest first, until acknowledged or refused."""
        assert self.sio is not None
        loop = asyncio.get_running_loop()
        while True:
            if not self.outbox:
                self._drained.set()
                self._pending.clear()
                await self._pending.wait()
                continue
            await self._ready.wait()
            lost, event = self._lost, self.outbox[0]
            assert lost is not None
            acked: asyncio.Future[Any] = loop.create_future()

            def on_ack(*args: Any, future: asyncio.Future[Any] = acked) -> None:
                if not future.done():
                    future.set_result(args[0] if args else None)

            started = time.monotonic()
            try:
                self.record.transmissions += 1
                await self.sio.emit(event.kind, event.payload, namespace=NAMESPACE, callback=on_ack)
            except socketio.exceptions.SocketIOError:
                await asyncio.sleep(0.05)  # not connected after all; wait for the next `state`
                continue
            done, _ = await asyncio.wait({acked, lost}, timeout=ACK_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
            if acked not in done:
                continue  # the connection dropped (or went silent): resend after the next `state`
            ack = acked.result()
            if isinstance(ack, dict) and ack.get("ok") and ack.get("seq", event.seq) == event.seq:
                self.record.ack_ms.append((time.monotonic() - started) * 1000)
                self.record.duplicates += bool(ack.get("duplicate"))
                self.record.acked.append((event.seq, event.kind, event.h, event.value))
                self.outbox.popleft()
                continue
            code = ack.get("code") if isinstance(ack, dict) else repr(ack)
            if code in ("paused", "unavailable"):  # kept: sent again shortly (storage may be full)
                await asyncio.sleep(1)
                continue
            self.record.refused.append((event.seq, str(code)))
            self.outbox.popleft()

    # -- a driver of its own (the load benchmark): events on its schedule, not a human's --

    async def wait_key(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._key_event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def start_sending(self) -> None:
        """Drain the outbox from now on (sit() does this once the package is decrypted)."""
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_loop())

    def answer(self, h: int, choice: int) -> None:
        self._submit("answer", h, choice, {"choice": choice})

    async def wait_drained(self) -> None:
        """Until every submitted event is acknowledged (or refused)."""
        await self._drained.wait()

    async def finish(self, timeout: float) -> bool:
        """Submit `finish`; True once it is acknowledged and `ended` has arrived."""
        if not self._ended.is_set():
            self._submit("finish", None, None, {})
        try:
            await asyncio.wait_for(asyncio.gather(self._drained.wait(), self._ended.wait()), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            try:
                await self._sender
            except asyncio.CancelledError:
                pass
        if self.sio is not None:
            await self.sio.shutdown()
