"""The systemd units pass `systemd-analyze verify`, and the settings file documents every
setting the code reads."""
from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exam_engine.config import PREFIX, Settings
from tests.deploy.conftest import DEPLOY

ROOT = DEPLOY.parent
ENV_EXAMPLE = DEPLOY / "exam-engine.env.example"


def verify_unit(unit: Path, name: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """systemd-analyze verify on a copy whose ExecStart points at this checkout's gunicorn
    (verify insists the command exists); NAME instantiates a template."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing: `apt-get install -y systemd` (scripts/test installs it)",
                    pytrace=False)
    copy = folder / name
    copy.write_text(unit.read_text(encoding="utf-8").replace("/opt/exam-engine/.venv", sys.prefix),
                    encoding="utf-8")
    return subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, check=False, timeout=60)


@pytest.mark.parametrize(("unit", "name"), [("exam-engine.service", "exam-engine.service"),
                                            ("exam-engine@.service", "exam-engine@3.service")])
def test_units_verify(tmp_path: Path, unit: str, name: str) -> None:
    assert Path(sys.prefix, "bin", "gunicorn").exists()
    result = verify_unit(DEPLOY / unit, name, tmp_path)
    assert result.returncode == 0 and "exam-engine" not in result.stderr, result.stderr


def test_template_gives_node_n_port_800n() -> None:
    text = (DEPLOY / "exam-engine@.service").read_text(encoding="utf-8")
    assert "Environment=EXAM_ENGINE_BIND=127.0.0.1:800%i" in text.splitlines()
    # The shared file would override the per-node port for every node alike.
    assert not re.search(r"^EXAM_ENGINE_BIND=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE)


def test_env_example_documents_every_setting() -> None:
    documented = set(re.findall(r"^#?(EXAM_ENGINE_[A-Z_]+)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE))
    settings = {PREFIX + f.name.upper() for f in dataclasses.fields(Settings) if f.name != "extra"}
    # Settings read outside config.py (gunicorn's); tests' own excluded.
    read = set()
    for source in [*(ROOT / "exam_engine").rglob("*.py"), *(ROOT / "proctor_console").rglob("*.py")]:
        read |= set(re.findall(r"\b(EXAM_ENGINE_[A-Z][A-Z_]*[A-Z])\b", source.read_text(encoding="utf-8")))
    assert settings - documented == set()
    assert read - documented == set()
