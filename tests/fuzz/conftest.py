"""Module-scoped fixtures for the property-based tests: hypothesis runs many examples inside
one test function, so the instance, the sitting and the server are built once per module and
every example must leave them as it found them (or check only what it changed)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exam_engine.config import load_settings
from exam_engine.context import EngineContext
from exam_engine.migrate import upgrade
from exam_engine.node import ServerProcess
from exam_engine.vault import create_key_file
from tests.conftest import FAST_PINS


def make_engine(instance: Path) -> EngineContext:
    create_key_file(instance / "master.key")
    ctx = EngineContext(load_settings(environ={}, overrides={"instance_path": instance, **FAST_PINS}))
    upgrade(ctx.db)
    return ctx


@pytest.fixture(scope="module")
def module_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineContext]:
    ctx = make_engine(tmp_path_factory.mktemp("fuzz") / "instance")
    yield ctx
    ctx.db.dispose()


@pytest.fixture(scope="module")
def module_server(module_engine: EngineContext) -> Iterator[ServerProcess]:
    node = ServerProcess(module_engine.settings.instance_path)
    node.start()
    yield node
    node.stop()
