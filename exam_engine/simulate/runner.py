"""The simulation: prepare a sitting, serve it (or use --url), pre-load every terminal, start
the session, let the candidates sit it (optionally SIGKILLing the server mid-sitting), then
check the database against what the candidates were told: every acknowledged event stored,
every result equal to an independent recomputation, every outage credited."""
from __future__ import annotations

import asyncio
import gc
import random
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from exam_engine.context import EngineContext
from exam_engine.node import ServerProcess
from exam_engine.simulate.client import CandidateRecord, Pace, SimulatedCandidate
from exam_engine.simulate.sitting import Sitting, prepare_sitting, start_sitting

CONCURRENT_HTTP = 64  # logins hash PINs; a burst of thousands only queues in the server


@dataclass(frozen=True)
class Options:
    candidates: int
    url: str | None = None
    speed: float = 1.0
    kill_after: float | None = None
    down_for: float = 3.0
    seed: int | None = None
    key_timeout: float = 30.0


@dataclass
class Chaos:
    kill_after: float
    down_for: float
    killed_at: float | None = None  # seconds after the start
    restarted_at: float | None = None
    active_at_kill: list[int] = field(default_factory=list)  # attempt ids
    credited: dict[int, float] = field(default_factory=dict)  # attempt id -> credited seconds
    error: str | None = None
    down: bool = False  # between the kill and a successful restart

    @property
    def outage(self) -> float | None:
        if self.killed_at is None or self.restarted_at is None:
            return None
        return self.restarted_at - self.killed_at

    @property
    def short(self) -> dict[int, float]:
        """Attempts running at the kill whose credit does not cover the downtime."""
        return {a: self.credited.get(a, 0.0) for a in self.active_at_kill
                if self.credited.get(a, 0.0) < self.down_for - 1.0}


@dataclass
class Checks:
    stored: int = 0
    lost: list[tuple[str, int, str]] = field(default_factory=list)  # (number, seq, kind)
    scores_ok: int = 0
    scores_failed: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    finish_reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class Outcome:
    options: Options
    sitting: Sitting
    url: str
    records: list[CandidateRecord]
    preload_seconds: float = 0.0
    started: float | None = None  # time.monotonic() right after `session start` committed
    sitting_seconds: float = 0.0
    chaos: Chaos | None = None
    aborted: str | None = None
    checks: Checks = field(default_factory=Checks)


def raise_open_files(candidates: int) -> None:
    """Each simulated terminal holds a socket here and one in the server (a child process
    inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * candidates + 512
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard),
                                                    hard))


def freeze_heap() -> None:
    """Once every terminal is loaded and connected: move the simulator's long-lived objects
    (the clients, their packages and sockets) out of the cyclic collector's way. Full
    collections over them took 80-350 ms at 2,000 terminals, during which no terminal read
    its socket, and the pause was counted as the server's latency."""
    gc.collect()
    gc.freeze()


def server_env(engine: EngineContext) -> dict[str, str]:
    """What the served node needs to open this engine's database and key."""
    s = engine.settings
    env = {"EXAM_ENGINE_DATABASE_URL": s.resolved_database_url}
    if s.master_key:
        env["EXAM_ENGINE_MASTER_KEY"] = s.master_key
    if s.key_file:
        env["EXAM_ENGINE_KEY_FILE"] = str(s.key_file.resolve())
    return env


def simulate(engine: EngineContext, options: Options, echo: Callable[[str], Any] = print) -> Outcome:
    raise_open_files(options.candidates)
    sitting = prepare_sitting(engine, options.candidates)
    echo(f"prepared session {sitting.session_code}: exam SIM (skd-demo), {len(sitting.candidates)} candidates")
    server = None if options.url else ServerProcess(engine.settings.instance_path, env=server_env(engine))
    try:
        if server is not None:
            server.start()
            echo(f"server: {server.url} (log {server.log_path})")
        url = options.url or server.url  # type: ignore[union-attr]
        outcome = Outcome(options, sitting, url, [])
        asyncio.run(_run(engine, outcome, server, echo))
    finally:
        if server is not None:
            server.stop()
    verify(engine, outcome)
    return outcome


async def _run(engine: EngineContext, outcome: Outcome, server: ServerProcess | None,
               echo: Callable[[str], Any]) -> None:
    options, sitting = outcome.options, outcome.sitting
    seed = options.seed if options.seed is not None else random.randrange(2**31)
    pace = Pace(speed=options.speed)
    connector = aiohttp.TCPConnector(limit=0)  # websockets hold their connection for the whole sitting
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=aiohttp.ClientTimeout(total=None, sock_connect=15)) as http:
        clients = [SimulatedCandidate(outcome.url, c, sitting.session_pin, http, random.Random(f"{seed}:{i}"), pace)
                   for i, c in enumerate(sitting.candidates)]
        outcome.records = [c.record for c in clients]
        try:
            await _sit(engine, outcome, clients, server, echo)
        finally:
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


