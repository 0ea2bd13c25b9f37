"""Sound for the players: attached only when the computer has a sound device.

An audio output with no device still runs an audio thread, and tearing that
thread down during QMediaPlayer.stop() can wait for the Python interpreter
lock that stop() holds: a deadlock (seen in tests on machines without sound).
Without a device there is nothing to hear, so the picture plays alone.
"""

from __future__ import annotations

from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer


def attach_audio(media: QMediaPlayer, audio: QAudioOutput) -> None:
    """Route ``media``'s sound to ``audio`` when a sound device exists; else play silent."""
    has_device = not QMediaDevices.defaultAudioOutput().isNull()
    media.setAudioOutput(audio if has_device else None)
