"""Load benchmark: N simulated candidates on one exam-engine node (gunicorn, one gevent
worker), with the embedded SQLite and with PostgreSQL, beside the ceiling: a bare
Flask-SocketIO echo server under the same gunicorn settings, driven by the same client code
with the same N connections, in the same run.

Per N and database it measures pre-load (every terminal logged in and holding its encrypted
package), the key broadcast (session start to each key), answer-ack latency at an open-loop
rate, closed-loop throughput (K senders, each sending its next answer when the last is
acknowledged) as a ratio of the echo's, stored vs acknowledged answers (queried from the
database after the run: lost must be 0), server CPU seconds and the worker's peak RSS.

Run: .venv/bin/python bench/load_bench.py [--candidates 500,1000,2000] [--db sqlite,postgres]
     [--rate 0.1] [--duration 30] [--senders 500] [--closed-seconds 5] [--closed-runs 3]
Prints figures; it is not a test. Exits 1 if an acknowledged answer was lost (or a run failed).
The simulator shares the machine with the server: on 2 cores, its CPU is part of the figures."""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from instance import fresh_engine
from machine import describe

from exam_engine import gunicorn_conf, holds
from exam_engine.context import EngineContext
from exam_engine.node import ServerProcess
from exam_engine.simulate.client import Pace, SimulatedCandidate
from exam_engine.simulate.report import percentile
from exam_engine.simulate.runner import (Options, Outcome, connect_all, freeze_heap, preload_all, raise_open_files,
                                         server_env, verify)
from exam_engine.simulate.sitting import Credential, Sitting, prepare_sitting, start_sitting

HERE = Path(__file__).resolve().parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ECHO_ITEMS, ECHO_OPTIONS = 15, 5  # what the echo's "answers" pick from; the server never looks
Pick = Callable[[random.Random], tuple[int, int]]


@dataclass
class Row:
    """One line of the table: one server (sqlite, postgres or echo) under N connections."""

    server: str
    n: int
    pid: int | None = None  # the gunicorn master
    connected: int = 0
    preload_s: float | None = None
    key_ms: list[float] = field(default_factory=list)
    open_ms: list[float] = field(default_factory=list)
    open_at: list[float] = field(default_factory=list)  # wall-clock send time of each open_ms
    holds: list[str] = field(default_factory=list)  # --holds: the report lines
    lag_ms: list[float] = field(default_factory=list)  # the simulator's own loop lag during the open loop
    key_lag_ms: list[float] = field(default_factory=list)  # ... and while the keys arrive
    late: int = 0  # open-loop ticks skipped because the previous answer was still unacknowledged
    closed: list[float] = field(default_factory=list)  # acks/s, one per closed-loop run
    closed_cpu_ms: list[float] = field(default_factory=list)  # server CPU per ack, one per closed-loop run
    acked: int | None = None
    stored: int | None = None
    lost: int | None = None
    cpu_s: float = 0.0
    preload_cpu_s: float | None = None
    start_s: float | None = None  # `session start` for every attempt, committed
    idle_cpu: float | None = None  # server CPU s per s with every terminal connected and nobody answering
    open_cpu: float | None = None  # server CPU s per s during the open loop
    rss_mb: float = 0.0
    client_cpu_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def closed_rate(self) -> float:
        return statistics.median(self.closed) if self.closed else 0.0

    def cpu(self) -> float:
        return cpu_seconds(self.pid) if self.pid is not None else 0.0


# -- the server's processes, from /proc (psutil is not a dependency) ---------------------

def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    """user + system CPU of the gunicorn master and its worker(s)."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return total


def peak_rss_mb(pid: int) -> float:
    """VmHWM of the worker (the master only forks it): the node's memory high-water mark."""
    peak = 0.0
    for p in _children(pid) or [pid]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            pass
    return peak


class EchoServer(ServerProcess):
    """ServerProcess's lifecycle (ready on /healthz, own process group) for bench/echo_server.py,
    with exam_engine/gunicorn_conf.py's worker settings: only the handler differs."""

    def start(self, timeout: float = 30.0) -> EchoServer:
        c = gunicorn_conf
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", c.worker_class, "-w", str(c.workers),
             "--worker-connections", str(c.worker_connections), "--timeout", str(c.timeout),
             "--graceful-timeout", "2", "--no-control-socket", "--log-level", "warning",
             "--chdir", str(HERE), "-b", f"127.0.0.1:{self.port}", "echo_server:create_app()"],
            env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready(timeout)
        return self


