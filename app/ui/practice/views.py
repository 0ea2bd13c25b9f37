"""Small building blocks of the practice screens: the live preview, the teleprompter,
the big countdown and timer texts."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget


def clock(seconds: float) -> str:
    """``75.4`` -> ``"1:15"`` (whole seconds, rounded up so 0:00 means done)."""
    whole = max(0, int(-(-seconds // 1)))
    return f"{whole // 60}:{whole % 60:02d}"


def length(seconds: float) -> str:
    """A recording's length: ``3.4`` -> ``"0:03"`` (rounded to the nearest second)."""
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def big_font(widget: QWidget, points: int, bold: bool = True) -> QFont:
    font = QFont(widget.font())
    font.setPointSize(points)
    font.setBold(bold)
    return font


class PreviewView(QWidget):
    """Paints the newest camera frame, scaled to fit, on black; a message until one arrives."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("livePreview")
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._message = "Starting the camera…"

    @property
    def image(self) -> QImage | None:
        return self._image

    def show_image(self, image: QImage) -> None:
        self._image = image
        self.update()

    def clear(self, message: str) -> None:
        self._image = None
        self._message = message
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        if self._image is None or self._image.isNull():
            painter.setPen(QColor("#d0d4da"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._message)
            return
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) / 2
        y = (self.height() - size.height()) / 2
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(x, y, size.width(), size.height()), self._image)


class Teleprompter(QFrame):
    """The talking points and keywords in large type, to glance at while speaking."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("teleprompter")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        title = QLabel("Talking points", objectName="sectionTitle")
        self.points = QLabel(objectName="teleprompterText")
        self.points.setWordWrap(True)
        self.points.setTextFormat(Qt.TextFormat.RichText)
        self.points.setFont(big_font(self, 14, bold=False))
        self.points.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.keywords = QLabel(objectName="teleprompterKeywords")
        self.keywords.setWordWrap(True)
        self.keywords.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(title)
        layout.addWidget(self.points, 1)
        layout.addWidget(self.keywords)

    def set_content(self, points: tuple[str, ...], mention: tuple[str, ...]) -> None:
        if points:
            items = "".join(f"<li style='margin-bottom:6px'>{_esc(p)}</li>" for p in points)
            self.points.setText(f"<ul style='margin-left:-20px'>{items}</ul>")
        else:
            self.points.setText("This scenario has no talking points: answer in your own words.")
        self.keywords.setText(f"<b>Mention:</b> {_esc(', '.join(mention))}" if mention else "")
        self.keywords.setVisible(bool(mention))


class CountdownLabel(QLabel):
    """A very large number (or word) in the middle of the screen."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("countdown")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFont(big_font(self, 48))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
