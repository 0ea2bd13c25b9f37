"""The Settings page's Recording section: what records you, and a way to check it."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from app.core.errors import UserError
from app.recorder.devices import configured_source_spec, parse_source_spec
from app.ui.icons import set_icon
from app.ui.practice.device_check import DeviceCheckDialog
from app.ui.state import AppState

QUALITY = {
    "standard": "Standard (720p, 30 frames a second)",
    "low": "Light (360p, for slow computers)",
}


def describe_source(spec_text: str) -> str:
    """The configured source in plain words."""
    try:
        spec = parse_source_spec(spec_text)
    except UserError:
        return f"Unknown source “{spec_text}”: choose one with Check camera and microphone."
    if spec.kind == "test":
        return "Test pattern and tone (no camera needed)"
    if spec.kind == "black":
        return "Black picture and silence (for checks)"
    if spec.kind == "file":
        return f"The video file {spec.path}, played as if it were a camera"
    camera = spec.camera or "the first camera found"
    microphone = spec.microphone or "the first microphone found"
    return f"{camera}, with {microphone}"


class RecordingSection(QGroupBox):
    def __init__(self, state: AppState):
        super().__init__("Recording")
        self.settings = state.ctx.settings
        layout = QVBoxLayout(self)
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.quality = QLabel()
        layout.addWidget(self.source)
        layout.addWidget(self.quality)
        row = QHBoxLayout()
        row.addStretch(1)
        self.check = QPushButton("Check camera and microphone…")
        set_icon(self.check, "practice")
        self.check.clicked.connect(self.open_device_check)
        row.addWidget(self.check)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        self.source.setText(
            f"Records from: {describe_source(configured_source_spec(self.settings))}"
        )
        chosen = self.settings.get("recording_preset") or "standard"
        self.quality.setText(f"Video quality: {QUALITY.get(chosen, chosen)}")

    def open_device_check(self) -> None:
        DeviceCheckDialog(self.settings, self).exec()
        self.reload()
