"""Helpers for the recorder tests: a rep with a scenario to record, a small filesystem.

Test modules import the fixtures they use from here.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from factories import add_catalogue

from app.core.models import Scenario


@dataclass(frozen=True)
class Stage:
    """Who records what: the acting rep and the scenario's id and key."""

    person_id: str
    scenario_id: str
    scenario_key: str


def add_scenario(ctx, key: str = "recorder-phone-headset") -> Scenario:
    with ctx.session() as s:
        return add_catalogue(
            s,
            products=[(f"{key}-phone", "Phone"), (f"{key}-headset", "Headset")],
            rubric=(f"{key}-rubric", "Basic"),
            criteria=(),
            scenarios=[
                {
                    "key": key,
                    "title": "Phone buyer asks about sound",
                    "situation": "A customer buys a phone and asks how calls will sound.",
                    "max_answer_seconds": 60,
                }
            ],
        ).scenario


@pytest.fixture
def stage(ctx, make_profile, monkeypatch) -> Stage:
    """Ana, a rep, acting; a scenario to record; the test source by default."""
    monkeypatch.setenv("CROSSCOACH_PROFILE", "Ana")
    monkeypatch.setenv("CROSSCOACH_SOURCE", "test")
    monkeypatch.delenv("CROSSCOACH_FFMPEG", raising=False)
    ana = make_profile("Ana", "rep")
    ctx.use_profile(ana)
    scenario = add_scenario(ctx)
    return Stage(ana.id, scenario.id, scenario.key)


@pytest.fixture
def small_disk(tmp_path):
    """A fresh tmpfs to fill up or make read-only; unmounted afterwards.

    Mounting needs root; where it is impossible the test is skipped with the
    reason, except under CI, where that is a failure.
    """
    mounted: list[Path] = []

    def mount(megabytes: int, point: Path | None = None, read_only: bool = False) -> Path:
        point = point or tmp_path / f"disk{len(mounted)}"
        point.mkdir(parents=True, exist_ok=True)
        options = f"size={megabytes}m" + (",ro" if read_only else "")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            reason = f"cannot mount a small tmpfs here ({done.stderr.strip()})"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(f"SKIPPED LOUDLY: {reason}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)


def fill(folder: Path, leave_bytes: int) -> Path:
    """Fill ``folder``'s filesystem until about ``leave_bytes`` are free."""
    filler = folder / "filler.bin"
    free = shutil.disk_usage(folder).free
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave_bytes))
    return filler


# --- the real ffmpeg, watched ------------------------------------------------------

# What each ffmpeg run CrossCoach makes is for, told by its arguments (first match wins).
FFMPEG_STAGES = [
    ("record", "*frag_keyframe*"),
    ("probe-final", "*.final.mp4 -f framecrc*"),
    ("probe", "*-f framecrc*"),
    ("remux", "*-c copy -map 0 -movflags +faststart*"),
    ("re-encode", "*-err_detect ignore_err*"),
]


@dataclass
class WatchedFfmpeg:
    """The real ffmpeg behind a script (point ``CROSSCOACH_FFMPEG`` at ``script``).

    Each run is logged as ``<pid> <stage> <arguments>``. ``die(stage, n)`` makes the
    first ``n`` runs of a stage die of SIGKILL as they start (what the out-of-memory
    killer or a crash does); ``hold(stage)`` makes runs of a stage wait until
    ``release()``, so a test can act while, say, a take is being remuxed. The
    recording run also writes ffmpeg's own progress (``out_time_us=``) to
    ``progress``: how much had been recorded at any moment.
    """

    folder: Path
    real: str

    def __post_init__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.script = self.folder / "ffmpeg"
        self.log = self.folder / "runs.log"
        self.progress = self.folder / "progress.txt"
        self._hold = self.folder / "hold"
        self._dying: dict[str, int] = {}
        self._held: str | None = None
        self._write()

    def die(self, stage: str, times: int = 1) -> WatchedFfmpeg:
        self._dying[stage] = times
        self._write()
        return self

    def hold(self, stage: str) -> WatchedFfmpeg:
        self._held = stage
        self._hold.touch()
        self._write()
        return self

    def release(self) -> None:
        self._hold.unlink(missing_ok=True)

    def runs(self, stage: str | None = None) -> list[tuple[int, str, str]]:
        """(pid, stage, arguments) of every run so far, oldest first."""
        if not self.log.exists():
            return []
        found = []
        for line in self.log.read_text().splitlines():
            pid, kind, args = (line.split(" ", 2) + [""])[:3]
            if stage is None or kind == stage:
                found.append((int(pid), kind, args))
        return found

    def recorded_seconds(self) -> float:
        """The recording ffmpeg's latest progress: seconds written to the take so far."""
        text = self.progress.read_text() if self.progress.exists() else ""
        times = re.findall(r"out_time_us=(\d+)", text)
        return int(times[-1]) / 1e6 if times else 0.0

    def _write(self) -> None:
        cases = "\n".join(
            f"  {glob.replace(' ', chr(92) + ' ')}) stage={name};;" for name, glob in FFMPEG_STAGES
        )
        dying = "\n".join(f"  {name}) limit={times};;" for name, times in self._dying.items())
        self.script.write_text(
            f"""#!/bin/sh
stage=other
case "$*" in
{cases}
esac
echo "$$ $stage $*" >> "{self.log}"
limit=0
case "$stage" in
{dying or "  none) ;;"}
esac
i=1
while [ $i -le $limit ]; do
  if mkdir "{self.folder}/died-$stage-$i" 2>/dev/null; then kill -KILL $$; fi
  i=$((i + 1))
done
if [ "$stage" = "{self._held or "-"}" ]; then
  while [ -e "{self._hold}" ]; do sleep 0.02; done
fi
if [ "$stage" = record ]; then
  exec "{self.real}" -progress "{self.progress}" "$@"
fi
exec "{self.real}" "$@"
"""
        )
        self.script.chmod(0o755)


@pytest.fixture
def watched_ffmpeg(stage, tmp_path, monkeypatch) -> WatchedFfmpeg:
    """Every ffmpeg run of the test goes through a :class:`WatchedFfmpeg` (after ``stage``)."""
    real = shutil.which("ffmpeg")
    watched = WatchedFfmpeg(tmp_path / "watched-ffmpeg", real)
    monkeypatch.setenv("CROSSCOACH_FFMPEG", str(watched.script))
    yield watched
    watched.release()


def processes_recording_into(data_dir: Path) -> list[int]:
    """Process ids whose command line names ``data_dir``: CrossCoach and its ffmpeg runs."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue  # ended meanwhile
        if any(str(data_dir).encode() in a for a in args):
            found.append(int(cmdline.parent.name))
    return found


def kill_all_recording_into(data_dir: Path) -> None:
    """SIGKILL CrossCoach and its ffmpeg runs (which have their own process group) at
    once, like a power cut."""
    for pid in processes_recording_into(data_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