# -- the load -----------------------------------------------------------------------

@asynccontextmanager
async def http_session() -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(limit=0)  # websockets hold their connection throughout
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=aiohttp.ClientTimeout(total=None, sock_connect=15)) as http:
        yield http


async def open_loop(clients: list[SimulatedCandidate], picks: list[Pick], rate: float, duration: float,
                    seed: int) -> tuple[list[float], int, list[float]]:
    """Each client answers every 1/rate s from a random phase for `duration` s; (ack ms, late ticks,
    wall-clock send time of each ack). Latency runs from the submit, so time spent in the
    client's outbox counts."""
    loop = asyncio.get_running_loop()
    interval, end = 1 / rate, loop.time() + duration

    async def paced(client: SimulatedCandidate, pick: Pick, rng: random.Random) -> tuple[list[float], int, list[float]]:
        ms: list[float] = []
        at: list[float] = []
        late = 0
        tick = loop.time() + rng.uniform(0, interval)
        while tick < end:
            await asyncio.sleep(max(0.0, tick - loop.time()))
            began = loop.time()
            at.append(time.time())
            client.answer(*pick(rng))
            await client.wait_drained()
            ms.append((loop.time() - began) * 1000)
            tick += interval
            while tick < loop.time():  # open loop: a missed tick is counted, not queued
                tick += interval
                late += 1
        return ms, late, at

    results = await asyncio.gather(*(paced(c, p, random.Random(f"{seed}:open:{i}"))
                                     for i, (c, p) in enumerate(zip(clients, picks))))
    return ([m for ms, _, _ in results for m in ms], sum(late for _, late, _ in results),
            [a for _, _, at in results for a in at])


