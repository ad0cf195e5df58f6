"""gunicorn config for one exam-engine node: `gunicorn -c deploy/gunicorn.conf.py`.

The settings live in exam_engine/gunicorn_conf.py so `exam-engine serve` uses the same;
override with EXAM_ENGINE_BIND, EXAM_ENGINE_WORKER_CONNECTIONS, EXAM_ENGINE_GRACEFUL_TIMEOUT."""
from exam_engine.gunicorn_conf import *  # noqa: F401,F403
from exam_engine.gunicorn_conf import post_worker_init  # noqa: F401  (hooks are looked up by name)
