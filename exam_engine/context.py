"""The engine's runtime: settings, database, vault and PIN hasher, built once per process.

CLI commands and the Flask app share it, so a service function gets what it needs passed
in and never reaches for a request or a global."""
from __future__ import annotations

from functools import cached_property

from exam_engine.config import Settings
from exam_engine.db import Database
from exam_engine.roster.pins import PinHasher
from exam_engine.vault import Vault, load_master_key


class EngineContext:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def vault(self) -> Vault:
        return Vault(load_master_key(self.settings.resolved_key_file, self.settings.master_key))

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.resolved_database_url, self.settings.sqlite_busy_timeout_ms)

    @cached_property
    def pins(self) -> PinHasher:
        s = self.settings
        return PinHasher(self.vault, s.pin_hash_time_cost, s.pin_hash_memory_kib, s.pin_length)

    def close(self) -> None:
        """Close the database's pooled connections, if it was opened."""
        if "db" in self.__dict__:
            self.db.dispose()
