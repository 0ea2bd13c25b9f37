"""What a rep sees about one reviewed submission: the outcome, the scores beside
their own self-assessment, the trainers' feedback, and every comment, each
opening the video at its moment.

Reusable: the Practice page embeds it and calls :meth:`FeedbackView.show_feedback`
with a :class:`~app.review.decisions.SubmissionFeedback` (from ``rep_feedback``)
and the video's path (None when it is not on this device).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.models import SubmissionStatus
from app.review.decisions import SubmissionFeedback
from app.ui.review.comment_widgets import CommentList, markers_for
from app.ui.review.player import CoachingPlayer
from app.ui.review.queue_model import STATUS_COLOR
from app.ui.review.rubric_panel import weight_text

OUTCOME_TEXT = {
    SubmissionStatus.NEW: "Waiting for a trainer to review it.",
    SubmissionStatus.IN_REVIEW: "A trainer is reviewing it.",
    SubmissionStatus.RETAKE_REQUESTED: "Your trainer asks for a retake.",
    SubmissionStatus.APPROVED: "Approved — well done.",
}


class FeedbackView(QWidget):
    retake_requested = Signal(str)  # submission id: the rep wants to record the retake

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("feedbackView")
        self.feedback: SubmissionFeedback | None = None
        self.outcome = QLabel(objectName="feedbackOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)
        self.retake_button = QPushButton("Record the retake", objectName="recordRetake")
        self.retake_button.clicked.connect(
            lambda: self.feedback and self.retake_requested.emit(self.feedback.submission_id)
        )
        head = QHBoxLayout()
        head.addWidget(self.outcome, 1)
        head.addWidget(self.retake_button)

        self.player = CoachingPlayer(key_host=self)
        self.notice = QLabel(objectName="playerNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.comments = CommentList()
        self.comments.jump_requested.connect(self.player.seek)
        self.scores = QTableWidget(objectName="feedbackScores")
        self.scores.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.scores.verticalHeader().hide()
        self.scores.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.scores.horizontalHeader().setStretchLastSection(True)
        self.points = QLabel(objectName="feedbackPoints")
        self.written = QLabel(objectName="feedbackText")
        self.written.setWordWrap(True)
        self.written.setTextFormat(Qt.TextFormat.PlainText)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.notice)
        left_layout.addWidget(self.player, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(
            QLabel("Comments (click one to watch that moment)", objectName="sectionTitle")
        )
        right_layout.addWidget(self.comments, 1)
        right_layout.addWidget(QLabel("Scores", objectName="sectionTitle"))
        right_layout.addWidget(self.scores)
        right_layout.addWidget(self.points)
        right_layout.addWidget(self.written)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 400])  # room for a score column per reviewer
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(splitter, 1)

    def show_feedback(self, feedback: SubmissionFeedback, video: Path | None) -> None:
        self.feedback = feedback
        status = SubmissionStatus(feedback.status)
        reason = (
            f"\nWhat to do differently: {feedback.decision_reason}"
            if feedback.decision_reason
            else ""
        )
        self.outcome.setText(f"{feedback.scenario_title}: {OUTCOME_TEXT[status]}{reason}")
        self.outcome.setStyleSheet(f"color: {STATUS_COLOR[status]}; font-weight: 600;")
        self.retake_button.setVisible(status is SubmissionStatus.RETAKE_REQUESTED)
        self.comments.set_comments(feedback.comments)
        self.player.set_markers(markers_for(feedback.comments))
        self._fill_scores(feedback)
        if video is None:
            self.player.close_video()
            self.notice.setText("The video is not on this device yet; sync to watch it.")
            self.notice.show()
        else:
            self.notice.hide()
            self.player.open(video)

    def _fill_scores(self, feedback: SubmissionFeedback) -> None:
        reviews = feedback.reviews
        headers = ["Criterion", "Weight", "Your own", *(r.reviewer_name for r in reviews)]
        self.scores.clear()
        self.scores.setColumnCount(len(headers))
        self.scores.setHorizontalHeaderLabels(headers)
        self.scores.setRowCount(len(feedback.criteria))
        for row, c in enumerate(feedback.criteria):
            own = feedback.self_scores.get(c.key)
            cells = [
                c.name,
                weight_text(c.weight),
                "–" if own is None else f"{own} / {c.max_score}",
                *(
                    f"{r.scores[c.key]} / {c.max_score}" if c.key in r.scores else "–"
                    for r in reviews
                ),
            ]
            for column, text in enumerate(cells):
                self.scores.setItem(row, column, QTableWidgetItem(text))
        mean = feedback.mean_points
        self.points.setText(
            "Not scored yet."
            if mean is None
            else f"Points: {mean:.1f} of 100"
            + (f" (mean of {len(reviews)} reviews)" if len(reviews) > 1 else "")
        )
        written = [f"{r.reviewer_name}: {r.feedback}" for r in reviews if r.feedback]
        self.written.setText("\n".join(written))
        self.written.setVisible(bool(written))

    def leave(self) -> None:
        self.player.close_video()
