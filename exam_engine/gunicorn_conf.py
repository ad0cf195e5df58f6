"""gunicorn settings for one exam-engine node: `gunicorn -c python:exam_engine.gunicorn_conf`.

One gevent worker per node (Socket.IO needs sticky connections; scale with nodes, not
workers). gevent because the evidence says so (../shared/TESTING.md): one gevent worker
held 2,000 websocket clients at ~4,000 acks/s, where threading degraded to seconds and once
stalled. simple-websocket serves the websockets through gunicorn's raw socket."""
from __future__ import annotations

import os
from typing import Any

wsgi_app = "exam_engine.wsgi:app"
worker_class = "gevent"
workers = 1
# The default of 1,000 silently parks further terminals in the backlog.
worker_connections = int(os.environ.get("EXAM_ENGINE_WORKER_CONNECTIONS", "10000"))
bind = os.environ.get("EXAM_ENGINE_BIND", "127.0.0.1:5000")
graceful_timeout = int(os.environ.get("EXAM_ENGINE_GRACEFUL_TIMEOUT", "10"))
timeout = 60
accesslog = None
# Several nodes may share a machine (tests, a small venue); gunicorn's control socket has
# one default path per user, and exam-engine does not use it.
control_socket_disable = True
loglevel = os.environ.get("EXAM_ENGINE_LOG_LEVEL", "info")


def post_worker_init(worker: Any) -> None:
    """Credit any outage before the first request, then start the delivery ticker and the
    garbage-collection policy (no long full collections while terminals wait for acks), at
    the cadences of the app's settings (EXAM_ENGINE_GC_FREEZE_SECONDS, ..._GC_SWEEP_SECONDS).
    With EXAM_ENGINE_HOLD_LOG_MS, long holds of the hub are logged (holds.py)."""
    from exam_engine import gc_policy
    from exam_engine.delivery.ticker import start_ticker

    app = worker.wsgi
    settings = app.extensions["exam_engine"].settings
    if settings.hold_log_ms:
        from exam_engine import holds

        holds.install(settings.hold_log_ms)
    start_ticker(app)
    gc_policy.start(app.extensions["socketio"], freeze_every=settings.gc_freeze_seconds,
                    sweep_every=settings.gc_sweep_seconds)
