"""Comment widgets: the list (click to jump), the composer (preset buttons + free text).

The list is shared by the trainer's review screen and the rep's feedback view.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.review.comments import FREE_TEXT_COLOR, PRESETS, CommentView, format_moment
from app.ui.review.timeline import Marker


def dot_icon(color: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color or FREE_TEXT_COLOR))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def comment_line(comment: CommentView) -> str:
    said = " — ".join(part for part in (comment.preset, comment.text) if part)
    return f"{format_moment(comment.at_seconds)}   {said}   · {comment.author_name}"


def markers_for(comments: list[CommentView] | tuple[CommentView, ...]) -> list[Marker]:
    return [
        Marker(
            round(c.at_seconds * 1000),
            c.color or FREE_TEXT_COLOR,
            f"{format_moment(c.at_seconds)} {c.preset or c.text}",
        )
        for c in comments
    ]


class CommentList(QListWidget):
    """Comments in video order; clicking (or Enter on) one asks the player to jump there."""

    jump_requested = Signal(int)  # ms

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("commentList")
        self.setWordWrap(True)
        self.itemClicked.connect(self._jump)
        self.itemActivated.connect(self._jump)

    def set_comments(self, comments) -> None:
        selected = self.selected_comment()
        self.clear()
        for comment in comments:
            item = QListWidgetItem(dot_icon(comment.color), comment_line(comment))
            item.setData(Qt.ItemDataRole.UserRole, comment)
            item.setToolTip(comment.text or comment.preset)
            self.addItem(item)
            if selected and selected.id == comment.id:
                self.setCurrentItem(item)

    def comments(self) -> list[CommentView]:
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())]

    def selected_comment(self) -> CommentView | None:
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _jump(self, item: QListWidgetItem) -> None:
        comment: CommentView = item.data(Qt.ItemDataRole.UserRole)
        self.jump_requested.emit(round(comment.at_seconds * 1000))


class CommentComposer(QFrame):
    """Write a comment at a fixed moment: pick a preset, type a remark, or both."""

    save_requested = Signal(float, str, str, object)  # at seconds, preset, text, comment id|None
    closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("commentComposer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._at = 0.0
        self._editing: str | None = None
        self.title = QLabel(objectName="sectionTitle")
        self.preset_buttons: dict[str, QPushButton] = {}
        presets = QGridLayout()
        presets.setSpacing(6)
        for n, preset in enumerate(PRESETS):
            button = QPushButton(preset.name, objectName="presetButton", checkable=True)
            button.setIcon(dot_icon(preset.color))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setStyleSheet(f"QPushButton:checked {{ border: 2px solid {preset.color}; }}")
            button.clicked.connect(lambda checked, name=preset.name: self._pick(name, checked))
            presets.addWidget(button, n // 3, n % 3)
            self.preset_buttons[preset.name] = button
        self.text = QLineEdit(objectName="commentText")
        self.text.setPlaceholderText("Type a remark (optional with a preset), then Enter")
        self.text.returnPressed.connect(self.save)
        self.save_button = QPushButton("Save comment", objectName="saveComment")
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Cancel", objectName="cancelComment")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.addWidget(self.text, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(presets)
        layout.addLayout(row)
        self.hide()

    def start(self, at_seconds: float, comment: CommentView | None = None) -> None:
        """Open for a new comment at ``at_seconds``, or to edit ``comment``."""
        self._editing = comment.id if comment else None
        self._at = comment.at_seconds if comment else at_seconds
        verb = "Edit the comment" if comment else "New comment"
        self.title.setText(f"{verb} at {format_moment(self._at)}")
        self._pick(comment.preset if comment else "", True)
        self.text.setText(comment.text if comment else "")
        self.show()
        self.text.setFocus()

    def preset(self) -> str:
        return next((name for name, b in self.preset_buttons.items() if b.isChecked()), "")

    def _pick(self, name: str, checked: bool) -> None:
        for other, button in self.preset_buttons.items():
            button.setChecked(checked and other == name)

    def save(self) -> None:
        self.save_requested.emit(self._at, self.preset(), self.text.text(), self._editing)

    def cancel(self) -> None:
        self.hide()
        self.closed.emit()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
        else:
            super().keyPressEvent(event)
