"""Can this computer record? The checks behind ``crosscoach doctor`` (and the device screen).

Each check says in plain words what it found and, when it fails, what to do.
Recording can work when every check passes; with a stand-in source (test
pattern, file) no camera or microphone is needed.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from app.core import migrate
from app.core.errors import UserError
from app.recorder.devices import (
    Devices,
    build_source,
    configured_source_spec,
    list_devices,
    parse_source_spec,
)
from app.recorder.ffmpeg_tools import FfmpegInfo, find_ffmpeg
from app.recorder.presets import bytes_per_second, preset
from app.recorder.record import check_writable

if TYPE_CHECKING:
    from app.identity.context import AppContext

# Less free space than this and a take may not fit: about 4 minutes at 720p.
MIN_FREE_BYTES = 100 * 1024 * 1024


@dataclass
class Check:
    name: str
    ok: bool
    summary: str
    fix: str = ""
    details: dict = field(default_factory=dict)


def run_checks(ctx: AppContext, source: str | None = None) -> list[Check]:
    checks: list[Check] = []
    ffmpeg = _check_ffmpeg(checks)
    devices = list_devices(ffmpeg) if ffmpeg else Devices({}, {})
    checks.append(_devices_check(devices))
    if ffmpeg:
        checks.append(_source_check(ctx, ffmpeg, source))
    checks.append(_database_check(ctx))
    checks.append(_disk_check(ctx))
    return checks


def _check_ffmpeg(checks: list[Check]) -> FfmpegInfo | None:
    try:
        ffmpeg = find_ffmpeg()
    except UserError as exc:
        checks.append(Check("ffmpeg", False, exc.message, exc.hint))
        return None
    formats = ", ".join(ffmpeg.as_dict()["capture_formats"]) or "none"
    checks.append(
        Check(
            "ffmpeg",
            True,
            f"ffmpeg {ffmpeg.version} ({ffmpeg.origin}) at {ffmpeg.path}; "
            f"it can capture from: {formats}.",
            details=ffmpeg.as_dict(),
        )
    )
    return ffmpeg


def _devices_check(devices: Devices) -> Check:
    cams = ", ".join(devices.cameras) or "none"
    mics = ", ".join(devices.microphones) or "none"
    # Seeing no device is not a failure by itself: the source check decides.
    return Check(
        "devices",
        True,
        f"Cameras: {cams}. Microphones: {mics}.",
        details={"cameras": list(devices.cameras), "microphones": list(devices.microphones)},
    )


def _source_check(ctx: AppContext, ffmpeg: FfmpegInfo, explicit: str | None) -> Check:
    spec_text = configured_source_spec(ctx.settings, explicit)
    try:
        enc = preset(ctx.settings.get("recording_preset"))
        source = build_source(parse_source_spec(spec_text), enc, ffmpeg, ctx.settings)
    except UserError as exc:
        return Check(
            "source",
            False,
            f'Recording source "{spec_text}": {exc.message}',
            exc.hint,
            {"source": spec_text},
        )
    return Check(
        "source",
        True,
        f'Recording source "{spec_text}": {source.label}, {enc.width}x{enc.height} at '
        f"{enc.fps} fps.",
        details={"source": spec_text, "label": source.label},
    )


def _database_check(ctx: AppContext) -> Check:
    path = ctx.paths.database
    try:
        current = migrate.current_revision(ctx.db.engine)
    except UserError as exc:  # the database's diagnosis (app.core.health) says what to do
        return Check("database", False, exc.message, exc.hint, {"path": str(path)})
    head = migrate.head_revision()
    details = {"path": str(path), "revision": current, "head": head}
    if current != head:
        return Check(
            "database",
            False,
            f"The database {path} is at schema {current}, not the current {head}.",
            "Start CrossCoach once to upgrade it (a backup is made first).",
            details,
        )
    return Check(
        "database", True, f"Database {path} is at the current schema ({head}).", details=details
    )


def _disk_check(ctx: AppContext) -> Check:
    root = ctx.paths.root
    try:
        check_writable(ctx.paths.in_progress)
    except UserError as exc:
        return Check("disk", False, exc.message, exc.hint)
    free = shutil.disk_usage(root).free
    minutes = free / bytes_per_second(preset(ctx.settings.get("recording_preset"))) / 60
    details = {"folder": str(root), "free_bytes": free, "recording_minutes": int(minutes)}
    summary = f"{free / 1e9:.1f} GB free in {root} (about {int(minutes)} minutes of recording)."
    if free < MIN_FREE_BYTES:
        return Check(
            "disk", False, f"Too little space: {summary}", "Free some disk space.", details
        )
    return Check("disk", True, summary, details=details)


def as_dicts(checks: list[Check]) -> list[dict]:
    return [asdict(c) for c in checks]
