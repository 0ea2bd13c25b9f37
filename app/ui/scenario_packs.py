"""Importing and exporting scenario packs from the desktop app.

The file choosers are :mod:`app.ui.file_dialogs` (replaceable in tests); the
work itself runs in the background through :class:`app.ui.tasks.BackgroundTask`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.errors import UserError
from app.scenarios.exporter import ExportResult
from app.scenarios.exporter import export_pack as write_pack
from app.scenarios.importer import ImportResult
from app.scenarios.importer import import_pack as read_and_import
from app.ui import file_dialogs
from app.ui.state import AppState
from app.ui.tasks import BackgroundTask

PACK_FILTER = "Scenario packs (pack.yaml *.zip);;All files (*)"
ZIP_FILTER = "Zipped scenario pack (*.zip)"


def nothing_selected() -> UserError:
    return UserError(
        "No scenario is selected.", "Select a scenario in the list, then export again."
    )


def inform(parent: QWidget, text: str) -> None:
    """A short confirmation after an import or export (a function tests can replace)."""
    QMessageBox.information(parent, "CrossCoach", text)


def import_pack(
    parent: QWidget, state: AppState, on_done: Callable[[ImportResult], None]
) -> BackgroundTask | None:
    """Ask for a pack (pack.yaml or a .zip) and import it; None if the user cancelled."""
    path = file_dialogs.ask_open_path(parent, "Import a scenario pack", PACK_FILTER)
    if path is None:
        return None

    def finished(result: ImportResult) -> None:
        on_done(result)
        inform(parent, result.summary())

    return BackgroundTask(
        parent, f"Importing {path.name}…", lambda: read_and_import(state.ctx, path), finished
    )


def export_pack(
    parent: QWidget, state: AppState, scenario_key: str | None
) -> BackgroundTask | None:
    """Ask where to write, then export one scenario (by key) or, with None, the whole library."""
    suggested = f"{_file_name(scenario_key)}.zip" if scenario_key else "crosscoach-scenarios.zip"
    path = file_dialogs.ask_save_path(parent, "Export scenarios", ZIP_FILTER, suggested)
    if path is None:
        return None
    if path.suffix.lower() != ".zip" and not path.exists():
        path = path.with_name(path.name + ".zip")
    ctx = state.ctx
    keys = [scenario_key] if scenario_key else None

    def work() -> ExportResult:
        with ctx.session() as s:
            return write_pack(s, path, ctx.paths.media, keys)

    def finished(result: ExportResult) -> None:
        count = f"{result.scenarios} scenario" + ("s" if result.scenarios != 1 else "")
        inform(parent, f"Exported {count} to {result.path}.")

    return BackgroundTask(parent, f"Exporting to {path.name}…", work, finished)


def _file_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", key) or "scenario"
