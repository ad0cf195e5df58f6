"""Group commit for candidate events.

A commit costs one fsync (SQLite WAL with synchronous=FULL) or one WAL flush (PostgreSQL),
and at a synchronised start hundreds of terminals answer within the same few milliseconds.
Handlers therefore hand their write to one writer task and wait: the writer runs every job
queued meanwhile in one transaction (each plain job in its own savepoint), commits once, and
only then wakes the handlers. An acknowledgement still means "on disk"; a failed commit fails
every job of its batch, so nothing is acknowledged that was not stored.

Under gevent the writer is a greenlet and waiting costs nothing. Woken by a job, it first lets
the loop settle (every answer already on the sockets read and queued, at most GATHER seconds):
waking at the first job made batches of ~13 at 2,000 terminals, each paying a whole commit.
SQLite's statements block the hub, but its COMMIT (the fsync) runs in a native thread
(`db.commit_sqlite_off_hub`): answers arriving meanwhile form the next batch.

The busiest jobs (answers) can also be run set-wise: a job submitted with a bulk KIND joins
the consecutive jobs of the same kind, and the handler registered for KIND stores them all
with a few statements instead of a few per job. Jobs the handler hands back, and every job
of a run whose handler failed, run one by one through their own `work`, as if submitted
plainly. A run that is the whole batch has no savepoint: if its handler fails, the transaction
is rolled back and the batch runs again job by job."""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from exam_engine.db import Database, commit_sqlite_off_hub, hold_sqlite_write_lock
from exam_engine.offload import YIELD, settle

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_BATCH = 256  # bounds the time one transaction holds the write lock and row locks
GATHER = 0.002  # seconds a woken writer waits at most for the loop to settle (gevent only)
GIVE_WAY = 0.1  # seconds background work waits at most for the writer to be quiet, per slice


@dataclass
class _Job(Generic[T]):
    work: Callable[[Session], T]
    bulk: str | None = None  # a registered bulk kind, or None
    item: Any = None  # what the bulk handler reads
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


Job = _Job
#: stores a run of jobs set-wise: sets each job's `result` or `error`, returns the jobs it
#: leaves to their own `work`
BulkHandler = Callable[[Session, list[_Job[Any]]], list[_Job[Any]]]


def journal(session: Session) -> list[Any]:
    """What the jobs of this batch stored, for the writer's `before_commit` (the audit chain).
    Entries of a job that fails are dropped with its savepoint."""
    return session.info.setdefault("journal", [])  # type: ignore[no-any-return]


