"""The recorder controller on its own (QtCore only): the real recorder's thread callbacks
arrive as signals on the GUI thread, the preview is converted at the UI's pace, and the
take is stored and checked in a worker."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtGui import QColor
from sqlalchemy import select

from app.core.models import Take
from app.practice.rounds import next_attempt
from app.recorder.recovery import recover_in_progress
from app.scenarios.library import get_scenario
from app.ui.practice.controller import RecorderController, frame_to_image
from app.ui.practice.page import PracticePage
from app.ui.state import AppState

WAIT_MS = 60_000


def test_a_bgr24_frame_becomes_an_image_that_owns_its_pixels():
    data = bytearray([255, 0, 0, 0, 0, 255])  # blue, then red (bytes in B, G, R order)
    image = frame_to_image(2, 1, bytes(data))
    data[:] = b"\0" * 6  # the image must not depend on the buffer it came from
    assert image.pixelColor(0, 0) == QColor(0, 0, 255)
    assert image.pixelColor(1, 0) == QColor(255, 0, 0)


@pytest.mark.slow
def test_controller_records_stores_and_checks_a_take_reporting_on_the_gui_thread(
    ctx, make_profile, qtbot, monkeypatch
):
    monkeypatch.setenv("CROSSCOACH_SOURCE", "test")
    ctx.use_profile(make_profile("Ana", "rep"))
    with ctx.session() as s:
        scenario = get_scenario(s, "hotel-breakfast", ctx.paths.media)
    controller = RecorderController()
    gui = QCoreApplication.instance().thread()
    threads, images, seconds = set(), [], []
    controller.progress.connect(
        lambda t: (threads.add(QThread.currentThread() is gui), seconds.append(t))
    )
    controller.preview_ready.connect(images.append)
    checked = []
    controller.checked.connect(lambda *args: checked.append(args))

    with qtbot.waitSignal(controller.first_frame, timeout=WAIT_MS):
        assert controller.start(ctx, scenario.id, None)
    assert controller.busy
    assert not controller.start(ctx, scenario.id, None)  # one take at a time
    qtbot.waitUntil(lambda: bool(seconds) and seconds[-1] >= 2.0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(images) >= 3, timeout=WAIT_MS)
    assert (images[-1].width(), images[-1].height()) == (320, 180)
    # Pictures are converted at the UI's pace (about 15 a second), never per ffmpeg frame.
    assert len(images) <= 15 * (seconds[-1] + 2)

    with qtbot.waitSignal(controller.stored, timeout=WAIT_MS) as stored:
        controller.stop()
    take_id, problem = stored.args
    assert problem == ""
    assert not controller.busy
    qtbot.waitUntil(lambda: bool(checked), timeout=WAIT_MS)
    checked_id, findings = checked[0]
    assert checked_id == take_id
    assert threads == {True}
    with ctx.session() as s:
        take = s.scalars(select(Take)).one()
        assert take.id == take_id
        assert take.duration_seconds >= 2.0
        assert {w["code"] for w in take.check_warnings} == {f.code for f in findings}


def test_controller_reports_a_source_that_cannot_start_in_plain_words(
    ctx, make_profile, qtbot, monkeypatch, tmp_path
):
    monkeypatch.setenv("CROSSCOACH_SOURCE", f"file:{tmp_path / 'nope.mp4'}")
    ctx.use_profile(make_profile("Ana", "rep"))
    with ctx.session() as s:
        scenario = get_scenario(s, "hotel-breakfast", ctx.paths.media)
    controller = RecorderController()
    with qtbot.waitSignal(controller.failed, timeout=WAIT_MS) as failed:
        controller.start(ctx, scenario.id, None)
    message, hint = failed.args
    assert "does not exist" in message and hint
    assert not controller.busy


def _recording_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("take-")]


def _ffmpeg_children() -> list[int]:
    """Our own child processes that are ffmpeg (zombies included: they were never reaped)."""
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            name = stat.with_name("comm").read_text().strip()
        except OSError:
            continue  # the process ended while we looked
        if fields[1] == me and name == "ffmpeg":
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def thread_errors(monkeypatch):
    """Exceptions that escaped any thread while the test ran."""
    caught = []
    monkeypatch.setattr(threading, "excepthook", caught.append)
    return caught


def _recording_scenario(ctx, make_profile, monkeypatch) -> str:
    monkeypatch.setenv("CROSSCOACH_SOURCE", "test")
    ctx.use_profile(make_profile("Ana", "rep"))
    with ctx.session() as s:
        return get_scenario(s, "hotel-breakfast", ctx.paths.media).id


def _assert_stopped_cleanly_and_recoverable(ctx, thread_errors) -> None:
    """Nothing left running, nothing raised, and the take waits in in-progress/ whole."""
    assert _recording_threads() == []
    assert _ffmpeg_children() == []
    assert [e.exc_value for e in thread_errors] == []
    with ctx.session() as s:
        assert s.scalars(select(Take)).all() == []  # nobody stored it: recovery will
    assert {p.suffix for p in ctx.paths.in_progress.iterdir()} >= {".json", ".mp4"}
    report = recover_in_progress(ctx, next_attempt=next_attempt)
    assert not (report.still_recording or report.set_aside or report.failed)
    assert len(report.recovered) == 1
    assert report.recovered[0].duration_seconds >= 1.0


@pytest.mark.slow
def test_a_controller_destroyed_mid_take_stops_it_and_leaves_it_for_recovery(
    ctx, make_profile, qtbot, monkeypatch, thread_errors
):
    scenario_id = _recording_scenario(ctx, make_profile, monkeypatch)
    controller = RecorderController()
    seconds = []
    controller.progress.connect(seconds.append)
    assert controller.start(ctx, scenario_id, None, seconds=600)
    qtbot.waitUntil(lambda: bool(seconds) and seconds[-1] >= 1.5, timeout=WAIT_MS)
    assert _recording_threads()

    shiboken6.delete(controller)  # returns once ffmpeg has finished the file

    _assert_stopped_cleanly_and_recoverable(ctx, thread_errors)


@pytest.mark.slow
def test_closing_the_practice_page_mid_take_stops_it_and_leaves_it_for_recovery(
    ctx, make_profile, qtbot, monkeypatch, thread_errors
):
    scenario_id = _recording_scenario(ctx, make_profile, monkeypatch)
    page = PracticePage(AppState(ctx))
    page.open_scenario(scenario_id)
    page.start_take()
    qtbot.waitUntil(lambda: page.recording.recorded >= 1.5, timeout=WAIT_MS)

    page.close()
    shiboken6.delete(page)  # the page, and the controller it owns, are gone

    _assert_stopped_cleanly_and_recoverable(ctx, thread_errors)
