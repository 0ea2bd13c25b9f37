"""The one background-job idiom (app.ui.jobs): results on the GUI thread, one job at a
time per lane, a take that goes first and pauses a running sync, which then runs again."""

from __future__ import annotations

import threading
import time

import pytest

from app.sync.service import SyncService
from app.ui.jobs import MEDIA, Cancelled, Job, JobManager
from app.ui.state import AppState

WAIT_MS = 20_000  # generous for a busy machine; never asserted as a time


class Timeline:
    """Who ran when, written from the worker threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.events: list[tuple[str, str]] = []
        self.inside: set[str] = set()
        self.overlaps: list[tuple[str, set[str]]] = []

    def job(self, name: str, seconds: float = 0.05):
        def work(control):
            with self.lock:
                if self.inside:
                    self.overlaps.append((name, set(self.inside)))
                self.inside.add(name)
                self.events.append(("start", name))
            time.sleep(seconds)
            with self.lock:
                self.inside.discard(name)
                self.events.append(("end", name))
            return name

        return work


@pytest.fixture
def jobs(qapp):
    manager = JobManager()
    yield manager
    manager.wait(WAIT_MS)


def test_results_and_progress_arrive_on_the_gui_thread(jobs, qtbot):
    gui = threading.get_ident()
    seen = {}

    def work(control):
        control.progress("copy", 1, 2)
        return threading.get_ident()

    job = Job(work)
    job.progress.connect(lambda *a: seen.setdefault("progress", (a, threading.get_ident())))
    job.succeeded.connect(lambda worker: seen.update(worker=worker, on=threading.get_ident()))
    with qtbot.waitSignal(job.finished, timeout=WAIT_MS):
        jobs.start(job)
    assert seen["progress"] == (("copy", 1, 2), gui)
    assert seen["worker"] != gui and seen["on"] == gui


def test_a_failure_reaches_the_gui_thread_as_it_was(jobs, qtbot):
    failures = []
    job = Job(lambda _c: 1 / 0)
    job.failed.connect(failures.append)
    with qtbot.waitSignal(job.finished, timeout=WAIT_MS):
        jobs.start(job)
    assert [type(f) for f in failures] == [ZeroDivisionError]


def test_jobs_in_one_lane_never_overlap_and_keep_their_order(jobs, qtbot):
    timeline = Timeline()
    started = [jobs.start(Job(timeline.job(n), lane=MEDIA)) for n in ("a", "b", "c")]
    free = jobs.start(Job(timeline.job("free", 0.02)))  # no lane: runs beside them
    qtbot.waitUntil(lambda: not jobs.busy(MEDIA) and free.wait(0), timeout=WAIT_MS)
    assert all(job.wait(0) for job in started)
    in_lane = [e for e in timeline.events if e[1] != "free"]
    assert in_lane == [("start", "a"), ("end", "a"), ("start", "b"), ("end", "b"),
                       ("start", "c"), ("end", "c")]  # fmt: skip
    assert all(name == "free" or "free" in others for name, others in timeline.overlaps)


def test_an_urgent_job_goes_first_and_pauses_one_that_yields(jobs, qtbot):
    order, outcomes = [], {}

    def long_sync(control):
        order.append("sync")
        for done in range(10_000):
            control.progress("push", done, 10_000)  # a safe point: stops here when asked
            time.sleep(0.005)
        return "finished"

    sync = Job(long_sync, lane=MEDIA, yields=True)
    sync.failed.connect(lambda err: outcomes.setdefault("sync", type(err)))
    jobs.start(sync)
    qtbot.waitUntil(lambda: order == ["sync"], timeout=WAIT_MS)
    queued = Job(lambda _c: order.append("queued"), lane=MEDIA)
    take = Job(lambda _c: order.append("take"), lane=MEDIA, urgent=True)
    jobs.start(queued)
    with qtbot.waitSignal(take.finished, timeout=WAIT_MS):
        jobs.start(take)
    assert outcomes["sync"] is Cancelled
    qtbot.waitUntil(lambda: not jobs.busy(MEDIA), timeout=WAIT_MS)
    assert order == ["sync", "take", "queued"]


def test_a_job_given_up_before_its_turn_never_runs(jobs, qtbot):
    ran, failures = [], []
    first = jobs.start(Job(lambda _c: time.sleep(0.2), lane=MEDIA))
    waiting = Job(lambda _c: ran.append("waiting"), lane=MEDIA)
    waiting.failed.connect(failures.append)
    jobs.start(waiting)
    waiting.cancel()
    assert waiting.wait(0)  # nothing to wait for: it never started
    with qtbot.waitSignal(waiting.finished, timeout=WAIT_MS):
        pass
    assert first.wait(1) and ran == [] and [type(f) for f in failures] == [Cancelled]


def test_a_running_sync_pauses_for_a_take_and_runs_again_after(ctx, qtbot, monkeypatch, tmp_path):
    """The sync controller's job yields to a take in the media lane: no failure is shown,
    and the sync runs again once the take is done."""
    share = tmp_path / "share"
    share.mkdir()
    ctx.settings.set("remote", f"folder:{share}")
    runs, stopped = [], threading.Event()

    def slow_sync(self, progress=None, recordings=True):
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            try:
                while True:
                    progress("push", 1, 2)
                    time.sleep(0.005)
            finally:
                stopped.set()
        return real_sync(self, progress, recordings)

    real_sync = SyncService.sync
    monkeypatch.setattr(SyncService, "sync", slow_sync)
    state = AppState(ctx)
    try:
        qtbot.waitUntil(lambda: not state.sync.running, timeout=WAIT_MS)  # the first count
        state.sync.sync_now()
        qtbot.waitUntil(lambda: runs == [1], timeout=WAIT_MS)
        during = []
        take = Job(lambda _c: during.append(stopped.is_set()), lane=MEDIA, urgent=True)
        with qtbot.waitSignal(state.sync.synced, timeout=WAIT_MS):
            state.jobs.start(take)
        assert during == [True]  # the take ran only once the sync had stopped
        assert runs == [1, 2]  # and the sync ran again after it
        assert state.sync.view().failure is None
    finally:
        state.sync.shutdown()


def test_a_page_reloads_only_when_a_sync_changed_what_it_shows(ctx, qtbot):
    from PySide6.QtCore import QObject

    from app.sync.service import RECORDINGS, SyncReport

    state = AppState(ctx)
    try:
        page = QObject()
        reloads = []
        state.sync.on_arrival(page, ("reviews", RECORDINGS), lambda: reloads.append(1))
        state.sync.synced.emit(SyncReport("folder:/x", changed=["roster", "people"]))
        assert reloads == []
        state.sync.synced.emit(SyncReport("folder:/x", changed=["reviews"]))
        state.sync.synced.emit(SyncReport("folder:/x", changed=[RECORDINGS]))
        assert reloads == [1, 1]
        with qtbot.waitSignal(page.destroyed, timeout=WAIT_MS):
            page.deleteLater()
        state.sync.synced.emit(SyncReport("folder:/x", changed=["reviews"]))
        assert reloads == [1, 1]  # gone with its page
    finally:
        state.sync.shutdown()
