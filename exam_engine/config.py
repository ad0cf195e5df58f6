"""Deploy-time settings: one place, environment variables with the EXAM_ENGINE_ prefix.

Every setting has a default that works out of the box (SQLite under ./instance).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

PREFIX = "EXAM_ENGINE_"


@dataclass(frozen=True)
class Settings:
    instance_path: Path = Path("instance")
    database_url: str = ""  # empty: sqlite:///<instance_path>/exam-engine.db
    key_file: Path | None = None  # empty: <instance_path>/master.key
    master_key: str = ""  # base64 key in the environment instead of a key file
    secret_key: str = ""  # Flask session signing; derived from the master key when empty
    sqlite_busy_timeout_ms: int = 10_000
    # Registration PINs are peppered with a key-derived secret, so a dump alone cannot be
    # brute-forced; the argon2 cost can therefore stay low enough for rosters of thousands.
    pin_hash_time_cost: int = 2
    pin_hash_memory_kib: int = 8192
    pin_length: int = 6
    # Idle minutes before a staff login expires: long enough to watch a whole sitting without
    # a click. A login ends after 12 hours (or this, if longer) regardless.
    staff_session_minutes: int = 120
    message_queue: str = ""  # Socket.IO message queue URL (Redis) for several nodes
    async_mode: str = ""  # Socket.IO async mode; `exam-engine serve` and gunicorn use gevent
    allowed_origins: str = ""  # extra Origins for Socket.IO, comma-separated; same origin always
    # Reverse proxies in front of the node (nginx: 1). Their X-Forwarded-* headers are then
    # believed, so login limits, records and IP-change flags see the terminal, not the proxy.
    proxy_hops: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.instance_path / 'exam-engine.db').resolve()}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.instance_path / "master.key"


def _coerce(name: str, raw: str, current: Any) -> Any:
    if isinstance(current, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{PREFIX}{name.upper()}: expected an integer, got {raw!r}") from None
    if isinstance(current, Path) or name in {"key_file", "instance_path"}:
        return Path(raw) if raw else None
    return raw


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Defaults, then EXAM_ENGINE_* environment variables, then explicit overrides."""
    environ = os.environ if environ is None else environ
    settings = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name == "extra":
            continue
        raw = environ.get(PREFIX + f.name.upper())
        if raw is not None:
            values[f.name] = _coerce(f.name, raw, getattr(settings, f.name))
    settings = replace(settings, **values)
    if overrides:
        known = {f.name for f in fields(Settings)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        settings = replace(settings, **dict(overrides))
    if settings.instance_path is None:
        settings = replace(settings, instance_path=Path("instance"))
    return settings
