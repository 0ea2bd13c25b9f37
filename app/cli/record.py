"""``crosscoach record`` and ``crosscoach recover``: takes recorded and repaired headless."""

from __future__ import annotations

import sys

from app.cli.output import print_json
from app.recorder.record import record_take
from app.recorder.recording import RecordingObserver
from app.recorder.recovery import recover_in_progress


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
    recover.add_argument("--json", action="store_true")
    recover.set_defaults(handler=_recover)


class _SayWhenRecording(RecordingObserver):
    def first_frame(self, seconds_since_start: float) -> None:
        print("Recording... (Ctrl+C stops the take early and keeps it)", file=sys.stderr)


def _record(ctx, args) -> int:
    observer = None if args.json else _SayWhenRecording()
    take = record_take(ctx, args.scenario, args.source, args.seconds, observer=observer)
    if args.json:
        print_json(take.as_dict())
    else:
        print(f"Take {take.id} (attempt {take.attempt}): {take.duration_seconds:.1f} s")
        print(f"  {take.path}")
    if take.problem:
        print(
            f"crosscoach: the take ended early: {take.problem} "
            f"The {take.duration_seconds:.1f} s recorded were saved.",
            file=sys.stderr,
        )
        return 1
    return 0


def _recover(ctx, args) -> int:
    report = recover_in_progress(ctx)
    code = 1 if report.failed or report.set_aside else 0
    if args.json:
        print_json(report.as_dict())
        return code
    if report.nothing_found:
        print("No interrupted recordings found: nothing to recover.")
    for take in report.recovered:
        print(f"Recovered take {take.id}: {take.duration_seconds:.1f} s  {take.path}")
    for item in report.set_aside:
        print(f"Could not recover {item['take_id']}: {item['reason']}. Kept in {item['folder']}.")
    for take_id in report.still_recording:
        print(f"Take {take_id} is still being recorded; left alone.")
    for item in report.failed:
        print(f"Take {item['take_id']} is not recovered yet: {item['reason']}")
    return code
