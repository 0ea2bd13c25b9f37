"""The device check: choose the camera and microphone (or a stand-in source), see
yourself and watch the microphone level before recording. The choice is remembered
in the settings (``recording_source``, ``camera``, ``microphone``)."""

from __future__ import annotations

import math
import os
import re

from PySide6.QtCore import QObject, QProcess, Signal
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QMediaDevices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.recorder import commands
from app.recorder.devices import SOURCE_ENV, build_source, parse_source_spec
from app.recorder.ffmpeg_tools import find_ffmpeg
from app.recorder.presets import preset
from app.ui.file_dialogs import ask_open_path
from app.ui.practice.controller import frame_to_image
from app.ui.practice.views import PreviewView
from app.ui.tasks import BackgroundTask

SOURCES = [
    ("device", "My camera and microphone"),
    ("test", "Test pattern and tone (no camera needed)"),
    ("file", "A video file, played as if it were the camera"),
]
VIDEO_FILTERS = "Videos (*.mp4 *.mov *.mkv *.webm *.avi);;All files (*)"
QUALITY = {
    "standard": "Standard (720p, 30 frames a second)",
    "low": "Light (360p) for slow computers and small disks",
}
SILENCE_DB = -60.0  # the left end of the level meter
_LEVEL = re.compile(re.escape(commands.LEVEL_KEY) + r"=(-?[\d.]+|-inf)")


def parse_level(line: str) -> float | None:
    """The RMS level in dB from one line of the device check's stderr, or None."""
    m = _LEVEL.search(line)
    if not m:
        return None
    return -math.inf if m.group(1) == "-inf" else float(m.group(1))


def level_share(db: float) -> float:
    """0.0 (silence) to 1.0 (full scale) for the meter."""
    if db == -math.inf:
        return 0.0
    return min(1.0, max(0.0, (db - SILENCE_DB) / -SILENCE_DB))


class LivePreview(QObject):
    """One ffmpeg process showing a source: frames on stdout, the level on stderr.

    Runs under QProcess, so nothing blocks; only the newest whole frame is kept.
    """

    frame = Signal(QImage)
    level = Signal(float)  # dB
    ended = Signal(str)  # plain words when ffmpeg stops on its own

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.format = commands.PreviewFormat()
        self.process = QProcess(self)
        self.process.readyReadStandardOutput.connect(self._read_frames)
        self.process.readyReadStandardError.connect(self._read_levels)
        self.process.finished.connect(self._finished)
        self._buffer = bytearray()
        self._errors = ""
        self._stopping = False

    def start(self, argv: list[str]) -> None:
        self.stop()
        self._buffer.clear()
        self._errors = ""
        self._stopping = False
        self.process.start(argv[0], argv[1:])

    def stop(self) -> None:
        if self.process.state() != QProcess.ProcessState.NotRunning:
            self._stopping = True
            self.process.kill()  # nothing is being written: no need to be gentle
            self.process.waitForFinished(3000)

    def _read_frames(self) -> None:
        self._buffer += self.process.readAllStandardOutput().data()
        size = self.format.frame_bytes
        whole = len(self._buffer) // size
        if whole:
            newest = bytes(self._buffer[(whole - 1) * size : whole * size])
            del self._buffer[: whole * size]
            self.frame.emit(frame_to_image(self.format.width, self.format.height, newest))

    def _read_levels(self) -> None:
        text = self.process.readAllStandardError().data().decode("utf-8", "replace")
        newest = None
        for line in text.splitlines():
            found = parse_level(line)
            if found is not None:
                newest = found
            elif line.strip():
                self._errors = (self._errors + "\n" + line.strip())[-2000:]
        if newest is not None:
            self.level.emit(newest)

    def _finished(self) -> None:
        if not self._stopping:
            last = self._errors.strip().splitlines()[-1:] or ["it stopped"]
            self.ended.emit(f"The preview stopped: {last[0]}")


def preview_argv(spec_text: str, settings) -> list[str]:
    """The device check's ffmpeg command for a source spec (slow: finds devices)."""
    ffmpeg = find_ffmpeg()
    enc = preset(settings.get("recording_preset"))
    source = build_source(parse_source_spec(spec_text), enc, ffmpeg, settings)
    return commands.device_check_command(
        ffmpeg.path, source.inputs, enc, commands.PreviewFormat(), source.fit_frame
    )


