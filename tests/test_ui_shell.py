"""The app shell through its real widgets: first start, navigation by role, settings,
window memory, theme and the launcher."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.core.profiles import list_profiles
from app.ui.first_start import FirstStartDialog
from app.ui.launch import QUIT_AFTER_ENV, launch_gui, open_main_window
from app.ui.main_window import LAST_PAGE_KEY, MainWindow
from app.ui.pages.settings import AppearanceSection, ProfileSection
from app.ui.state import AppState


@pytest.fixture
def state(ctx, qapp):
    s = AppState(ctx)
    s.apply_theme()
    return s


@pytest.fixture
def window_for(state, qtbot):
    def make(name: str, role: str, make_profile) -> MainWindow:
        state.use_profile(make_profile(name, role))
        window = MainWindow(state)
        qtbot.addWidget(window)
        window.show()
        return window

    return make


def test_first_start_asks_who_you_are_and_opens_the_main_window(state, qtbot):
    assert state.profile is None
    seen = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        seen["dialog"] = type(dialog).__name__
        try:
            assert isinstance(dialog, FirstStartDialog)
            qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)  # empty name
            seen["error"] = dialog.form.name_error.text()
            seen["error_visible"] = dialog.form.name_error.isVisible()
            qtbot.keyClicks(dialog.form.name, "Ana Lima")
            dialog.form.role.setCurrentIndex(
                dialog.form.role.findText("Trainer", Qt.MatchFlag.MatchStartsWith)
            )
            qtbot.keyClicks(dialog.form.team, "North")
            qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)  # no passphrase
            seen["passphrase_error"] = dialog.form.secret_error.text()
            qtbot.keyClicks(dialog.form.secret, "a long passphrase")
            qtbot.keyClicks(dialog.form.again, "a long passphrase")
            qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, answer)
    window = open_main_window(state)
    assert seen["dialog"] == "FirstStartDialog"
    assert seen["error_visible"] and "needs a name" in seen["error"]
    assert "A trainer needs a passphrase" in seen["passphrase_error"]
    assert window is not None
    qtbot.addWidget(window)
    assert window.isVisible()
    assert state.profile.name == "Ana Lima" and state.profile.role.value == "trainer"
    assert state.ctx.settings.get("active_profile_id") == state.profile.id
    with state.ctx.session() as s:
        assert [(p.name, p.team) for p in list_profiles(s)] == [("Ana Lima", "North")]
    assert "Ana Lima · trainer · North" in window.profile_label.text()
    assert str(state.ctx.paths.root) in window.folder_label.text()


def test_first_start_offers_existing_profiles_on_a_shared_computer(state, make_profile, qtbot):
    make_profile("Rita", "rep")
    dialog = FirstStartDialog(state)
    qtbot.addWidget(dialog)
    assert dialog.existing.count() == 1 and not dialog.use_existing.isEnabled()
    dialog.existing.setCurrentRow(0)
    qtbot.mouseClick(dialog.use_existing, Qt.MouseButton.LeftButton)
    assert dialog.result() == FirstStartDialog.DialogCode.Accepted
    assert state.profile.name == "Rita"


def test_closing_the_first_start_question_opens_no_window(state):
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert open_main_window(state) is None
    assert state.profile is None


def test_a_rep_does_not_see_review(window_for, make_profile):
    window = window_for("Rita", "rep", make_profile)
    assert "review" not in window.visible_pages()
    review_item = window.nav.findItems("Review", Qt.MatchFlag.MatchExactly)[0]
    assert review_item.isHidden()
    assert not window.go_actions["review"].isEnabled()
    assert window.show_page("review") is False
    assert "Rita · rep" in window.profile_label.text()


def test_a_trainer_sees_every_page_each_under_its_own_header(window_for, make_profile):
    window = window_for("Tom", "trainer", make_profile)
    assert window.visible_pages() == [
        "practice",
        "review",
        "top_videos",
        "leaderboard",
        "scenarios",
        "settings",
    ]
    for key in window.visible_pages():
        window.go_actions[key].trigger()
        assert window.current_page() == key
        assert window.stack.currentWidget() is window.pages[key]
        assert window.header.title.text() == window.nav.currentItem().text()


def test_switching_profile_in_settings_changes_the_navigation(window_for, make_profile, qtbot):
    make_profile("Tom", "trainer")
    window = window_for("Rita", "rep", make_profile)
    window.show_page("settings")
    section = window.pages["settings"].section(ProfileSection)
    section.choice.setCurrentIndex(section.choice.findText("Tom", Qt.MatchFlag.MatchStartsWith))

    def choose_passphrase():  # Tom's first act on the computer where he was made
        dialog = QApplication.activeModalWidget()
        qtbot.keyClicks(dialog.form.secret, "toms passphrase")
        qtbot.keyClicks(dialog.form.again, "toms passphrase")
        qtbot.keyClick(dialog.form.again, Qt.Key.Key_Return)

    QTimer.singleShot(0, choose_passphrase)
    qtbot.mouseClick(section.switch_button, Qt.MouseButton.LeftButton)
    assert window.state.profile.name == "Tom"
    assert "review" in window.visible_pages()
    assert "Tom · trainer" in window.profile_label.text()
    assert section.current.text() == "Acting as Tom (trainer)"


def test_theme_choice_is_applied_and_stored(window_for, make_profile):
    window = window_for("Tom", "trainer", make_profile)
    window.show_page("settings")
    combo = window.pages["settings"].section(AppearanceSection).theme
    combo.setCurrentIndex(combo.findData("dark"))
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 80
    assert window.state.ctx.settings.get("theme") == "dark"
    combo.setCurrentIndex(combo.findData("light"))
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 200
    assert window.state.ctx.settings.get("theme") == "light"


def test_geometry_and_last_page_survive_a_restart(window_for, make_profile, state, qtbot):
    window = window_for("Tom", "trainer", make_profile)
    # The offscreen screen is 800x600 and the window is wider than 800 at least, so
    # the height is what shows the remembered size (the default would fill the screen).
    window.resize(700, 520)
    assert window.height() == 520
    window.show_page("leaderboard")
    window.close()
    again = MainWindow(AppState(state.ctx))
    qtbot.addWidget(again)
    assert again.height() == 520
    assert again.current_page() == "leaderboard"
    assert (state.ctx.paths.root / "ui.ini").is_file()


def test_a_remembered_page_the_new_profile_may_not_see_falls_back(
    window_for, make_profile, state, qtbot
):
    window = window_for("Tom", "trainer", make_profile)
    window.show_page("review")
    window.close()
    state.use_profile(make_profile("Rita", "rep"))
    again = MainWindow(AppState(state.ctx))
    qtbot.addWidget(again)
    assert again.current_page() == "practice"


def test_about_names_the_version_and_licences(window_for, make_profile, shown_errors):
    from app import __version__

    window = window_for("Tom", "trainer", make_profile)
    about = next(a for a in window.help_menu.actions() if a.shortcut().toString() == "F1")
    about.trigger()
    text = shown_errors[-1][0]
    assert __version__ in text and "LGPL-3.0-only" in text and "Apache-2.0" in text
    assert "FFmpeg" in text and "GPL" in text


def test_the_app_starts_and_quits_on_its_own(data_dir, make_profile, ctx):
    """The real ``crosscoach`` entry point in its own process, as a packaged app is smoke-tested.
    (A rep without a PIN: a trainer would be asked for a passphrase first.)"""
    ctx.use_profile(make_profile("Rita", "rep"))
    env = {**os.environ, QUIT_AFTER_ENV: "1500", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    ui = QSettings(str(data_dir / "ui.ini"), QSettings.Format.IniFormat)
    assert ui.value(LAST_PAGE_KEY) == "practice"  # the window was shown, then closed cleanly


def test_an_in_process_launch_leaves_later_event_loops_working(
    data_dir, make_profile, ctx, monkeypatch, qtbot
):
    """Tests and scripts run more Qt code after ``launch_gui`` returns: a Quit still
    queued from quitting must not make every later event loop end at once."""
    ctx.use_profile(make_profile("Rita", "rep"))
    monkeypatch.setenv(QUIT_AFTER_ENV, "1000")
    assert launch_gui(data_dir) == 0
    QApplication.processEvents()  # as pytest-qt does between tests
    timer = QTimer(singleShot=True, interval=100)
    with qtbot.waitSignal(timer.timeout, timeout=10_000):  # raises if the loop ends early
        timer.start()


def test_launch_explains_a_data_folder_it_cannot_use(tmp_path, shown_errors, qapp):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    assert launch_gui(blocked) == 2
    message, hint = shown_errors[-1]
    assert "cannot write to its data folder" in message
    assert hint.startswith("What to do:")


def test_launch_explains_an_unknown_profile(data_dir, ctx, shown_errors, qapp):
    assert launch_gui(data_dir, acting_as="Nobody") == 3
    assert "There is no profile called 'Nobody'" in shown_errors[-1][0]


REQUIRED_ICONS = [
    "practice",
    "review",
    "top_videos",
    "leaderboard",
    "scenarios",
    "settings",
    "search",
    "import",
    "export",
    "add",
    "edit",
    "delete",
    "save",
    "play",
    "pause",
    "record",
    "stop",
    "sync",
    "user",
    "warning",
    "check",
]


def test_every_icon_renders_in_the_palette_colour(qapp):
    from PySide6.QtGui import QColor

    from app.ui.icons import icon

    for name in REQUIRED_ICONS:
        image = icon(name, "#ff0000").pixmap(24, 24).toImage()
        drawn = [
            QColor(image.pixel(x, y))
            for x in range(24)
            for y in range(24)
            if QColor.fromRgba(image.pixel(x, y)).alpha() > 200
        ]
        assert drawn, f"{name} draws nothing"
        assert all(c.red() > 200 and c.green() < 60 for c in drawn), f"{name} ignores the colour"


def test_the_app_icon_pngs_match_the_svg(qapp, tmp_path):
    from PySide6.QtGui import QImage

    from app.ui.app_icon import PNG_SIZES, render_pngs
    from app.ui.icons import icon_dir

    fresh = {p.name: QImage(str(p)) for p in render_pngs(tmp_path)}
    for size in PNG_SIZES:
        name = f"crosscoach-{size}.png"
        stored = QImage(str(icon_dir() / name))
        assert (stored.width(), stored.height()) == (size, size)
        assert stored.convertToFormat(fresh[name].format()) == fresh[name], f"{name} is stale"


def test_ctrl_number_goes_to_the_page_at_that_place(window_for, make_profile, qtbot):
    window = window_for("Tom", "trainer", make_profile)
    shortcuts = {key: action.shortcut().toString() for key, action in window.go_actions.items()}
    assert shortcuts == {
        "practice": "Ctrl+1",
        "review": "Ctrl+2",
        "top_videos": "Ctrl+3",
        "leaderboard": "Ctrl+4",
        "scenarios": "Ctrl+5",
        "settings": "Ctrl+6",
    }
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "settings"


def test_open_folder_shows_the_data_folder(window_for, make_profile, monkeypatch, qtbot):
    from app.ui.pages import settings as settings_page

    opened = []
    monkeypatch.setattr(settings_page, "open_folder", opened.append)
    window = window_for("Tom", "trainer", make_profile)
    window.show_page("settings")
    section = window.pages["settings"].section(settings_page.DataFolderSection)
    assert section.path.text() == str(window.state.ctx.paths.root)
    qtbot.mouseClick(section.open_button, Qt.MouseButton.LeftButton)
    assert opened == [window.state.ctx.paths.root]


def test_the_system_theme_follows_the_system_scheme(state):
    from app.ui.theme import effective_scheme

    system = QApplication.styleHints().colorScheme()
    expected = "dark" if system == Qt.ColorScheme.Dark else "light"
    assert state.theme == "system" and effective_scheme("system") == expected
    assert effective_scheme("dark") == "dark" and effective_scheme("light") == "light"
