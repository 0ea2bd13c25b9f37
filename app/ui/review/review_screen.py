"""The review screen: watch, comment at exact moments, score, decide, mark a Top Video.

Every change goes through the domain (app.review) in one short session; what
the domain refuses (a rep reviewing, partial scores, a retake without a
reason) is shown in plain words through the shared error dialog.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.core.models import Consent, Decision, SubmissionStatus
from app.review.comments import add_comment, delete_comment, edit_comment
from app.review.decisions import score_and_decide
from app.review.scoring import score_submission
from app.review.submission_view import ReviewData, load_for_review
from app.review.top_videos import mark_top
from app.ui.icons import set_icon
from app.ui.review import dialogs
from app.ui.review.comment_widgets import CommentComposer, CommentList, markers_for
from app.ui.review.player import CoachingPlayer
from app.ui.review.queue_model import STATUS_TEXT
from app.ui.review.rubric_panel import RubricPanel
from app.ui.state import AppState

CONSENT_TEXT = {
    Consent.PENDING: "Top Video: waiting for the rep's consent",
    Consent.GRANTED: "Top Video: shared with the team",
    Consent.REFUSED: "Top Video: the rep chose not to share it",
}


class ReviewScreen(QWidget):
    back_requested = Signal()
    step_requested = Signal(int)  # -1 previous, +1 next submission
    changed = Signal()  # something the queue shows has changed

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.data: ReviewData | None = None
        self._resume_after_comment = False

        self.back_button = QPushButton("Back to the queue", objectName="backToQueue")
        self.back_button.clicked.connect(self.back_requested)
        self.title = QLabel(objectName="detailTitle")
        self.title.setWordWrap(True)  # long scenario titles wrap instead of widening the window
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status = QLabel(objectName="reviewStatus")
        self.previous_button = QPushButton("Previous", objectName="previousSubmission")
        self.previous_button.setToolTip("Previous submission (P or Ctrl+Up)")
        self.previous_button.clicked.connect(lambda: self.step_requested.emit(-1))
        self.next_button = QPushButton("Next", objectName="nextSubmission")
        self.next_button.setToolTip("Next submission (N or Ctrl+Down)")
        self.next_button.clicked.connect(lambda: self.step_requested.emit(1))
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addSpacing(12)
        top.addWidget(self.title, 1)
        top.addWidget(self.status)
        top.addWidget(self.previous_button)
        top.addWidget(self.next_button)

        self.player = CoachingPlayer(key_host=self)
        self.player.failed.connect(self._video_problem)
        self.notice = QLabel(objectName="playerNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.composer = CommentComposer()
        self.composer.save_requested.connect(self._save_comment)
        self.composer.closed.connect(self._composer_closed)
        self.comment_hint = QLabel(
            "Press C (or M) to comment at the current moment; the video pauses while you type. "
            "Space/K play · J/L or ←/→ 5 s (Shift: 1 s) · , and . one frame · F full screen",
            objectName="hint",
        )
        self.comment_hint.setWordWrap(True)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.notice)
        left_layout.addWidget(self.player, 1)
        left_layout.addWidget(self.composer)
        left_layout.addWidget(self.comment_hint)

        self.comments = CommentList()
        self.comments.jump_requested.connect(self.player.seek)
        self.comments.currentItemChanged.connect(lambda *_: self._own_comment_buttons())
        self.add_comment_button = QPushButton("Comment here (C)", objectName="addComment")
        set_icon(self.add_comment_button, "add")
        self.add_comment_button.clicked.connect(self.start_comment)
        self.edit_comment_button = QPushButton("Edit", objectName="editComment")
        set_icon(self.edit_comment_button, "edit")
        self.edit_comment_button.clicked.connect(self._edit_selected)
        self.delete_comment_button = QPushButton("Delete", objectName="deleteComment")
        set_icon(self.delete_comment_button, "delete")
        self.delete_comment_button.clicked.connect(self._delete_selected)
        comment_buttons = QHBoxLayout()
        comment_buttons.addWidget(self.add_comment_button)
        comment_buttons.addStretch(1)
        comment_buttons.addWidget(self.edit_comment_button)
        comment_buttons.addWidget(self.delete_comment_button)
        comments_box = QGroupBox("Comments")
        comments_layout = QVBoxLayout(comments_box)
        comments_layout.addWidget(self.comments)
        comments_layout.addLayout(comment_buttons)

        self.rubric = RubricPanel()
        self.others = QLabel(objectName="hint")
        self.others.setWordWrap(True)
        scores_box = QGroupBox("Scores")
        scores_layout = QVBoxLayout(scores_box)
        scores_layout.addWidget(self.rubric)
        scores_layout.addWidget(self.others)

        self.save_button = QPushButton("Save scores", objectName="saveScores")
        set_icon(self.save_button, "save")
        self.save_button.clicked.connect(self.save_scores)
        self.approve_button = QPushButton("Approve", objectName="approve")
        set_icon(self.approve_button, "check")
        self.approve_button.clicked.connect(self.approve)
        self.retake_button = QPushButton("Ask for a retake…", objectName="askRetake")
        set_icon(self.retake_button, "record")
        self.retake_button.clicked.connect(self.ask_retake)
        decision_row = QHBoxLayout()
        decision_row.addWidget(self.save_button)
        decision_row.addStretch(1)
        decision_row.addWidget(self.retake_button)
        decision_row.addWidget(self.approve_button)
        self.top_button = QPushButton("Mark as Top Video…", objectName="markTopVideo")
        set_icon(self.top_button, "top_videos")
        self.top_button.clicked.connect(self.mark_top_video)
        self.top_status = QLabel(objectName="hint")
        top_row = QHBoxLayout()
        top_row.addWidget(self.top_button)
        top_row.addWidget(self.top_status, 1)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(comments_box, 1)
        side_layout.addWidget(scores_box)
        side_layout.addLayout(decision_row)
        side_layout.addLayout(top_row)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)
        scroll.setMinimumWidth(460)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        for keys in ("C", "M"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.start_comment)

    # -- opening ----------------------------------------------------------------------

    def open_submission(self, submission_id: str) -> bool:
        """Load a submission for review; False (after saying why) when it may not be opened."""
        try:
            data = load_for_review(self.state.ctx, self.state.ctx.profile(), submission_id)
        except UserError as err:
            dialogs.show_error(self, err)
            return False
        self.composer.hide()
        self._show(data, reload_video=True)
        self.changed.emit()  # a new submission is now "in review"
        return True

    def _reload(self) -> None:
        if self.data is not None:
            data = load_for_review(
                self.state.ctx, self.state.ctx.profile(), self.data.submission_id
            )
            self._show(data, reload_video=False)
            self.changed.emit()

    def _show(self, data: ReviewData, *, reload_video: bool) -> None:
        me = self.state.ctx.profile()
        self.data = data
        self.title.setText(
            f"{data.rep_name} · {data.scenario_title} · submitted {data.submitted_at}"
        )
        reason = f": {data.decision_reason}" if data.decision_reason else ""
        self.status.setText(f"{STATUS_TEXT[SubmissionStatus(data.status)]}{reason}")
        self.comments.set_comments(data.comments)
        self.player.set_markers(markers_for(data.comments))
        self._own_comment_buttons()
        if reload_video:
            self.rubric.set_rubric(data.criteria, data.self_scores, data.my_review(me.id))
            if data.video is None:
                self.player.close_video()
                self.notice.setText(
                    "This video has not reached this device yet. Sync, then open it again; "
                    "you can still read and score what is here."
                )
                self.notice.show()
            else:
                self.notice.hide()
                self.player.open(data.video)
        others = [r for r in data.reviews if r.reviewer_id != me.id]
        self.others.setText(
            "Other reviewers: "
            + ", ".join(f"{r.reviewer_name} {r.points:.1f} points" for r in others)
            if others
            else ""
        )
        self.others.setVisible(bool(others))
        self.top_status.setText(CONSENT_TEXT.get(data.top_video, ""))
        self.top_button.setText(
            "Mark as Top Video…" if data.top_video is None else "Change the Top Video reason…"
        )

    def leave(self) -> None:
        """Let go of the video (the page is going back to the queue)."""
        self.composer.hide()
        self.player.close_video()
        self.data = None

    # -- comments ----------------------------------------------------------------------

    def start_comment(self) -> None:
        if self.data is None:
            return
        self._resume_after_comment = self.player.hold()
        self.composer.start(self.player.position() / 1000)

    def _edit_selected(self) -> None:
        comment = self.comments.selected_comment()
        if comment is not None:
            self._resume_after_comment = self.player.hold()
            self.composer.start(comment.at_seconds, comment)

    def _delete_selected(self) -> None:
        comment = self.comments.selected_comment()
        if comment is None or not dialogs.confirm(self, "Delete this comment?"):
            return
        if self._run(lambda s, me: delete_comment(s, me, comment.id)):
            self._reload()

    def _save_comment(self, at: float, preset: str, text: str, comment_id) -> None:
        def work(s, me):
            if comment_id:
                edit_comment(s, me, comment_id, text=text, preset=preset)
            else:
                add_comment(s, me, self.data.submission_id, at, text, preset)

        if self._run(work):
            self.composer.hide()
            self._reload()
            self._composer_closed()

    def _composer_closed(self) -> None:
        self.player.setFocus()
        if self._resume_after_comment:
            self._resume_after_comment = False
            self.player.play()

    def _own_comment_buttons(self) -> None:
        comment = self.comments.selected_comment()
        mine = comment is not None and comment.author_id == self.state.ctx.profile().id
        self.edit_comment_button.setEnabled(mine)
        self.delete_comment_button.setEnabled(mine)
        tip = "" if mine or comment is None else "Only its author can change this comment."
        self.edit_comment_button.setToolTip(tip)
        self.delete_comment_button.setToolTip(tip)

    # -- scores and decisions ------------------------------------------------------------

    def save_scores(self) -> bool:
        if self._run(self._score):
            self._reload()
            return True
        return False

    def _score(self, s, me) -> None:
        score_submission(
            s, me, self.data.submission_id, self.rubric.scores(), self.rubric.feedback_text()
        )

    def approve(self) -> None:
        self._decide(Decision.APPROVE)

    def _decide(self, decision: Decision, reason: str = "") -> None:
        def work(s, me):
            score_and_decide(
                s, me, self.data.submission_id, self.rubric.scores(),
                self.rubric.feedback_text(), decision, reason,
            )  # fmt: skip

        if self._run(work):
            self._reload()

    def ask_retake(self) -> None:
        reason = dialogs.ask_text(
            self,
            "Ask for a retake",
            "What should the rep do differently? (they see this with your scores and comments)",
        )
        if reason is None:
            return
        self._decide(Decision.RETAKE, reason)

    def mark_top_video(self) -> None:
        reason = dialogs.ask_text(
            self, "Mark as Top Video", "What can the team learn from this video?"
        )
        if reason is not None and self._run(
            lambda s, me: mark_top(s, me, self.data.submission_id, reason)
        ):
            self._reload()

    def _run(self, work) -> bool:
        """One unit of work as the acting profile; a refusal is shown, nothing half-saved."""
        if self.data is None:
            return False
        try:
            me = self.state.ctx.profile()
            with self.state.ctx.session() as s:
                work(s, me)
        except UserError as err:
            dialogs.show_error(self, err)
            return False
        self.state.sync.local_change()  # the rep sees it soon
        return True

    def _video_problem(self, message: str) -> None:
        self.notice.setText(message + " The file may be damaged; ask the rep to submit it again.")
        self.notice.show()
