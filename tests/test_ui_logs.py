"""Unexpected errors in the desktop app reach the log file and a dialog that names the log
folder — from a slot, from a worker thread and from the launch itself — and the Help
menu opens that folder."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from app.core import logs
from app.ui import errors, launch
from app.ui.main_window import MainWindow
from app.ui.pages import settings as settings_page
from app.ui.state import AppState


@pytest.fixture
def logged(ctx, stop_logging):
    """This process logs to the test data folder, as the app does from its launch."""
    return logs.start(ctx.paths, "test")


@pytest.fixture
def dialogs(monkeypatch):
    """Error dialogs as (title, message, hint), recorded instead of waiting for a click."""
    shown = []
    monkeypatch.setattr(
        errors,
        "message_box",
        lambda _parent, title, message, hint: shown.append((title, message, hint)),
    )
    return shown


def test_an_error_in_a_slot_is_logged_and_the_dialog_names_the_log_folder(logged, dialogs, qtbot):
    def broken_slot():
        raise RuntimeError("the slot broke near password=s3cret-slot")

    button = QPushButton("Go")
    qtbot.addWidget(button)
    button.clicked.connect(broken_slot)
    # The hook in place before ours (pytest-qt's, here) still sees the error.
    with qtbot.capture_exceptions() as earlier_hook, errors.reporting_unexpected_errors():
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(dialogs) == 1)

    [(title, message, hint)] = dialogs
    assert title == "CrossCoach"
    assert message == (
        "Something unexpected went wrong (RuntimeError: the slot broke near password=***); "
        f"the details are in the log file {logged}."
    )
    assert f"send the log folder {logged.parent} to your trainer" in hint
    assert [type(e[1]) for e in earlier_hook] == [RuntimeError]
    text = logged.read_text(encoding="utf-8")
    assert "ERROR app.ui.errors [MainThread] unexpected error" in text
    assert "in broken_slot" in text and "s3cret-slot" not in text


def test_an_error_in_a_worker_thread_is_logged_and_shown_on_the_gui_thread(
    logged, dialogs, qtbot, monkeypatch
):
    earlier_hook = []
    monkeypatch.setattr(threading, "excepthook", earlier_hook.append)

    def broken_work():
        raise OSError("the worker lost its file")

    with errors.reporting_unexpected_errors():
        worker = threading.Thread(target=broken_work, name="export-worker")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: len(dialogs) == 1)
    assert threading.excepthook == earlier_hook.append  # put back when the app ends

    assert "OSError: the worker lost its file" in dialogs[0][1]
    assert [type(e.exc_value) for e in earlier_hook] == [OSError]
    text = logged.read_text(encoding="utf-8")
    assert "ERROR app.ui.errors [export-worker] unexpected error in export-worker" in text
    assert "in broken_work" in text


def test_an_error_that_stops_the_launch_is_shown_and_logged(
    data_dir, ctx, make_profile, dialogs, monkeypatch, stop_logging
):
    ctx.use_profile(make_profile("Rita", "rep"))  # a rep without a PIN: nothing asked first

    def broken_window(state):
        raise KeyError("a page that does not exist")

    monkeypatch.setattr(launch, "MainWindow", broken_window)
    with pytest.raises(KeyError):
        launch.launch_gui(data_dir)

    log_file = logs.log_file()
    assert log_file == data_dir / "logs" / logs.LOG_NAME
    [(_title, message, hint)] = dialogs
    assert "KeyError" in message and str(log_file) in message
    text = log_file.read_text(encoding="utf-8")
    assert "(desktop app)" in text.splitlines()[0]
    assert "in broken_window" in text


@pytest.fixture
def window(ctx, make_profile, qtbot):
    state = AppState(ctx)
    state.apply_theme()
    state.use_profile(make_profile("Ana", "rep"))
    main = MainWindow(state)
    qtbot.addWidget(main)
    main.show()
    return main


def test_help_opens_the_log_folder(window, monkeypatch):
    opened = []
    monkeypatch.setattr(settings_page, "open_folder", lambda path: opened.append(path) or True)
    entry = next(a for a in window.help_menu.actions() if a.text() == "Open the &log folder")
    entry.trigger()
    assert opened == [window.state.ctx.paths.logs]
    assert window.state.ctx.paths.logs.is_dir()


def test_help_says_where_the_log_folder_is_when_it_cannot_open_it(window, dialogs, monkeypatch):
    monkeypatch.setattr(settings_page, "open_folder", lambda path: False)
    window.open_logs_action.trigger()
    [(_title, message, hint)] = dialogs
    assert message == f"CrossCoach could not open the log folder {window.state.ctx.paths.logs}."
    assert hint == "Open that folder in your file manager."
