"""The ceiling for the load benchmark: a bare Flask-SocketIO server whose one handler
acknowledges an answer, served by gunicorn with exam-engine's own worker settings.

It speaks just enough of the candidate namespace for the simulator's client to run
unchanged: `state` on connect (the client sends only after it), and an ack carrying the
event's seq. No storage, no authentication: whatever exam-engine does per answer beyond
this is what the ratio measures.

Served as `gunicorn ... echo_server:create_app()` (the factory runs in the worker, after
gevent's monkey-patching, as exam_engine.wsgi does). bench/load_bench.py starts it."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_socketio import Namespace, SocketIO, emit


class EchoNamespace(Namespace):
    def on_connect(self, auth: Any = None) -> None:
        emit("state", {"status": "active", "last_seq": 0})

    def on_answer(self, data: Any = None) -> dict[str, Any]:
        return {"ok": True, "seq": data.get("seq") if isinstance(data, dict) else None}


def create_app() -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/healthz", "healthz", lambda: "ok")
    socketio = SocketIO(app, async_mode="gevent", manage_session=False)  # as exam_engine.app does
    socketio.on_namespace(EchoNamespace("/candidate"))
    return app
