"""The idle lock: after a while without use, a screen over the window asks the acting
person's passphrase again, or lets someone else switch to their own profile.

:class:`IdleLock` watches the application's input (keys, clicks, the mouse, the wheel)
and, after the minutes in the ``lock_after_minutes`` setting (0: never), locks the
window — but only while someone with a passphrase or PIN acts, and never during a
recording: then it waits for the recording to end. :class:`LockScreen` is an
application-modal window laid over the main window; under it, the window's content
is hidden, and any other window that was open (a form, a question) is covered until
the same person unlocks; if someone else switches in, those windows are closed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.core.profiles import list_profiles
from app.identity import acting
from app.identity.acting import Step
from app.ui.icons import set_icon
from app.ui.identity.act_as import ask_to_act_as, describe, elsewhere_words
from app.ui.identity.secret_form import SecretForm
from app.ui.state import AppState
from app.ui.widgets import IconLabel

LOCK_SETTING = "lock_after_minutes"
BUSY_POLL_MS = 500  # how often a lock that waits for a recording looks again

ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


def lock_after_ms(settings) -> int:
    """The idle time before the lock, in milliseconds (0: never)."""
    minutes = settings.get(LOCK_SETTING)
    if not isinstance(minutes, int | float) or isinstance(minutes, bool) or minutes <= 0:
        return 0
    return max(1, int(minutes * 60_000))


class IdleLock(QObject):
    """Calls ``lock`` after the configured time without input, unless ``busy()`` (a
    recording): then as soon as it is not."""

    def __init__(self, state: AppState, lock: Callable[[], None], busy: Callable[[], bool], parent):
        super().__init__(parent)
        self.state = state
        self._lock = lock
        self._busy = busy
        self.locked = False
        self.waiting_for_recording = False
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._idle)
        self._poll = QTimer(self, interval=BUSY_POLL_MS)
        self._poll.timeout.connect(self._idle)
        QApplication.instance().installEventFilter(self)
        self.restart()

    def restart(self) -> None:
        """Count the idle time from now (reads the setting afresh)."""
        self._poll.stop()
        self.waiting_for_recording = False
        ms = lock_after_ms(self.state.ctx.settings)
        if ms and not self.locked:
            self._timer.start(ms)
        else:
            self._timer.stop()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() in ACTIVITY and not self.locked and self._stale():
            self.restart()
        return False

    def _stale(self) -> bool:
        """Restart the count? Not on every mouse move: at most four times a second."""
        timer = self._timer
        return not timer.isActive() or timer.remainingTime() < timer.interval() - 250

    def _idle(self) -> None:
        if self.locked:
            return
        if not acting.locks(self.state.ctx.paths, self.state.profile):
            self.restart()
            return
        if self._busy():
            self.waiting_for_recording = True
            self._poll.start(min(BUSY_POLL_MS, max(10, lock_after_ms(self.state.ctx.settings))))
            return
        self._poll.stop()
        self.waiting_for_recording = False
        self._lock()

    def set_locked(self, locked: bool) -> None:
        self.locked = locked
        if locked:
            self._timer.stop()
            self._poll.stop()
        else:
            self.restart()

    def stop(self) -> None:
        QApplication.instance().removeEventFilter(self)
        self._timer.stop()
        self._poll.stop()


class _Cover(QWidget):
    """Hides another window's content while the app is locked."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("lockCover")
        self.setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        label = QLabel("CrossCoach is locked.", alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.raise_()
        self.show()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(watched.rect())
            self.raise_()
        return False


def cover_windows(windows: list[QWidget], main: QWidget) -> list[QWidget]:
    """Cover every other open window of the app (forms, questions) while it is locked."""
    covers = []
    for window in windows:
        if window is main or not window.isWindow() or not window.isVisible():
            continue
        if window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
            window.hide()  # an open menu or a tooltip just goes
            continue
        covers.append(_Cover(window))
    return covers


class LockScreen(QDialog):
    """ "CrossCoach is locked": the acting person's passphrase, or someone else's profile."""

    def __init__(self, state: AppState, window: QWidget):
        super().__init__(window, Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.state = state
        self.window_ = window
        self.setObjectName("lockScreen")
        self.setWindowTitle("CrossCoach is locked")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setAutoFillBackground(True)
        self.unlocked_as: str | None = None  # the person's id, once unlocked
        self.quitting = False  # the main window is closing: the lock goes with it

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame(objectName="lockCard")
        card.setMaximumWidth(520)
        card.setMinimumWidth(360)
        column = QVBoxLayout(card)
        column.setSpacing(12)
        column.addWidget(IconLabel("lock", 56))
        self.title = QLabel("CrossCoach is locked", objectName="pageTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.title)
        self.who = QLabel(wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        column.addWidget(self.who)
        self.form_holder = QVBoxLayout()
        column.addLayout(self.form_holder)
        self.form: SecretForm | None = None
        self.unlock_button = QPushButton("Unlock")
        set_icon(self.unlock_button, "lock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._unlock)
        column.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignRight)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        column.addWidget(line)
        column.addWidget(QLabel("Someone else? Switch to your own profile:", wordWrap=True))
        row = QHBoxLayout()
        self.others = QComboBox()
        self.others.setAccessibleName("Profile to switch to")
        self.switch_button = QPushButton("Switch…")
        set_icon(self.switch_button, "user")
        self.switch_button.setAutoDefault(False)
        self.switch_button.clicked.connect(self._switch)
        row.addWidget(self.others, 1)
        row.addWidget(self.switch_button)
        column.addLayout(row)

        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(card, 3)
        centre.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(2)
        self._fill()
        window.installEventFilter(self)
        self._follow()

    def _fill(self) -> None:
        profile = self.state.profile
        need = acting.need(self.state.ctx.paths, self.state.ctx.db, profile)
        if need.step is Step.UNLOCK:
            then = f"Type {profile.name}'s {need.word} to go on."
        elif need.step is Step.ELSEWHERE:
            then = elsewhere_words(profile)
        else:
            then = need.question()
        self.who.setText(f"{describe(profile)} was away for a while. {then}")
        self.form = SecretForm(need)
        self.form_holder.addWidget(self.form)
        self.unlock_button.setVisible(need.step is not Step.ELSEWHERE)
        with self.state.ctx.db.session() as s:
            for other in list_profiles(s):
                if other.id != profile.id:
                    self.others.addItem(describe(other), other)
        self.others.setEnabled(self.others.count() > 0)
        self.switch_button.setEnabled(self.others.count() > 0)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._follow()
        if self.form is not None and self.form.asks:
            self.form.focus()
        else:
            self.others.setFocus()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if watched is self.window_ and event.type() in (QEvent.Type.Move, QEvent.Type.Resize):
            self._follow()
        return False

    def _follow(self) -> None:
        """Lie exactly over the main window."""
        self.setGeometry(self.window_.geometry())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            return  # Esc does not get past the lock
        super().keyPressEvent(event)

    def reject(self) -> None:  # no way out but unlocking or switching
        pass

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.unlocked_as is None and not self.quitting:
            event.ignore()  # closing the main window (quitting) is what ends the app
            return
        super().closeEvent(event)

    def _unlock(self) -> None:
        if self.form is None or not self.form.asks:
            return
        secret = self.form.value()
        if secret is None:
            return
        profile = self.state.profile
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.state.act_as(profile, secret)
        except UserError as err:
            self.form.show_error(err)
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.unlocked_as = profile.id
        self.done(QDialog.DialogCode.Accepted)

    def _switch(self) -> None:
        other = self.others.currentData()
        if other is None:
            return
        if ask_to_act_as(self, self.state, other):
            self.unlocked_as = other.id
            self.done(QDialog.DialogCode.Accepted)
