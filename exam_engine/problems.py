"""Validation problems reported as `FILE:LINE-or-ROW: field: message`, all of them at once."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass
class Problems:
    """Collects every problem of one file; the caller imports nothing while any exist."""

    file: str
    items: list[Problem] = field(default_factory=list)

    def add(self, line: int | None, field_name: str, message: str) -> None:
        self.items.append(Problem(self.file, line or 1, field_name, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.items))


class InvalidFile(Exception):
    """Raised with every problem of a file that must not be imported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def read_text(path: Path, problems: Problems) -> str | None:
    """Read a file as UTF-8 (BOM accepted); report an empty file or a wrong encoding."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.add(1, "file", "file not found")
        return None
    except OSError as exc:
        problems.add(1, "file", f"cannot read the file: {exc.strerror}")
        return None
    if not data.strip():
        problems.add(1, "file", "the file is empty")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(
            line, "encoding",
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
            " (Excel: 'CSV UTF-8'), not as Windows-1252/Latin-1",
        )
        return None
