"""Render one report model to Markdown (report.md with PNG figures) and PDF (real text, tables, figures, page
numbers; fpdf2 with the DejaVu fonts matplotlib ships, so nothing outside pip is needed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib
import pandas as pd
from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from planner.report.model import Figure, Report, Section, Table, build
from planner.yamlio import atomic_write

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


# ---------------------------------------------------------------------------------------------- Markdown


def md_table(df: pd.DataFrame) -> str:
    """A pipe table (no extra dependency); pipes inside cells are escaped."""
    cols = [str(c) for c in df.columns]
    esc = (lambda x: str(x).replace("|", "\\|").replace("\n", " "))
    out = ["| " + " | ".join(esc(c) for c in cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        out.append("| " + " | ".join(esc(x) for x in row) + " |")
    return "\n".join(out)


def to_markdown(report: Report) -> str:
    lines = [f"# {report.title}", "", f"_{report.subtitle}_", ""]
    for sec in report.sections:
        lines += [f"## {sec.title}", ""]
        for b in sec.blocks:
            if isinstance(b, str):
                lines += [b, ""]
            elif isinstance(b, list):
                lines += [f"- {x}" for x in b] + [""]
            elif isinstance(b, Table):
                lines += [f"**{b.title}**", "", md_table(b.frame), ""]
                if b.note:
                    lines += [f"_{b.note}_", ""]
            elif isinstance(b, Figure):
                rel = b.path.relative_to(report.run_dir)
                lines += [f"![{b.title}]({rel.as_posix()})", "", f"*{b.caption}*", ""]
            elif isinstance(b, tuple) and b[0] == "code":
                lines += ["```", b[1], "```", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- PDF


class _PDF(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = title
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font("DejaVu", "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.add_font("DejaVuMono", "", str(FONT_DIR / "DejaVuSansMono.ttf"))
        self.set_auto_page_break(True, margin=16)
        self.set_margins(15, 14, 15)
        self.alias_nb_pages()
        self.set_title(title)
        self.set_creator("planner")

    def footer(self):
        self.set_y(-11)
        self.set_font("DejaVu", "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.doc_title}    page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _widths(pdf: _PDF, df: pd.DataFrame, total: float, pad: float) -> tuple[list[float], bool]:
    """Column widths that fit the longest word of every column; the rest shared by typical text length.
    Returns (widths, fits): when even the longest words do not fit, cells must break inside words."""
    mins, wants = [], []
    for c in df.columns:
        cells = [str(c)] + [str(x) for x in df[c].head(300)]
        words = [w for text in cells for w in text.split()] or [""]
        mins.append(max(pdf.get_string_width(w) for w in words) + 2 * pad + 0.6)
        lengths = sorted(pdf.get_string_width(text) for text in cells)
        wants.append(min(70.0, max(mins[-1], lengths[int(0.9 * (len(lengths) - 1))] + 2 * pad + 0.6)))
    if sum(wants) <= total:
        return [w * total / sum(wants) for w in wants], True
    if sum(mins) > total:
        return [w * total / sum(wants) for w in wants], False
    spare = total - sum(mins)
    extra = [w - m for w, m in zip(wants, mins)]
    return [m + spare * e / sum(extra) for m, e in zip(mins, extra)], True


def _pdf_table(pdf: _PDF, t: Table):
    size = 6.5 if t.small else 7.5
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.multi_cell(0, 4.5, t.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(0.5)
    pdf.set_font("DejaVu", "", size)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    head = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
    widths, fits = _widths(pdf, t.frame, width, 0.6)
    with pdf.table(col_widths=widths, width=width, text_align="LEFT", line_height=size * 0.5,
                   headings_style=head, repeat_headings=1, borders_layout="HORIZONTAL_LINES", padding=0.6,
                   wrapmode=WrapMode.WORD if fits else WrapMode.CHAR) as table:
        table.row([str(c) for c in t.frame.columns])
        for row in t.frame.itertuples(index=False):
            table.row([str(x) for x in row])
    if t.note:
        pdf.set_font("DejaVu", "I", 7)
        pdf.multi_cell(0, 3.6, t.note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _pdf_figure(pdf: _PDF, f: Figure):
    from PIL import Image

    with Image.open(f.path) as im:
        w_px, h_px = im.size
    width = min(pdf.w - pdf.l_margin - pdf.r_margin, 180)
    height = width * h_px / w_px
    if pdf.get_y() + height + 10 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.image(str(f.path), w=width, h=height, x=pdf.l_margin)
    pdf.set_font("DejaVu", "I", 7.5)
    pdf.multi_cell(0, 3.8, f"Figure: {f.caption}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def to_pdf(report: Report, path: Path) -> None:
    pdf = _PDF(report.title)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 17)
    pdf.multi_cell(0, 8, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 4.6, report.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "I", 8)
    pdf.multi_cell(0, 4.2, f"Generated {dt.date.today().isoformat()} from {report.run_dir.name}/ by planner.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for sec in report.sections:
        _pdf_section(pdf, sec)
    data = bytes(pdf.output())
    atomic_write(path, data)


def _pdf_section(pdf: _PDF, sec: Section):
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 12.5)
    pdf.ln(2)
    pdf.multi_cell(0, 6.5, sec.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    for b in sec.blocks:
        if isinstance(b, str):
            pdf.set_font("DejaVu", "", 9)
            pdf.multi_cell(0, 4.6, b, markdown=True, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif isinstance(b, list):
            pdf.set_font("DejaVu", "", 9)
            for item in b:
                pdf.set_x(pdf.l_margin)
                pdf.cell(4, 4.6, "\u2022")
                pdf.multi_cell(0, 4.6, item, markdown=True, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif isinstance(b, Table):
            _pdf_table(pdf, b)
        elif isinstance(b, Figure):
            _pdf_figure(pdf, b)
        elif isinstance(b, tuple) and b[0] == "code":
            pdf.set_font("DejaVuMono", "", 6.8)
            pdf.set_fill_color(245, 245, 245)
            pdf.multi_cell(0, 3.3, b[1], fill=True, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)


# ---------------------------------------------------------------------------------------------- entry


def render_run(run_dir: str | Path) -> tuple[Path, Path]:
    """(Re-)render report.md and report.pdf of a run folder from its saved results; no model is built."""
    run = Path(run_dir)
    report = build(run)
    md = run / "report.md"
    atomic_write(md, to_markdown(report))
    pdf = run / "report.pdf"
    to_pdf(report, pdf)
    return md, pdf
