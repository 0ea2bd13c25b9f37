"""``crosscoach record`` and ``crosscoach recover``: takes recorded and repaired headless."""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import TYPE_CHECKING

from app.cli.output import print_json, print_table
from app.core.errors import UserError
from app.practice.rounds import can_record, next_attempt
from app.recorder.finalize import KeptForRecovery
from app.recorder.record import record_take
from app.recorder.recording import RecordingObserver
from app.recorder.recovery import list_unsaved, recover_in_progress

if TYPE_CHECKING:
    from app.identity.context import AppContext

# Signals that end a take early, like Ctrl+C, and why, in words.
STOP_SIGNALS = {
    "SIGINT": "you pressed Ctrl+C",
    "SIGTERM": "CrossCoach was asked to stop",
    "SIGHUP": "the terminal was closed",
}


def register(sub) -> None:
    rec = sub.add_parser("record", help="record a take of a scenario (Ctrl+C stops early)")
    rec.add_argument("--scenario", required=True, metavar="ID|KEY")
    rec.add_argument(
        "--source",
        default=None,
        metavar="SOURCE",
        help="test, black, file:PATH, device or device:CAMERA|MICROPHONE "
        "(default: $CROSSCOACH_SOURCE or the recording_source setting)",
    )
    rec.add_argument(
        "--seconds", type=float, default=None, help="length (default: the scenario's maximum)"
    )
    rec.add_argument("--json", action="store_true")
    rec.set_defaults(handler=_record)

    recover = sub.add_parser("recover", help="repair recordings left by a crash")
    recover.add_argument(
        "--list",
        action="store_true",
        help="only list the recordings that could not be saved as takes (repairs nothing)",
    )
    recover.add_argument("--json", action="store_true")
    recover.set_defaults(handler=_recover)


class _CommandLineTake(RecordingObserver):
    """Says when the camera is rolling; turns a stop signal into Ctrl+C while it is.

    Once ffmpeg has ended, signals are ignored: the take is being stored, and
    stopping that halfway would gain nothing (it would wait for recovery).
    """

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.recording = True
        self.stopped_because: str | None = None

    def first_frame(self, seconds_since_start: float) -> None:
        if not self.quiet:
            _say("Recording... (Ctrl+C stops the take early and keeps it)")

    def finished(self, result) -> None:
        self.recording = False

    def stop_signal(self, signum: int, _frame) -> None:
        if self.recording and self.stopped_because is None:
            self.stopped_because = STOP_SIGNALS[signal.Signals(signum).name]
            raise KeyboardInterrupt  # record_take stops the take and keeps it


def _record(ctx: AppContext, args) -> int:
    take_watch = _CommandLineTake(quiet=args.json)
    previous = {}
    for name in STOP_SIGNALS:
        if hasattr(signal, name):  # Windows has no SIGHUP
            number = getattr(signal, name)
            previous[number] = signal.signal(number, take_watch.stop_signal)
    try:
        take = record_take(
            ctx,
            args.scenario,
            args.source,
            args.seconds,
            observer=take_watch,
            can_record=can_record,
            next_attempt=next_attempt,
        )
    except KeptForRecovery as err:
        raise UserError(err.message, f"{err.hint} Or now: crosscoach recover") from err
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if args.json:
        with contextlib.suppress(OSError):
            print_json(take.as_dict())
    else:
        _say(f"Take {take.id} (attempt {take.attempt}): {take.duration_seconds:.1f} s", sys.stdout)
        _say(f"  {take.path}", sys.stdout)
    if take_watch.stopped_because:
        _say(
            f"crosscoach: the recording stopped because {take_watch.stopped_because}; "
            f"the {take.duration_seconds:.1f} s recorded were saved as a take."
        )
    if take.problem:
        _say(
            f"crosscoach: the take ended early: {take.problem} "
            f"The {take.duration_seconds:.1f} s recorded were saved."
        )
        return 1
    return 0


def _say(text: str, stream=None) -> None:
    """A line for the person; a closed terminal (SIGHUP) has nowhere to show it."""
    with contextlib.suppress(OSError):
        print(text, file=stream or sys.stderr, flush=True)


def _recover(ctx: AppContext, args) -> int:
    if args.list:
        return _list_unsaved(ctx, args)
    report = recover_in_progress(ctx, next_attempt=next_attempt)
    code = 1 if report.failed or report.set_aside else 0
    if args.json:
        print_json(report.as_dict())
        return code
    if report.nothing_found:
        print("No interrupted recordings found: nothing to recover.")
    for take in report.recovered:
        print(f"Recovered take {take.id}: {take.duration_seconds:.1f} s  {take.path}")
    for item in report.too_short:
        print(
            f"Take {item['take_id']} lasted only {item['seconds']:.1f} s, under one second: "
            "not kept, and it uses no attempt."
        )
    for item in report.set_aside:
        detail = f" ({item['detail']})" if item["detail"] else ""
        print(f"Could not recover {item['take_id']}: {item['reason']}{detail}")
    if report.set_aside:
        print("It is kept, never deleted: crosscoach recover --list shows where.")
    for take_id in report.still_recording:
        print(f"Take {take_id} is being recorded or saved by another CrossCoach; left alone.")
    for item in report.failed:
        print(f"Take {item['take_id']} is not recovered yet: {item['reason']}")
    return code


def _list_unsaved(ctx: AppContext, args) -> int:
    unsaved = list_unsaved(ctx.paths.in_progress)
    if args.json:
        print_json([r.as_dict() for r in unsaved])
        return 0
    if not unsaved:
        print("Every recording was saved as a take: none is set aside.")
        return 0
    rows = [
        (
            r.recorded_at.strftime("%Y-%m-%d %H:%M"),
            f"{r.size_bytes:,} bytes",
            f"{r.reason} ({r.detail})" if r.detail else r.reason,
            r.path,
        )
        for r in unsaved
    ]
    print_table(["Recorded (UTC)", "Size", "Why it is not a take", "File"], rows)
    print("These could not be saved as takes. Copy a file elsewhere to keep or share it.")
    return 0
