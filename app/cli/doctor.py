"""``crosscoach doctor``: can this machine record? Exit code 0 only when it can."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.cli.output import print_json
from app.recorder.checkup import as_dicts, run_checks

if TYPE_CHECKING:
    from app.identity.context import AppContext


def register(sub) -> None:
    p = sub.add_parser("doctor", help="check ffmpeg, devices, database and disk")
    p.add_argument(
        "--source",
        default=None,
        metavar="SOURCE",
        help="check this recording source instead of the configured one",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_doctor, opens_database=False)  # a broken database is a finding


def _doctor(ctx: AppContext, args) -> int:
    checks = run_checks(ctx, args.source)
    ready = all(c.ok for c in checks)
    if args.json:
        print_json({"ready": ready, "checks": as_dicts(checks)})
        return 0 if ready else 1
    for check in checks:
        print(f"[{'ok' if check.ok else 'PROBLEM'}] {check.name}: {check.summary}")
        if check.fix:
            print(f"    What to do: {check.fix}")
    print("Recording can work." if ready else "Recording cannot work yet: see the problems above.")
    return 0 if ready else 1
