"""Background jobs: the one way CrossCoach runs slow work off the GUI thread.

A :class:`Job` runs a plain function (no widgets) on a worker thread. The function
gets a :class:`JobControl`: it reports progress through it and, at its safe points,
learns that it was asked to stop (``control.check()`` raises :class:`Cancelled`).
Progress, the result and the error arrive on the GUI thread as the job's signals.

A :class:`JobManager` runs the jobs. Jobs in the same *lane* never overlap: the
camera's take, the start-up recovery of interrupted takes and the sync share the
:data:`MEDIA` lane, because on a two-core laptop a sync copying recordings while
ffmpeg encodes drops frames, and a recovery must not finalize beside a live take.
A job that must not wait (``urgent``: the take someone just started) goes first in
its lane and asks a job that ``yields`` (a sync) to stop at its next safe point; the
sync then runs again after it. Jobs without a lane start at once.

Example::

    job = Job(lambda control: import_pack(path, control.progress), lane=None)
    job.succeeded.connect(show_result)
    job.failed.connect(show_problem)
    state.jobs.start(job)
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

MEDIA = "media"  # recording, recovery, sync: one at a time
THREADS = 6  # a take, its stop, a sync or recovery, and quick tasks beside them


class Cancelled(Exception):
    """Raised in a job's function at a safe point after it was asked to stop."""


class JobControl:
    """What a job's function holds: progress reporting and the stop request."""

    def __init__(self, job: Job):
        self._job = job

    @property
    def cancelled(self) -> bool:
        return self._job._cancel.is_set()

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled

    def progress(self, stage: str, done: int, total: int) -> None:
        """Report progress (a safe point too: raises Cancelled when asked to stop)."""
        self.check()
        self._job.progress.emit(stage, done, total)


class Job(QObject):
    """One piece of background work. Signals arrive on the GUI thread; ``finished``
    fires after ``succeeded`` or ``failed`` (``Cancelled`` is a failure too)."""

    progress = Signal(str, int, int)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    finished = Signal()

    def __init__(
        self,
        work: Callable[[JobControl], Any],
        *,
        lane: str | None = None,
        urgent: bool = False,
        yields: bool = False,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.work = work
        self.lane = lane
        self.urgent = urgent
        self.yields = yields
        self._cancel = threading.Event()
        self._done = threading.Event()  # set on the worker thread: quitting can wait for it
        self.started = False

    def cancel(self) -> None:
        """Ask the function to stop at its next safe point (a queued job never starts)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout_s: float) -> bool:
        """Block until the function returned (True), or the time is up (False). A job that
        never started counts as done."""
        return not self.started or self._done.wait(timeout_s)

    def _run(self) -> None:  # on the worker thread
        try:
            result = self.work(JobControl(self))
        except BaseException as err:  # noqa: BLE001 - every failure reaches the GUI thread
            self._done.set()
            self.failed.emit(err)
        else:
            self._done.set()
            self.succeeded.emit(result)
        self.finished.emit()


class _Runner(QRunnable):
    def __init__(self, job: Job):
        super().__init__()
        self.job = job

    def run(self) -> None:
        self.job._run()


class JobManager(QObject):
    """Starts jobs on its own threads, one at a time per lane."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(THREADS)
        self._running: dict[str, Job] = {}
        self._waiting: dict[str, deque[Job]] = {}
        self._alive: set[Job] = set()  # referenced until they report

    def start(self, job: Job) -> Job:
        self._alive.add(job)
        job.finished.connect(lambda: self._finished(job))
        lane = job.lane
        if lane is None or lane not in self._running:
            self._run(job)
            return job
        queue = self._waiting.setdefault(lane, deque())
        if job.urgent:
            queue.appendleft(job)
            if self._running[lane].yields:
                self._running[lane].cancel()
        else:
            queue.append(job)
        return job

    def busy(self, lane: str) -> bool:
        return lane in self._running

    def running(self, lane: str) -> Job | None:
        return self._running.get(lane)

    def wait(self, timeout_ms: int) -> bool:
        """Wait for every started job (quitting); True when all are done."""
        return self._pool.waitForDone(timeout_ms)

    def _run(self, job: Job) -> None:
        if job.lane is not None:
            self._running[job.lane] = job
        job.started = True
        self._pool.start(_Runner(job))

    def _finished(self, job: Job) -> None:
        self._alive.discard(job)
        lane = job.lane
        if lane is None or self._running.get(lane) is not job:
            return
        del self._running[lane]
        queue = self._waiting.get(lane)
        while queue:
            following = queue.popleft()
            if following.cancelled:  # given up before it started
                self._alive.discard(following)
                following.failed.emit(Cancelled())
                following.finished.emit()
                continue
            self._run(following)
            break


_quick: JobManager | None = None


def quick_jobs() -> JobManager:
    """The process's manager for short jobs without a lane (imports, exports, checks)."""
    global _quick
    if _quick is None:
        _quick = JobManager()
    return _quick
