"""The review queue as a Qt table model over the domain's queue rows.

Sorting is the domain's job (the query sorts every column the same way the
CLI does); the model only reports which column was asked for.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from app.core.models import SubmissionStatus
from app.review.queue import QueueRow
from app.ui.review.player import clock_text

STATUS_TEXT = {
    SubmissionStatus.NEW: "New",
    SubmissionStatus.IN_REVIEW: "In review",
    SubmissionStatus.RETAKE_REQUESTED: "Retake requested",
    SubmissionStatus.APPROVED: "Approved",
}
STATUS_COLOR = {
    SubmissionStatus.NEW: "#1565c0",
    SubmissionStatus.IN_REVIEW: "#ef6c00",
    SubmissionStatus.RETAKE_REQUESTED: "#c62828",
    SubmissionStatus.APPROVED: "#2e7d32",
}

# (header, the domain's sort key)
COLUMNS = (
    ("Rep", "rep"),
    ("Team", "team"),
    ("Scenario", "scenario"),
    ("Submitted", "submitted"),
    ("Due", "due"),
    ("Length", "length"),
    ("Status", "status"),
    ("Reviews", "reviews"),
)
SORT_KEYS = [key for _header, key in COLUMNS]
_ROOT = QModelIndex()


def _cell(row: QueueRow, column: int) -> str:
    key = SORT_KEYS[column]
    if key == "rep":
        return row.rep_name
    if key == "team":
        return row.team_name or "—"
    if key == "scenario":
        return row.scenario_title
    if key == "submitted":
        return row.submitted_at.strftime("%Y-%m-%d %H:%M")
    if key == "due":
        if row.due_date is None:
            return "—"
        return f"{row.due_date:%Y-%m-%d}" + (" (late)" if row.overdue else "")
    if key == "length":
        return clock_text(round(row.duration_seconds * 1000))
    if key == "status":
        return STATUS_TEXT[row.status]
    return str(row.review_count)


class QueueModel(QAbstractTableModel):
    def __init__(self, on_sort: Callable[[str, bool], None], parent=None):
        super().__init__(parent)
        self._rows: list[QueueRow] = []
        self._on_sort = on_sort

    def set_rows(self, rows: list[QueueRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, index: int) -> QueueRow | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None

    def index_of(self, submission_id: str) -> int:
        for n, row in enumerate(self._rows):
            if row.submission_id == submission_id:
                return n
        return -1

    def rowCount(self, parent=_ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=_ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(row, index.column())
        if role == Qt.ItemDataRole.ForegroundRole:
            key = SORT_KEYS[index.column()]
            if key == "status":
                return QColor(STATUS_COLOR[row.status])
            if key == "due" and row.overdue:
                return QColor(STATUS_COLOR[SubmissionStatus.RETAKE_REQUESTED])
        if role == Qt.ItemDataRole.TextAlignmentRole and SORT_KEYS[index.column()] in (
            "length",
            "reviews",
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.submission_id
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self._on_sort(SORT_KEYS[column], order == Qt.SortOrder.DescendingOrder)
