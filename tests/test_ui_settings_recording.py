"""Settings → Recording: says what records you and opens the device check."""

from __future__ import annotations

from app.ui.practice import settings_section
from app.ui.practice.settings_section import RecordingSection, describe_source
from app.ui.state import AppState


def test_sources_are_described_in_plain_words():
    assert describe_source("test").startswith("Test pattern")
    assert "/tmp/me.mp4" in describe_source("file:/tmp/me.mp4")
    assert describe_source("device:Webcam C920|USB mic") == "Webcam C920, with USB mic"
    assert "first camera found" in describe_source("device")
    assert describe_source("nonsense:x").startswith("Unknown source")


def test_section_shows_the_choice_and_follows_the_device_check(
    ctx, qapp, qtbot, monkeypatch, make_profile
):
    monkeypatch.delenv("CROSSCOACH_SOURCE", raising=False)
    state = AppState(ctx)
    state.use_profile(make_profile("Rita", "rep"))
    ctx.settings.set("recording_source", "test")
    section = RecordingSection(state)
    qtbot.addWidget(section)
    assert "Test pattern" in section.source.text()
    assert "Standard" in section.quality.text()

    def choose_file_and_light(dialog):
        dialog.settings.set("recording_source", "file:/videos/me.mp4")
        dialog.settings.set("recording_preset", "low")
        return 1

    monkeypatch.setattr(settings_section.DeviceCheckDialog, "exec", choose_file_and_light)
    section.check.click()
    assert "/videos/me.mp4" in section.source.text()
    assert "Light" in section.quality.text()
