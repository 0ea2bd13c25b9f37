"""What the sync indicator says in each situation (plain functions, no window)."""

from __future__ import annotations

from datetime import timedelta

from app.core.clock import utcnow
from app.core.errors import UserError
from app.sync.service import SyncReport, SyncStatus
from app.ui.sync.wording import SyncView, ago, describe_remote, detail_lines, short_text

NOW = utcnow()
FOLDER = "folder:/mnt/team"


def status(last=None, up=0, down=None, size=None, error=None) -> SyncStatus:
    return SyncStatus(FOLDER, last, up, down, size, error)


def test_ago_reads_like_a_person_would_say_it():
    assert ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert ago(NOW - timedelta(minutes=2, seconds=30), NOW) == "2 min ago"
    assert ago(NOW - timedelta(hours=3), NOW) == "3 h ago"
    assert ago(NOW - timedelta(days=1, hours=2), NOW) == "yesterday"
    assert ago(NOW - timedelta(days=6), NOW) == "6 days ago"


def test_the_status_bar_line_for_each_situation():
    assert short_text(SyncView(remote=None)) == "Sync not set up"
    assert short_text(SyncView(remote=FOLDER)) == "Sync ready"
    assert short_text(SyncView(FOLDER, status=status(up=1))) == "Not synced yet · 1 change waiting"
    synced = status(last=NOW - timedelta(minutes=2))
    assert short_text(SyncView(FOLDER, status=synced), NOW) == "Synced 2 min ago"
    assert short_text(SyncView(FOLDER, syncing=True)) == "Syncing…"
    assert short_text(SyncView(FOLDER, syncing=True, stage="push")) == "Syncing… sending changes"
    media = SyncView(FOLDER, syncing=True, stage="media down", done=3, total=12)
    assert short_text(media) == "Syncing… receiving recordings 3 of 12"
    offline = UserError("The shared folder /mnt/team is not reachable.", "Connect the drive.")
    waiting = SyncView(FOLDER, status=status(up=4), failure=offline)
    assert short_text(waiting) == "Offline — 4 changes waiting"
    refused = UserError("The shared database refused a change your login may not make.")
    assert short_text(SyncView(FOLDER, status=status(), failure=refused)) == "Sync problem"


def test_an_error_recorded_by_an_earlier_session_still_shows_until_a_sync_finishes():
    earlier = SyncView(FOLDER, status=status(up=2, error="The shared folder is not reachable."))
    assert short_text(earlier) == "Offline — 2 changes waiting"
    after = SyncView(FOLDER, status=status(last=NOW, error="old"), report=SyncReport(remote=FOLDER))
    assert short_text(after, NOW) == "Synced just now"


def test_details_name_the_remote_and_what_waits_in_both_directions():
    view = SyncView(
        FOLDER,
        status=status(last=NOW - timedelta(minutes=5), up=3, down=7, size=48_000_000),
        report=SyncReport(remote=FOLDER, records_up=2, media_up=1, bytes_up=2_000_000),
    )
    rows = dict(detail_lines(view, NOW))
    assert rows["Remote"] == "Shared folder /mnt/team"
    assert rows["Last sync"].endswith("(5 min ago)")
    assert rows["Last sync moved"].startswith("Sent 2 change(s) and 1 recording(s)")
    assert rows["Waiting to send"] == "3 changes"
    assert rows["Waiting to receive"] == "7 changes"
    assert rows["Recordings to move"] == "48 MB"
    unknown = dict(detail_lines(SyncView(FOLDER, status=status()), NOW))
    assert unknown["Last sync"] == "never"
    assert unknown["Waiting to receive"] == "known after the next sync"
    database = "postgresql://ana@db.example.com:5433/coaching?sslmode=verify-full"
    assert describe_remote(database) == "Team database coaching on db.example.com:5433"
