"""What the delivery side needs at run time, built once per app."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from exam_engine.audit import answers
from exam_engine.context import EngineContext
from exam_engine.db import utcnow
from exam_engine.delivery.responses import store_batch
from exam_engine.delivery.running import FormPlans
from exam_engine.delivery.shapes import FormShapes
from exam_engine.delivery.tokens import CandidateTokens
from exam_engine.delivery.writer import GroupWriter, Job
from exam_engine.proctoring.flags import BurstWatch
from exam_engine.scoring.keys import KeyCache
from question_bank.service import item_content

#: The group writer's bulk kind for candidate events.
ANSWERS = "answers"


@dataclass
class Delivery:
    engine: EngineContext
    tokens: CandidateTokens
    keys: KeyCache
    writer: GroupWriter
    shapes: FormShapes = field(default_factory=FormShapes)
    plans: FormPlans = field(default_factory=FormPlans)  # live scoring's, per form
    bursts: BurstWatch = field(default_factory=BurstWatch)
    #: sid -> (attempt id, terminal) of this node's candidate connections
    connections: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: This node's name in heartbeats and presence rows: a restarted process is a new node.
    node: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    @classmethod
    def create(cls, engine: EngineContext) -> Delivery:
        def load(pk: int) -> dict[str, Any]:
            with engine.db.session() as session:
                return item_content(session, engine.vault, pk)

        def chain_answers(session: Session, stored: list[Any]) -> None:
            answers.chain(session, engine.vault, stored)

        made = cls(engine, CandidateTokens(engine.vault), KeyCache(load),
                   GroupWriter(engine.db, before_commit=chain_answers))
        made.writer.bulk[ANSWERS] = made.store_answers
        return made

    def store_answers(self, session: Session, jobs: list[Job[Any]]) -> list[Job[Any]]:
        """The group writer's bulk handler for candidate events (answers, marks, clears,
        positions); attempts whose time is up go back to their own job, which closes the part."""
        now = self.now()
        acks, attempts = store_batch(session, [job.item for job in jobs], now, self.shapes)
        leftovers = []
        for job, ack in zip(jobs, acks):
            if ack is None:
                leftovers.append(job)
                continue
            job.result = (ack, None)
            if ack["ok"] and job.item.event.kind == "answer" and not ack.get("duplicate"):
                self.bursts.stored(session, attempts[job.item.attempt_id], now)
        return leftovers

    @staticmethod
    def now() -> datetime:
        return utcnow()


def delivery(app: Flask | None = None) -> Delivery:
    return (app or current_app).extensions["delivery"]  # type: ignore[no-any-return]
