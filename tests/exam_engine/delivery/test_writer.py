"""The group writer: every job committed before its caller returns, jobs grouped into few
commits, a failing job rolled back alone, and a queue longer than one batch drained."""
from __future__ import annotations

import threading
import time
from typing import Any
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_engine.db import utcnow
from exam_engine.delivery.models import Heartbeat
from exam_engine.delivery.writer import GroupWriter, Job


def beat(name: str):  # type: ignore[no-untyped-def]
    def work(session: Session) -> str:
        session.add(Heartbeat(node=name, at=utcnow()))
        session.flush()
        return name
    return work


def test_many_callers_share_few_commits_and_all_rows_are_stored(engine) -> None:  # type: ignore[no-untyped-def]
    writer = GroupWriter(engine.db, max_batch=4)  # callers outnumber a batch: the queue must drain
    results: dict[int, str] = {}
    gate = threading.Barrier(40)

    def caller(i: int) -> None:
        gate.wait()
        results[i] = writer.run(beat(f"node-{i}"))

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a caller was never acknowledged"
    assert results == {i: f"node-{i}" for i in range(40)}
    assert writer.jobs == 40 and writer.batches < 40  # grouped
    with engine.db.session() as s:
        assert set(s.scalars(select(Heartbeat.node))) >= {f"node-{i}" for i in range(40)}


def test_a_failing_job_is_rolled_back_alone(engine) -> None:  # type: ignore[no-untyped-def]
    writer = GroupWriter(engine.db)

    def broken(session: Session) -> None:
        session.add(Heartbeat(node="half-written", at=utcnow() - timedelta(seconds=1)))
        session.flush()
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        writer.run(broken)
    assert writer.run(beat("fine")) == "fine"
    with engine.db.session() as s:
        nodes = set(s.scalars(select(Heartbeat.node)))
    assert "fine" in nodes and "half-written" not in nodes


def _bulk_batch(kind: str, names: list[str]) -> list[Job[Any]]:
    return [Job(beat(f"own-{name}"), kind, name) for name in names]


@pytest.mark.parametrize("mixed", [False, True], ids=["bulk-alone", "bulk-beside-others"])
def test_a_failing_bulk_handler_leaves_nothing_and_every_job_runs_on_its_own(engine, mixed: bool) -> None:  # type: ignore[no-untyped-def]
    """A batch that is one bulk run has no savepoint around the run: its failure must roll the
    transaction back whole and run each job again through its own work."""
    writer = GroupWriter(engine.db)
    calls = []

    def handler(session: Session, jobs: list[Job[Any]]) -> list[Job[Any]]:
        calls.append(len(jobs))
        session.add(Heartbeat(node="half-written", at=utcnow()))
        session.flush()
        raise RuntimeError("bulk broke")

    writer.bulk["beats"] = handler
    batch = ([Job(beat("plain"))] if mixed else []) + _bulk_batch("beats", ["a", "b", "c"])
    writer._commit(batch)
    assert calls == [3]
    assert [(j.result, j.error) for j in batch] == [(j.result, None) for j in batch]
    assert [j.result for j in batch] == (["plain"] if mixed else []) + ["own-a", "own-b", "own-c"]
    with engine.db.session() as s:
        nodes = set(s.scalars(select(Heartbeat.node)))
    assert "half-written" not in nodes
    assert {"own-a", "own-b", "own-c"} <= nodes and (("plain" in nodes) == mixed)


def test_a_bulk_run_alone_stores_through_its_handler(engine) -> None:  # type: ignore[no-untyped-def]
    writer = GroupWriter(engine.db)

    def handler(session: Session, jobs: list[Job[Any]]) -> list[Job[Any]]:
        for job in jobs[:-1]:
            session.add(Heartbeat(node=f"bulk-{job.item}", at=utcnow()))
            job.result = f"bulk-{job.item}"
        session.flush()
        return jobs[-1:]  # handed back: runs through its own work

    writer.bulk["beats"] = handler
    batch = _bulk_batch("beats", ["a", "b", "c"])
    writer._commit(batch)
    assert [j.result for j in batch] == ["bulk-a", "bulk-b", "own-c"]
    with engine.db.session() as s:
        assert {"bulk-a", "bulk-b", "own-c"} <= set(s.scalars(select(Heartbeat.node)))


def test_background_work_gives_way_until_the_writer_is_quiet(engine) -> None:  # type: ignore[no-untyped-def]
    """A slice of background work (live pushes, copying scans) waits for a batch being stored,
    returns at once when nothing is, and never waits past its bound."""
    writer = GroupWriter(engine.db)
    started, release = threading.Event(), threading.Event()
    stored_at: list[float] = []

    def slow(session: Session) -> str:
        started.set()
        assert release.wait(10)
        session.add(Heartbeat(node="slow", at=utcnow()))
        session.flush()
        return "slow"

    began = time.monotonic()
    writer.give_way(5.0)
    assert time.monotonic() - began < 1.0  # quiet: no wait

    caller = threading.Thread(target=lambda: stored_at.append(time.monotonic()) if writer.run(slow) else None)
    caller.start()
    assert started.wait(10)
    began = time.monotonic()
    writer.give_way(0.2)  # the batch is held: the bound ends the wait
    assert 0.2 <= time.monotonic() - began < 5.0

    threading.Timer(0.3, release.set).start()
    writer.give_way(10.0)
    gave_way_at = time.monotonic()
    caller.join(10)
    assert stored_at and gave_way_at >= stored_at[0] - 0.05  # not before the batch was committed
    with engine.db.session() as s:
        assert "slow" in set(s.scalars(select(Heartbeat.node)))
