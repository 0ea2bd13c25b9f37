"""The review queue: status chips with counts, filters, the sortable table.

The filter is remembered in the window settings (per data folder), so it is
the same when the trainer comes back to the page or starts the app again.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.models import SubmissionStatus
from app.review.filters import FilterChoices
from app.review.queue import Queue, QueueFilter
from app.ui.review.queue_model import SORT_KEYS, STATUS_TEXT, QueueModel
from app.ui.widgets import EmptyState

FILTER_KEY = "review/queue_filter"


def load_filter(settings: QSettings) -> QueueFilter:
    raw = settings.value(FILTER_KEY)
    try:
        return QueueFilter.from_dict(json.loads(raw) if isinstance(raw, str) else None)
    except ValueError:
        return QueueFilter()


def save_filter(settings: QSettings, flt: QueueFilter) -> None:
    settings.setValue(FILTER_KEY, json.dumps(flt.to_dict()))
    settings.sync()


def _combo(name: str, everything: str) -> QComboBox:
    box = QComboBox(objectName=name)
    box.addItem(everything, None)
    box.setMinimumWidth(160)
    return box


def _fill(box: QComboBox, everything: str, items: list[tuple[str, str]], chosen: str | None):
    box.blockSignals(True)
    box.clear()
    box.addItem(everything, None)
    for value, text in items:
        box.addItem(text, value)
    found = box.findData(chosen) if chosen else 0
    box.setCurrentIndex(max(0, found))
    box.blockSignals(False)


class QueueView(QWidget):
    """Shows a :class:`Queue`; asks for a new one whenever the filter changes."""

    filter_changed = Signal(object)  # QueueFilter
    open_requested = Signal(str)  # submission id

    def __init__(self, flt: QueueFilter, parent: QWidget | None = None):
        super().__init__(parent)
        self.filter = flt
        self.chips: dict[SubmissionStatus | None, QPushButton] = {}
        chips = QHBoxLayout()
        chips.setSpacing(6)
        for status in (None, *SubmissionStatus):
            chip = QPushButton(objectName="statusChip", checkable=True)
            chip.setProperty("status", status.value if status else "all")
            chip.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            chip.clicked.connect(lambda _c=False, st=status: self._toggle_status(st))
            chips.addWidget(chip)
            self.chips[status] = chip
        chips.addStretch(1)

        self.rep_box = _combo("repFilter", "All reps")
        self.team_box = _combo("teamFilter", "All teams")
        self.scenario_box = _combo("scenarioFilter", "All scenarios")
        for box in (self.rep_box, self.team_box, self.scenario_box):
            box.currentIndexChanged.connect(self._boxes_changed)
        boxes = QHBoxLayout()
        boxes.addWidget(QLabel("Rep"))
        boxes.addWidget(self.rep_box)
        boxes.addWidget(QLabel("Team"))
        boxes.addWidget(self.team_box)
        boxes.addWidget(QLabel("Scenario"))
        boxes.addWidget(self.scenario_box)
        boxes.addStretch(1)
        self.open_button = QPushButton("Open", objectName="openSubmission")
        self.open_button.setToolTip("Open the selected submission (Enter)")
        self.open_button.clicked.connect(self.open_current)
        boxes.addWidget(self.open_button)

        self.model = QueueModel(self._sort_by, self)
        self.table = QTableView(objectName="queueTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self._show_sort_indicator()  # before sorting is enabled, which sorts by the indicator
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((150, 100, 300, 130, 110, 70, 130, 70)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(SORT_KEYS.index("scenario"), QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(key), self.table)
            enter.setContext(Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(self.open_current)

        self.empty = EmptyState("review", "", "")
        self.body = QStackedWidget()
        self.body.addWidget(self.table)
        self.body.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 12)
        layout.addLayout(chips)
        layout.addLayout(boxes)
        layout.addWidget(self.body, 1)

    # -- showing --------------------------------------------------------------------

    def set_choices(self, choices: FilterChoices) -> None:
        _fill(self.rep_box, "All reps", choices.reps, self.filter.rep_id)
        _fill(self.team_box, "All teams", choices.teams, self.filter.team_id)
        _fill(
            self.scenario_box,
            "All scenarios",
            [(i, title) for i, _key, title in choices.scenarios],
            self.filter.scenario_id,
        )
        # A remembered rep, team or scenario that no longer exists is dropped, not kept hidden.
        self.filter = self.filter.with_changes(
            rep_id=self.rep_box.currentData(),
            team_id=self.team_box.currentData(),
            scenario_id=self.scenario_box.currentData(),
        )

    def show_queue(self, queue: Queue) -> None:
        selected = self.current_id()
        self.model.set_rows(queue.rows)
        chosen = set(self.filter.statuses)
        self.chips[None].setText(f"All  {sum(queue.counts.values())}")
        self.chips[None].setChecked(not chosen)
        for status in SubmissionStatus:
            self.chips[status].setText(f"{STATUS_TEXT[status]}  {queue.counts.get(status, 0)}")
            self.chips[status].setChecked(status in chosen)
        if queue.rows:
            self.body.setCurrentWidget(self.table)
            row = self.model.index_of(selected) if selected else -1
            self.select_row(max(0, row))
        else:
            self.body.setCurrentWidget(self.empty)
            if sum(queue.counts.values()) == 0 and not self._narrowed():
                self.empty.title.setText("Nothing to review")
                self.empty.text.setText(
                    "When reps submit a take, it appears here for you to watch and score."
                )
            else:
                self.empty.title.setText("No submissions match this filter")
                self.empty.text.setText(
                    "Choose other statuses above, or set rep, team and scenario back to All."
                )
        self.open_button.setEnabled(bool(queue.rows))

    def _narrowed(self) -> bool:
        f = self.filter
        return bool(f.rep_id or f.team_id or f.scenario_id)

    def _show_sort_indicator(self) -> None:
        order = (
            Qt.SortOrder.DescendingOrder if self.filter.descending else Qt.SortOrder.AscendingOrder
        )
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(
            SORT_KEYS.index(self.filter.sort_by) if self.filter.sort_by in SORT_KEYS else -1, order
        )
        header.blockSignals(False)

    # -- selection and opening ----------------------------------------------------------

    def current_id(self) -> str | None:
        row = self.model.row_at(self.table.currentIndex().row())
        return row.submission_id if row else None

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def move(self, step: int) -> None:
        current = self.table.currentIndex().row()
        self.select_row(min(self.model.rowCount() - 1, max(0, current + step)))

    def open_current(self) -> None:
        submission_id = self.current_id()
        if submission_id:
            self.open_requested.emit(submission_id)

    # -- filter changes --------------------------------------------------------------------

    def _change(self, **changes) -> None:
        self.filter = self.filter.with_changes(**changes)
        self._show_sort_indicator()
        self.filter_changed.emit(self.filter)

    def _toggle_status(self, status: SubmissionStatus | None) -> None:
        if status is None:
            self._change(statuses=())
            return
        chosen = [s for s in SubmissionStatus if s in self.filter.statuses]
        chosen = [s for s in chosen if s is not status] if status in chosen else [*chosen, status]
        self._change(statuses=tuple(s for s in SubmissionStatus if s in chosen))

    def _boxes_changed(self) -> None:
        self._change(
            rep_id=self.rep_box.currentData(),
            team_id=self.team_box.currentData(),
            scenario_id=self.scenario_box.currentData(),
        )

    def _sort_by(self, key: str, descending: bool) -> None:
        if (key, descending) != (self.filter.sort_by, self.filter.descending):
            self._change(sort_by=key, descending=descending)
