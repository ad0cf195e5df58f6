"""The app factory: config, storage, delivery blueprint and Socket.IO namespace, wired once."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask, redirect, url_for
from flask_socketio import SocketIO
from werkzeug.middleware.proxy_fix import ProxyFix

from exam_engine.config import load_settings
from exam_engine.context import EngineContext


#: Larger Socket.IO messages are refused by Engine.IO before any handler runs.
MAX_MESSAGE_BYTES = 64 * 1024


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    from exam_engine import staff_assets
    from exam_engine.accounts import views as staff_views
    from exam_engine.committee import views as committee_views
    from exam_engine.delivery import views as candidate_views
    from exam_engine.delivery.runtime import Delivery
    from exam_engine.delivery.socket import NAMESPACE, CandidateNamespace
    from exam_engine.proctoring import socket as proctor_socket
    from exam_engine.proctoring import views as proctor_views
    from exam_engine.scoreboard import views as scoreboard_views
    from proctor_console import views as console_views

    settings = load_settings(overrides=overrides)
    engine = EngineContext(settings)
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config["SECRET_KEY"] = settings.secret_key or engine.vault.subkey("flask-secret").hex()
    app.extensions["exam_engine"] = engine
    if settings.proxy_hops:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.extensions["delivery"] = Delivery.create(engine)

    origins = [o.strip() for o in settings.allowed_origins.split(",") if o.strip()]
    socketio = SocketIO(app, async_mode=settings.async_mode or None, message_queue=settings.message_queue or None,
                        cors_allowed_origins=origins or None, max_http_buffer_size=MAX_MESSAGE_BYTES,
                        manage_session=False)
    socketio.on_namespace(CandidateNamespace(NAMESPACE, app))
    socketio.on_namespace(proctor_socket.ProctorNamespace(proctor_socket.NAMESPACE))
    app.register_blueprint(candidate_views.bp)
    app.register_blueprint(staff_views.bp)
    app.register_blueprint(proctor_views.bp)
    scoreboard_views.register(app, socketio)  # blueprint, /scoreboard namespace, live hook
    app.register_blueprint(console_views.bp)
    app.register_blueprint(committee_views.bp)
    app.register_blueprint(staff_assets.bp)  # staff.js/staff.css shared by the two staff pages

    @app.get("/")
    def index() -> Any:
        return redirect(url_for("candidate.terminal"))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
