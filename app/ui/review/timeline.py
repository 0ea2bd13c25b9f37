"""The player's timeline: a seek bar that paints comment markers in their colours.

Clicking on (or right beside) a marker jumps to that marker's moment exactly;
clicking or dragging anywhere else seeks there.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

# How close (in pixels) a click must land to a marker to count as a click on it.
MARKER_HIT = 6


@dataclass(frozen=True)
class Marker:
    at_ms: int
    color: str
    tip: str = ""


class Timeline(QWidget):
    seek_requested = Signal(int)  # milliseconds
    marker_clicked = Signal(int)  # milliseconds of the marker

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._duration = 0
        self._position = 0
        self._markers: list[Marker] = []
        self._dragging = False

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(400, 30)

    def set_duration(self, ms: int) -> None:
        self._duration = max(0, int(ms))
        self.update()

    def set_position(self, ms: int) -> None:
        self._position = max(0, int(ms))
        self.update()

    def set_markers(self, markers: list[Marker]) -> None:
        self._markers = sorted(markers, key=lambda m: m.at_ms)
        self.update()

    def markers(self) -> list[Marker]:
        return list(self._markers)

    def _groove(self) -> QRectF:
        return QRectF(8, self.height() / 2 - 3, max(1, self.width() - 16), 6)

    def x_for(self, ms: int) -> float:
        groove = self._groove()
        if self._duration <= 0:
            return groove.left()
        return groove.left() + groove.width() * min(ms, self._duration) / self._duration

    def ms_for(self, x: float) -> int:
        groove = self._groove()
        share = min(1.0, max(0.0, (x - groove.left()) / groove.width()))
        return round(share * self._duration)

    def marker_near(self, x: float) -> Marker | None:
        best = None
        for marker in self._markers:
            distance = abs(self.x_for(marker.at_ms) - x)
            if distance <= MARKER_HIT and (best is None or distance < best[0]):
                best = (distance, marker)
        return best[1] if best else None

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        groove = self._groove()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(groove, 3, 3)
        played = QRectF(groove)
        played.setRight(self.x_for(self._position))
        painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
        painter.drawRoundedRect(played, 3, 3)
        for marker in self._markers:
            x = self.x_for(marker.at_ms)
            color = QColor(marker.color or "#616161")
            painter.setBrush(color)
            painter.drawRect(QRectF(x - 1.5, 3, 3, self.height() - 6))
            tip = QPainterPath()
            tip.moveTo(x - 5, 2)
            tip.lineTo(x + 5, 2)
            tip.lineTo(x, 9)
            tip.closeSubpath()
            painter.drawPath(tip)
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.setPen(palette.color(QPalette.ColorRole.Highlight))
        painter.drawEllipse(QPointF(self.x_for(self._position), groove.center().y()), 6, 6)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() != Qt.MouseButton.LeftButton or self._duration <= 0:
            return
        marker = self.marker_near(event.position().x())
        if marker is not None:
            self.marker_clicked.emit(marker.at_ms)
            return
        self._dragging = True
        self.seek_requested.emit(self.ms_for(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        x = event.position().x()
        if self._dragging:
            self.seek_requested.emit(self.ms_for(x))
        marker = self.marker_near(x)
        self.setToolTip(marker.tip if marker else "")
        self.setCursor(Qt.CursorShape.PointingHandCursor if marker else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._dragging = False
