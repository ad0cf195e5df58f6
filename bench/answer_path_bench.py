"""Answer-path benchmark: the group writer's cost per stored answer, in one process, without
sockets, for batches of 1 to 256 answers, on SQLite (and PostgreSQL with --db postgres).

What a group commit does for a batch of answers (lock and read the attempts, store the events
and the responses, chain the audit entry, commit) is timed as CPU and wall time per answer,
beside a baseline measured in the same run on the same database: the bare minimum of a
durable answer (one executemany INSERT of the same rows into the answer table, one commit).
The load benchmark measures the whole node; this one isolates the part our code adds, so a
change to the writer can be compared with a few seconds of runs instead of minutes.

Run: .venv/bin/python bench/answer_path_bench.py [--candidates 500] [--batches 1,8,32,128,256]
     [--db sqlite,postgres] [--seconds 2] [--runs 5]
Prints figures; it is not a test."""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from instance import fresh_engine
from machine import describe
from sqlalchemy import func, insert, select, update

from exam_engine.context import EngineContext
from exam_engine.delivery.attempts import get_or_create_attempt
from exam_engine.delivery.models import AnswerEvent, Attempt
from exam_engine.delivery.responses import Event, Submission
from exam_engine.delivery.runtime import ANSWERS, Delivery
from exam_engine.delivery.writer import Job
from exam_engine.roster.models import Candidate
from exam_engine.simulate.sitting import prepare_sitting, start_sitting

TERMINAL = "bench-terminal"


class Answers:
    """Answers of N attempts: random item and choice, each attempt's seq counting up."""

    def __init__(self, attempt_ids: list[int], items: int, options: int, seed: int) -> None:
        self.ids, self.items, self.options = attempt_ids, items, options
        self.rng = random.Random(seed)
        self.seq = dict.fromkeys(attempt_ids, 0)

    def batch(self, size: int) -> list[Submission]:
        out = []
        for attempt_id in self.rng.sample(self.ids, size):  # one answer per attempt, as a closed loop sends
            self.seq[attempt_id] += 1
            event = Event(self.seq[attempt_id], "answer", self.rng.randrange(self.items),
                          self.rng.randrange(self.options))
            out.append(Submission(attempt_id, TERMINAL, event))
        return out


def timed(step: Callable[[], int], seconds: float) -> tuple[float, float]:
    """Runs STEP (which returns the answers it stored) for about SECONDS; CPU and wall us per answer."""
    cpu, wall, answers = time.process_time(), time.perf_counter(), 0
    deadline = wall + seconds
    while time.perf_counter() < deadline:
        answers += step()
    return ((time.process_time() - cpu) / answers * 1e6, (time.perf_counter() - wall) / answers * 1e6)


def engine_step(d: Delivery, answers: Answers, size: int) -> Callable[[], int]:
    def step() -> int:
        jobs = [Job(lambda s: None, ANSWERS, item) for item in answers.batch(size)]
        d.writer._commit(jobs)  # what the writer's loop does with one batch (the handoff is gevent's)
        failed = [j for j in jobs if j.error is not None or not (j.result and j.result[0]["ok"])]
        if failed:
            raise SystemExit(f"an answer was refused: {failed[0].error or failed[0].result}")
        return size
    return step


def baseline_step(engine: EngineContext, answers: Answers, size: int) -> Callable[[], int]:
    table = AnswerEvent.__table__
    stmt = insert(table)

    def step() -> int:
        now = Delivery.now()
        rows = [{"attempt_id": s.attempt_id, "seq": s.event.seq, "kind": "answer", "handle": s.event.handle,
                 "value": s.event.value, "received_at": now} for s in answers.batch(size)]
        with engine.db.transaction() as session:
            session.connection().execute(stmt, rows)
        return size
    return step


def run(db: str, args: argparse.Namespace) -> list[str]:
    lines = []
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix=f"answer-bench-{db}-"))
        stack.callback(shutil.rmtree, work, True)
        engine = fresh_engine(stack, db, work)
        sitting = prepare_sitting(engine, args.candidates)
        with engine.db.transaction() as session:  # as at login: an attempt per candidate, bound to a terminal
            for credential in sitting.candidates:
                get_or_create_attempt(session, engine.vault, session.get(Candidate, credential.candidate_id))
            session.flush()
            session.execute(update(Attempt).where(Attempt.session_id == sitting.session_id).values(terminal=TERMINAL))
        start_sitting(engine, sitting.session_id)
        with engine.db.session() as session:
            ids = list(session.scalars(select(Attempt.id).where(Attempt.session_id == sitting.session_id)))
        d = Delivery.create(engine)
        with engine.db.session() as session:
            for attempt_id in ids:  # as at connect: forms are read before the first answer
                d.shapes.get(session, session.get(Attempt, attempt_id).form_id)  # type: ignore[union-attr]
        # Every form of skd-demo has 15 items of 5 options; answers stay inside both.
        answers = Answers(ids, 15, 5, args.seed)
        # Keep bursts out of the figures: a closed loop of one process would flag every attempt.
        d.bursts.stored = lambda *a, **k: None  # type: ignore[method-assign]
        for size in args.batches:
            size = min(size, len(ids))
            ours, base = [], []
            for _ in range(args.runs):  # interleaved, since the machine is shared
                ours.append(timed(engine_step(d, answers, size), args.seconds))
                base.append(timed(baseline_step(engine, answers, size), args.seconds))
            cpu, wall = statistics.median(c for c, _ in ours), statistics.median(w for _, w in ours)
            bcpu, bwall = statistics.median(c for c, _ in base), statistics.median(w for _, w in base)
            lines.append(f"{db:>8} {size:>5} {cpu:>10.0f} {wall:>10.0f} {bcpu:>12.0f} {bwall:>12.0f} "
                         f"{cpu / bcpu:>9.2f} {wall / bwall:>9.2f}")
        sent = sum(answers.seq.values())  # both paths store every answer they draw
        with engine.db.session() as session:
            stored = session.scalar(select(func.count()).select_from(AnswerEvent))
        lines.append(f"{db:>8} stored {stored:,} of {sent:,} answers sent")
        if stored != sent:
            raise SystemExit(f"{db}: {sent - stored} answer(s) not stored")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", type=int, default=500)
    ap.add_argument("--batches", default="1,8,32,128,256", help="comma-separated answers per group commit")
    ap.add_argument("--db", default="sqlite", help="comma-separated: sqlite, postgres")
    ap.add_argument("--seconds", type=float, default=1.0, help="per run and batch size")
    ap.add_argument("--runs", type=int, default=5, help="runs per batch size; medians are printed")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()
    args.batches = [int(b) for b in args.batches.split(",")]
    print(describe())
    print(f"{args.candidates} attempts (skd-demo), medians of {args.runs} x {args.seconds:g} s per batch size; "
          "baseline: one executemany INSERT of the same answer rows and one commit")
    print(f"{'db':>8} {'batch':>5} {'CPU us/ans':>10} {'wall us':>10} {'base CPU us':>12} {'base wall us':>12} "
          f"{'CPU x':>9} {'wall x':>9}")
    for db in args.db.split(","):
        for line in run(db, args):
            print(line, flush=True)


if __name__ == "__main__":
    main()
