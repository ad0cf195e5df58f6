"""The item analysis as files for the committee: an XLSX workbook (items, options, sections)
and an SVG chart of difficulty (p) against discrimination, written without a plotting library."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from exam_engine.results.item_analysis import ItemAnalysis

NUMBER = "0.000"
OK_COLOUR, FLAG_COLOUR = "#1f77b4", "#d62728"


def write_report(analysis: ItemAnalysis, directory: Path, stem: str = "item-analysis") -> list[Path]:
    """Write `<stem>.xlsx` and `<stem>.svg` into `directory`; returns both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    xlsx, svg = directory / f"{stem}.xlsx", directory / f"{stem}.svg"
    write_xlsx(analysis, xlsx)
    svg.write_text(chart_svg(analysis), encoding="utf-8")
    return [xlsx, svg]


def write_xlsx(analysis: ItemAnalysis, path: Path) -> None:
    """Three sheets with typed cells, a bold frozen header row and filters."""
    it, op, se, th = analysis.items, analysis.options, analysis.sections, analysis.thresholds
    wb = Workbook()
    items = wb.active
    assert items is not None
    items.title = "Items"
    _sheet(items, ["Item", "Section", "p", "Discrimination (corrected r_pb)", "Alpha if deleted", "Flagged", "Reasons"],
           [[str(it.ids[i]), str(it.section[i]), _num(it.p[i]), _num(it.discrimination[i]),
             _num(it.alpha_if_deleted[i]), bool(it.flags[i].any()), "; ".join(analysis.reasons(i))]
            for i in range(len(it.ids))], numeric=(3, 4, 5))
    if op is not None:
        group = f"{th.group_fraction:.0%}"
        rows = []
        for i in range(len(it.ids)):
            for o, label in enumerate(op.labels):
                if math.isnan(op.proportion[i, o]):
                    continue  # the item does not have this option
                note = "unused" if op.unused[i, o] else "chosen more by the upper group" if op.favours_upper[i, o] else ""
                rows.append([str(it.ids[i]), str(it.section[i]), label, bool(op.is_key[i, o]), _num(op.proportion[i, o]),
                             _num(op.upper[i, o]), _num(op.lower[i, o]), _num(op.point_biserial[i, o]), note])
        _sheet(wb.create_sheet("Options"), ["Item", "Section", "Option", "Key", "Proportion", f"Upper {group}",
                                            f"Lower {group}", "Point-biserial (vs rest)", "Note"], rows, numeric=(5, 6, 7, 8))
    _sheet(wb.create_sheet("Sections"), ["Section", "Items", "Candidates", "Mean", "SD", "Cronbach's alpha", "KR-20"],
           [[str(se.names[s]), int(se.n_items[s]), analysis.n_candidates, _num(se.mean[s]), _num(se.sd[s]),
             _num(se.alpha[s]), _num(se.kr20[s])] for s in range(len(se.names))], numeric=(4, 5, 6, 7))
    wb.save(path)


def _num(x: Any) -> float | None:
    """A float cell, or an empty one where the statistic is undefined (Excel has no NaN)."""
    x = float(x)
    return None if math.isnan(x) else x


def _sheet(ws: Worksheet, header: list[str], rows: list[list[Any]], numeric: tuple[int, ...]) -> None:
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col in numeric:  # 1-based column numbers shown with three decimals
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = NUMBER
    for i, title in enumerate(header, start=1):
        width = max([len(title)] + [len(str(r[i - 1])) for r in rows[:500] if r[i - 1] is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(max(8, width + 2), 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def chart_svg(analysis: ItemAnalysis, width: int = 720, height: int = 480) -> str:
    """Scatter of p (x) against corrected point-biserial (y); hover a point for its item.
    Flagged items are red; dashed lines mark the review thresholds."""
    it, th = analysis.items, analysis.thresholds
    left, right, top, bottom = 70, 20, 40, 60
    shown = ~(np.isnan(it.p) | np.isnan(it.discrimination))
    d = it.discrimination[shown]
    y_lo = min(-0.2, math.floor(float(d.min(initial=0)) * 10) / 10)
    y_hi = max(0.8, math.ceil(float(d.max(initial=0)) * 10) / 10)

    def x_at(p: float) -> float:
        return left + p * (width - left - right)

    def y_at(r: float) -> float:
        return top + (y_hi - r) / (y_hi - y_lo) * (height - top - bottom)

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">'),
           "<title>Item difficulty against discrimination</title>",
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>']
    y_step = 0.1 if y_hi - y_lo <= 1.2 else 0.2
    for t in np.arange(0, 1.0001, 0.1):
        out.append(_line(x_at(t), top, x_at(t), height - bottom, "#eeeeee"))
        out.append(f'<text x="{x_at(t):.1f}" y="{height - bottom + 18}" text-anchor="middle">{t:.1f}</text>')
    for t in np.arange(math.ceil(y_lo / y_step) * y_step, y_hi + 1e-9, y_step):
        out.append(_line(left, y_at(t), width - right, y_at(t), "#eeeeee"))
        out.append(f'<text x="{left - 8}" y="{y_at(t) + 4:.1f}" text-anchor="end">{t:.1f}</text>')
    out.append(_line(left, y_at(0), width - right, y_at(0), "#888888"))
    for x in (th.too_hard, th.too_easy):
        out.append(_line(x_at(x), top, x_at(x), height - bottom, "#999999", dashed=True))
    out.append(_line(left, y_at(th.low_discrimination), width - right, y_at(th.low_discrimination), "#999999", dashed=True))
    out.append(f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" '
               'fill="none" stroke="#333333"/>')
    out.append(f'<text x="{(left + width - right) / 2}" y="{height - 15}" text-anchor="middle">'
               "Difficulty: proportion correct (p)</text>")
    out.append(f'<text transform="translate(18 {(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">'
               "Discrimination: corrected point-biserial</text>")
    out.append(f'<text x="{left}" y="24" font-size="14" font-weight="bold">Item difficulty against discrimination '
               f"({int(shown.sum())} items, {analysis.n_candidates:,} candidates)</text>")
    for i in np.flatnonzero(shown):
        flagged = bool(it.flags[i].any())
        tip = f"Item {it.ids[i]} ({it.section[i]}): p = {it.p[i]:.3f}, r = {it.discrimination[i]:.3f}"
        if flagged:
            tip += " | " + "; ".join(analysis.reasons(int(i)))
        out.append(f'<circle cx="{x_at(float(it.p[i])):.1f}" cy="{y_at(float(it.discrimination[i])):.1f}" r="4" '
                   f'fill="{FLAG_COLOUR if flagged else OK_COLOUR}" fill-opacity="0.8" class="{"flagged" if flagged else "ok"}">'
                   f"<title>{escape(tip)}</title></circle>")
    legend_x = width - right - 160
    for n, (label, colour) in enumerate((("item", OK_COLOUR), ("flagged for review", FLAG_COLOUR))):
        y = top + 14 + 16 * n
        out.append(f'<circle cx="{legend_x + 6}" cy="{y - 4}" r="4" fill="{colour}"/>'
                   f'<text x="{legend_x + 16}" y="{y}">{escape(label)}</text>')
    out.append(_line(legend_x, top + 42, legend_x + 12, top + 42, "#999999", dashed=True))
    out.append(f'<text x="{legend_x + 16}" y="{top + 46}">review thresholds</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke={quoteattr(colour)}{dash}/>'
