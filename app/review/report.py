"""The printable coaching report for one rep and one period, as a PDF.

:func:`build_report` gathers the facts (plain data, testable on its own);
:func:`write_report_pdf` lays them out on A4 pages with fpdf2 (pure Python, no Qt and
no display), with the points chart drawn as lines on the page. The text is set in
DejaVu Sans, which CrossCoach ships (resources/fonts, the package app.resources) and
embeds, so names in Latin, Greek or Cyrillic letters print whatever fonts the computer
has: PDF's built-in fonts know only Latin-1. Letters DejaVu Sans lacks (Chinese,
Japanese, emoji) are left out, and fpdf2 logs which.
"""

from __future__ import annotations

import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.core.errors import UserError
from app.core.files import commit, export_target
from app.core.profiles import Profile, find_profile
from app.review.comments import CommentView, comments_by_submission, format_moment
from app.review.periods import Period
from app.review.scores import ScoreRow, score_rows


@dataclass(frozen=True)
class CriterionStat:
    key: str
    name: str
    mean_percent: float  # mean of score / max, as a percentage: comparable across scales
    mean_score: float
    max_score: int
    count: int


@dataclass(frozen=True)
class CoachingReport:
    rep: Profile
    period: Period
    rows: tuple[ScoreRow, ...]
    criteria: tuple[CriterionStat, ...]  # best first
    comments: tuple[tuple[str, CommentView], ...]  # (scenario title, comment)

    @property
    def mean_points(self) -> float | None:
        if not self.rows:
            return None
        return round(sum(r.points for r in self.rows) / len(self.rows), 1)

    @property
    def _split(self) -> int:
        # Up to two each, never the same criterion as both a strength and a weakness.
        return min(2, len(self.criteria) // 2)

    @property
    def strengths(self) -> tuple[CriterionStat, ...]:
        return self.criteria[: self._split]

    @property
    def weaknesses(self) -> tuple[CriterionStat, ...]:
        return tuple(reversed(self.criteria))[: self._split]


def build_report(s: Session, rep_ref: str, period: Period) -> CoachingReport:
    rep = find_profile(s, rep_ref)
    rows = tuple(score_rows(s, period, rep_id=rep.id))
    titles = {r.submission_id: r.scenario_title for r in rows}
    comments = comments_by_submission(s, list(titles))
    return CoachingReport(
        rep=rep,
        period=period,
        rows=rows,
        criteria=tuple(_criterion_stats(rows)),
        comments=tuple(
            (titles[sub_id], comment) for sub_id in titles for comment in comments.get(sub_id, [])
        ),
    )


def _criterion_stats(rows: tuple[ScoreRow, ...]) -> list[CriterionStat]:
    sums: dict[str, list] = {}
    for row in rows:
        for c in row.criteria:
            if c.key in row.scores:
                entry = sums.setdefault(c.key, [c.name, c.max_score, 0.0, 0.0, 0])
                entry[2] += row.scores[c.key] / c.max_score * 100
                entry[3] += row.scores[c.key]
                entry[4] += 1
    stats = [
        CriterionStat(key, name, round(pct / n, 1), round(total / n, 2), top, n)
        for key, (name, top, pct, total, n) in sums.items()
    ]
    return sorted(stats, key=lambda c: (-c.mean_percent, c.key))


FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
TEXT_PT, H1_PT, H2_PT, SMALL_PT = 10, 18, 14, 8
LINE = 5.0  # mm: one line of body text
MARGIN = 15.0  # mm on every side, as the report always had
PADDING = 1.2  # mm inside a table cell
ROW_LINES = 40  # lines at most in one table row (about 180 mm): see _rows_that_fit
WIDEST_GLYPH = 6.0  # mm: DejaVu Sans's widest advance (3838/2048 em) at the tables' 9 pt
BLUE, GRID, GREY = (0x15, 0x65, 0xC0), (0xBD, 0xBD, 0xBD), (0x42, 0x42, 0x42)


def write_report_pdf(report: CoachingReport, path: Path) -> Path:
    """Lay the report out on A4 pages and write it to ``path`` (whole or not at all)."""
    path = export_target(path, "report.pdf")
    if not path.parent.is_dir():
        raise UserError(
            f"The folder {path.parent} does not exist.", "Choose a folder that exists for the PDF."
        )
    data = report_pdf_bytes(report)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        commit(tmp, path)
    except OSError as exc:
        with suppress(OSError):  # e.g. a folder of that name: not ours to remove
            tmp.unlink(missing_ok=True)
        raise UserError(
            f"CrossCoach could not write {path}.", "Choose a folder you can write to."
        ) from exc
    return path


def report_pdf_bytes(report: CoachingReport) -> bytes:
    """The whole PDF document of ``report``, in memory."""
    pdf = _document_class()(orientation="portrait", unit="mm", format="A4")
    try:
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=MARGIN)
        with resources.as_file(resources.files("app.resources") / "fonts") as fonts:
            for style, name in FONT_FILES.items():
                pdf.add_font(FONT, style, Path(fonts) / name)
        pdf.set_title(f"Coaching report — {report.rep.name} — {report.period.label}")
        pdf.set_creator("CrossCoach")
        pdf.add_page()
        _lay_out(pdf, report)
        return bytes(pdf.output())
    finally:
        for font in pdf.fonts.values():  # output() closes the fonts it used, not the others
            getattr(font, "close", lambda: None)()


