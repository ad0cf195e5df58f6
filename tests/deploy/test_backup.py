"""deploy/README.md's SQLite online backup, taken while a node runs, restores into an
instance whose audit chain verifies against the head printed before the backup."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import requests

from exam_engine.node import ServerProcess
from tests.deploy.conftest import DEPLOY


def readme_backup_snippet() -> str:
    """The Python the guide tells operators to run (tested as written)."""
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    match = re.search(r"python -c '\n(.*?)' \\\n", text, re.DOTALL)
    assert match, "the SQLite backup command is gone from deploy/README.md"
    return match.group(1)


def exam_engine(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed `exam-engine` command of this environment, as an operator runs it."""
    return subprocess.run([str(Path(sys.prefix, "bin", "exam-engine")), "--instance", str(instance), *args],
                          check=False, capture_output=True, text=True, timeout=60)


def test_online_backup_restores_with_a_valid_audit_chain(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    live = engine.settings.instance_path
    with ServerProcess(live) as node:
        for n in range(3):  # refused logins are audited
            response = requests.post(f"{node.url}/candidate/api/login", timeout=10, json={
                "number": f"X{n}", "pin": "000000", "session_pin": "000000", "terminal": "T1"})
            assert response.status_code >= 400
        verified = exam_engine(live, "audit", "verify")
        assert verified.returncode == 0, verified.stderr
        head = re.search(r"^head: (\S+)$", verified.stdout, re.MULTILINE)
        assert head and verified.stdout.startswith("VALID (3 entries)")
        backup = tmp_path / "backup.db"
        taken = subprocess.run([sys.executable, "-c", readme_backup_snippet(), str(live / "exam-engine.db"),
                                str(backup)], check=False, capture_output=True, text=True, timeout=60)
        assert taken.returncode == 0, taken.stderr
    restored = tmp_path / "restore-check"
    restored.mkdir(mode=0o700)
    shutil.copy(backup, restored / "exam-engine.db")
    shutil.copy(live / "master.key", restored / "master.key")
    (restored / "master.key").chmod(0o600)
    check = exam_engine(restored, "audit", "verify", "--head", head.group(1))
    assert check.returncode == 0 and check.stdout.startswith("VALID (3 entries)"), check.stdout + check.stderr
