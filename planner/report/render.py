"""Render one report model to Markdown (report.md with PNG figures) and PDF (real text, tables, figures, page
numbers; fpdf2 with the DejaVu fonts matplotlib ships, so nothing outside pip is needed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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


ELLIPSIS = "\u2026"


_MAJOR = "@/|>,;"
_LEVELS = ("major", "dot", "minor")  # break points a reader accepts, the most natural first


def _cut(token: str, i: int, level: str, cur: str) -> bool:
    """Whether a line may break after token[i] at this level of break point."""
    ch, nxt = token[i], token[i + 1]
    prev = token[i - 1] if i > 0 else ""
    if level == "major":  # a comma or semicolon inside a number (15,000,000) is not a break
        return (ch in _MAJOR and not (ch in ",;" and nxt.isdigit())) or (nxt == "(" and bool(cur.strip()))
    if level == "dot":  # between the parts of a dotted path (accelerators.gen_2030.price_usd), never in 0.05
        return (ch == "." and (prev.isalnum() or prev == "_") and (nxt.isalpha() or nxt == "_")
                and any(c.isalpha() for c in cur))
    return ch == "_" or (ch == "-" and prev.isalpha() and nxt.isalpha())


def _split(token: str, level: str) -> list[str]:
    pieces, cur = [], ""
    for i, ch in enumerate(token):
        cur += ch
        if i + 1 < len(token) and _cut(token, i, level, cur):
            pieces.append(cur)
            cur = ""
    pieces.append(cur)
    return [p for p in pieces if p]


def break_pieces(token: str, major_only: bool = False) -> list[str]:
    """A token without spaces split where a reader accepts a line break: after @ / | > , ; and before '(' (major
    breaks), then after a '.' between the parts of a dotted path (catalog paths), then after '_' and after a '-'
    between letters ('real-time'); never inside a number or a plain word. Joining the pieces gives the token back."""
    pieces = [token]
    for level in _LEVELS[:1] if major_only else _LEVELS:
        pieces = [q for p in pieces for q in _split(p, level)]
    return pieces


def _fitting_pieces(word: str, width: float, measure) -> list[str]:
    """A word too wide for a line, split at the most natural break points that make its pieces fit: a piece
    that fits after the major breaks is kept whole, one that does not is split at path dots, then at '_' and
    '-' (so a catalog path breaks as 'ground_regions.us_grid.' + 'facility_capex_musd_per_mw')."""
    pieces = [word]
    for level in _LEVELS:
        pieces = [q for p in pieces for q in ([p] if measure(p) <= width else _split(p, level))]
    return pieces


SHORT_WORD_MM = 25.0  # a table cell of one word at most this wide (mm) is never broken across lines
_UNIT_TOKENS = {"B", "M", "k", "%", "s", "ms", "t", "kg", "MW", "GW", "kW", "K", "x"}


def _glued(w: str) -> bool:
    """A unit, or a year in brackets, that stays on the line of the number before it."""
    return w in _UNIT_TOKENS or (len(w) == 6 and w[0] == "(" and w[-1] == ")" and w[1:5].isdigit())


def _words(text: str) -> list[str]:
    """Words of a cell, a unit kept with its number ('$188.4 B' never splits between the number and the B, nor
    '90 (2027)' between a value and its year)."""
    out: list[str] = []
    for w in text.split():
        if out and _glued(w) and any(ch.isdigit() for ch in out[-1]) and not out[-1].endswith(")"):
            out[-1] = f"{out[-1]} {w}"
        else:
            out.append(w)
    return out


def _clip(text: str, width: float, measure) -> str:
    """The longest start of ``text`` that fits with an ellipsis."""
    if measure(text) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid] + ELLIPSIS) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + ELLIPSIS


def wrap_cell(text: str, width: float, measure) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (``measure`` gives a string's width): broken between words, a
    word too wide for a line broken at its natural break points (see break_pieces), and a piece too wide even
    for a line of its own cut with an ellipsis. Never breaks inside a word."""
    lines: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        words = [w for glued in _words(para) for w in (glued.split(" ") if measure(glued) > width else [glued])]
        for word in words:
            cand = f"{line} {word}" if line else word
            if measure(cand) <= width:
                line = cand
                continue
            if line:
                lines.append(line)
                line = ""
            if measure(word) <= width:
                line = word
                continue
            for piece in _fitting_pieces(word, width, measure):  # too wide for a line: natural breaks first
                cand = line + piece
                if measure(cand) <= width:
                    line = cand
                    continue
                if line:
                    lines.append(line)
                line = _clip(piece, width, measure)
        lines.append(line)
    return lines


def _min_width(texts: list[str], measure) -> float:
    """The widest piece a column can never break: its narrowest possible width. A cell that is one short word
    (at most SHORT_WORD_MM) is one piece, so a unit like MUSD/MW/yr or an id like renewables_storage stays whole."""
    widest = 0.0
    for text in texts:
        words = _words(str(text))
        for word in words:
            w = measure(word)
            if w > widest:
                whole = len(words) == 1 and w <= SHORT_WORD_MM
                widest = max(widest, w if whole else max(measure(p) for p in break_pieces(word)))
    return widest


