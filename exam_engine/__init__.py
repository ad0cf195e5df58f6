"""exam-engine: the server. Nothing happens at import: `python -m exam_engine.serve` must be
able to monkey-patch for gevent before Flask and its dependencies are loaded."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """The app factory (exam_engine.app)."""
    from exam_engine.app import create_app as factory

    return factory(overrides)