class DeviceCheckDialog(QDialog):
    def __init__(self, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("deviceCheck")
        self.setWindowTitle("Check camera and microphone")
        self.settings = settings
        spec = str(settings.get("recording_source") or "device")
        kind, _, path = spec.partition(":")
        self.file_path = path if kind == "file" else ""
        self._generation = 0  # only the newest source's preview may start
        self._closed = False

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.form = form
        self.source = QComboBox()
        for key, label in SOURCES:
            self.source.addItem(label, key)
        keys = [key for key, _label in SOURCES]
        self.source.setCurrentIndex(keys.index(kind) if kind in keys else 0)
        form.addRow("Record from", self.source)
        self.camera = QComboBox()
        self.microphone = QComboBox()
        cameras = [d.description() for d in QMediaDevices.videoInputs()]
        mics = [d.description() for d in QMediaDevices.audioInputs()]
        self._fill(self.camera, cameras, settings.get("camera"), "No camera found")
        self._fill(self.microphone, mics, settings.get("microphone"), "No microphone found")
        form.addRow("Camera", self.camera)
        form.addRow("Microphone", self.microphone)
        file_row = QHBoxLayout()
        self.file_label = QLabel(self.file_path or "No file chosen")
        self.file_label.setWordWrap(True)
        self.file_button = QPushButton("Choose video…")
        self.file_button.clicked.connect(self._choose_file)
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(self.file_button)
        self.file_row = QWidget()
        self.file_row.setLayout(file_row)
        form.addRow("Video file", self.file_row)
        self.quality = QComboBox()
        for key, label in QUALITY.items():
            self.quality.addItem(label, key)
        chosen = settings.get("recording_preset")
        self.quality.setCurrentIndex(list(QUALITY).index(chosen) if chosen in QUALITY else 0)
        form.addRow("Quality", self.quality)
        layout.addLayout(form)
        override = os.environ.get(SOURCE_ENV)
        self.override = QLabel(
            f"{SOURCE_ENV} is set to “{override}”: recordings use that source until it is unset."
            if override
            else "",
            objectName="hint",
        )
        self.override.setWordWrap(True)
        self.override.setVisible(bool(override))
        layout.addWidget(self.override)

        self.preview = PreviewView()
        self.preview.setMinimumSize(480, 270)
        layout.addWidget(self.preview, 1)
        meter = QHBoxLayout()
        meter.addWidget(QLabel("Microphone level"))
        self.meter = QProgressBar(objectName="micLevel")
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        meter.addWidget(self.meter, 1)
        layout.addLayout(meter)
        self.message = QLabel(objectName="hint")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.use_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.use_button.setText("Use this")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.live = LivePreview(self)
        self.live.frame.connect(self.preview.show_image)
        self.live.level.connect(lambda db: self.meter.setValue(int(level_share(db) * 100)))
        self.live.ended.connect(self._show_problem)
        self.source.currentIndexChanged.connect(lambda _i: self.restart())
        self.camera.currentIndexChanged.connect(lambda _i: self.restart())
        self.microphone.currentIndexChanged.connect(lambda _i: self.restart())
        self.finished.connect(self._close_preview)
        self.resize(620, 640)
        self.restart()

    @staticmethod
    def _fill(combo: QComboBox, names: list[str], chosen, empty: str) -> None:
        for name in names:
            combo.addItem(name, name)
        if not names:
            combo.addItem(empty, None)
            combo.setEnabled(False)
        elif chosen in names:
            combo.setCurrentIndex(names.index(chosen))

    def spec(self) -> str:
        kind = self.source.currentData()
        if kind == "file":
            return f"file:{self.file_path}" if self.file_path else ""
        if kind == "device":
            camera = self.camera.currentData() or ""
            mic = self.microphone.currentData() or ""
            return f"device:{camera}|{mic}" if camera or mic else "device"
        return kind

    def restart(self) -> None:
        kind = self.source.currentData()
        for field in (self.camera, self.microphone):
            self.form.setRowVisible(field, kind == "device")
        self.form.setRowVisible(self.file_row, kind == "file")
        self.live.stop()
        self.meter.setValue(0)
        spec = self.spec()
        if not spec:
            self.preview.clear("Choose a video file to use as the camera.")
            self.message.setText("")
            return
        self.preview.clear("Starting the preview…")
        self.message.setText("")
        self._generation += 1
        generation = self._generation
        BackgroundTask(
            self,
            "Looking for the camera…",
            lambda: self._argv(spec),
            lambda argv: self._launch(generation, argv),
        )

    def _argv(self, spec: str):
        try:
            return preview_argv(spec, self.settings)
        except UserError as err:
            return err

    def _launch(self, generation: int, argv) -> None:
        if self._closed or generation != self._generation:
            return
        if isinstance(argv, UserError):
            self._show_problem(argv.message, argv.hint)
            return
        self.live.start(argv)
        self.message.setText("You should see yourself, and the level should move when you speak.")

    def _close_preview(self) -> None:
        self._closed = True
        self.live.stop()

    def _show_problem(self, message: str, hint: str = "") -> None:
        self.preview.clear("No picture")
        self.message.setText(f"{message} {('What to do: ' + hint) if hint else ''}".strip())

    def _choose_file(self) -> None:
        path = ask_open_path(self, "Choose a video to use as the camera", VIDEO_FILTERS)
        if path is not None:
            self.file_path = str(path)
            self.file_label.setText(path.name)
            self.restart()

    def _save(self) -> None:
        spec = self.spec()
        if not spec:
            self._show_problem("Choose a video file first.")
            return
        self.settings.set("recording_preset", self.quality.currentData())
        if self.source.currentData() == "device":
            self.settings.set("recording_source", "device")
            self.settings.set("camera", self.camera.currentData())
            self.settings.set("microphone", self.microphone.currentData())
        else:
            self.settings.set("recording_source", spec)
        self.accept()
