"""Screenshots of the Practice page after a crash: the banner that names the recording
saved as a recovered take and the ones that could not be saved, with the
"Unsaved recordings" list open (size, date, why, and "Save a copy…").

A real take is recorded from ffmpeg's test source and killed halfway (recovered at
start-up); two unreadable files stand for recordings nothing can repair. Runs on an
X display whose screen is the size to show, light and dark:

    Xvfb :97 -screen 0 1024x640x24 &   DISPLAY=:97 QT_QPA_PLATFORM=xcb \\
        python docs/screenshots/take_recovery_screenshots.py [OUT_DIR]

Writes practice-unsaved-{light,dark}-{W}x{H}.png. Everything lives in a fresh
temporary folder: your own data is never touched.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from take_screenshots import grab, settle  # this folder: run as a script

from app.bootstrap import open_context
from app.core.clock import utcnow
from app.core.models import Role
from app.core.profiles import create_profile
from app.practice.rounds import can_record
from app.recorder.record import prepare_take
from app.recorder.sidecar import Sidecar
from app.scenarios.library import find_scenario
from app.ui.launch import application
from app.ui.main_window import MainWindow
from app.ui.state import AppState


def crashed_take(ctx, scenario: str) -> None:
    """A take whose recorder died 4 s in: start-up recovery saves it."""
    recording = prepare_take(ctx, scenario, source="test", seconds=30, can_record=can_record)
    recording.start()
    while recording.progress.seconds < 4.0:
        time.sleep(0.1)
    os.kill(recording._proc.pid, signal.SIGKILL)
    recording.wait()
    recording.release()


def unreadable(ctx, scenario_key: str, person_id: str, size: int, name: str) -> None:
    """A recording nothing can read (as a failing disk could leave it)."""
    with ctx.session() as s:
        scenario_id = find_scenario(s, scenario_key).id
    folder = ctx.paths.in_progress
    (folder / f"{name}.mp4").write_bytes(os.urandom(size))
    Sidecar(name, scenario_id, person_id, utcnow().isoformat(), "device", 60.0).write(folder)


def shoot(out_dir: Path, scheme: str, root: Path, size: tuple[int, int]) -> None:
    ctx = open_context(root / scheme)
    ctx.settings.set("theme", scheme)
    state = AppState(ctx)
    state.apply_theme()
    with ctx.session() as s:
        ana = create_profile(s, "Ana Lima", Role.REP, "North")
    state.use_profile(ana)
    crashed_take(ctx, "hotel-breakfast")
    unreadable(ctx, "burger-fries", ana.id, 14_200_000, "broken-1")
    unreadable(ctx, "phone-headset-sound", ana.id, 3_100_000, "broken-2")

    window = MainWindow(state)
    window.setGeometry(0, 0, *size)
    window.show()
    window.show_page("practice")
    page = window.pages["practice"]
    deadline = time.monotonic() + 60
    while not page.banner.isVisible() and time.monotonic() < deadline:
        settle(200)
    page.home.show_unsaved_tab()
    grab(out_dir, f"practice-unsaved-{scheme}-{size[0]}x{size[1]}")
    window.close()
    ctx.close()


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent
    out_dir.mkdir(parents=True, exist_ok=True)
    app = application()
    screen = QGuiApplication.primaryScreen().size()
    with tempfile.TemporaryDirectory(prefix="crosscoach-shots-") as tmp:
        for scheme in ("light", "dark"):
            shoot(out_dir, scheme, Path(tmp), (screen.width(), screen.height()))
    QApplication.processEvents()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