async def preload_all(clients: list[SimulatedCandidate]) -> list[SimulatedCandidate]:
    """Log every terminal in and download its package, CONCURRENT_HTTP at a time; the ones that did."""
    gate = asyncio.Semaphore(CONCURRENT_HTTP)

    async def preload(client: SimulatedCandidate) -> bool:
        async with gate:
            return await client.login() and await client.download()

    loaded = await asyncio.gather(*(preload(c) for c in clients))
    return [c for c, ok in zip(clients, loaded) if ok]


async def connect_all(clients: list[SimulatedCandidate]) -> list[SimulatedCandidate]:
    """Open every terminal's socket, CONCURRENT_HTTP at a time; the ones that connected."""
    gate = asyncio.Semaphore(CONCURRENT_HTTP)

    async def connect(client: SimulatedCandidate) -> bool:
        async with gate:
            return await client.connect()

    connected = await asyncio.gather(*(connect(c) for c in clients))
    return [c for c, ok in zip(clients, connected) if ok]


async def _sit(engine: EngineContext, outcome: Outcome, clients: list[SimulatedCandidate],
               server: ServerProcess | None, echo: Callable[[str], Any]) -> None:
    options = outcome.options
    began = time.monotonic()
    ready = await preload_all(clients)
    outcome.preload_seconds = time.monotonic() - began
    echo(f"pre-load: {len(ready)}/{len(clients)} terminals logged in with their package "
         f"in {outcome.preload_seconds:.1f} s")
    connected = await connect_all(ready)
    freeze_heap()
    count = await asyncio.to_thread(start_sitting, engine, outcome.sitting.session_id)
    outcome.started = time.monotonic()
    echo(f"session started: {count} attempt(s), {len(connected)} terminal(s) connected")
    chaos_task = None
    if options.kill_after is not None and server is not None:
        outcome.chaos = Chaos(options.kill_after, options.down_for)
        chaos_task = asyncio.create_task(_chaos(engine, outcome, server, echo))
    # The server's clock closes every attempt in at most its allowed time (+ any outage).
    limit = 20 * 60 + options.down_for + 120
    sitting = asyncio.ensure_future(asyncio.gather(*(c.sit(options.key_timeout) for c in connected)))
    watchdog = asyncio.create_task(_watchdog(server, outcome)) if server is not None else None
    done, _ = await asyncio.wait({sitting, *([watchdog] if watchdog else [])}, timeout=limit,
                                 return_when=asyncio.FIRST_COMPLETED)
    if sitting not in done:
        outcome.aborted = (watchdog.result() if watchdog in done  # type: ignore[union-attr]
                           else f"the sitting did not end within {limit:.0f} s")
        echo(f"error: {outcome.aborted}; stopping the candidates")
        sitting.cancel()
    await asyncio.gather(sitting, return_exceptions=True)
    outcome.sitting_seconds = time.monotonic() - outcome.started
    for task in (watchdog, chaos_task):
        if task is not None and not task.done():
            task.cancel()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
    if outcome.chaos and outcome.chaos.killed_at is None and not outcome.chaos.error:
        outcome.chaos.error = "the sitting ended before --kill-after"


async def _watchdog(server: ServerProcess, outcome: Outcome) -> str:
    """Returns why the sitting cannot go on: our server died outside the planned outage."""
    while True:
        await asyncio.sleep(0.5)
        chaos = outcome.chaos
        if chaos is not None and chaos.error:
            return chaos.error
        process = server.process
        if (chaos is None or not chaos.down) and process is not None and process.poll() is not None:
            return f"the server exited with status {process.returncode}; see {server.log_path}"


async def _chaos(engine: EngineContext, outcome: Outcome, server: ServerProcess, echo: Callable[[str], Any]) -> None:
    chaos, started = outcome.chaos, outcome.started
    assert chaos is not None and started is not None
    await asyncio.sleep(chaos.kill_after)
    chaos.down = True
    await asyncio.to_thread(server.kill)
    chaos.killed_at = time.monotonic() - started
    chaos.active_at_kill = await asyncio.to_thread(_running_attempts, engine, outcome.sitting.session_id)
    echo(f"chaos: server SIGKILLed at +{chaos.killed_at:.1f} s with {len(chaos.active_at_kill)} attempt(s) running")
    await asyncio.sleep(chaos.down_for)
    try:
        await asyncio.to_thread(server.start)
    except (RuntimeError, TimeoutError, OSError) as exc:  # reported; the watchdog stops the sitting
        chaos.error = f"restart failed: {exc}"
        echo(f"chaos: {chaos.error}")
        return
    chaos.restarted_at = time.monotonic() - started
    chaos.down = False
    echo(f"chaos: server back on the same port at +{chaos.restarted_at:.1f} s")


