"""How long the take check takes on a long recording, against decoding it once.

    python bench/take_check.py [--seconds 600] [--keep PATH]

Makes a 720p30 take from the synthetic source, encoded like the recorder's
takes (H.264 veryfast, a keyframe every 2 s, AAC), then times
``check_take`` and, as the baseline in the same run, a plain ``ffmpeg -i
take -f null -`` that decodes every frame and sample once (what a check
looking at every frame would cost at the least). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from app.recorder.ffmpeg_tools import find_ffmpeg
from app.recorder.take_check import check_take


def make_take(exe: str, path: Path, seconds: int) -> None:
    subprocess.run(
        [
            exe, "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-shortest",
            "-movflags", "+faststart", str(path),
        ],
        check=True,
    )  # fmt: skip


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--keep", type=Path, help="reuse or keep the take at this path")
    args = parser.parse_args()
    exe = find_ffmpeg().path
    with tempfile.TemporaryDirectory() as tmp:
        take = args.keep or Path(tmp) / "take.mp4"
        if not take.exists():
            make_take(exe, take, args.seconds)
        decode = [exe, "-v", "error", "-nostats", "-i", str(take), "-f", "null", "-"]
        baseline, _ = timed(lambda: subprocess.run(decode, check=True))
        check, findings = timed(lambda: check_take(take, expected_seconds=args.seconds))
        print(
            json.dumps(
                {
                    "take_seconds": args.seconds,
                    "take_mb": round(take.stat().st_size / 1e6, 1),
                    "check_seconds": round(check, 2),
                    "full_decode_seconds": round(baseline, 2),
                    "check_vs_full_decode": round(check / baseline, 3),
                    "findings": [f.code for f in findings],
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
