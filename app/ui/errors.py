"""The one place the desktop app tells the user that something went wrong."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.errors import DatabaseProblem, UserError
from app.ui.database_words import dialog_hint

log = logging.getLogger(__name__)

SHOWN_LINES = 12


def error_text(err: BaseException) -> tuple[str, str]:
    """(message, what to do) in plain words, for any error."""
    if isinstance(err, DatabaseProblem):  # its own hint speaks of commands
        return err.message, dialog_hint(err)
    if isinstance(err, UserError):
        return err.message, err.hint
    return (
        f"Something unexpected went wrong ({type(err).__name__}: {err}).",
        "Try again. If it keeps happening, send the log folder to your trainer or IT contact.",
    )


def show_error(parent: QWidget | None, err: BaseException, title: str = "CrossCoach") -> None:
    """A modal dialog: the problem in one sentence, then what to do."""
    message, hint = error_text(err)
    if not isinstance(err, UserError):
        log.error("unexpected error", exc_info=err)
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent
    )
    box.setObjectName("errorDialog")
    lines = message.splitlines()
    if len(lines) > SHOWN_LINES:
        # A pack with many problems: the first ones in view, all of them one click away.
        hidden = len(lines) - SHOWN_LINES
        box.setText("\n".join([*lines[:SHOWN_LINES], f"… and {hidden} more (Show Details)."]))
        box.setDetailedText(message)
    if hint:
        box.setInformativeText(f"What to do: {hint}")
    box.exec()
