"""The item analysis of a session's exam for the committee page: the same matrix and
statistics as `exam-engine analyse items` (over every finished attempt of the exam, not only
this session's: item statistics need every candidate who saw the item), as JSON rows, the SVG
chart, and the XLSX report."""
from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from exam_engine.committee.errors import CommitteeRefused
from exam_engine.results.exam_analysis import analyse_matrix, response_matrix
from exam_engine.results.item_analysis import FLAGS, ItemAnalysis
from exam_engine.results.item_report import chart_svg, write_xlsx
from exam_engine.scheduling.models import Exam
from exam_engine.vault import Vault


def _num(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def analyse(session: Session, vault: Vault, exam: Exam) -> tuple[ItemAnalysis, bool]:
    """(the analysis, whether candidates had differing forms)."""
    matrix = response_matrix(session, vault, exam)
    try:
        return analyse_matrix(matrix), not bool(matrix.present.all())
    except ValueError as exc:
        raise CommitteeRefused(409, "too_few_attempts", f"exam {exam.code}: {exc}") from None


def as_json(analysis: ItemAnalysis, forms_differ: bool) -> dict[str, Any]:
    it, se = analysis.items, analysis.sections
    return {
        "candidates": analysis.n_candidates,
        "forms_differ": forms_differ,
        "sections": [{"name": str(se.names[s]), "items": int(se.n_items[s]), "mean": _num(se.mean[s]),
                      "sd": _num(se.sd[s]), "alpha": _num(se.alpha[s]), "kr20": _num(se.kr20[s])}
                     for s in range(len(se.names))],
        "items": [{"id": str(it.ids[i]), "section": str(it.section[i]), "p": _num(it.p[i]),
                   "discrimination": _num(it.discrimination[i]), "alpha_if_deleted": _num(it.alpha_if_deleted[i]),
                   "flags": [name for name, on in zip(FLAGS, it.flags[i]) if on],
                   "reasons": analysis.reasons(i)} for i in range(len(it.ids))],
        "flagged": int(np.asarray(it.flags).any(1).sum()),
        "svg": chart_svg(analysis),
    }


def xlsx_bytes(analysis: ItemAnalysis) -> bytes:
    """The report workbook (item_report.write_xlsx writes to a path)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "item-analysis.xlsx"
        write_xlsx(analysis, path)
        return path.read_bytes()
