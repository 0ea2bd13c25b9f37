"""One take, one ffmpeg process: start, watch, preview, stop.

Plain Python, so the CLI, the tests, the benchmark and the GUI's controller
all drive the same code. Two threads per take keep ffmpeg from ever waiting
on us: one drains stderr (progress and errors), one reads the preview pipe
and keeps only the newest frame, so a busy UI cannot slow the recording down.
"""

from __future__ import annotations

import collections
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import UserError
from app.recorder import commands
from app.recorder.commands import Encoding, PreviewFormat
from app.recorder.devices import Source
from app.recorder.ffmpeg_tools import FfmpegInfo
from app.recorder.sidecar import Sidecar, release_take_lock, remove_leftovers, take_lock

STOP_GRACE_SECONDS = 5.0
DEFAULT_PREVIEW = PreviewFormat()
# How long past its time limit a take may run before it is stopped as stuck.
OVERRUN_SECONDS = 10.0


@dataclass(frozen=True)
class RecordingProgress:
    frame: int = 0
    seconds: float = 0.0
    dropped: int = 0
    duplicated: int = 0
    speed: float | None = None


@dataclass(frozen=True)
class PreviewFrame:
    """A small bgr24 picture of what is being recorded (row-major, 3 bytes a pixel)."""

    index: int
    width: int
    height: int
    data: bytes


@dataclass
class RecordingResult:
    sidecar: Sidecar
    fragment: Path
    exit_code: int
    stopped_by: str  # "limit", "user", "source-ended" or "error"
    problem: str | None  # plain words when the take did not end as asked
    progress: RecordingProgress
    first_frame_seconds: float | None
    ffmpeg_log: list[str] = field(default_factory=list)


class RecordingObserver:
    """Override what you need; every call comes from a recording thread."""

    def first_frame(self, seconds_since_start: float) -> None: ...

    def progress(self, progress: RecordingProgress) -> None: ...

    def error(self, message: str) -> None: ...

    def finished(self, result: RecordingResult) -> None: ...


_PROGRESS = re.compile(r"frame=\s*(\d+).*?time=\s*(-?[\d:.]+)")
_FIELDS = {
    "dropped": re.compile(r"drop=\s*(\d+)"),
    "duplicated": re.compile(r"dup=\s*(\d+)"),
}
_SPEED = re.compile(r"speed=\s*([\d.]+)x")


def parse_progress(line: str) -> RecordingProgress | None:
    """A ``frame=... time=... drop=... speed=...`` status line, or None."""
    m = _PROGRESS.search(line)
    if not m:
        return None
    counts = {k: int(r.search(line).group(1)) if r.search(line) else 0 for k, r in _FIELDS.items()}
    speed = _SPEED.search(line)
    return RecordingProgress(
        frame=int(m.group(1)),
        seconds=_clock_seconds(m.group(2)),
        speed=float(speed.group(1)) if speed else None,
        **counts,
    )


def _clock_seconds(text: str) -> float:
    if text.startswith("-"):
        return 0.0
    total = 0.0
    for part in text.split(":"):
        total = total * 60 + float(part)
    return total


DISK_FULL = "The disk is full."

# ffmpeg's words -> ours. The first match in the log wins, newest line first.
_PROBLEMS = [
    ("No space left on device", DISK_FULL),
    ("Disk quota exceeded", DISK_FULL),
    ("Device or resource busy", "The camera or microphone is in use by another program."),
    ("No such device", "The camera or microphone was unplugged."),
    ("Input/output error", "The camera or microphone stopped working (unplugged?)."),
    ("Permission denied", "CrossCoach is not allowed to use the device or the file."),
    ("Invalid data found when processing input", "The source is not a video ffmpeg can read."),
    ("No such file or directory", "The camera, microphone or file is not there."),
]


def explain_ffmpeg_log(lines: list[str], exit_code: int = 1) -> str:
    for line in reversed(lines):
        for needle, words in _PROBLEMS:
            if needle in line:
                return words
    if exit_code < 0:
        return f"ffmpeg was stopped from outside CrossCoach (signal {-exit_code})."
    last = next((ln for ln in reversed(lines) if "error" in ln.lower()), "")
    return f"ffmpeg stopped with an error ({last.strip()})." if last else "ffmpeg stopped."


