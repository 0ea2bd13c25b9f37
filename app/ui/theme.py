"""Fusion style, a light and a dark palette, and one stylesheet for both.

The stylesheet (resources/styles/crosscoach.qss) refers to palette roles
only, so the palette alone decides the colours. ``theme`` is "system",
"light" or "dark" (the ``theme`` key of the data folder's settings).
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")

_LIGHT = {
    "Window": "#f4f5f7",
    "WindowText": "#1f2329",
    "Base": "#ffffff",
    "AlternateBase": "#f0f2f5",
    "Text": "#1f2329",
    "Button": "#e9ecf0",
    "ButtonText": "#1f2329",
    "Highlight": "#2f6fd1",
    "HighlightedText": "#ffffff",
    "ToolTipBase": "#ffffff",
    "ToolTipText": "#1f2329",
    "PlaceholderText": "#6b7280",
    "Link": "#1f5fbf",
    "Mid": "#c9ced6",
    "Midlight": "#e1e5ea",
    "Dark": "#9aa1ab",
    "Light": "#ffffff",
    "BrightText": "#b42318",
}
_DARK = {
    "Window": "#1e2126",
    "WindowText": "#e6e8eb",
    "Base": "#262a30",
    "AlternateBase": "#2c3037",
    "Text": "#e6e8eb",
    "Button": "#30353c",
    "ButtonText": "#e6e8eb",
    "Highlight": "#3d7fe0",
    "HighlightedText": "#ffffff",
    "ToolTipBase": "#30353c",
    "ToolTipText": "#e6e8eb",
    "PlaceholderText": "#9aa1ab",
    "Link": "#7fb0ff",
    "Mid": "#4a5059",
    "Midlight": "#3a3f47",
    "Dark": "#15171a",
    "Light": "#4a5059",
    "BrightText": "#ff8a80",
}
_DISABLED_TEXT = {"light": "#9aa1ab", "dark": "#6b7280"}

# Colours with a meaning (errors under a field); chosen per scheme for contrast.
ERROR_COLOR = {"light": "#b42318", "dark": "#ff8a80"}


def effective_scheme(theme: str) -> str:
    """ "light" or "dark": the choice itself, or what the system says."""
    if theme in ("light", "dark"):
        return theme
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def build_palette(scheme: str) -> QPalette:
    palette = QPalette()
    for role, color in (_DARK if scheme == "dark" else _LIGHT).items():
        palette.setColor(getattr(QPalette.ColorRole, role), QColor(color))
    disabled = QColor(_DISABLED_TEXT[scheme])
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def stylesheet(scheme: str) -> str:
    text = (resources.files("app.resources") / "styles" / "crosscoach.qss").read_text("utf-8")
    return text.replace("@error", ERROR_COLOR[scheme])


def apply_theme(app: QApplication, theme: str) -> str:
    """Apply a theme to the whole application; returns the scheme used."""
    scheme = effective_scheme(theme if theme in THEMES else "system")
    app.setStyle("Fusion")
    app.setPalette(build_palette(scheme))
    app.setStyleSheet(stylesheet(scheme))
    app.setProperty("crosscoachScheme", scheme)
    return scheme


def current_scheme() -> str:
    app = QApplication.instance()
    return (app.property("crosscoachScheme") if app else None) or "light"
