"""Every modal question the review pages ask, behind a plain function tests can replace.

Each returns the answer, or None / False when the user cancels.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from app.ui import errors


def show_error(parent: QWidget | None, err: BaseException) -> None:
    errors.show_error(parent, err)


def confirm(parent: QWidget | None, question: str) -> bool:
    answer = QMessageBox.question(parent, "CrossCoach", question)
    return answer == QMessageBox.StandardButton.Yes


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """A few lines of text (a retake reason, why a video is a Top Video)."""
    value, ok = QInputDialog.getMultiLineText(parent, title, label, text)
    return value if ok else None


def ask_reward(
    parent: QWidget | None, people: list[tuple[str, str]], periods: list[str]
) -> dict | None:
    """Who gets which reward: ``{"person_id", "title", "badge", "period"}``.

    ``people`` are (id, name) pairs; ``periods`` the labels to offer (first is default).
    """
    dialog = QDialog(parent)
    dialog.setWindowTitle("Grant a reward")
    person = QComboBox()
    for person_id, name in people:
        person.addItem(name, person_id)
    title = QLineEdit(placeholderText="e.g. Best video — November")
    badge = QComboBox()
    for name in BADGES:
        badge.addItem(name)
    period = QComboBox()
    period.addItems(periods)
    period.addItem("lasting (no period)", "")
    form = QFormLayout(dialog)
    form.addRow("Rep", person)
    form.addRow("Title", title)
    form.addRow("Badge", badge)
    form.addRow("Period", period)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    chosen_period = period.currentData()
    return {
        "person_id": person.currentData(),
        "title": title.text(),
        "badge": badge.currentText(),
        "period": period.currentText() if chosen_period is None else chosen_period,
    }


# Badge names shown beside a rep's name (drawn as a medal with the badge's colour).
BADGES = ("star", "trophy", "medal", "rocket", "heart")