async def closed_loop(clients: list[SimulatedCandidate], picks: list[Pick], seconds: float,
                      seed: int) -> tuple[int, float]:
    """(acks, seconds until the last of them): every sender keeps exactly one answer in flight
    for `seconds`, then waits for its last ack. Counting the drain too, rather than only acks
    inside the window, keeps a server that acknowledges in large batches from reading as 0 or
    a whole batch per window."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    end = began + seconds

    async def hammer(client: SimulatedCandidate, pick: Pick, rng: random.Random) -> int:
        count = 0
        while loop.time() < end:
            client.answer(*pick(rng))
            await client.wait_drained()
            count += 1
        return count

    counts = await asyncio.gather(*(hammer(c, p, random.Random(f"{seed}:closed:{i}"))
                                    for i, (c, p) in enumerate(zip(clients, picks))))
    return sum(counts), loop.time() - began


@asynccontextmanager
async def loop_lag(into: list[float], every: float = 0.005) -> AsyncIterator[None]:
    """Record how late the simulator's own event loop wakes a sleeper: the part of an ack's
    latency that is the client's, not the server's."""
    loop = asyncio.get_running_loop()

    async def probe() -> None:
        while True:
            due = loop.time() + every
            await asyncio.sleep(every)
            into.append((loop.time() - due) * 1000)

    task = asyncio.create_task(probe())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@asynccontextmanager
async def profiled(row: Row, phase: str, args: argparse.Namespace) -> AsyncIterator[None]:
    """With --py-spy DIR: py-spy records the worker during one phase (raw folded stacks)."""
    workers = _children(row.pid) if args.py_spy and row.pid is not None else []
    spy = None
    if workers:
        out = Path(args.py_spy) / f"{row.server}-{row.n}-{phase}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        spy = subprocess.Popen([shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"), "record",
                                "-p", str(workers[0]), "-f", "raw", "--nonblocking", "-o", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            await asyncio.to_thread(spy.wait, 30)


async def measure(row: Row, clients: list[SimulatedCandidate], picks: list[Pick], args: argparse.Namespace) -> None:
    # What N idle connections (and the node's timers) cost before any answer: the baseline of the CPU figures.
    cpu, began = row.cpu(), time.monotonic()
    async with profiled(row, "idle", args):
        await asyncio.sleep(args.idle_seconds)
    row.idle_cpu = (row.cpu() - cpu) / (time.monotonic() - began)
    for c in clients:
        c.start_sending()
    cpu, began = row.cpu(), time.monotonic()
    async with profiled(row, "open", args), loop_lag(row.lag_ms):
        row.open_ms, row.late, row.open_at = await open_loop(clients, picks, args.rate, args.duration, args.seed)
    row.open_cpu = (row.cpu() - cpu) / (time.monotonic() - began)
    if args.keep:  # to line the server log up with the phases
        print(f"  open loop {time.strftime('%H:%M:%S', time.localtime(time.time() - time.monotonic() + began))}"
              f"-{time.strftime('%H:%M:%S')}", flush=True)
    senders = min(args.senders, len(clients))
    for run in range(args.closed_runs):
        cpu = row.cpu()
        async with profiled(row, f"closed{run}", args):
            acks, seconds = await closed_loop(clients[:senders], picks[:senders], args.closed_seconds, args.seed + run)
        row.closed.append(acks / seconds)
        row.closed_cpu_ms.append((row.cpu() - cpu) * 1000 / max(acks, 1))


def picker(options: list[int]) -> Pick:
    return lambda rng: (h := rng.randrange(len(options)), rng.randrange(options[h]))


# -- one exam-engine node -------------------------------------------------------------

def run_engine(db: str, n: int, args: argparse.Namespace) -> Row:
    row = Row(db, n)
    work = Path(tempfile.mkdtemp(prefix=f"load-bench-{db}-{n}-"))
    with ExitStack() as stack:
        engine = fresh_engine(stack, db, work)
        sitting = prepare_sitting(engine, n)
        # GEVENT_* pass through: GEVENT_MONITOR_THREAD_ENABLE=1 GEVENT_MAX_BLOCKING_TIME=0.03 logs
        # every greenlet that holds the hub longer, with its stack (see --keep).
        server = ServerProcess(work, env={**server_env(engine), "EXAM_ENGINE_LOG_LEVEL": "warning",
                                          "EXAM_ENGINE_HOLD_LOG_MS": str(args.holds or 0),
                                          **{k: v for k, v in os.environ.items() if k.startswith("GEVENT_")}})
        server.start()
        stack.callback(server.stop)
        assert server.process is not None
        row.pid = pid = server.process.pid
        outcome = Outcome(Options(candidates=n, seed=args.seed), sitting, server.url, [])
        cpu, client_cpu = cpu_seconds(pid), time.process_time()
        try:
            asyncio.run(drive_engine(engine, outcome, row, args))
        except Exception as exc:  # noqa: BLE001 -- reported in the table; the database is still checked
            row.errors.append(f"{type(exc).__name__}: {exc}")
        row.cpu_s, row.client_cpu_s = cpu_seconds(pid) - cpu, time.process_time() - client_cpu
        row.rss_mb = peak_rss_mb(pid)
        if server.process.poll() is not None:
            row.errors.append(f"the server exited with {server.process.returncode}")
        if args.holds:
            row.holds = hold_report(row, server.log_path.read_text(errors="replace").splitlines(), args.holds)
        verify(engine, outcome)
        row.acked = sum(len(r.acked) for r in outcome.records)
        row.stored, row.lost = outcome.checks.stored, len(outcome.checks.lost)
        row.errors += [f"{len(outcome.checks.scores_failed)} score check(s) failed"] * bool(outcome.checks.scores_failed)
        row.errors += [f"{r.number}: {e}" for r in outcome.records for e in r.errors][:5]
        row.errors += [f"{r.number}: refused seq {s}: {code}" for r in outcome.records for s, code in r.refused][:5]
    if row.errors or row.lost or args.keep:
        print(f"  kept for inspection (server log inside): {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return row


def hold_report(row: Row, log: list[str], threshold_ms: float, slow_ms: float = 50.0, lines: int = 12) -> list[str]:
    """--holds: the server's long holds of its hub (holds.py) lined up with the open loop's slow
    acks, per second of the open loop; then the holds of the whole open loop by where they yielded."""
    if not row.open_at:
        return ["no open loop"]
    began, ended = min(row.open_at), max(row.open_at) + max(row.open_ms) / 1000
    held = [h for h in map(holds.parse, log) if h is not None and began <= h[0] <= ended]
    acks: dict[int, list[float]] = defaultdict(list)
    for at, ms in zip(row.open_at, row.open_ms):
        acks[int(at - began)].append(ms)
    by_second: dict[int, list[tuple[float, str]]] = defaultdict(list)
    by_site: dict[str, list[float]] = defaultdict(list)
    for until, ms, name, where in held:
        site = f"{name} at {' < '.join(where.split(' < ')[:2])}"
        by_second[int(until - ms / 1000 - began)].append((ms, site))
        by_site[site].append(ms)

    def slow(second: int) -> int:
        return sum(m > slow_ms for m in acks.get(second, []))

    def weight(second: int) -> tuple[int, float]:
        return slow(second), sum(h for h, _ in by_second.get(second, []))

    out = [f"slow = over {slow_ms:g} ms; holds over {threshold_ms:g} ms: {len(held)}, {sum(h[1] for h in held):.0f} ms"]
    # the LINES worst seconds (most slow acks, then most held), in time order
    worst = sorted(set(by_second) | {t for t in acks if slow(t)}, key=weight, reverse=True)[:lines]
    for second in sorted(worst):
        ms = acks.get(second, [0.0])
        sites: dict[str, float] = defaultdict(float)
        for h, site in by_second.get(second, []):
            sites[site] += h
        top = "; ".join(f"{site} {h:.0f} ms" for site, h in sorted(sites.items(), key=lambda i: -i[1])[:2])
        out.append(f"  t+{second:>3} s: {slow(second):>3} slow of {len(ms):>4}, max {max(ms):6.1f} ms"
                   f"; held {sum(h for h, _ in by_second.get(second, [])):5.0f} ms{': ' + top if top else ''}")
    for site, ms in sorted(by_site.items(), key=lambda i: -sum(i[1]))[:5]:
        out.append(f"  {sum(ms):6.0f} ms in {len(ms):>3} holds (max {max(ms):.0f}): {site}")
    return out


async def drive_engine(engine: EngineContext, outcome: Outcome, row: Row, args: argparse.Namespace) -> None:
    sitting: Sitting = outcome.sitting
    async with http_session() as http:
        clients = [SimulatedCandidate(outcome.url, c, sitting.session_pin, http, random.Random(f"{args.seed}:{i}"),
                                      Pace()) for i, c in enumerate(sitting.candidates)]
        outcome.records = [c.record for c in clients]
        try:
            began, cpu = time.monotonic(), row.cpu()
            ready = await preload_all(clients)
            row.preload_s, row.preload_cpu_s = time.monotonic() - began, row.cpu() - cpu
            connected = await connect_all(ready)
            row.connected = len(connected)
            freeze_heap()
            began = time.monotonic()
            await asyncio.to_thread(start_sitting, engine, sitting.session_id)
            started = time.monotonic()
            row.start_s = started - began
            async with loop_lag(row.key_lag_ms):
                keyed = await asyncio.gather(*(c.wait_key(args.key_timeout) for c in connected))
            row.key_ms = [(c.record.key_at - started) * 1000 for c in connected if c.record.key_at is not None]
            sitters = [c for c, ok in zip(connected, keyed) if ok]
            if len(sitters) < len(clients):
                row.errors.append(f"{len(clients) - len(sitters)} terminal(s) without package, socket or key")
            picks = [picker([len(item["options"]) for item in c.decrypt()["items"]]) for c in sitters]
            await measure(row, sitters, picks, args)
            # Finishing lets verify() also recompute every score from the acknowledged answers.
            finished = await asyncio.gather(*(c.finish(args.key_timeout * 3) for c in sitters))
            if not all(finished):
                row.errors.append(f"{finished.count(False)} attempt(s) not finished")
        finally:
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


# -- the ceiling ----------------------------------------------------------------------

def run_echo(n: int, args: argparse.Namespace) -> Row:
    row = Row("echo", n)
    work = Path(tempfile.mkdtemp(prefix=f"load-bench-echo-{n}-"))
    server = EchoServer(work)
    server.start()
    try:
        assert server.process is not None
        row.pid = pid = server.process.pid
        cpu, client_cpu = cpu_seconds(pid), time.process_time()
        asyncio.run(drive_echo(server.url, row, args))
        row.cpu_s, row.client_cpu_s = cpu_seconds(pid) - cpu, time.process_time() - client_cpu
        row.rss_mb = peak_rss_mb(pid)
    finally:
        server.stop()
    shutil.rmtree(work, ignore_errors=True)
    return row


async def drive_echo(url: str, row: Row, args: argparse.Namespace) -> None:
    async with http_session() as http:
        clients = [SimulatedCandidate(url, Credential(f"E{i:05d}", "", i), "", http, random.Random(f"{args.seed}:{i}"),
                                      Pace()) for i in range(row.n)]
        try:
            connected = await connect_all(clients)
            row.connected = len(connected)
            freeze_heap()
            await measure(row, connected, [picker([ECHO_OPTIONS] * ECHO_ITEMS)] * len(connected), args)
        finally:
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        row.acked = sum(len(c.record.acked) for c in clients)


# -- the table ------------------------------------------------------------------------

def _pcts(values: list[float], *ps: int, scale: float = 1.0, digits: int = 0) -> str:
    if not values:
        return "-"
    return "/".join(f"{percentile(values, p) * scale:.{digits}f}" for p in ps)  # type: ignore[operator]


def table(rows: list[Row], rate: float) -> list[str]:
    echo = {r.n: r for r in rows if r.server == "echo"}
    head = ("server", "N", "conn", "pre-load s", "key p50/p99/max ms", f"ack p50/p95/p99 ms @{rate:g}/s/cand",
            "late", "sim lag keys p99/max ms", "sim lag open p99/max ms", "closed acks/s", "x echo", "CPU ms/ack",
            "acked", "stored", "lost", "srv CPU s (pre-load)", "peak RSS MB", "sim CPU s")
    body = []
    for r in rows:
        ceiling = echo.get(r.n)
        ratio = (f"{r.closed_rate / ceiling.closed_rate:.2f}" if ceiling and ceiling.closed_rate and r.server != "echo"
                 else "1" if r.server == "echo" else "-")
        body.append((r.server, str(r.n), str(r.connected), "-" if r.preload_s is None else f"{r.preload_s:.1f}",
                     _pcts(r.key_ms, 50, 99, 100), _pcts(r.open_ms, 50, 95, 99, digits=1), str(r.late),
                     _pcts(r.key_lag_ms, 99, 100), _pcts(r.lag_ms, 99, 100),
                     f"{r.closed_rate:,.0f}", ratio,
                     f"{statistics.median(r.closed_cpu_ms):.2f}" if r.closed_cpu_ms else "-",
                     "-" if r.acked is None else str(r.acked), "-" if r.stored is None else str(r.stored),
                     "-" if r.lost is None else str(r.lost),
                     f"{r.cpu_s:.1f}" + ("" if r.preload_cpu_s is None else f" ({r.preload_cpu_s:.1f})"),
                     f"{r.rss_mb:.0f}", f"{r.client_cpu_s:.1f}"))
    widths = [max(len(line[i]) for line in (head, *body)) for i in range(len(head))]
    return ["  ".join(cell.rjust(w) for cell, w in zip(line, widths)) for line in (head, *body)]


def targets(r: Row, echo: Row | None) -> str:
    """The issue's targets for one exam-engine row (they are set for N = 2,000)."""
    p99 = percentile(r.open_ms, 99)
    last_key = max(r.key_ms) if r.key_ms else None
    ratio = r.closed_rate / echo.closed_rate if echo and echo.closed_rate else None
    # The spread (first key to last) is the broadcast itself; the rest is the ticker noticing the start.
    checks = [("ack p99 < 50 ms", p99 is not None and p99 < 50, f"{p99:.1f} ms" if p99 is not None else "n/a"),
              ("every key < 1 s", last_key is not None and last_key < 1000 and len(r.key_ms) == r.n,
               f"last {last_key:.0f} ms, first-to-last {last_key - min(r.key_ms):.0f} ms"
               if last_key is not None else "n/a"),
              ("closed >= 0.5 x echo", ratio is not None and ratio >= 0.5, f"{ratio:.2f}" if ratio else "n/a"),
              ("worker RSS < 1 GB", r.rss_mb < 1024, f"{r.rss_mb:.0f} MB")]
    return f"targets {r.server} N={r.n}: " + "; ".join(f"{name} {'yes' if ok else 'NO'} ({got})"
                                                      for name, ok, got in checks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", default="500,1000,2000", help="comma-separated N")
    ap.add_argument("--db", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    ap.add_argument("--rate", type=float, default=0.1, help="open loop: answers per candidate per second")
    ap.add_argument("--duration", type=float, default=30.0, help="open loop: seconds")
    ap.add_argument("--senders", type=int, default=500, help="closed loop: concurrent senders")
    ap.add_argument("--closed-seconds", type=float, default=5.0)
    ap.add_argument("--closed-runs", type=int, default=3, help="closed loop: runs; the median is printed")
    ap.add_argument("--idle-seconds", type=float, default=3.0, help="server CPU measured with nobody answering")
    ap.add_argument("--key-timeout", type=float, default=60.0)
    ap.add_argument("--no-echo", action="store_true", help="skip the echo ceiling")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--keep", action="store_true", help="keep each run's instance folder (server log inside)")
    ap.add_argument("--holds", type=float, metavar="MS",
                    help="log each greenlet that holds the server's hub over MS ms and line them up with slow acks")
    ap.add_argument("--py-spy", metavar="DIR", help="record the worker with py-spy per phase into DIR (idle, open, closed)")
    args = ap.parse_args()
    sizes = [int(n) for n in args.candidates.split(",") if n.strip()]
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    if unknown := set(dbs) - {"sqlite", "postgres"}:
        ap.error(f"unknown --db: {', '.join(sorted(unknown))}")
    raise_open_files(max(sizes))
    print(describe())
    print(f"server: gunicorn -k {gunicorn_conf.worker_class} -w {gunicorn_conf.workers} "
          f"--worker-connections {gunicorn_conf.worker_connections}; simulator: one asyncio process, "
          f"python-socketio AsyncClient, websocket transport, on the same machine")
    print(f"open loop: one answer per candidate every {1 / args.rate:g} s for {args.duration:g} s; closed loop: "
          f"{args.senders} senders, median of {args.closed_runs} x {args.closed_seconds:g} s")
    rows: list[Row] = []
    for n in sizes:
        runs = ([] if args.no_echo else [("echo", lambda n=n: run_echo(n, args))]) + \
               [(db, lambda n=n, db=db: run_engine(db, n, args)) for db in dbs]
        for name, run in runs:
            print(f"running {name} N={n} ...", flush=True)
            began = time.monotonic()
            try:
                row = run()
            except Exception as exc:  # noqa: BLE001 -- one broken set-up must not hide the others' figures
                row = Row(name, n, errors=[f"{type(exc).__name__}: {exc}"])
            rows.append(row)
            gc.unfreeze()  # the run's clients (frozen once connected) are garbage now
            print(f"  done in {time.monotonic() - began:.0f} s" + "".join(f"\n  error: {e}" for e in row.errors),
                  flush=True)
    print()
    for line in table(rows, args.rate):
        print(line)
    echo = {r.n: r for r in rows if r.server == "echo"}
    for r in rows:
        runs = ", ".join(f"{rate:,.0f} ({ms:.2f})" for rate, ms in zip(r.closed, r.closed_cpu_ms))
        start = "" if r.start_s is None else f"; session start committed in {r.start_s * 1000:.0f} ms"
        start += "" if r.idle_cpu is None else f"; idle server CPU {r.idle_cpu * 100:.0f} % of a core"
        start += "" if r.open_cpu is None else f"; open-loop server CPU {r.open_cpu * 100:.0f} % of a core"
        print(f"closed-loop runs {r.server} N={r.n}: acks/s (server CPU ms/ack): {runs or '-'}{start}")
    for r in rows:
        for line in r.holds:
            print(f"holds {r.server} N={r.n}: {line}" if not line.startswith(" ") else line)
    for r in rows:
        if r.server != "echo":
            print(targets(r, echo.get(r.n)))
    lost = sum(r.lost or 0 for r in rows)
    failed = [f"{r.server} N={r.n}" for r in rows if r.errors or (r.server != "echo" and r.lost is None)]
    print(f"lost: {lost}" + (f"; runs with errors: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if lost or failed else 0)


if __name__ == "__main__":
    main()
