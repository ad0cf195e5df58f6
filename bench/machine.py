"""The machine line every benchmark prints first, so figures are never read without it."""
from __future__ import annotations

import os
import platform

import numpy as np


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def describe() -> str:
    return (f"machine: {cpu_name()}, {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, numpy {np.__version__}")
