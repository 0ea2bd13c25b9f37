"""The Review page: the queue, and the review screen a submission opens into.

N/P (or Ctrl+Down/Up) move to the next/previous submission in the queue's
order, in the queue and on the review screen alike.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout

from app.review.filters import filter_choices
from app.review.queue import load_queue
from app.sync.service import RECORDINGS
from app.ui.pages.base import Page, PageSpec
from app.ui.review.queue_view import QueueView, load_filter, save_filter
from app.ui.review.review_screen import ReviewScreen
from app.ui.state import AppState

QUEUE_TABLES = (
    "submissions",
    "reviews",
    "comments",
    "top_videos",
    "people",
    "teams",
    "scenarios",
    RECORDINGS,
)


class ReviewPage(Page):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.queue = QueueView(load_filter(state.ui_settings))
        self.queue.filter_changed.connect(self._filter_changed)
        self.queue.open_requested.connect(self.open_submission)
        self.screen = ReviewScreen(state)
        self.screen.back_requested.connect(self.back_to_queue)
        self.screen.step_requested.connect(self.step)
        self.screen.changed.connect(self.refresh_queue)
        self._opened_row = -1
        self.stack = QStackedWidget()
        self.stack.addWidget(self.queue)
        self.stack.addWidget(self.screen)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        for keys, step in (("N", 1), ("Ctrl+Down", 1), ("P", -1), ("Ctrl+Up", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self.step(step))
        state.profile_changed.connect(lambda _p: self.back_to_queue())
        state.sync.on_arrival(self, QUEUE_TABLES, self.refresh_queue)  # what a sync brought

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self.stack.currentWidget() is self.queue:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the filter choices and the queue (others may have submitted meanwhile)."""
        with self.state.ctx.session() as s:
            self.queue.set_choices(filter_choices(s))
        self.refresh_queue()

    def refresh_queue(self) -> None:
        with self.state.ctx.session() as s:
            self.queue.show_queue(load_queue(s, self.queue.filter))

    def _filter_changed(self, flt) -> None:
        save_filter(self.state.ui_settings, flt)
        self.refresh_queue()

    def open_submission(self, submission_id: str) -> None:
        if self.screen.open_submission(submission_id):
            self.stack.setCurrentWidget(self.screen)
            self._opened_row = self.queue.model.index_of(submission_id)
            self.queue.select_row(self._opened_row)

    def back_to_queue(self) -> None:
        self.screen.leave()
        self.stack.setCurrentWidget(self.queue)
        self.refresh_queue()
        self.queue.table.setFocus()

    def step(self, direction: int) -> None:
        if self.stack.currentWidget() is self.queue:
            self.queue.move(direction)
            return
        if self.screen.data is None:
            return
        row = self.queue.model.index_of(self.screen.data.submission_id)
        if row < 0:
            # A decision took it out of the queue: the next one has slid into its place.
            row = self._opened_row - (1 if direction > 0 else 0)
        neighbour = self.queue.model.row_at(row + direction)
        if neighbour is not None:
            self.open_submission(neighbour.submission_id)


PAGE = PageSpec(
    "review",
    "Review",
    "Watch the takes your reps submit, comment at exact moments, score them and decide.",
    "review",
    ReviewPage,
    reviewers_only=True,
)
