"""Candidate tokens: signed, short-lived, bound to the attempt and the terminal."""
from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from exam_engine.vault import Vault

MAX_AGE_SECONDS = 12 * 3600  # one exam day


@dataclass(frozen=True)
class TokenClaims:
    attempt_id: int
    terminal: str


class TokenError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class CandidateTokens:
    def __init__(self, vault: Vault) -> None:
        self._serializer = URLSafeTimedSerializer(vault.subkey("candidate-token"), salt="candidate")

    def issue(self, attempt_id: int, terminal: str) -> str:
        return self._serializer.dumps({"a": attempt_id, "t": terminal})

    def verify(self, token: object) -> TokenClaims:
        if not isinstance(token, str) or not token or len(token) > 512:
            raise TokenError("invalid_token", "missing or malformed token")
        try:
            data = self._serializer.loads(token, max_age=MAX_AGE_SECONDS)
        except SignatureExpired:
            raise TokenError("token_expired", "the token has expired; log in again") from None
        except (BadSignature, UnicodeEncodeError):  # a lone surrogate cannot even be checked
            raise TokenError("invalid_token", "the token is not valid") from None
        return TokenClaims(int(data["a"]), str(data["t"]))
