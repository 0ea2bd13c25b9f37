"""The first screen of Practice: the rep's assignments and free practice on any scenario."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.models import SubmissionStatus
from app.practice.assignments import AssignmentStatus, RepAssignment
from app.recorder.recovery import UnsavedRecording
from app.review.decisions import SubmissionFeedback
from app.scenarios.library import ScenarioRow
from app.ui.icons import set_icon
from app.ui.practice.feedback import SUBMISSION_WORDS, points_text
from app.ui.review.queue_model import STATUS_COLOR
from app.ui.sync.wording import megabytes
from app.ui.theme import ERROR_COLOR, current_scheme
from app.ui.widgets import EmptyState

STATUS_WORDS = {
    AssignmentStatus.TO_DO: "To do",
    AssignmentStatus.SUBMITTED: "Submitted",
    AssignmentStatus.RETAKE_REQUESTED: "Retake requested",
    AssignmentStatus.APPROVED: "Approved",
}


UNSAVED_TAB = 2  # after My assignments and My submissions


def due_text(due: date | None, overdue: bool) -> str:
    if due is None:
        return "No due date"
    text = due.strftime("%d %b %Y")
    return f"{text} (overdue)" if overdue else text


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for col in range(1, len(headers)):
        table.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    table.setAlternatingRowColors(True)
    return table


def fit_text(empty: EmptyState) -> None:
    """Give the wrapped sentence of an empty state the height it needs (a centred,
    word-wrapped label is otherwise squeezed to one line)."""
    width = empty.text.maximumWidth()
    empty.text.setMinimumWidth(width)
    empty.text.setMinimumHeight(empty.text.heightForWidth(width))


def _stacked(table: QTableWidget, empty: EmptyState) -> QStackedWidget:
    stack = QStackedWidget()
    stack.addWidget(table)
    stack.addWidget(empty)
    return stack


class PracticeHome(QWidget):
    """Emits ``open_scenario(scenario id)`` when the rep opens an assignment or a scenario,
    ``open_feedback(submission id)`` when they open a submission's feedback,
    ``save_unsaved(take id)`` when they ask for a copy of a recording that could not
    be saved as a take."""

    open_scenario = Signal(str)
    open_feedback = Signal(str)
    save_unsaved = Signal(str)
    device_check_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 16)

        top_widget = QWidget()  # beside the tabs: the summary and the device check
        top = QHBoxLayout(top_widget)
        top.setContentsMargins(12, 0, 0, 4)
        self.summary = QLabel(objectName="hint")
        self.device_button = QPushButton("Check camera and microphone…")
        set_icon(self.device_button, "settings")
        self.device_button.setToolTip("See yourself and test the microphone level (Ctrl+D)")
        self.device_button.clicked.connect(self.device_check_requested)
        top.addWidget(self.summary, 1)
        top.addWidget(self.device_button)

        split = QSplitter(Qt.Orientation.Vertical)
        # Assignments and submissions share one pane (tabs), so the page fits a small screen.
        self.mine = QTabWidget(objectName="mine")
        self.mine.setDocumentMode(True)
        self.mine.setCornerWidget(top_widget, Qt.Corner.TopRightCorner)
        self.assignments = _table(["Scenario", "Due", "Attempts", "Status", "Feedback"])
        self.assignments.setObjectName("assignments")
        self.no_assignments = EmptyState(
            "practice",
            "No assignments yet",
            "When your trainer gives you a scenario to practise, it appears here. "
            "Meanwhile, pick any scenario below for free practice.",
        )
        fit_text(self.no_assignments)
        self.no_assignments.setMinimumHeight(self.no_assignments.sizeHint().height())
        self.assignments_stack = _stacked(self.assignments, self.no_assignments)
        self.mine.addTab(self.assignments_stack, "My assignments")
        self.submissions = _table(["Scenario", "Handed in", "Status", "Points"])
        self.submissions.setObjectName("mySubmissions")
        self.no_submissions = EmptyState(
            "review",
            "Nothing handed in yet",
            "When you submit a take, it appears here; open it to see your trainer's "
            "scores and comments.",
        )
        fit_text(self.no_submissions)
        self.submissions_stack = _stacked(self.submissions, self.no_submissions)
        self.mine.addTab(self.submissions_stack, "My submissions")
        self.mine.addTab(self._unsaved_panel(), "Unsaved recordings")
        self.mine.setTabVisible(UNSAVED_TAB, False)
        split.addWidget(self.mine)

        free = QWidget()
        free_box = QVBoxLayout(free)
        free_box.setContentsMargins(0, 8, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Free practice", objectName="sectionTitle"), 1)
        self.search = QLineEdit(placeholderText="Search scenarios (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(280)
        row.addWidget(self.search)
        free_box.addLayout(row)
        self.scenarios = _table(["Scenario", "Product", "Suggest", "Answer"])
        self.scenarios.setObjectName("freePractice")
        self.no_scenarios = EmptyState("search", "No scenario matches", "")
        self.scenarios_stack = _stacked(self.scenarios, self.no_scenarios)
        free_box.addWidget(self.scenarios_stack)
        split.addWidget(free)
        split.setSizes([300, 400])
        layout.addWidget(split, 1)

        hint = QLabel(
            "Double-click or press Enter to open a scenario, or a submission to see its feedback.",
            objectName="hint",
        )
        layout.addWidget(hint)

        for table in (self.assignments, self.scenarios):
            table.itemActivated.connect(lambda item, t=table: self._open_row(t, item.row()))
        self.submissions.itemActivated.connect(
            lambda item: self.open_feedback.emit(
                self.submissions.item(item.row(), 0).data(Qt.ItemDataRole.UserRole)
            )
        )
        find = QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _unsaved_panel(self) -> QWidget:
        """Recordings that could not be saved as takes: listed, with a way to copy them out."""
        panel = QWidget()
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 8, 0, 0)
        intro = QLabel(
            "These recordings could not be saved as takes, even after CrossCoach tried "
            "again. They stay on this computer: save a copy to keep one, or to send it to "
            "your trainer or IT contact.",
            objectName="hint",
        )
        intro.setWordWrap(True)
        box.addWidget(intro)
        self.unsaved = _table(["Scenario", "Recorded", "Size", "Why it was not saved"])
        self.unsaved.setObjectName("unsavedRecordings")
        header = self.unsaved.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.unsaved.setWordWrap(False)  # one line a recording; the whole reason on hover
        self.unsaved.itemSelectionChanged.connect(
            lambda: self.save_copy.setEnabled(bool(self.unsaved.selectedItems()))
        )
        self.unsaved.itemActivated.connect(lambda item: self._save_row(item.row()))
        box.addWidget(self.unsaved, 1)
        row = QHBoxLayout()
        self.unsaved_note = QLabel(objectName="hint")
        self.unsaved_note.setWordWrap(True)
        self.save_copy = QPushButton("Save a copy…", objectName="saveCopy")
        self.save_copy.setToolTip("Copy the selected recording to a folder you choose")
        self.save_copy.setEnabled(False)
        self.save_copy.clicked.connect(lambda: self._save_row(self.unsaved.currentRow()))
        row.addWidget(self.unsaved_note, 1)
        row.addWidget(self.save_copy)
        box.addLayout(row)
        return panel

    # --- filling ------------------------------------------------------------------

    def show_assignments(
        self, rows: list[RepAssignment], reviewed: frozenset[str] = frozenset()
    ) -> None:
        """``reviewed``: submission ids with feedback; their rows get "See feedback"."""
        table = self.assignments
        table.setRowCount(len(rows))
        warn = QBrush(QColor(ERROR_COLOR[current_scheme()]))
        for i, r in enumerate(rows):
            cells = [
                r.assignment.scenario_title,
                due_text(r.assignment.due_date, r.overdue),
                f"{r.attempts_used} of {r.attempts_allowed}",
                STATUS_WORDS[r.status],
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.assignment.scenario_id)
                if r.overdue and col in (0, 1):
                    item.setForeground(warn)
                    item.setToolTip("This assignment is past its due date.")
                table.setItem(i, col, item)
            table.setItem(i, 4, QTableWidgetItem())
            if r.submission_id in reviewed:
                table.setCellWidget(i, 4, self._feedback_button(r.submission_id))
            else:
                table.removeCellWidget(i, 4)
        self.assignments_stack.setCurrentIndex(0 if rows else 1)
        self.mine.setTabText(0, f"My assignments ({len(rows)})" if rows else "My assignments")
        overdue = sum(r.overdue for r in rows)
        todo = sum(
            r.status in (AssignmentStatus.TO_DO, AssignmentStatus.RETAKE_REQUESTED) for r in rows
        )
        parts = [f"{todo} to do" if rows else "Nothing assigned"]
        if overdue:
            parts.append(f"{overdue} overdue")
        self.summary.setText(", ".join(parts) + ".")

    def _feedback_button(self, submission_id: str) -> QPushButton:
        button = QPushButton("See feedback", objectName="seeFeedback")
        button.setToolTip("Your trainer's outcome, scores and comments on your latest submission")
        button.clicked.connect(lambda: self.open_feedback.emit(submission_id))
        return button

    def show_submissions(self, rows: list[SubmissionFeedback]) -> None:
        """The rep's submissions, newest first, with where each stands."""
        table = self.submissions
        table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            status = SubmissionStatus(r.status)
            cells = [
                r.scenario_title,
                r.submitted_at.astimezone().strftime("%d %b %Y, %H:%M"),
                SUBMISSION_WORDS[status],
                points_text(r),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.submission_id)
                if col == 2:
                    item.setForeground(QBrush(QColor(STATUS_COLOR[status])))
                table.setItem(i, col, item)
        self.submissions_stack.setCurrentIndex(0 if rows else 1)
        self.mine.setTabText(1, f"My submissions ({len(rows)})" if rows else "My submissions")

    def show_unsaved(self, rows: list[tuple[UnsavedRecording, str]]) -> None:
        """Recordings that could not be saved (newest first), each with its scenario's
        title; the tab shows only when there are some."""
        table = self.unsaved
        table.setRowCount(len(rows))
        for i, (r, title) in enumerate(rows):
            cells = [
                title,
                r.recorded_at.astimezone().strftime("%d %b %Y, %H:%M"),
                megabytes(r.size_bytes),
                r.reason,
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.take_id)
                item.setToolTip(r.reason)
                table.setItem(i, col, item)
        if rows and table.currentRow() < 0:
            table.selectRow(0)
        self.save_copy.setEnabled(bool(rows))
        self.mine.setTabVisible(UNSAVED_TAB, bool(rows))
        self.mine.setTabText(UNSAVED_TAB, f"Unsaved recordings ({len(rows)})")

    def show_unsaved_tab(self) -> None:
        if self.mine.isTabVisible(UNSAVED_TAB):
            self.mine.setCurrentIndex(UNSAVED_TAB)
            self.unsaved.setFocus()

    def _save_row(self, row: int) -> None:
        item = self.unsaved.item(row, 0)
        if item is not None:
            self.save_unsaved.emit(item.data(Qt.ItemDataRole.UserRole))

    def show_scenarios(self, rows: list[ScenarioRow], search: str) -> None:
        table = self.scenarios
        table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [r.title, r.product, r.cross_sell, f"up to {r.max_answer_seconds} s"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                table.setItem(i, col, item)
        if search.strip():
            self.no_scenarios.title.setText("No scenario matches")
            self.no_scenarios.text.setText(
                f'Nothing matches "{search.strip()}". Try fewer or other words.'
            )
        else:
            self.no_scenarios.title.setText("No scenarios yet")
            self.no_scenarios.text.setText(
                "Ask your trainer for a scenario pack, or import one on the Scenarios page."
            )
        fit_text(self.no_scenarios)
        self.scenarios_stack.setCurrentIndex(0 if rows else 1)

    def _open_row(self, table: QTableWidget, row: int) -> None:
        item = table.item(row, 0)
        if item is not None:
            self.open_scenario.emit(item.data(Qt.ItemDataRole.UserRole))
