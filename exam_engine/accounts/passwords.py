"""Staff passwords: argon2id with argon2-cffi's default, memory-hard parameters.

Unlike candidate PINs there is no pepper here, so the hash cost is the only protection of
a leaked table: keep the library default (RFC 9106 low-memory profile, 64 MiB) in production.
"""
from __future__ import annotations

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from exam_engine.offload import blocking

MIN_LENGTH = 10
#: Longer inputs are refused before hashing: nobody types them, and they only cost CPU.
MAX_LENGTH = 1024

#: None means argon2-cffi's default. Tests swap in cheap parameters here; nothing else should.
PARAMETERS: Parameters | None = None


class WeakPassword(ValueError):
    """The message says what a password needs."""


def _hasher() -> PasswordHasher:
    return PasswordHasher() if PARAMETERS is None else PasswordHasher.from_parameters(PARAMETERS)


def check_strength(password: str, username: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password too short: use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password too long: at most {MAX_LENGTH} characters")
    if username and username.lower() in password.lower():
        raise WeakPassword("password must not contain the username")
    if len(set(password)) < 4:
        raise WeakPassword("password too simple: use more different characters")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return blocking(_hasher().verify, stored, password)  # 64 MiB, tens of ms: off the hub
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True after the parameters were raised: the next successful login upgrades the hash."""
    return _hasher().check_needs_rehash(stored)


_dummies: dict[str, str] = {}


def burn_time(password: str) -> None:
    """Verify against a throw-away hash, so an unknown username costs as long as a wrong password."""
    key = repr(PARAMETERS)  # one per parameter set: the cost must match the real hashes
    if key not in _dummies:
        _dummies[key] = hash_password("no such user: burn the same time")
    verify_password(_dummies[key], password)
