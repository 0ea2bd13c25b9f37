"""The printable coaching report for one rep and one period, as a PDF.

:func:`build_report` gathers the facts (plain data, testable on its own);
:func:`write_report_pdf` lays them out with QtGui only (QTextDocument and
QPdfWriter, with a points chart drawn by QPainter), so it also runs headless.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html import escape
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


def write_report_pdf(report: CoachingReport, path: Path) -> Path:
    """Lay the report out on A4 pages and write it to ``path`` (whole or not at all)."""
    from PySide6.QtCore import QMarginsF, QUrl
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    path = export_target(path, "report.pdf")
    if not path.parent.is_dir():
        raise UserError(
            f"The folder {path.parent} does not exist.", "Choose a folder that exists for the PDF."
        )
    _ensure_gui_app()
    doc = QTextDocument()
    doc.setDefaultFont(_font())
    if len(report.rows) >= 2:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("chart.png"), _chart(report))
    doc.setHtml(report_html(report))
    tmp = path.with_name(f".{path.name}.partial")
    writer = QPdfWriter(str(tmp))
    writer.setTitle(f"Coaching report — {report.rep.name} — {report.period.label}")
    writer.setCreator("CrossCoach")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    doc.print_(writer)
    del writer  # finishes the file
    if not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise UserError(f"CrossCoach could not write {path}.", "Choose a folder you can write to.")
    commit(tmp, path)
    return path


def report_html(report: CoachingReport) -> str:
    rep, e = report.rep, escape
    mean = report.mean_points
    parts = [
        f"<h1>Coaching report: {e(rep.name)}</h1>",
        f"<p>Team: {e(rep.team or '—')} &nbsp; Period: {e(report.period.label)} &nbsp; "
        f"Reviews: {len(report.rows)} &nbsp; Mean points: {'—' if mean is None else mean}"
        f"<br/>Made on {utcnow().date().isoformat()}</p>",
        "<h2>Scores over time</h2>",
    ]
    if not report.rows:
        parts.append("<p>No reviews in this period.</p>")
    else:
        if len(report.rows) >= 2:
            parts.append('<p><img src="chart.png" width="600"/></p>')
        parts.append(
            _table(
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
            )
        )
    if report.criteria:
        parts.append("<h2>Criteria</h2>")
        parts.append(
            _table(
                ["Criterion", "Mean score", "Of max", "Reviews"],
                [
                    [
                        c.name,
                        f"{c.mean_score:g} / {c.max_score}",
                        f"{c.mean_percent:.1f} %",
                        c.count,
                    ]
                    for c in report.criteria
                ],
            )
        )
        if report.strengths:
            parts.append(
                f"<p><b>Strengths:</b> {e(', '.join(c.name for c in report.strengths))}<br/>"
                f"<b>To work on:</b> {e(', '.join(c.name for c in report.weaknesses))}</p>"
            )
    feedback = [r for r in report.rows if r.feedback]
    if feedback:
        parts.append("<h2>Trainer feedback</h2>")
        parts.extend(
            f"<p><b>{e(r.reviewed_at.date().isoformat())}, {e(r.scenario_title)}, "
            f"{e(r.reviewer_name)}:</b> {e(r.feedback)}</p>"
            for r in feedback
        )
    if report.comments:
        parts.append("<h2>Comments on the videos</h2>")
        parts.append(
            _table(
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
            )
        )
    return "\n".join(parts)


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th align='left'>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (
        "<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
        f"<tr>{head}</tr>{body}</table>"
    )


def _ensure_gui_app():
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
    return app


def _font():
    from PySide6.QtGui import QFont

    font = QFont()
    font.setPointSize(10)
    return font


def _chart(report: CoachingReport):
    """Points of each review in date order, as a line on a 0..100 scale."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

    width, height, margin = 1200, 400, 70
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont()
        font.setPixelSize(24)  # the image prints at half size: 12 px on paper
        painter.setFont(font)
        plot = QRectF(margin, 20, width - margin - 30, height - margin - 20)
        grid, labels = QPen(QColor("#bdbdbd"), 1), QPen(QColor("#424242"), 1)
        for level in (0, 25, 50, 75, 100):
            y = plot.bottom() - plot.height() * level / 100
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(labels)
            painter.drawText(
                QRectF(0, y - 10, margin - 8, 20),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                str(level),
            )
        rows = report.rows
        step = plot.width() / max(1, len(rows) - 1)
        points = [
            QPointF(plot.left() + i * step, plot.bottom() - plot.height() * r.points / 100)
            for i, r in enumerate(rows)
        ]
        painter.setPen(QPen(QColor("#1565c0"), 4))
        painter.drawPolyline(points)
        painter.setBrush(QColor("#1565c0"))
        for point in points:
            painter.drawEllipse(point, 7, 7)
        painter.setPen(labels)
        below = plot.bottom() + 10
        for row, align in (
            (rows[0], Qt.AlignmentFlag.AlignLeft),
            (rows[-1], Qt.AlignmentFlag.AlignRight),
        ):
            painter.drawText(
                QRectF(plot.left(), below, plot.width(), 40),
                align | Qt.AlignmentFlag.AlignTop,
                row.reviewed_at.date().isoformat(),
            )
    finally:
        painter.end()
    return image
