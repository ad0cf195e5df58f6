"""WSGI entry for gunicorn (`exam_engine.wsgi:app`); gunicorn's gevent worker has already
monkey-patched by the time this module is imported."""
from exam_engine import create_app

app = create_app({"async_mode": "gevent"})
