"""`exam-engine serve`: one node, as in production: gunicorn with one gevent worker."""
from __future__ import annotations

import os
import sys

import click

from exam_engine.cli import engine_from


def exec_server(instance: str, host: str, port: int) -> None:
    """Replace this process with gunicorn (its gevent worker must patch before Flask loads)."""
    env = dict(os.environ, EXAM_ENGINE_INSTANCE_PATH=instance, EXAM_ENGINE_BIND=f"{host}:{port}")
    os.execve(sys.executable, [sys.executable, "-m", "gunicorn", "-c", "python:exam_engine.gunicorn_conf"], env)


def register(main: click.Group) -> None:
    @main.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True)
    @click.pass_context
    def serve(ctx: click.Context, host: str, port: int) -> None:
        """Serve the candidate terminal on one node (gunicorn, one gevent worker)."""
        engine = engine_from(ctx)
        exec_server(str(engine.settings.instance_path.resolve()), host, port)
