"""Deploy-time settings: one place, environment variables with the EXAM_ENGINE_ prefix.

Every setting has a default that works out of the box (SQLite under ./instance); an empty
variable means the default, like an unset one. A value that is not of the setting's type, or is
out of its range, stops the load with an error naming the variable.
"""
from __future__ import annotations

import math
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
    # Live answer-copying detector (proctoring/live_copying.py): the z above which a pair is
    # flagged (copying.DEFAULT_THRESHOLD), the seconds between two scans of a room, and how
    # many items two candidates' forms must share to be compared.
    copying_threshold: float = 4.5
    copying_interval: float = field(default=30.0, metadata={"above": 0})
    copying_min_shared: int = field(default=20, metadata={"minimum": 1})
    # Garbage collection on a served node (gc_policy.py): seconds between two young
    # collections that freeze the survivors, and between two full sweeps of everything.
    gc_freeze_seconds: float = field(default=10.0, metadata={"above": 0})
    gc_sweep_seconds: float = field(default=1800.0, metadata={"above": 0})
    # Diagnostics (holds.py): log each greenlet that held the hub longer than this; 0: off.
    hold_log_ms: float = field(default=0.0, metadata={"minimum": 0})
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
    if isinstance(current, float):
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise ValueError(f"{PREFIX}{name.upper()}: expected a number, got {raw!r}")
        return value
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
        if raw is not None and raw.strip():  # empty: the default
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
    _check_ranges(settings)
    return settings


def _check_ranges(settings: Settings) -> None:
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if "minimum" in f.metadata and value < f.metadata["minimum"]:
            raise ValueError(f"{PREFIX}{f.name.upper()}: must be at least {f.metadata['minimum']}, got {value!r}")
        if "above" in f.metadata and not value > f.metadata["above"]:
            raise ValueError(f"{PREFIX}{f.name.upper()}: must be more than {f.metadata['above']}, got {value!r}")
