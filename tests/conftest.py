"""Shared fixtures: an initialised instance in a temp folder, and one-line factories."""
from __future__ import annotations

import csv
import itertools
import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Iterator

import psycopg

import pytest
import yaml
from click.testing import CliRunner, Result

from exam_engine import create_app
from exam_engine.cli import main
from exam_engine.config import load_settings
from exam_engine.context import EngineContext
from exam_engine.migrate import upgrade
from exam_engine.throwaway import Postgres, pg_bin
from exam_engine.vault import create_key_file

SAMPLES = Path(__file__).resolve().parent.parent / "question_bank" / "samples"
FAST_PINS = {"pin_hash_time_cost": 1, "pin_hash_memory_kib": 1024}


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """One throw-away PostgreSQL for the whole run; each test gets its own database."""
    with Postgres() as pg:
        yield pg


def fresh_postgres_database(pg: Postgres, name: str) -> str:
    with psycopg.connect(pg.url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def database_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """SQLite under the instance by default; EXAM_ENGINE_TEST_DATABASE=postgres runs the same
    tests on PostgreSQL. Server nodes started by the test inherit the URL."""
    if os.environ.get("EXAM_ENGINE_TEST_DATABASE", "sqlite") != "postgres":
        return ""
    pg = request.getfixturevalue("postgres_server")
    url = fresh_postgres_database(pg, f"t{next(_DATABASES)}")
    monkeypatch.setenv("EXAM_ENGINE_DATABASE_URL", url)
    return url


_DATABASES = itertools.count(1)


def stored_bytes(engine: EngineContext) -> bytes:
    """Everything the database holds, as an attacker with the files would read it: the SQLite
    file with its WAL folded in, or a pg_dump of the PostgreSQL database."""
    url = engine.settings.resolved_database_url
    engine.db.dispose()
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))
    dump = subprocess.run([str(pg_bin() / "pg_dump"), "--data-only", url.replace("+psycopg", "")],
                          capture_output=True, check=True)
    return dump.stdout


@pytest.fixture
def engine(instance: Path, database_url: str) -> EngineContext:
    """An initialised instance: key file and migrated database."""
    create_key_file(instance / "master.key")
    ctx = EngineContext(load_settings(environ={}, overrides={"instance_path": instance, "database_url": database_url,
                                                              **FAST_PINS}))
    upgrade(ctx.db)
    yield ctx
    ctx.db.dispose()


@pytest.fixture
def app(engine: EngineContext):  # type: ignore[no-untyped-def]
    app = create_app({"instance_path": engine.settings.instance_path, **FAST_PINS})
    yield app
    app.extensions["exam_engine"].close()  # the app's own EngineContext, not the fixture's


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def cli(instance: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `exam-engine --instance <tmp> ARGS...`; returns click's Result."""
    for name, value in FAST_PINS.items():
        monkeypatch.setenv("EXAM_ENGINE_" + name.upper(), str(value))
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--instance", str(instance), *map(str, args)], catch_exceptions=False)

    return run


def item(item_id: str = "T-001", **fields: Any) -> dict[str, Any]:
    """A valid single-choice item; keyword arguments override or (with None) remove fields."""
    record: dict[str, Any] = {
        "id": item_id, "type": "single_choice", "section": "TWK", "topic": "nasionalisme",
        "difficulty": 3, "stem": f"Soal {item_id}?",
        "options": {"A": f"satu {item_id}", "B": f"dua {item_id}", "C": f"tiga {item_id}",
                    "D": f"empat {item_id}", "E": f"lima {item_id}"},
        "answer": "C",
    }
    record.update(fields)
    return {k: v for k, v in record.items() if v is not None}


def weighted_item(item_id: str = "W-001", **fields: Any) -> dict[str, Any]:
    base = item(item_id, section="TKP", topic="pelayanan_publik", type="weighted", answer=None,
                weights={"A": 1, "B": 2, "C": 3, "D": 4, "E": 5})
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


@pytest.fixture
def write_bank(tmp_path: Path) -> Callable[..., Path]:
    """write_bank(items, name=..., **bank_settings) -> path of a YAML bank file."""

    def write(items: list[dict[str, Any]], name: str = "bank.yaml", **settings: Any) -> Path:
        path = tmp_path / "banks" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"bank": settings.pop("bank", "test-bank"), **settings, "items": items}
        if name.endswith(".json"):
            import json

            path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


def write_table(path: Path, table: list[list[Any]]) -> Path:
    """Rows (header first) as a CSV or an XLSX file, chosen by the path's suffix."""
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        for cells in table:
            book.active.append(cells)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(table)
    return path
