"""Screenshots of the desktop app for the README and for looking at the UI.

Runs the real windows on an X display (start one with
``Xvfb :99 -screen 0 1400x900x24 &`` and ``export DISPLAY=:99``) and grabs
the whole screen with ImageMagick's ``import -window root``:

    QT_QPA_PLATFORM=xcb python docs/screenshots/take_screenshots.py [OUT_DIR]

Writes first-start, scenarios, editor (top and rubric) and settings, each in light and dark,
plus scenarios.png (the light Scenarios page) for the README. The data folder
is a fresh temporary one: your own data is never touched.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from app.bootstrap import open_context
from app.core.models import Role
from app.core.profiles import create_profile
from app.ui.first_start import FirstStartDialog
from app.ui.launch import application
from app.ui.main_window import MainWindow
from app.ui.scenario_editor import ScenarioEditor
from app.ui.state import AppState

SCREEN = (1400, 900)


def settle(ms: int = 400) -> None:
    """Let Qt lay out and paint (and the X server catch up) before a grab."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def grab(out_dir: Path, name: str) -> Path:
    settle()
    target = out_dir / f"{name}.png"
    subprocess.run(["import", "-window", "root", str(target)], check=True)
    print(target)
    return target


def centre(widget, width: int, height: int) -> None:
    widget.resize(width, height)
    widget.move((SCREEN[0] - width) // 2, (SCREEN[1] - height) // 2)


def shoot(out_dir: Path, scheme: str, root: Path) -> None:
    ctx = open_context(root / scheme)
    ctx.settings.set("theme", scheme)
    state = AppState(ctx)
    state.apply_theme()

    first = FirstStartDialog(state)
    first.form.name.setText("Ana Lima")
    first.form.team.setText("North")
    centre(first, 560, first.sizeHint().height())
    first.show()
    grab(out_dir, f"first-start-{scheme}")
    first.close()

    with ctx.session() as s:
        state.use_profile(create_profile(s, "Ana Lima", Role.TRAINER, "North"))
    window = MainWindow(state)
    window.setGeometry(0, 0, *SCREEN)
    window.show()
    window.show_page("scenarios")
    page = window.pages["scenarios"]
    headset = next(
        (
            n
            for n in range(page.model.rowCount())
            if "headset" in page.model.row(n).cross_sell.lower()
        ),
        0,
    )
    page.select_row(headset)
    grab(out_dir, f"scenarios-{scheme}")

    editor = ScenarioEditor(state, page.selected_detail(), window)
    centre(editor, 860, 820)
    editor.show()
    editor.title.clear()
    editor.save()  # refused: every problem shows under its field
    editor.scroll.verticalScrollBar().setValue(0)
    grab(out_dir, f"editor-{scheme}")
    bar = editor.scroll.verticalScrollBar()
    bar.setValue(bar.maximum())  # the timing and the rubric's criteria
    grab(out_dir, f"editor-rubric-{scheme}")
    editor.reject()

    window.show_page("settings")
    grab(out_dir, f"settings-{scheme}")
    window.close()
    ctx.close()


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent
    out_dir.mkdir(parents=True, exist_ok=True)
    app = application()
    with tempfile.TemporaryDirectory(prefix="crosscoach-shots-") as tmp:
        for scheme in ("light", "dark"):
            shoot(out_dir, scheme, Path(tmp))
    (out_dir / "scenarios.png").write_bytes((out_dir / "scenarios-light.png").read_bytes())
    QApplication.processEvents()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
