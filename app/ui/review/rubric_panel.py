"""Rubric scoring: one score box per criterion, the rep's self-assessment beside it,
the weighted total as points (computed by the domain, live), and overall feedback."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.review.scoring import ReviewView
from app.scenarios.rubrics import Criterion, compute_points

UNSCORED = -1


def weight_text(weight: float) -> str:
    return f"×{weight:g}"


class RubricPanel(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("rubricPanel")
        self.criteria: tuple[Criterion, ...] = ()
        self.boxes: dict[str, QSpinBox] = {}
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(4)
        self.total = QLabel(objectName="rubricTotal")
        self.total.setTextFormat(Qt.TextFormat.PlainText)
        self.feedback = QPlainTextEdit(objectName="overallFeedback")
        self.feedback.setPlaceholderText("Overall feedback for the rep")
        self.feedback.setFixedHeight(80)
        self.feedback.setTabChangesFocus(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.grid)
        layout.addWidget(self.total)
        layout.addWidget(QLabel("Overall feedback", objectName="sectionTitle"))
        layout.addWidget(self.feedback)

    def set_rubric(
        self,
        criteria: tuple[Criterion, ...],
        self_scores: dict[str, int],
        mine: ReviewView | None,
    ) -> None:
        self.criteria = criteria
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.boxes = {}
        for column, text in enumerate(("Criterion", "Weight", "Your score", "Out of", "Rep's own")):
            head = QLabel(text, objectName="hint")
            self.grid.addWidget(head, 0, column)
        for row, c in enumerate(criteria, start=1):
            name = QLabel(c.name)
            name.setWordWrap(True)
            box = QSpinBox(objectName=f"score_{c.key}")
            box.setRange(UNSCORED, c.max_score)
            box.setSpecialValueText("–")
            box.setValue(mine.scores.get(c.key, UNSCORED) if mine else UNSCORED)
            box.setToolTip(f"0 to {c.max_score}; leave at – until you have decided")
            box.valueChanged.connect(self._update_total)
            own = self_scores.get(c.key)
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(QLabel(weight_text(c.weight)), row, 1)
            self.grid.addWidget(box, row, 2)
            self.grid.addWidget(QLabel(f"/ {c.max_score}"), row, 3)
            self.grid.addWidget(
                QLabel("–" if own is None else f"{own} / {c.max_score}", objectName="selfScore"),
                row,
                4,
            )
            self.boxes[c.key] = box
        self.grid.setColumnStretch(0, 1)
        self.feedback.setPlainText(mine.feedback if mine else "")
        self._update_total()

    def scores(self) -> dict[str, int]:
        """The criteria scored so far (the domain refuses a partial set in plain words)."""
        return {key: box.value() for key, box in self.boxes.items() if box.value() != UNSCORED}

    def set_score(self, key: str, value: int) -> None:
        self.boxes[key].setValue(value)

    def feedback_text(self) -> str:
        return self.feedback.toPlainText()

    def _update_total(self) -> None:
        scores = self.scores()
        if not self.criteria:
            self.total.setText("This scenario's rubric has no criteria.")
        elif len(scores) < len(self.criteria):
            self.total.setText(
                f"Total: — ({len(scores)} of {len(self.criteria)} criteria scored; "
                "score them all to see the points)"
            )
        else:
            try:
                self.total.setText(
                    f"Total: {compute_points(self.criteria, scores):.1f} points of 100"
                )
            except UserError as err:
                self.total.setText(err.message)
        self.changed.emit()
