"""The modal questions of the Practice page, as plain functions tests can replace."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from app.recorder.take_check import Finding
from app.scenarios.rubrics import Criterion
from app.ui.errors import show_error
from app.ui.practice.submit_dialog import SubmitChoice, SubmitDialog


def ask_submit(
    parent: QWidget,
    take_label: str,
    duration: float,
    findings: list[Finding],
    criteria: tuple[Criterion, ...],
) -> SubmitChoice | None:
    """The submit dialog; None when the rep cancels."""
    dialog = SubmitDialog(take_label, duration, findings, criteria, parent)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


def report_error(parent: QWidget, err: BaseException) -> None:
    show_error(parent, err)
