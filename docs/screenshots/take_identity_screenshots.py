"""Screenshots of protected profiles: the passphrase prompt when switching to a trainer,
the lock screen, the passphrase fields of the new-profile form, a trainer whose key is
on another computer, and Settings → Passphrase and key.

Runs the real windows on an X display of the size to look at, and grabs the screen
with ImageMagick (the pictures in this folder: 1280x800; look at 1024x640 and
1920x1080 too)::

    Xvfb :97 -screen 0 1280x800x24 & export DISPLAY=:97
    QT_QPA_PLATFORM=xcb python docs/screenshots/take_identity_screenshots.py [OUT_DIR [light|dark] [SUFFIX]]

It writes identity-switch, identity-lock, identity-new-profile, identity-elsewhere and
identity-settings, each in light and dark (with SUFFIX, e.g. -1024x640, after the name).
Everything lives in a fresh temporary folder: your own data is never touched.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QScrollArea
from take_screenshots import grab, settle  # this folder: run as a script

from app.bootstrap import open_context
from app.core.models import Person, Role
from app.core.profiles import create_profile
from app.ui.first_start import FirstStartDialog
from app.ui.identity.act_as import ActAsDialog
from app.ui.identity.settings_section import IdentitySection
from app.ui.launch import application
from app.ui.main_window import MainWindow
from app.ui.state import AppState


def centre(widget) -> None:
    area = QGuiApplication.primaryScreen().availableGeometry()
    widget.adjustSize()
    size = widget.size()
    widget.move(
        area.x() + max(0, (area.width() - size.width()) // 2),
        area.y() + max(0, (area.height() - size.height()) // 2),
    )


def shoot(out_dir: Path, scheme: str, root: Path, suffix: str) -> None:
    screen = QGuiApplication.primaryScreen().availableGeometry()
    ctx = open_context(root / scheme)
    ctx.settings.set("theme", scheme)
    state = AppState(ctx)
    state.apply_theme()
    with ctx.db.session() as s:
        tom = create_profile(s, "Tom Becker", Role.TRAINER, "North")
        rita = create_profile(s, "Rita Gomes", Role.REP, "North")
        mia = create_profile(s, "Mia Berg", Role.MANAGER, None)
        nora = create_profile(s, "Nora Lind", Role.TRAINER, "South")
    ctx.confirm(tom, "toms passphrase")
    ctx.confirm(mia, "mias passphrase")
    with ctx.db.session() as s:  # Nora's profile came from her own computer
        s.info["applying_remote"] = True
        s.get(Person, nora.id).device_id = "noras-laptop"
    state.act_as(rita)

    # Rita on the shared computer picks Tom in Settings: his passphrase is asked.
    window = MainWindow(state)
    window.setGeometry(screen)
    window.show()
    window.show_page("settings")
    settle()
    prompt = ActAsDialog(state, tom, window)
    prompt.show()
    centre(prompt)
    settle()
    prompt.form.secret.setText("ritas guess")
    prompt._continue()  # a wrong one: refused, in plain words
    grab(out_dir, f"identity-switch-{scheme}{suffix}")
    prompt.reject()

    elsewhere = ActAsDialog(state, nora, window)
    elsewhere.show()
    centre(elsewhere)
    grab(out_dir, f"identity-elsewhere-{scheme}{suffix}")
    elsewhere.reject()

    # Tom works, walks away: the window locks.
    state.act_as(tom, "toms passphrase")
    window.show_page("review")
    settle()
    window.lock()
    window.lock_screen.form.secret.setText("toms")
    grab(out_dir, f"identity-lock-{scheme}{suffix}")
    window.lock_screen.form.secret.setText("toms passphrase")
    window.lock_screen._unlock()
    settle()

    # Mia (manager) in Settings → Passphrase and key.
    state.act_as(mia, "mias passphrase")
    window.show_page("settings")
    page = window.pages["settings"]
    section = page.section(IdentitySection)
    settle()
    page.findChild(QScrollArea).ensureWidgetVisible(section, 0, 0)
    settle()
    scroll = page.findChild(QScrollArea)
    scroll.verticalScrollBar().setValue(section.y() - 8)
    grab(out_dir, f"identity-settings-{scheme}{suffix}")
    state.sync.shutdown()
    window.close()

    # A new trainer on the first start chooses a passphrase.
    fresh = open_context(root / f"{scheme}-fresh")
    fresh.settings.set("theme", scheme)
    fresh_state = AppState(fresh)
    fresh_state.apply_theme()
    with fresh.db.session() as s:  # a shared computer: someone is already here
        create_profile(s, "Rita Gomes", Role.REP, "North")
    first = FirstStartDialog(fresh_state)
    first.form.name.setText("Ana Lima")
    first.form.team.setText("North")
    first.form.role.setCurrentIndex(first.form.role.findData("trainer"))
    first.form.secret.setText("anas passphrase")
    first.form.again.setText("anas passphr")
    first.show()
    centre(first)
    settle()
    first._create()  # the two do not match: said under the fields
    grab(out_dir, f"identity-new-profile-{scheme}{suffix}")
    first.close()
    fresh.close()
    ctx.close()


def run_shots(shoot, argv: list[str]) -> int:
    """``[OUT_DIR [light|dark] [SUFFIX]]``: call ``shoot(out_dir, scheme, root, suffix)`` for
    each scheme, in a fresh temporary folder."""
    out_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent
    schemes = [argv[1]] if len(argv) > 1 and argv[1] in ("light", "dark") else ["light", "dark"]
    suffix = argv[2] if len(argv) > 2 else ""
    out_dir.mkdir(parents=True, exist_ok=True)
    application()
    with tempfile.TemporaryDirectory() as tmp:
        for scheme in schemes:
            shoot(out_dir, scheme, Path(tmp), suffix)
    return 0


if __name__ == "__main__":
    sys.exit(run_shots(shoot, sys.argv[1:]))