class GroupWriter:
    def __init__(self, db: Database, max_batch: int = MAX_BATCH,
                 before_commit: Callable[[Session, list[Any]], None] | None = None) -> None:
        self.db, self.max_batch, self.before_commit = db, max_batch, before_commit
        self.bulk: dict[str, BulkHandler] = {}
        self._queue: deque[_Job[Any]] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()  # set when a job is queued; the writer clears it before popping
        self._quiet = threading.Event()  # set while nothing is queued or being stored
        self._quiet.set()
        self._worker: threading.Thread | None = None
        #: batches committed and jobs run, for the load benchmark and the tests
        self.batches = self.jobs = 0

    def run(self, work: Callable[[Session], T], bulk: str | None = None, item: Any = None) -> T:
        """Run WORK(session) in a shared transaction; returns once it is committed. An
        exception raised by WORK rolls back its own writes only and is raised here. With BULK
        (a kind registered in `self.bulk`), ITEM goes to that handler with its neighbours and
        WORK is the fallback."""
        job: _Job[T] = _Job(work, bulk if bulk in self.bulk else None, item)
        self._quiet.clear()
        self._queue.append(job)  # deque appends are atomic
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._loop, name="group-writer", daemon=True)
                self._worker.start()
        self._wake.set()
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            settle(GATHER)
            self._wake.clear()  # before looking: a job queued from here on sets it again
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
                try:
                    self._commit(batch)
                except BaseException as exc:  # the commit failed: no job of the batch is stored
                    log.exception("group commit of %d jobs failed", len(batch))
                    for job in batch:
                        job.error, job.result = exc, None
                finally:
                    for job in batch:
                        job.done.set()
            self._quiet.set()

    def give_way(self, max_wait: float = GIVE_WAY) -> None:
        """Between two slices of background work (live pushes, copying scans): let the loop poll
        the sockets (see offload.YIELD), then wait until no candidate event is on its way or
        being stored, at most MAX_WAIT s. A waiting answer then sits behind one slice, not
        behind every slice run while it needed the loop: a read answer takes a few turns of
        the loop to reach the queue (socket, engine.io, its handler's greenlet), so the loop
        settles before each look, and again once the batch is committed (its acks go out)."""
        time.sleep(YIELD)  # gevent's, on a served node
        deadline = time.monotonic() + max_wait
        while True:
            settle(max(0.0, deadline - time.monotonic()))
            if not self._queue and self._quiet.is_set():
                return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._quiet.is_set():  # queued after the writer looked: it is woken and takes it next
                time.sleep(0.001)
            elif not self._quiet.wait(left):
                return

    def _commit(self, batch: list[_Job[Any]]) -> None:
        # The usual batch is one run of answers: no savepoint around it (two statements, and two
        # round trips on PostgreSQL, per commit). Should its handler fail, the whole transaction
        # is rolled back and every job runs again on its own.
        alone = batch[0].bulk is not None and all(job.bulk == batch[0].bulk for job in batch)
        try:
            self._store(batch, bulk=True, savepoint=not alone)
        except _BulkFailed:
            for job in batch:
                job.result, job.error = None, None
            self._store(batch, bulk=False, savepoint=True)
        self.batches += 1
        self.jobs += len(batch)

    def _store(self, batch: list[_Job[Any]], bulk: bool, savepoint: bool) -> None:
        with self.db.transaction() as session:
            hold_sqlite_write_lock(session)  # before any savepoint
            entries = journal(session)
            start = 0
            while start < len(batch):
                end = start + 1
                kind = batch[start].bulk if bulk else None
                if kind is None:
                    self._one(session, batch[start], entries)
                else:  # order is kept: a run is consecutive jobs of one kind
                    while end < len(batch) and batch[end].bulk == kind:
                        end += 1
                    for job in self._run(session, kind, batch[start:end], entries, savepoint):
                        self._one(session, job, entries)
                start = end
            if self.before_commit is not None and entries:
                self.before_commit(session, entries)
            commit_sqlite_off_hub(session)

    @staticmethod
    def _one(session: Session, job: _Job[Any], entries: list[Any]) -> None:
        kept = len(entries)
        try:
            with session.begin_nested():
                job.result = job.work(session)
        except Exception as exc:  # a refusal (or a bug) in one job spares the others
            job.error = exc
            del entries[kept:]

    def _run(self, session: Session, kind: str, run: list[_Job[Any]], entries: list[Any],
             savepoint: bool) -> list[_Job[Any]]:
        """A run through its bulk handler; returns the jobs left to run one by one. Without
        SAVEPOINT (the run is the whole batch) a failure is raised as `_BulkFailed`."""
        if not savepoint:
            try:
                return self.bulk[kind](session, run)
            except Exception as exc:
                log.exception("bulk %s of %d jobs failed; running them one by one", kind, len(run))
                raise _BulkFailed from exc
        kept = len(entries)
        try:
            with session.begin_nested():
                return self.bulk[kind](session, run)
        except Exception:  # a bug, or a database error: every job gets its own chance
            log.exception("bulk %s of %d jobs failed; running them one by one", kind, len(run))
            del entries[kept:]
            for job in run:
                job.result, job.error = None, None
            return run


class _BulkFailed(Exception):
    """The bulk handler of a batch that was one run failed: roll back, then job by job."""
