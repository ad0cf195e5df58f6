"""The audit log: every event appended to an HMAC-keyed hash chain, verifiable offline."""
from __future__ import annotations

from exam_engine.audit.log import append
from exam_engine.audit.verify import Problem, verify

__all__ = ["Problem", "append", "verify"]
