"""One refusal type for the committee services; the views turn it into a JSON error."""
from __future__ import annotations


class CommitteeRefused(ValueError):
    """STATUS and a stable CODE (the page's message key) with a message saying what was wrong."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
