"""The PDF layout shared by the berita acara and the certificates: an A4 page in a Unicode font
shipped with the package (no host fonts, no Latin-1 folding), a title, facts and signature lines."""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF, XPos, YPos

FONTS = Path(__file__).resolve().parent.parent / "fonts"
FAMILY, FALLBACK = "dejavu", "fallback"


def score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


class Document(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self._fallback = False

    def normalize_text(self, text: str) -> str:
        # DejaVu has no CJK. The fallback font is 3 MB to parse, so only a document whose text
        # needs it loads it (a session's certificates are thousands of small documents).
        cmap = getattr(self.current_font, "cmap", None)
        if not self._fallback and cmap is not None and any(ord(char) not in cmap for char in text):
            self.add_font(FALLBACK, "", FONTS / "DroidSansFallback.ttf")
            self.set_fallback_fonts([FALLBACK], exact_match=False)  # bold text falls back to regular
            self._fallback = True
        return super().normalize_text(text)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.cell(0, 6, f"Halaman {self.page_no()} dari {{nb}}", align="C")


def document(title: str, subtitle: str) -> Document:
    pdf = Document()
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 13)
    pdf.cell(0, 7, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=11)
    pdf.cell(0, 6, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    return pdf


def facts(pdf: FPDF, lines: list[tuple[str, str]]) -> None:
    pdf.set_font(FAMILY, size=10)
    for label, value in lines:
        pdf.cell(45, 6, label)
        pdf.multi_cell(0, 6, f": {value}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def signatures(pdf: FPDF, signers: list[tuple[str, str]]) -> None:
    """Signature blocks side by side, three a row, flush right, never split from their titles."""
    pdf.set_font(FAMILY, size=10)
    width = pdf.epw / 3
    for start in range(0, len(signers), 3):
        group = signers[start:start + 3]
        if pdf.y + 36 > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.y
        for i, (role, name) in enumerate(group):
            x = pdf.l_margin + (3 - len(group) + i) * width
            pdf.set_xy(x, top)
            pdf.cell(width, 6, role, align="C")
            pdf.set_xy(x, top + 24)
            pdf.cell(width, 6, f"( {name or ' ' * 30} )", align="C")
            pdf.line(x + 8, top + 24, x + width - 8, top + 24)
        pdf.set_xy(pdf.l_margin, top + 36)