@cache
def _document_class():
    # fpdf2 (with fontTools and Pillow) takes a few tenths of a second to import: only a
    # report pays for it, not every command.
    from fpdf import FPDF

    class ReportDocument(FPDF):
        def footer(self) -> None:  # the page number, bottom right
            self.set_y(-MARGIN + 3)
            self.set_font(FONT, "", SMALL_PT)
            self.set_text_color(0)
            self.cell(0, 4, str(self.page_no()), align="R")

    return ReportDocument


def _lay_out(pdf, report: CoachingReport) -> None:
    rep, mean = report.rep, report.mean_points
    pdf.set_font(FONT, "B", H1_PT)
    pdf.multi_cell(0, 9, _flat(f"Coaching report: {rep.name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _paragraph(
        pdf,
        f"Team: {rep.team or '—'}    Period: {report.period.label}    "
        f"Reviews: {len(report.rows)}    Mean points: {'—' if mean is None else mean}\n"
        f"Made on {utcnow().date().isoformat()}",
    )
    _heading(pdf, "Scores over time")
    if not report.rows:
        _paragraph(pdf, "No reviews in this period.")
    else:
        if len(report.rows) >= 2:
            _chart(pdf, report.rows)
        _table(
            pdf,
            ["Date", "Scenario", "Reviewer", "Points", "Decision"],
            [
                [
                    r.reviewed_at.date().isoformat(),
                    r.scenario_title,
                    r.reviewer_name,
                    f"{r.points:.1f}",
                    r.decision.value,
                ]
                for r in report.rows
            ],
            (16, 36, 24, 10, 14),
        )
    if report.criteria:
        _heading(pdf, "Criteria")
        _table(
            pdf,
            ["Criterion", "Mean score", "Of max", "Reviews"],
            [
                [c.name, f"{c.mean_score:g} / {c.max_score}", f"{c.mean_percent:.1f} %", c.count]
                for c in report.criteria
            ],
            (40, 22, 18, 20),
        )
        if report.strengths:
            _labelled(pdf, "Strengths:", ", ".join(c.name for c in report.strengths), after=0)
            _labelled(pdf, "To work on:", ", ".join(c.name for c in report.weaknesses))
    feedback = [r for r in report.rows if r.feedback]
    if feedback:
        _heading(pdf, "Trainer feedback")
        for r in feedback:
            label = f"{r.reviewed_at.date().isoformat()}, {r.scenario_title}, {r.reviewer_name}:"
            _labelled(pdf, label, r.feedback)
    if report.comments:
        _heading(pdf, "Comments on the videos")
        _table(
            pdf,
            ["Scenario", "At", "Comment", "By"],
            [
                [
                    title,
                    format_moment(c.at_seconds),
                    " — ".join(x for x in (c.preset, c.text) if x),
                    c.author_name,
                ]
                for title, c in report.comments
            ],
            (28, 10, 44, 18),
        )


def _heading(pdf, text: str) -> None:
    pdf.ln(2)
    if pdf.will_page_break(8 + 3 * LINE):  # never a heading alone at the foot of a page
        pdf.add_page()
    pdf.set_font(FONT, "B", H2_PT)
    pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _paragraph(pdf, text: str) -> None:
    pdf.set_font(FONT, "", TEXT_PT)
    pdf.multi_cell(0, LINE, _lines(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _labelled(pdf, label: str, text: str, after: float = 2) -> None:
    """``label`` in bold, then ``text``, flowing on as one paragraph."""
    pdf.set_font(FONT, "B", TEXT_PT)
    pdf.write(LINE, f"{_flat(label)} ")
    pdf.set_font(FONT, "", TEXT_PT)
    pdf.write(LINE, _lines(text))
    pdf.ln(LINE + after)


def _table(pdf, headers: list[str], rows: list[list], widths: tuple[int, ...]) -> None:
    """A ruled table across the page, its header row repeated on every page it spans."""
    pdf.set_font(FONT, "", TEXT_PT - 1)
    columns = [pdf.epw * w / sum(widths) - 2 * PADDING for w in widths]
    with pdf.table(
        col_widths=widths,
        width=pdf.epw,
        text_align="LEFT",
        v_align="TOP",
        line_height=LINE - 0.5,
        padding=PADDING,
        repeat_headings=1,
    ) as table:
        table.row(headers)
        for row in rows:
            for part in _rows_that_fit(pdf, [_flat(str(cell)) for cell in row], columns):
                table.row(part)
    pdf.ln(3)


def _rows_that_fit(pdf, row: list[str], columns: list[float]) -> list[list[str]]:
    """``row`` as one table row, or, when a cell would run past ROW_LINES lines, as several:
    fpdf2 does not break a row across pages, and refuses one taller than a page."""
    pieces = []
    for text, width in zip(row, columns, strict=True):
        if len(text) <= ROW_LINES * int(width / WIDEST_GLYPH):  # too short to reach the limit
            pieces.append([text])
            continue
        # Broken a little narrower than the cell, so each piece wraps no further there.
        lines = pdf.multi_cell(
            width - 1 + 2 * pdf.c_margin, LINE, text, dry_run=True, output="LINES"
        )
        pieces.append(
            ["\n".join(lines[i : i + ROW_LINES]) for i in range(0, len(lines), ROW_LINES)]
        )
    depth = max(len(p) for p in pieces)
    return [[p[k] if k < len(p) else "" for p in pieces] for k in range(depth)]


def _flat(text: str) -> str:
    """Text as one run: line breaks, tabs and repeated spaces become one space (as the
    report always showed them) and other control characters go."""
    return " ".join(_printable(text).split())


def _lines(text: str) -> str:
    """Text with its line breaks kept, each line as :func:`_flat` makes it."""
    return "\n".join(_flat(line) for line in text.splitlines())


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) != "Cc")


def _chart(pdf, rows: tuple[ScoreRow, ...]) -> None:
    """Points of each review in date order, as a line on a 0..100 scale, across the page."""
    height = 60.0
    if pdf.will_page_break(height):
        pdf.add_page()
    x0, y0 = pdf.l_margin, pdf.get_y()
    left, right = x0 + 11, x0 + pdf.epw - 4
    top, bottom = y0 + 3, y0 + height - 10
    pdf.set_font(FONT, "", SMALL_PT)
    pdf.set_line_width(0.2)
    for level in (100, 75, 50, 25, 0):  # top down, the order text readers list them in
        y = bottom - (bottom - top) * level / 100
        pdf.set_draw_color(*GRID)
        pdf.line(left, y, right, y)
        pdf.set_text_color(*GREY)
        pdf.set_xy(x0, y - 2)
        pdf.cell(left - x0 - 2, 4, str(level), align="R")
    step = (right - left) / max(1, len(rows) - 1)
    points = [
        (left + i * step, bottom - (bottom - top) * min(100.0, max(0.0, r.points)) / 100)
        for i, r in enumerate(rows)
    ]
    pdf.set_draw_color(*BLUE)
    pdf.set_fill_color(*BLUE)
    pdf.set_line_width(0.6)
    pdf.polyline(points)
    for x, y in points:
        pdf.circle(x, y, 1.0, style="F")
    pdf.set_text_color(*GREY)
    for row, align in ((rows[0], "L"), (rows[-1], "R")):
        pdf.set_xy(left, bottom + 1.5)
        pdf.cell(right - left, 4, row.reviewed_at.date().isoformat(), align=align)
    pdf.set_draw_color(0)
    pdf.set_fill_color(255)
    pdf.set_text_color(0)
    pdf.set_line_width(0.2)
    pdf.set_xy(x0, y0 + height)
