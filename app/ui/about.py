"""The About dialog: version and the licences of what CrossCoach is built on."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app import __version__
from app.ui.icons import app_icon

LICENCES = (
    "CrossCoach is free software under the GNU GPL, version 3 or later. "
    "It uses Qt for Python (PySide6) under the LGPLv3, FFmpeg under the LGPL or "
    "the GPL depending on how your copy was built, OpenCV under the Apache License 2.0, "
    "and SQLAlchemy under the MIT licence."
)


def about_text() -> str:
    return (
        f"<h3>CrossCoach {__version__}</h3>"
        "<p>Rehearse cross-selling on camera and get coached, online or offline.</p>"
        f"<p>{LICENCES}</p>"
    )


def show_about(parent: QWidget | None) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About CrossCoach")
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setText(about_text())
    box.exec()
