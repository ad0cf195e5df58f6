"""Registration PINs: random digits, stored as argon2id of a keyed (peppered) HMAC.

The pepper comes from the master key, so a stolen database alone does not allow an
offline search of the small PIN space; argon2 protects the PINs if the key leaks too.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from exam_engine.offload import blocking
from exam_engine.vault import Vault


class PinHasher:
    def __init__(self, vault: Vault, time_cost: int = 2, memory_kib: int = 8192, length: int = 6) -> None:
        self._pepper = vault.subkey("pin-pepper")
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        self.length = length
        #: Verified (hash, peppered PIN) pairs of shared PINs: a room's session PIN is checked
        #: once per node, not once per candidate (argon2 costs ~10 ms of CPU each time).
        self._shared_ok: set[tuple[str, bytes]] = set()

    def _peppered(self, pin: str) -> bytes:
        return hmac.new(self._pepper, pin.encode(), hashlib.sha256).digest()

    def new_pin(self) -> str:
        return "".join(secrets.choice("0123456789") for _ in range(self.length))

    def hash(self, pin: str) -> str:
        return self._hasher.hash(self._peppered(pin))

    def verify_shared(self, stored: str | None, pin: str) -> bool:
        """`verify` for a PIN many people type (the session PIN); remembers successes only,
        keyed by the peppered digest, so a wrong PIN still costs a full argon2 check."""
        if not stored:
            return False
        key = (stored, self._peppered(pin))
        if key in self._shared_ok:
            return True
        ok = self.verify(stored, pin)
        if ok:
            if len(self._shared_ok) > 10_000:
                self._shared_ok.clear()
            self._shared_ok.add(key)
        return ok

    def verify(self, stored: str | None, pin: str) -> bool:
        if not stored:
            return False
        try:
            # A native thread: a room logging in at once must not stall every acknowledgement.
            return blocking(self._hasher.verify, stored, self._peppered(pin))
        except (VerificationError, InvalidHashError):
            return False
