"""Recording benchmark: our recorder against a bare ffmpeg with the same encoder settings.

Both record 720p30 from ffmpeg's synthetic source (test pattern and tone, paced in
real time) for the same length, one after the other in the same run:

- ours: ``prepare_take`` + ``Recording`` (fragmented MP4, the 320x180 preview read
  on its own thread, stderr progress parsing), then ``finish_take`` (remux to a
  fast-start MP4, probe, SHA-256, media store, database row);
- bare: the same ffmpeg command without the preview, run with ``subprocess``.

    python bench/bench_recording.py [--seconds 60] [--json]

Reports dropped frames (target 0), CPU seconds of the whole recorder (this
process plus its ffmpeg) against the bare ffmpeg (target <= 1.15x), the A/V end
drift of the stored take (target <= 1 frame), the time from the record call to
the first frame out of ffmpeg (target <= 0.5 s; the first fragment on disk
follows by design up to 0.5 s later) and MB per minute.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import select

from app.bootstrap import open_context
from app.core.models import Scenario
from app.core.profiles import create_profile, parse_role
from app.practice.rounds import can_record, next_attempt
from app.recorder import commands
from app.recorder.devices import synthetic_source
from app.recorder.ffmpeg_tools import find_ffmpeg
from app.recorder.presets import preset
from app.recorder.probe import probe
from app.recorder.record import finish_take, prepare_take
from app.recorder.recording import parse_progress

FRAGMENT_HEADER_BYTES = 4096


def cpu_seconds() -> tuple[float, float]:
    """(this process, its waited-for children) user+system CPU seconds so far."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def first_fragment_watch(path: Path, since: float, found: dict) -> threading.Thread:
    def watch() -> None:
        while time.monotonic() - since < 10:
            if path.exists() and path.stat().st_size > FRAGMENT_HEADER_BYTES:
                found["first_fragment_s"] = time.monotonic() - since
                return
            time.sleep(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def run_ours(ctx, scenario_key: str, seconds: float) -> dict:
    self0, kids0 = cpu_seconds()
    t0 = time.monotonic()
    recording = prepare_take(
        ctx, scenario_key, source="test", seconds=seconds, can_record=can_record
    )
    found: dict = {}
    watcher = first_fragment_watch(recording.fragment, t0, found)
    recording.start()
    result = recording.wait()
    watcher.join()
    self1, kids1 = cpu_seconds()
    t1 = time.monotonic()
    take = finish_take(ctx, recording, result, next_attempt=next_attempt)
    self2, kids2 = cpu_seconds()
    media = probe(take.path)
    return {
        "cpu_s": (self1 - self0) + (kids1 - kids0),
        "cpu_python_s": self1 - self0,
        "cpu_ffmpeg_s": kids1 - kids0,
        "dropped": result.progress.dropped,
        "frames": media.video.packets,
        "duration_s": media.duration,
        "drift_ms": media.end_drift * 1000,
        "first_frame_s": result.first_frame_seconds,
        "first_fragment_s": found.get("first_fragment_s"),
        "mb_per_min": take.size_bytes / 1e6 / media.duration * 60,
        "finalize_s": time.monotonic() - t1,
        "finalize_cpu_s": (self2 - self1) + (kids2 - kids1),
    }


def run_bare(seconds: float, folder: Path) -> dict:
    ffmpeg, enc = find_ffmpeg(), preset("standard")
    out = folder / "bare.mp4"
    argv = commands.record_command(
        ffmpeg.path, synthetic_source(enc).inputs, enc, out, seconds, None, fit_frame=False
    )
    _, kids0 = cpu_seconds()
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=True)
    _, kids1 = cpu_seconds()
    lines = done.stderr.decode("utf-8", "replace").replace("\r", "\n").splitlines()
    last = [p for p in map(parse_progress, lines) if p is not None][-1]
    media = probe(out)
    return {
        "cpu_s": kids1 - kids0,
        "dropped": last.dropped,
        "frames": media.video.packets,
        "duration_s": media.duration,
        "drift_ms": media.end_drift * 1000,
        "mb_per_min": out.stat().st_size / 1e6 / media.duration * 60,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="crosscoach-bench-rec-") as tmp:
        ctx = open_context(Path(tmp) / "data")
        try:
            with ctx.session() as s:
                ctx.use_profile(create_profile(s, "Bench Rep", parse_role("rep"), None))
            with ctx.db.session() as s:
                key = s.scalars(select(Scenario.key).order_by(Scenario.key)).first()
            if key is None:
                print("The built-in scenario pack is missing: nothing to record.", file=sys.stderr)
                return 1
            find_ffmpeg()  # found once, as the app does at start-up
            ours = run_ours(ctx, key, args.seconds)
            bare = run_bare(args.seconds, Path(tmp))
        finally:
            ctx.close()
    ours["cpu_ratio_to_bare"] = ours["cpu_s"] / bare["cpu_s"]
    figures = {"seconds": args.seconds, "ours": ours, "bare": bare, "ffmpeg": find_ffmpeg().path}
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        print()
        return 0
    print(f"720p30 synthetic source, {args.seconds:.0f} s, ffmpeg {find_ffmpeg().version}")
    rows = [
        ("dropped frames", ours["dropped"], bare["dropped"], "0"),
        ("frames in file", ours["frames"], bare["frames"], f"{args.seconds * 30:.0f}"),
        ("duration (s)", f"{ours['duration_s']:.3f}", f"{bare['duration_s']:.3f}", ""),
        ("CPU (s)", f"{ours['cpu_s']:.2f}", f"{bare['cpu_s']:.2f}", ""),
        ("CPU ratio to bare", f"{ours['cpu_ratio_to_bare']:.3f}", "1.000", "<= 1.15"),
        ("A/V end drift (ms)", f"{ours['drift_ms']:.1f}", f"{bare['drift_ms']:.1f}", "<= 33"),
        ("first frame (s)", f"{ours['first_frame_s']:.3f}", "", "<= 0.5"),
        ("first fragment on disk (s)", f"{ours['first_fragment_s'] or 0:.3f}", "", ""),
        ("MB per minute", f"{ours['mb_per_min']:.1f}", f"{bare['mb_per_min']:.1f}", ""),
        ("finalize wall (s)", f"{ours['finalize_s']:.2f}", "", ""),
    ]
    print(f"{'':28}{'ours':>10}{'bare':>10}  target")
    for name, a, b, target in rows:
        print(f"{name:28}{a!s:>10}{b!s:>10}  {target}")
    print(
        f"(ours: Python {ours['cpu_python_s']:.2f} s + ffmpeg {ours['cpu_ffmpeg_s']:.2f} s; "
        f"finalize CPU {ours['finalize_cpu_s']:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
