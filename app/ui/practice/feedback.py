"""The rep's reviewed submissions on the Practice page.

The words and numbers the lists show about a submission, and the feedback
screen: the review UI's FeedbackView with a way back to the Practice list.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.models import SubmissionStatus
from app.review.decisions import SubmissionFeedback
from app.ui.practice.views import big_font
from app.ui.review.feedback_view import FeedbackView

SUBMISSION_WORDS = {
    SubmissionStatus.NEW: "Waiting for review",
    SubmissionStatus.IN_REVIEW: "In review",
    SubmissionStatus.RETAKE_REQUESTED: "Retake requested",
    SubmissionStatus.APPROVED: "Approved",
}


def has_feedback(feedback: SubmissionFeedback) -> bool:
    """A trainer has looked at it: scores, comments or a decision to show."""
    return (
        SubmissionStatus(feedback.status) is not SubmissionStatus.NEW
        or bool(feedback.reviews)
        or bool(feedback.comments)
    )


def points_text(feedback: SubmissionFeedback) -> str:
    mean = feedback.mean_points
    return "–" if mean is None else f"{mean:.1f}"


class FeedbackScreen(QWidget):
    """One submission's feedback, full page; ``back_requested`` on the button or Esc."""

    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 16)
        head = QHBoxLayout()
        self.title = QLabel("Feedback on your submission", objectName="detailTitle")
        self.title.setFont(big_font(self, 13))
        self.when = QLabel(objectName="hint")
        self.back_button = QPushButton("Back to the list")
        self.back_button.setToolTip("Back to your assignments and submissions (Alt+Left)")
        self.back_button.clicked.connect(self.back_requested)
        head.addWidget(self.title)
        head.addWidget(self.when, 1, Qt.AlignmentFlag.AlignBottom)
        head.addWidget(self.back_button)
        layout.addLayout(head)
        self.view = FeedbackView()
        layout.addWidget(self.view, 1)
        back = QShortcut(QKeySequence("Alt+Left"), self, self.back_requested.emit)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def show_feedback(self, feedback: SubmissionFeedback, video) -> None:
        self.when.setText(
            f"handed in {feedback.submitted_at.astimezone().strftime('%d %b %Y, %H:%M')} · "
            f"{feedback.duration_seconds:.0f} s"
        )
        self.view.show_feedback(feedback, video)
