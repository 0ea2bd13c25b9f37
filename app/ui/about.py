"""The About dialog: version and the licences of what CrossCoach is built on."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QMessageBox, QWidget

from app import __version__
from app.about import components
from app.core.errors import UserError
from app.recorder.ffmpeg_tools import find_ffmpeg
from app.ui.icons import app_icon


def about_text() -> str:
    try:
        ffmpeg = find_ffmpeg()
    except UserError:
        ffmpeg = None  # still worth showing the rest
    rows = "".join(
        f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(c.version)}</td>"
        f"<td>{html.escape(c.licence)}</td></tr>"
        for c in components(ffmpeg)
    )
    return (
        f"<h3>CrossCoach {__version__}</h3>"
        "<p>Rehearse cross-selling on camera and get coached, online or offline.</p>"
        "<p>CrossCoach is free software under the GNU GPL, version 3 or later. "
        "It is built on these parts, each under its own licence:</p>"
        f"<table cellspacing='0' cellpadding='2'>{rows}</table>"
        "<p>Qt is used under the LGPL as separate libraries you may replace.</p>"
    )


def show_about(parent: QWidget | None) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About CrossCoach")
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setText(about_text())
    box.exec()
