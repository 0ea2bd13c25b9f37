"""The recorder controller on its own (QtCore only): the real recorder's thread callbacks
arrive as signals on the GUI thread, the preview is converted at the UI's pace, and the
take is stored and checked in a worker."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtGui import QColor
from sqlalchemy import select

from app.core.models import Take
from app.scenarios.library import get_scenario
from app.ui.practice.controller import RecorderController, frame_to_image

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
