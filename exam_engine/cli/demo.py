"""`exam-engine demo`: a ready-to-try instance on the embedded default."""
from __future__ import annotations

import click


def register(main: click.Group) -> None:
    pass
