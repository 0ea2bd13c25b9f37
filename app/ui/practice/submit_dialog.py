"""Handing in a take: the take check's findings first, then an optional self-assessment
on the scenario's rubric and a note."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.recorder.take_check import Finding
from app.scenarios.rubrics import Criterion
from app.ui.practice.views import length
from app.ui.widgets import FieldError

NOTE_MAX = 2000


@dataclass(frozen=True)
class SubmitChoice:
    note: str
    self_scores: dict[str, int]  # empty: no self-assessment


class SubmitDialog(QDialog):
    def __init__(
        self,
        take_label: str,
        duration: float,
        findings: list[Finding],
        criteria: tuple[Criterion, ...],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("submitDialog")
        self.setWindowTitle("Submit your take")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"You are handing in {take_label.lower()} ({length(duration)}). "
            "Your trainer will watch it and score it on the rubric below."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.findings = QLabel(objectName="takeCheck")
        self.findings.setWordWrap(True)
        if findings:
            items = "".join(f"<li>{f.message}</li>" for f in findings)
            self.findings.setText(
                "<b>Before you submit, the take check found:</b>"
                f"<ul style='margin-left:-20px'>{items}</ul>"
                "A trainer may not be able to grade this take. You can record again, "
                "or submit it anyway."
            )
            frame = QFrame(objectName="takeCheckFrame")
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            box = QVBoxLayout(frame)
            box.addWidget(self.findings)
            layout.addWidget(frame)
        else:
            self.findings.setText("The take check found no problems: sound and picture look fine.")
            layout.addWidget(self.findings)

        self.assess = QGroupBox("Rate yourself (optional)")
        self.assess.setCheckable(True)
        self.assess.setChecked(False)
        self.assess.setObjectName("selfAssessment")
        form = QFormLayout(self.assess)
        self.scores: dict[str, QSpinBox] = {}
        for c in criteria:
            spin = QSpinBox()
            spin.setRange(0, c.max_score)
            spin.setSuffix(f" of {c.max_score}")
            spin.setToolTip(c.description or c.name)
            spin.setAccessibleName(c.name)
            self.scores[c.key] = spin
            form.addRow(c.name, spin)
        if not criteria:
            form.addRow(QLabel("This scenario's rubric has no criteria."))
            self.assess.setEnabled(False)
        layout.addWidget(self.assess)

        layout.addWidget(QLabel("A note for your trainer (optional)"))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("For example: what you tried, or what you want feedback on.")
        self.note.setFixedHeight(90)
        layout.addWidget(self.note)
        self.note_error = FieldError()
        layout.addWidget(self.note_error)

        self.confirm = QCheckBox("Submit even though the take check found problems")
        self.confirm.setVisible(bool(findings))
        layout.addWidget(self.confirm)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.submit_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.submit_button.setText("Submit anyway" if findings else "Submit")
        self.submit_button.setEnabled(not findings)
        self.confirm.toggled.connect(self.submit_button.setEnabled)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    def choice(self) -> SubmitChoice:
        scores = (
            {key: spin.value() for key, spin in self.scores.items()}
            if self.assess.isChecked()
            else {}
        )
        return SubmitChoice(self.note.toPlainText().strip(), scores)

    def _accept(self) -> None:
        if len(self.note.toPlainText().strip()) > NOTE_MAX:
            self.note_error.show_message(
                f"The note is longer than {NOTE_MAX} characters: shorten it."
            )
            return
        self.accept()
