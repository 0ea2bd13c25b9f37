"""Small widgets every page uses: the page header, empty states, field errors."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.ui.icons import ICON_PROPERTY, icon

SEARCH_DELAY_MS = 250  # wait for a pause in typing before searching


class PageHeader(QWidget):
    def __init__(self, title: str, subtitle: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pageHeader")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 12)
        layout.setSpacing(2)
        self.title = QLabel(title, objectName="pageTitle")
        self.subtitle = QLabel(subtitle, objectName="pageSubtitle")
        self.subtitle.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)

    def set_text(self, title: str, subtitle: str) -> None:
        self.title.setText(title)
        self.subtitle.setText(subtitle)


class IconLabel(QLabel):
    """A large icon drawn from our SVG set, redrawn with the theme."""

    def __init__(self, name: str, size: int = 48, parent: QWidget | None = None):
        super().__init__(parent)
        self._size = size
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setProperty(ICON_PROPERTY, name)
        self.setIcon(icon(name))

    def setIcon(self, value) -> None:  # noqa: N802 - same name as the Qt setters refresh_icons calls
        self.setPixmap(value.pixmap(self._size, self._size))


class EmptyState(QWidget):
    """An icon, a short title and one sentence, centred: used wherever there is nothing
    to show yet, instead of an empty table or made-up data."""

    def __init__(self, icon_name: str, title: str, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.icon = IconLabel(icon_name, 56)
        self.title = QLabel(title, objectName="emptyTitle")
        self.text = QLabel(text, objectName="emptyText")
        for label in (self.title, self.text):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
        self.text.setMaximumWidth(460)
        layout.addWidget(self.icon)
        layout.addSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)


class FieldError(QLabel):
    """The red message shown right under a form field; hidden while the field is fine."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.hide()

    def show_message(self, message: str) -> None:
        self.setText(message)
        self.setVisible(bool(message))


def typing_pause_timer(parent: QWidget, slot) -> QTimer:
    """A timer that runs ``slot`` once typing has paused: start() it on every change."""
    timer = QTimer(parent, singleShot=True, interval=SEARCH_DELAY_MS)
    timer.timeout.connect(slot)
    return timer


def grow_to_fit(window: QWidget) -> None:
    """Make a window tall enough for what it shows now (a message appeared under a field,
    with wrapped lines) — only as much as its layout needs at least, never shorter than it
    is — and keep it whole on the screen."""
    window = window.window()
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    if layout.hasHeightForWidth():
        needed = layout.minimumHeightForWidth(window.width())
    else:
        needed = layout.minimumSize().height()
    if needed > window.height():
        window.resize(window.width(), needed)
    keep_on_screen(window)


def keep_on_screen(window: QWidget) -> None:
    """No taller than the screen's free area, and moved back inside it if it sticks out."""
    screen = window.screen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame = window.frameGeometry()
    decoration = frame.height() - window.height() if window.isVisible() else 0
    tallest = area.height() - decoration
    if window.height() > tallest:
        window.resize(window.width(), max(window.minimumHeight(), tallest))
    if not window.isVisible():
        return
    frame = window.frameGeometry()
    x = min(frame.x(), area.right() + 1 - frame.width())
    y = min(frame.y(), area.bottom() + 1 - frame.height())
    window.move(max(area.left(), x), max(area.top(), y))