def _running_attempts(engine: EngineContext, session_id: int) -> list[int]:
    from sqlalchemy import select

    from exam_engine.delivery.models import Attempt

    with engine.db.session() as session:
        return list(session.scalars(select(Attempt.id).where(Attempt.session_id == session_id,
                                                             Attempt.status == "active")))


# -- verification against the database ---------------------------------------------------

def verify(engine: EngineContext, outcome: Outcome) -> None:
    from sqlalchemy import select

    from exam_engine.delivery.models import AnswerEvent, Attempt
    from exam_engine.scheduling.models import ExamSession
    from exam_engine.scheduling.service import profile_of
    from question_bank.forms import Form
    from question_bank.service import item_content

    checks = outcome.checks
    with engine.db.session() as session:
        exam_session = session.get(ExamSession, outcome.sitting.session_id)
        assert exam_session is not None
        profile = profile_of(exam_session.exam)
        rules = {s.code: s.scoring for s in profile.sections}
        attempts = {a.candidate_id: a for a in session.scalars(
            select(Attempt).where(Attempt.session_id == exam_session.id))}
        stored: dict[int, set[tuple[int, str, int, int | None]]] = {}
        for e in session.scalars(select(AnswerEvent).where(AnswerEvent.attempt_id.in_([a.id for a in attempts.values()]))):
            stored.setdefault(e.attempt_id, set()).add((e.seq, e.kind, e.handle, e.value))
        keys: dict[int, dict[str, Any]] = {}

        def key_of(pk: int) -> dict[str, Any]:
            if pk not in keys:
                keys[pk] = item_content(session, engine.vault, pk)["key"]
            return keys[pk]

        for record in outcome.records:
            attempt = attempts.get(record.candidate_id)
            if not record.logged_in:
                continue
            if attempt is None:
                checks.lost.extend((record.number, seq, kind) for seq, kind, _, _ in record.acked)
                checks.unfinished.append(record.number)
                continue
            events = stored.get(attempt.id, set())
            for seq, kind, h, value in record.acked:
                ok = (attempt.status == "finished" and attempt.last_seq >= seq if kind == "finish"
                      else (seq, kind, h, value) in events)
                if ok:
                    checks.stored += 1
                else:
                    checks.lost.append((record.number, seq, kind))
            if attempt.status != "finished" or attempt.result is None:
                checks.unfinished.append(record.number)
                continue
            reason = attempt.finish_reason or "?"
            checks.finish_reasons[reason] = checks.finish_reasons.get(reason, 0) + 1
            form = session.get(Form, attempt.form_id)
            assert form is not None
            expected = recompute_total(rules, form.items, record.final_choices(), key_of)
            stored_total = float(attempt.result["total"])
            shown = (record.result or {}).get("total", stored_total) if profile.show_scores else stored_total
            if abs(expected - stored_total) < 1e-9 and abs(float(shown) - stored_total) < 1e-9:
                checks.scores_ok += 1
            else:
                checks.scores_failed.append(f"{record.number}: stored {stored_total:g}, shown {shown}, "
                                            f"recomputed {expected:g}")
        chaos = outcome.chaos
        if chaos is not None and chaos.active_at_kill:
            chaos.credited = dict(session.execute(select(Attempt.id, Attempt.credited_seconds)
                                                  .where(Attempt.id.in_(chaos.active_at_kill))).all())


def recompute_total(rules: dict[str, dict[str, Any]], form_items: list[dict[str, Any]],
                    choices: dict[int, int | None], key_of: Callable[[int], dict[str, Any]]) -> float:
    """The total from first principles: the displayed choice, through the form's option order,
    to the bank's option letter, against the item's stored key."""
    total = 0.0
    for h, entry in enumerate(form_items):
        scoring = rules[entry["section"]]
        choice = choices.get(h)
        letter = entry["options"][choice] if choice is not None else None
        key = key_of(entry["item"])
        if scoring.get("rule", "dichotomous") == "weighted":
            total += float(scoring.get("blank", 0)) if letter is None else float(key["weights"][letter])
        elif letter is None:
            total += float(scoring.get("blank", 0))
        else:
            total += float(scoring.get("correct", 1) if letter == key["answer"] else scoring.get("wrong", 0))
    return total
