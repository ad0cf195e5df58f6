"""exam-engine: the server. `create_app` is the app factory; nothing happens at import."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from exam_engine.config import Settings, load_settings
from exam_engine.context import EngineContext

__all__ = ["create_app", "EngineContext", "Settings"]


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    settings = load_settings(overrides=overrides)
    engine = EngineContext(settings)
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config["SECRET_KEY"] = settings.secret_key or engine.vault.subkey("flask-secret").hex()
    app.extensions["exam_engine"] = engine

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
