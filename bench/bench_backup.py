"""Database health benchmark: what the check at every open and the daily backup cost.

Generates people, takes, submissions and comments into a fresh data folder,
then times, interleaved and as medians:

- opening the database as every command and the app do (``open_database``,
  which includes the health check's ``PRAGMA quick_check``), against the
  check alone;
- a backup (SQLite's online backup API, then ``quick_check`` on the copy),
  against a plain file copy of the same database (the baseline);
- ``crosscoach takes list`` in-process when today's backup exists, against the
  same command when it must make the day's backup first.

    python bench/bench_backup.py [--takes 20000] [--submissions 20000] [--comments 40000] [--runs 9]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

from app.bootstrap import open_context
from app.cli.main import run as cli
from app.core import backups, health
from app.core.clock import utcnow
from app.core.db import open_database
from app.core.ids import new_id
from app.core.models import SYNCED_MODELS, Comment, Person, Role, Scenario, Submission, Take


def stamps(device: str) -> dict:
    now = utcnow()
    return {"author_id": None, "device_id": device, "created_at": now, "updated_at": now,
            "version": "", "deleted": False}  # fmt: skip


def generate(ctx, n_takes: int, n_submissions: int, n_comments: int) -> None:
    rnd = random.Random(7)
    device = ctx.db.device_id
    with ctx.db.session() as s:
        scenarios = list(s.scalars(select(Scenario.id)))
    people = [{"id": new_id(), "name": f"Rep {i}", "role": Role.REP, "team_id": None,
               **stamps(device)} for i in range(200)]  # fmt: skip
    takes = [
        {"id": new_id(), "person_id": rnd.choice(people)["id"],
         "scenario_id": rnd.choice(scenarios), "assignment_id": None, "attempt": 1 + i % 3,
         "sha256": f"{i:064x}", "size_bytes": 3_600_000, "duration_seconds": 60.0,
         "width": 1280, "height": 720, "recovered": False, "recorded_at": utcnow(),
         "check_warnings": []}
        for i in range(n_takes)
    ]  # fmt: skip
    submissions = [
        {"id": new_id(), "person_id": rnd.choice(people)["id"],
         "scenario_id": rnd.choice(scenarios), "assignment_id": None, "take_id": None,
         "sha256": f"{i:064x}", "size_bytes": 3_600_000, "duration_seconds": 60.0,
         "width": 1280, "height": 720, "note": "", "self_scores": {},
         "decision_reason": "", "submitted_at": utcnow(), **stamps(device)}
        for i in range(n_submissions)
    ]  # fmt: skip
    comments = [
        {"id": new_id(), "submission_id": rnd.choice(submissions)["id"],
         "at_seconds": rnd.uniform(0, 60), "text": "Good bridge to the headset, slow down here.",
         "preset": "", "color": "", **stamps(device)}
        for _ in range(n_comments)
    ]  # fmt: skip
    with ctx.db.session() as s:
        for model, rows in [(Person, people), (Take, takes), (Submission, submissions),
                            (Comment, comments)]:  # fmt: skip
            s.execute(insert(model), rows)


def records(ctx) -> int:
    with ctx.db.session() as s:
        return sum(s.scalar(select(func.count()).select_from(m)) for m in (*SYNCED_MODELS, Take))


def median_ms(fn, runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``fn`` after one warm-up call."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takes", type=int, default=20000)
    parser.add_argument("--submissions", type=int, default=20000)
    parser.add_argument("--comments", type=int, default=40000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="crosscoach-bench-") as tmp:
        root = Path(tmp) / "data"
        ctx = open_context(root)
        generate(ctx, args.takes, args.submissions, args.comments)
        n = records(ctx)
        ctx.close()
        paths = ctx.paths
        size = paths.database.stat().st_size
        print(f"database: {n:,} records, {size / 1e6:.1f} MB")

        def open_close():
            open_database(paths).close()

        def copy_file():
            shutil.copyfile(paths.database, Path(tmp) / "plain-copy.db")

        def backup():
            made = backups.make_backup(paths)
            made.path.unlink()

        def command(with_backup: bool):
            def call():
                if with_backup:
                    for b in backups.list_backups(paths):
                        b.path.unlink()
                with contextlib.redirect_stdout(io.StringIO()):
                    assert cli(["--data-dir", str(root), "--as", "Rep 1", "takes", "list"]) == 0

            return call

        rows = [
            ("health check alone (quick_check)", median_ms(lambda: health.check(paths), args.runs)),
            ("open_database (check + migrations + clock)", median_ms(open_close, args.runs)),
            ("plain file copy (baseline)", median_ms(copy_file, args.runs)),
            ("backup: online API + quick_check of the copy", median_ms(backup, args.runs)),
            ("`takes list`, today's backup exists", median_ms(command(False), args.runs)),
            ("`takes list`, makes the day's backup first", median_ms(command(True), args.runs)),
        ]
        print(f"{'measure':<46} {'wall ms':>8} {'CPU ms':>7}")
        for label, (wall, cpu) in rows:
            print(f"{label:<46} {wall:>8.1f} {cpu:>7.1f}")
        (check, _), (opened, _), (plain, _), (copy, _), (cmd, _), (first, _) = (r for _, r in rows)
        print(f"check / open: {check / opened:.2f}; backup / plain copy: {copy / plain:.1f}x; "
              f"first command of the day / other commands: {first / cmd:.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