@dataclass
class TableLayout:
    size: float  # font size, pt
    widths: list[float]  # column widths, mm
    header: list[str]  # header cells, lines joined by newlines
    rows: list[list[str]]  # body cells, lines joined by newlines


def _column_needs(head: str, cells: list[str], head_m, body_m, extra: float) -> tuple[float, float]:
    """(narrowest, wanted) width of a column, mm: its widest unbreakable piece, and the 90th percentile of its
    cells' widths (header included), at most 70 mm."""
    m = max(_min_width([head], head_m), _min_width(cells, body_m)) + extra
    lengths = sorted([body_m(x) for x in cells] + [head_m(head)])
    return m, min(70.0, max(m, lengths[int(0.9 * (len(lengths) - 1))] + extra))


def layout_table(pdf: FPDF, frame: pd.DataFrame, total: float, size: float, pad: float = 0.6,
                 smallest: float = 5.0) -> TableLayout:
    """Column widths and pre-wrapped cells for a table ``total`` mm wide. Columns get at least their widest
    unbreakable piece; when even that does not fit, the font shrinks (down to ``smallest`` pt) before any piece
    is cut, and a cut piece ends with an ellipsis."""
    cols = [str(c) for c in frame.columns]
    body = [[str(x) for x in row] for row in frame.itertuples(index=False)]
    extra = 2 * pad + 0.8  # padding, border line and a safety margin

    def measurer(style: str, pt: float):
        def measure(s: str) -> float:
            pdf.set_font("DejaVu", style, pt)
            return pdf.get_string_width(s)
        return measure

    pt = size
    while True:
        head_m, body_m = measurer("B", pt), measurer("", pt)
        needs = [_column_needs(c, [r[j] for r in body], head_m, body_m, extra) for j, c in enumerate(cols)]
        mins, wants = [n[0] for n in needs], [n[1] for n in needs]
        if sum(mins) <= total or pt <= smallest:
            break
        pt = max(smallest, round(pt - 0.5, 2))
    if sum(wants) <= total:
        widths = [w * total / sum(wants) for w in wants]
    elif sum(mins) <= total:
        spare = total - sum(mins)
        more = [w - m for w, m in zip(wants, mins)]
        widths = [m + (spare * e / sum(more) if sum(more) > 0 else 0.0) for m, e in zip(mins, more)]
    else:  # even the smallest font cannot fit every piece: share by need, pieces get cut with an ellipsis
        widths = [m * total / sum(mins) for m in mins]
    head_m, body_m = measurer("B", pt), measurer("", pt)
    header = ["\n".join(wrap_cell(c, w - extra, head_m)) for c, w in zip(cols, widths)]
    rows = [["\n".join(wrap_cell(x, w - extra, body_m)) for x, w in zip(r, widths)] for r in body]
    pdf.set_font("DejaVu", "", pt)
    return TableLayout(pt, widths, header, rows)


def _pdf_table(pdf: _PDF, t: Table):
    size = 6.5 if t.small else 7.5
    width = pdf.w - pdf.l_margin - pdf.r_margin
    lay = layout_table(pdf, t.frame, width, size)
    line = lay.size * 0.5
    first = [lay.header] + lay.rows[:3]  # keep the title with the header and the first rows
    need = 5.0 + sum(max(c.count("\n") + 1 for c in r) * line + 1.4 for r in first)
    if pdf.get_y() + need > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.multi_cell(0, 4.5, t.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(0.5)
    pdf.set_font("DejaVu", "", lay.size)
    head = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
    with pdf.table(col_widths=lay.widths, width=width, text_align="LEFT", line_height=lay.size * 0.5,
                   headings_style=head, repeat_headings=1, borders_layout="HORIZONTAL_LINES", padding=0.6,
                   wrapmode=WrapMode.WORD) as table:
        table.row(lay.header)
        for row in lay.rows:
            table.row(row)
    if t.note:
        pdf.set_font("DejaVu", "I", 7)
        # left-aligned: justified, an id key's long words spread the line's words apart
        pdf.multi_cell(0, 3.6, t.note, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _pdf_figure(pdf: _PDF, f: Figure):
    from PIL import Image

    with Image.open(f.path) as im:
        w_px, h_px = im.size
    width = min(pdf.w - pdf.l_margin - pdf.r_margin, 180)
    height = width * h_px / w_px
    room = pdf.h - pdf.b_margin - pdf.get_y() - 10
    if height > room:
        if room >= max(0.6 * height, 45):  # shrink somewhat rather than leave much of a page empty
            height, width = room, room * w_px / h_px
        else:
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


def write_report(report: Report, folder: Path) -> tuple[Path, Path]:
    """report.md and report.pdf of ``report`` in ``folder``."""
    md, pdf = folder / "report.md", folder / "report.pdf"
    atomic_write(md, to_markdown(report))
    to_pdf(report, pdf)
    return md, pdf


def render_run(run_dir: str | Path) -> tuple[Path, Path]:
    """(Re-)render report.md and report.pdf of a run folder from its saved results; no model is built."""
    run = Path(run_dir)
    return write_report(build(run), run)
