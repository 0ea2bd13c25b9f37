"""Background sync for the open data folder (QtCore only, no widgets).

One sync at a time runs as a job in the media lane (app.ui.jobs): never beside a
recording or the recovery of one; a take someone starts asks a running sync to
stop at its next safe point, and the sync runs again after the take. Asking for
another sync while one runs queues exactly one follow-up, so a change saved
mid-sync still goes out. A timer syncs every few minutes while a remote is set
up, and ``local_change()`` syncs shortly after a submission or review was saved
(debounced, so a burst of saves makes one sync).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from app.core.errors import UserError
from app.core.logs import unexpected
from app.identity.context import AppContext
from app.sync.service import SyncReport, SyncService, SyncStatus
from app.ui.jobs import MEDIA, Cancelled, Job, JobManager
from app.ui.sync.wording import SyncView

log = logging.getLogger(__name__)

BACKGROUND_INTERVAL_MS = 5 * 60 * 1000
AFTER_CHANGE_MS = 5 * 1000
QUIT_WAIT_S = 60  # on quit, how long to let a sync reach its next safe point


@dataclass
class _Outcome:
    status: SyncStatus
    report: SyncReport | None = None
    failure: UserError | None = None
    preempted: bool = False  # a take started: this sync goes on after it


class _Relay(QObject):
    """Calls a page's reload after a sync that changed what it shows; it lives (and is
    disconnected) with the page, its parent."""

    def __init__(self, page: QObject, tables: tuple[str, ...], reload: Callable[[], None]):
        super().__init__(page)
        self.tables = tables
        self.reload = reload

    def check(self, report: SyncReport) -> None:
        if report.touched(*self.tables):
            self.reload()


class SyncController(QObject):
    """Owns the SyncService of one data folder and everything that starts a sync.

    ``changed`` fires whenever :meth:`view` would return something new;
    ``synced`` after a sync finished (pages may reload to show what arrived).
    """

    changed = Signal()
    synced = Signal(object)  # SyncReport
    failed = Signal(object)  # UserError

    def __init__(self, ctx: AppContext, jobs: JobManager, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.jobs = jobs
        self._job: Job | None = None
        self._again = False
        self._stopping = False
        self._view = SyncView(remote=self._spec())

        self.background = QTimer(self)
        self.background.setInterval(BACKGROUND_INTERVAL_MS)
        self.background.timeout.connect(self.sync_now)
        self.after_change = QTimer(self)
        self.after_change.setSingleShot(True)
        self.after_change.setInterval(AFTER_CHANGE_MS)
        self.after_change.timeout.connect(self.sync_now)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.remote_changed()

    # --- what the indicator reads -----------------------------------------------------------

    def view(self) -> SyncView:
        return self._view

    @property
    def running(self) -> bool:
        return self._job is not None

    def _spec(self) -> str | None:
        return self.ctx.settings.get("remote") or None

    def _update(self, **fields) -> None:
        self._view = replace(self._view, **fields)
        self.changed.emit()

    def on_arrival(self, page: QObject, tables: tuple[str, ...], reload: Callable[[], None]):
        """Call ``reload()`` after each sync that changed one of ``tables`` on this device
        (RECORDINGS: recordings arrived), as long as ``page`` lives."""
        self.synced.connect(_Relay(page, tables, reload).check)

    # --- what starts a sync -----------------------------------------------------------------

    def remote_changed(self) -> None:
        """Settings chose another remote (or none): restart the timer and count afresh."""
        spec = self._spec()
        self._update(remote=spec, status=None, report=None, failure=None)
        if spec:
            self.background.start()
            self._start(sync=False)  # count what waits, without contacting the remote
        else:
            self.background.stop()
            self.after_change.stop()

    def local_change(self) -> None:
        """Something other devices should get was saved: sync soon (debounced)."""
        if self._spec() and not self._stopping:
            self.after_change.start()

    def sync_now(self) -> bool:
        """Start a sync, or queue one follow-up if one is running; False without a remote."""
        self.after_change.stop()
        if not self._spec() or self._stopping:
            self._update(remote=self._spec())
            return False
        if self.running:
            self._again = True
            return True
        self._start(sync=True)
        return True

    def shutdown(self) -> None:
        """Stop the timers and let a running sync stop at its next safe point."""
        self._stopping = True
        self._again = False
        self.background.stop()
        self.after_change.stop()
        job = self._job
        if job is not None:
            job.cancel()
            if not job.wait(QUIT_WAIT_S):
                log.warning("a sync was still running when CrossCoach quit")

    # --- the worker -------------------------------------------------------------------------

    def _start(self, sync: bool) -> None:
        if self.running or self._stopping:
            self._again = self._again or sync
            return
        # The acting person's keys, read here on the GUI thread: their changes go out
        # signed with them (a locked app signs nothing; those changes wait).
        profile, keys = self.ctx.profile_or_none(), self.ctx.signer()
        signer = profile.id if profile is not None and keys is not None else None
        service = SyncService(
            self.ctx.db,
            self.ctx.settings,
            keys_for=lambda person: keys if person == signer else None,
        )
        remote = self._spec()

        def work(control) -> _Outcome:
            report = failure = None
            preempted = False
            try:
                if sync and remote:
                    report = service.sync(control.progress)
            except Cancelled:
                if self._stopping:
                    failure = UserError(
                        "The sync stopped because CrossCoach was closing.",
                        "Nothing was lost; the next sync picks up where this one stopped.",
                    )
                else:
                    preempted = True
            except UserError as err:
                failure = err
            except Exception as err:  # noqa: BLE001 - a bug must not kill the worker silently
                log.error("sync failed unexpectedly", exc_info=err)
                failure = UserError(
                    f"The sync stopped unexpectedly ({type(err).__name__}: {err}).",
                    f"Your changes wait on this device. {unexpected(err).hint}",
                )
            try:
                # After a good sync, ask the remote what is still waiting; otherwise count
                # locally only (an unreachable remote would just fail again).
                status = service.status(ask_remote=report is not None)
            except Exception as err:  # noqa: BLE001 - the indicator shows the sync's own outcome
                log.error("could not count waiting changes", exc_info=err)
                status = SyncStatus(remote, None, 0, None, None, str(err))
            return _Outcome(status, report, failure, preempted)

        job = Job(work, lane=MEDIA, yields=True)
        job.progress.connect(self._progress)
        job.succeeded.connect(self._finished)
        job.failed.connect(self._cancelled_before_start)
        self._job = job
        if sync:
            self._update(syncing=True, stage=None, done=0, total=0)
        self.jobs.start(job)

    def _cancelled_before_start(self, _err: BaseException) -> None:
        """The job was given up while it waited its turn (CrossCoach is closing)."""
        self._job = None
        self._update(syncing=False, stage=None)

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self._view.syncing:
            self._update(stage=stage, done=done, total=total)

    def _finished(self, outcome: _Outcome) -> None:
        self._job = None
        self._again = self._again or outcome.preempted
        fields = {"syncing": False, "stage": None, "status": outcome.status}
        if outcome.report is not None:
            fields.update(report=outcome.report, failure=None)
        elif outcome.failure is not None:
            fields["failure"] = outcome.failure
        self._update(**fields)
        if outcome.report is not None:
            self.synced.emit(outcome.report)
        elif outcome.failure is not None:
            self.failed.emit(outcome.failure)
        if self._again and not self._stopping:
            self._again = False
            self._start(sync=True)
