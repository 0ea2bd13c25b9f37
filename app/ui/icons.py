"""Our line icons (resources/icons/*.svg), drawn in the colours of the current palette.

The SVG files stroke with ``currentColor``; Qt's SVG renderer does not know
that keyword, so the colour is substituted before rendering. Widgets and
actions given an icon through :func:`set_icon` are redrawn when the theme
changes (:func:`refresh_icons`).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from PySide6.QtCore import QByteArray, QObject, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICON_PROPERTY = "crosscoachIcon"
_SIZES = (16, 24, 32, 48)


def icon_dir():
    return resources.files("app.resources") / "icons"


@lru_cache(maxsize=64)
def _svg_text(name: str) -> str:
    return (icon_dir() / f"{name}.svg").read_text(encoding="utf-8")


def render_svg(svg: str, size: int) -> QImage:
    """Render SVG text into a transparent square image of ``size`` pixels."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


@lru_cache(maxsize=512)
def _pixmap(name: str, color: str, size: int) -> QPixmap:
    return QPixmap.fromImage(render_svg(_svg_text(name).replace("currentColor", color), size))


def icon(name: str, color: str | None = None) -> QIcon:
    """The named icon in ``color`` (default: the palette's text colour), with
    a highlighted variant for selected list items and a dimmed one for disabled buttons."""
    palette = QGuiApplication.palette()
    normal = color or palette.color(QPalette.ColorRole.WindowText).name()
    selected = palette.color(QPalette.ColorRole.HighlightedText).name()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
    result = QIcon()
    for size in _SIZES:
        result.addPixmap(_pixmap(name, normal, size), QIcon.Mode.Normal)
        result.addPixmap(_pixmap(name, selected, size), QIcon.Mode.Selected)
        result.addPixmap(_pixmap(name, disabled, size), QIcon.Mode.Disabled)
    return result


def set_icon(target: QObject, name: str) -> None:
    """Give a widget or action an icon that follows the theme."""
    target.setProperty(ICON_PROPERTY, name)
    target.setIcon(icon(name))


def refresh_icons(root: QObject) -> None:
    """Redraw every themed icon under ``root`` (after a palette change)."""
    for obj in [root, *root.findChildren(QObject)]:
        name = obj.property(ICON_PROPERTY)
        if name and hasattr(obj, "setIcon"):
            obj.setIcon(icon(name))


def app_icon() -> QIcon:
    result = QIcon()
    svg = (icon_dir() / "crosscoach.svg").read_text(encoding="utf-8")
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        result.addPixmap(QPixmap.fromImage(render_svg(svg, size)))
    return result