class Recording:
    """A take being recorded. ``start()``, then ``stop()`` or let the limit end it; ``wait()``."""

    def __init__(
        self,
        ffmpeg: FfmpegInfo,
        source: Source,
        encoding: Encoding,
        folder: Path,
        sidecar: Sidecar,
        observer: RecordingObserver | None = None,
        preview: PreviewFormat | None = DEFAULT_PREVIEW,
    ):
        self.ffmpeg = ffmpeg
        self.source = source
        self.encoding = encoding
        self.folder = folder
        self.sidecar = sidecar
        self.observer = observer or RecordingObserver()
        self.preview_format = preview
        self.fragment = sidecar.fragment(folder)
        self._lock = take_lock(folder, sidecar.take_id)
        self._proc: subprocess.Popen | None = None
        self._threads: list[threading.Thread] = []
        self._log: collections.deque[str] = collections.deque(maxlen=60)
        self._progress = RecordingProgress()
        self._preview: PreviewFrame | None = None
        self._guard = threading.Lock()
        self._started_at = 0.0
        self._first_frame: float | None = None
        self._stopped_by_user = False
        self._stuck = False
        self._result: RecordingResult | None = None

    # --- control -----------------------------------------------------------

    def command(self) -> list[str]:
        return commands.record_command(
            self.ffmpeg.path,
            self.source.inputs,
            self.encoding,
            self.fragment,
            self.sidecar.seconds,
            self.preview_format,
            self.source.fit_frame,
        )

    def start(self) -> None:
        """Start ffmpeg. The take's lock is held from here until :meth:`release`."""
        argv = self.command()
        if not self._lock.acquire():
            raise RuntimeError(f"take {self.sidecar.take_id} is already being recorded")
        self.sidecar.write(self.folder)
        # ffmpeg in its own process group: Ctrl+C, a closed terminal (SIGHUP, which
        # ffmpeg 5 dies of) or Ctrl+Break reach only us, and we stop it cleanly with q.
        if sys.platform.startswith("win"):
            group = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        else:
            group = {"process_group": 0}
        self._started_at = time.monotonic()
        try:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE if self.preview_format else subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                **group,
            )
        except OSError as exc:
            remove_leftovers(self.folder, self.sidecar.take_id)  # nothing was recorded
            self.release()
            raise UserError(
                f"ffmpeg could not be started ({exc.strerror or exc}).",
                "Run crosscoach doctor to check the ffmpeg installation.",
            ) from exc
        readers = [self._read_stderr]
        if self.preview_format:
            readers.append(self._read_preview)
        for target in readers:
            thread = threading.Thread(target=target, name=f"take-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Ask ffmpeg to finish the file (``q``), then interrupt it, then kill it."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        self._stopped_by_user = True
        try:
            proc.stdin.write(b"q")
            proc.stdin.flush()
        except OSError:
            pass  # ffmpeg is already going away
        if _waited(proc, grace):
            return
        if sys.platform.startswith("win"):
            proc.send_signal(signal.CTRL_BREAK_EVENT)  # needs CREATE_NEW_PROCESS_GROUP
        else:
            proc.terminate()  # ffmpeg treats SIGTERM like q: it still writes the trailer
        if not _waited(proc, grace):
            proc.kill()

    def wait(self) -> RecordingResult:
        """Block until ffmpeg has ended; stops a take stuck past its time limit."""
        if self._result is not None:
            return self._result
        proc = self._proc
        limit = self.sidecar.seconds
        deadline = None if not limit else self._started_at + limit + OVERRUN_SECONDS
        while proc.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                self._stuck = True  # the source went quiet without ending the input
                self.stop()
            else:
                _waited(proc, 0.2)
        for thread in self._threads:
            thread.join()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        self._result = self._conclude(proc.returncode)
        if self._result.problem:
            self.observer.error(self._result.problem)
        self.observer.finished(self._result)
        return self._result

    def release(self) -> None:
        """Let go of the take's lock: the take is stored, or left for recovery."""
        release_take_lock(self._lock)

    # --- what the UI polls ----------------------------------------------------

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def progress(self) -> RecordingProgress:
        return self._progress

    @property
    def first_frame_seconds(self) -> float | None:
        return self._first_frame

    def latest_preview(self) -> PreviewFrame | None:
        with self._guard:
            return self._preview

    # --- threads ----------------------------------------------------------------

    def _read_stderr(self) -> None:
        pending = b""
        stream = self._proc.stderr
        while chunk := stream.read1(4096):
            pending += chunk
            *lines, pending = re.split(rb"[\r\n]", pending)
            for raw in lines:
                self._take_line(raw.decode("utf-8", "replace").strip())
        self._take_line(pending.decode("utf-8", "replace").strip())

    def _take_line(self, line: str) -> None:
        if not line:
            return
        progress = parse_progress(line)
        if progress is None:
            self._log.append(line)
            return
        self._progress = progress
        self.observer.progress(progress)

    def _read_preview(self) -> None:
        size = self.preview_format.frame_bytes
        stream = self._proc.stdout
        index = 0
        while True:
            data = stream.read(size)  # a buffered read returns a whole frame or EOF
            if len(data) < size:
                return
            if index == 0:
                self._first_frame = time.monotonic() - self._started_at
                self.observer.first_frame(self._first_frame)
            frame = PreviewFrame(index, self.preview_format.width, self.preview_format.height, data)
            with self._guard:
                self._preview = frame
            index += 1

    # --- the outcome --------------------------------------------------------------

    def _conclude(self, exit_code: int) -> RecordingResult:
        log = list(self._log)
        limit = self.sidecar.seconds
        recorded = self._progress.seconds
        problem = None
        source_ended = (
            f"The camera or microphone stopped sending after {recorded:.1f} s "
            "(unplugged, or taken by another program)."
        )
        if self._stuck:
            stopped_by, problem = "source-ended", source_ended
        elif self._stopped_by_user:
            stopped_by = "user"
        elif exit_code != 0:
            stopped_by = "error"
            problem = explain_ffmpeg_log(log, exit_code)
        elif limit and recorded < limit - 1.0:
            stopped_by, problem = "source-ended", source_ended
        else:
            stopped_by = "limit"
        return RecordingResult(
            self.sidecar,
            self.fragment,
            exit_code,
            stopped_by,
            problem,
            self._progress,
            self._first_frame,
            log,
        )


def _waited(proc: subprocess.Popen, seconds: float) -> bool:
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        return False
    return True
