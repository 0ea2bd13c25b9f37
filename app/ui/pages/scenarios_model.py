"""The library table: a Qt model over ScenarioRow lists from library search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.scenarios.library import ScenarioRow, search_scenarios


def answer_time(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" if not rest else f"{minutes} min {rest} s"


COLUMNS: tuple[tuple[str, Any], ...] = (
    ("Title", lambda r: r.title),
    ("Product", lambda r: r.product),
    ("Cross-sell", lambda r: r.cross_sell),
    ("Difficulty", lambda r: r.difficulty.capitalize()),
    ("Answer time", lambda r: answer_time(r.max_answer_seconds)),
)

ROW_ROLE = Qt.ItemDataRole.UserRole


class ScenarioTableModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[ScenarioRow] = []

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[index.column()][1](row)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            return f"{row.title} ({row.key})"
        if role == ROW_ROLE:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def set_rows(self, rows: Sequence[ScenarioRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, n: int) -> ScenarioRow:
        return self._rows[n]

    def index_of(self, scenario_id: str) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r.id == scenario_id), None)


def load(model: ScenarioTableModel, session, text: str, product_key: str | None) -> int:
    """Search the library and put the result in the model; returns the number of rows."""
    rows = search_scenarios(session, text, product_key)
    model.set_rows(rows)
    return len(rows)
