"""Reading the customer's line aloud with the platform's text-to-speech voice, if it has one."""

from __future__ import annotations

from PySide6.QtCore import QObject

# Qt ships a "mock" engine for its own tests: it speaks nothing, so it does not count.
IGNORED_ENGINES = {"mock"}


class CustomerVoice(QObject):
    """``available`` is False when there is no usable engine or voice (then hide the button)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._tts = None
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech
        except ImportError:
            return
        for engine in QTextToSpeech.availableEngines():
            if engine in IGNORED_ENGINES:
                continue
            tts = QTextToSpeech(engine, self)
            if tts.state() != QTextToSpeech.State.Error and tts.availableVoices():
                self._tts = tts
                return
            tts.deleteLater()

    @property
    def available(self) -> bool:
        return self._tts is not None

    def say(self, text: str) -> None:
        if self._tts is not None and text:
            self._tts.say(text)

    def stop(self) -> None:
        if self._tts is not None:
            self._tts.stop()
