"""Recording a take for the acting person: the one call the CLI and the GUI share.

``prepare_take`` checks everything that can be checked before the camera
starts and returns a ``Recording`` (start/stop/preview, for the UI);
``finish_take`` stores what was recorded; ``record_take`` does both, headless.

Whether a take may start and how it is numbered are practice's rules: the
caller hands them in (``can_record`` and ``next_attempt`` of app.practice.rounds),
so the recorder depends on nothing above it.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.core.errors import UserError
from app.core.ids import new_id
from app.recorder.devices import build_source, configured_source_spec, parse_source_spec
from app.recorder.ffmpeg_tools import find_ffmpeg
from app.recorder.finalize import (
    MIN_TAKE_SECONDS,
    KeptForRecovery,
    NextAttempt,
    StoredTake,
    TooShort,
    UnreadableRecording,
    discard_if_empty,
    disk_full,
    store_take,
    stored_seconds,
)
from app.recorder.presets import preset
from app.recorder.probe import ProbeError
from app.recorder.recording import (
    DISK_FULL,
    Recording,
    RecordingObserver,
    RecordingProgress,
    RecordingResult,
)
from app.recorder.sidecar import Sidecar, remove_leftovers
from app.scenarios.library import find_scenario

if TYPE_CHECKING:
    from app.identity.context import AppContext

log = logging.getLogger(__name__)


class TakePlan(Protocol):
    @property
    def assignment_id(self) -> str | None: ...


# May the person (id) record the scenario (id) now, and for which assignment: a
# UserError when their attempts are used up (app.practice.rounds.can_record).
CanRecord = Callable[[Session, str, str], TakePlan]


def prepare_take(
    ctx: AppContext,
    scenario: str,
    source: str | None = None,
    seconds: float | None = None,
    assignment_id: str | None = None,
    observer: RecordingObserver | None = None,
    *,
    can_record: CanRecord,
) -> Recording:
    """A ready-to-start recording, or a UserError naming what stops it."""
    profile = ctx.profile()
    with ctx.db.session() as s:
        found = find_scenario(s, scenario)
        scenario_id, longest = found.id, found.max_answer_seconds
        plan = can_record(s, profile.id, found.id)  # refuses when the attempts are used up
    if assignment_id is None:
        assignment_id = plan.assignment_id
    seconds = longest if seconds is None else seconds
    if seconds < MIN_TAKE_SECONDS:
        raise UserError("A take must last at least one second.", "Pass --seconds 1 or more.")
    ffmpeg = find_ffmpeg()
    encoding = preset(ctx.settings.get("recording_preset"))
    spec_text = configured_source_spec(ctx.settings, source)
    chosen = build_source(parse_source_spec(spec_text), encoding, ffmpeg, ctx.settings)
    check_writable(ctx.paths.in_progress)
    sidecar = Sidecar(
        take_id=new_id(),
        scenario_id=scenario_id,
        person_id=profile.id,
        started_at=utcnow().isoformat(),
        source=spec_text,
        seconds=float(seconds),
        assignment_id=assignment_id,
    )
    return Recording(ffmpeg, chosen, encoding, ctx.paths.in_progress, sidecar, observer)


def finish_take(
    ctx: AppContext, recording: Recording, result: RecordingResult, *, next_attempt: NextAttempt
) -> StoredTake:
    """Store what was recorded, numbered by ``next_attempt``; a UserError when nothing
    was, saying why.

    The take's lock, held since the recording started, is let go only here, once
    the take is stored or left in in-progress/ for recovery.
    """
    try:
        return _finish(ctx, recording, result, next_attempt)
    finally:
        recording.release()


def _finish(
    ctx: AppContext, recording: Recording, result: RecordingResult, next_attempt: NextAttempt
) -> StoredTake:
    folder, take_id = ctx.paths.in_progress, result.sidecar.take_id
    if result.problem == DISK_FULL:
        # Nothing more fits, not even the finished copy: keep the fragment for recovery.
        raise disk_full(folder, _kept_seconds(recording))
    try:
        return store_take(
            ctx,
            recording.ffmpeg,
            result.sidecar,
            recovered=False,
            next_attempt=next_attempt,
            problem=result.problem,
        )
    except TooShort as exc:
        remove_leftovers(folder, take_id)
        raise too_short(exc.seconds) from exc
    except UnreadableRecording as exc:
        why = result.problem or f"nothing playable was recorded ({exc})"
        if discard_if_empty(folder, take_id):
            if result.stopped_by == "user":  # stopped before the first picture was written
                raise too_short(result.progress.seconds) from exc
            raise UserError(
                f"The recording did not start: {why}",
                "Check the camera and microphone (crosscoach doctor), then try again.",
            ) from exc
        log.warning("take %s kept for recovery: %s", take_id, exc)  # ffmpeg's words, for support
        raise KeptForRecovery(
            "The recording could not be saved as a take yet.",
            "Nothing is lost: it is kept, and CrossCoach tries again to save it the next "
            "time it starts.",
        ) from exc


def too_short(seconds: float) -> UserError:
    return UserError(
        f"The take lasted only {seconds:.1f} s, under one second, so it was not kept "
        "and does not use an attempt.",
        "Record again when you are ready.",
    )


def _kept_seconds(recording: Recording) -> float | None:
    """How long the take recovery will store from the fragment on disk lasts."""
    try:
        return stored_seconds(recording.ffmpeg, recording.fragment)
    except ProbeError:
        return None


def record_take(
    ctx: AppContext,
    scenario: str,
    source: str | None = None,
    seconds: float | None = None,
    on_progress: Callable[[RecordingProgress], None] | None = None,
    observer: RecordingObserver | None = None,
    *,
    can_record: CanRecord,
    next_attempt: NextAttempt,
) -> StoredTake:
    """Record one take headless (blocking) and store it."""
    if observer is None and on_progress is not None:
        observer = _ProgressCallback(on_progress)
    recording = prepare_take(
        ctx, scenario, source, seconds, observer=observer, can_record=can_record
    )
    recording.start()
    try:
        result = recording.wait()
    except KeyboardInterrupt:
        recording.stop()  # Ctrl+C ends the take early; what was recorded is kept
        result = recording.wait()
    return finish_take(ctx, recording, result, next_attempt=next_attempt)


class _ProgressCallback(RecordingObserver):
    def __init__(self, callback: Callable[[RecordingProgress], None]):
        self._callback = callback

    def progress(self, progress: RecordingProgress) -> None:
        self._callback(progress)


def check_writable(folder) -> None:
    """A UserError when recordings cannot be written into ``folder``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UserError(
            f"CrossCoach cannot write recordings to {folder} ({exc.strerror or exc}).",
            "Choose a data folder you can write to with --data-dir, or fix the folder's "
            "permissions.",
        ) from exc
