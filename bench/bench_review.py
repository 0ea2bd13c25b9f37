"""Review benchmark: the queue and the monthly leaderboard on a large SQLite database.

Fills a fresh data folder with N submissions (default 10,000), ten comments
each (100,000) and about 1.3 reviews per reviewed submission spread over a
year, then times, as the median of several runs and each beside a baseline
measured in the same run:

- filling the review queue (``load_queue`` over every submission: rows built,
  counts per status) vs a bare ``SELECT`` of the submissions table;
- the monthly leaderboard (``leaderboard``) vs a bare aggregate query of the
  month's review points per rep, and a bare scan of the month's reviews.

Run from the repository root::

    python bench/bench_review.py [--submissions 10000] [--comments-per 10] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.bootstrap import open_context  # noqa: E402
from app.core.ids import new_id  # noqa: E402
from app.core.models import (  # noqa: E402
    Comment,
    Decision,
    Person,
    Review,
    Role,
    Scenario,
    Submission,
    SubmissionStatus,
    Team,
)
from app.review.comments import PRESETS  # noqa: E402
from app.review.leaderboard import leaderboard  # noqa: E402
from app.review.queue import QueueFilter, load_queue  # noqa: E402
from app.scenarios.rubrics import scenario_criteria  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
MONTH = "2026-06"
STATUSES = list(SubmissionStatus)


def _stamped(**values) -> dict:
    now = datetime.now(UTC)
    return {
        "id": new_id(),
        "author_id": None,
        "device_id": "bench",
        "created_at": now,
        "updated_at": now,
        "version": "",
        "deleted": False,
        **values,
    }


def fill(ctx, submissions: int, comments_per: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    with ctx.db.session() as s:
        scenario_ids = list(s.scalars(select(Scenario.id).where(Scenario.deleted.is_(False))))
        if not scenario_ids:
            raise SystemExit("the built-in pack has no scenarios to practise")
        criteria = {sid: scenario_criteria(s, sid) for sid in scenario_ids}
    teams = [_stamped(name=f"Team {n:02d}") for n in range(10)]
    reps = [
        _stamped(name=f"Rep {n:03d}", role=Role.REP, team_id=teams[n % 10]["id"])
        for n in range(200)
    ]
    trainers = [_stamped(name=f"Trainer {n}", role=Role.TRAINER, team_id=None) for n in range(5)]
    subs, reviews, notes = [], [], []
    for _ in range(submissions):
        scenario = rng.choice(scenario_ids)
        submitted = START + timedelta(seconds=rng.randrange(365 * 86400))
        status = rng.choice(STATUSES)
        sub = _stamped(
            person_id=rng.choice(reps)["id"],
            scenario_id=scenario,
            assignment_id=None,
            take_id=None,
            sha256=f"{rng.getrandbits(256):064x}",
            size_bytes=rng.randrange(1_000_000, 50_000_000),
            duration_seconds=rng.uniform(20, 600),
            width=1280,
            height=720,
            note="",
            self_scores={},
            status=status,
            decision_reason="",
            submitted_at=submitted,
        )
        subs.append(sub)
        if status is not SubmissionStatus.NEW:
            for trainer in rng.sample(trainers, 1 if rng.random() < 0.7 else 2):
                scores = {c.key: rng.randint(0, c.max_score) for c in criteria[scenario]}
                reviews.append(
                    _stamped(
                        submission_id=sub["id"],
                        reviewer_id=trainer["id"],
                        scores=scores,
                        total_points=round(rng.uniform(20, 100), 1),
                        feedback="",
                        decision=Decision.NONE,
                        reviewed_at=submitted + timedelta(hours=rng.randrange(1, 96)),
                    )
                )
        for _ in range(comments_per):
            preset = rng.choice(PRESETS)
            notes.append(
                _stamped(
                    submission_id=sub["id"],
                    at_seconds=rng.uniform(0, sub["duration_seconds"]),
                    text="",
                    preset=preset.name,
                    color=preset.color,
                )
            )
    with ctx.db.session() as s:
        for model, rows in (
            (Team, teams),
            (Person, reps + trainers),
            (Submission, subs),
            (Review, reviews),
            (Comment, notes),
        ):
            s.execute(insert(model), rows)
    with ctx.db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    return {"submissions": len(subs), "reviews": len(reviews), "comments": len(notes)}


def timed_ms(action, runs: int) -> tuple[float, float, float]:
    """Median wall, fastest wall and median CPU time of ``runs`` calls, in ms.

    CPU time suffers less than wall time when other jobs share the cores.
    """
    action()  # warm the caches once, as a page opened before would
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--comments-per", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="crosscoach-bench-") as folder:
        ctx = open_context(Path(folder) / "data")
        try:
            started = time.perf_counter()
            counts = fill(ctx, args.submissions, args.comments_per)
            print(
                f"filled {counts['submissions']} submissions, {counts['reviews']} reviews, "
                f"{counts['comments']} comments in {time.perf_counter() - started:.1f} s"
            )
            everything = QueueFilter(statuses=())

            def queue():
                with ctx.db.session() as s:
                    return load_queue(s, everything)

            def awaiting():
                with ctx.db.session() as s:
                    return load_queue(s, QueueFilter())

            def bare_select():
                with ctx.db.engine.connect() as conn:
                    return conn.execute(
                        text(
                            "SELECT id, person_id, scenario_id, submitted_at, duration_seconds,"
                            " status FROM submissions WHERE deleted = 0"
                        )
                    ).fetchall()

            def board():
                with ctx.db.session() as s:
                    return leaderboard(s, MONTH)

            def bare_aggregate():
                with ctx.db.engine.connect() as conn:
                    return conn.execute(
                        text(
                            "SELECT s.person_id, sum(r.total_points) FROM reviews r"
                            " JOIN submissions s ON s.id = r.submission_id"
                            " WHERE r.reviewed_at >= :a AND r.reviewed_at < :b"
                            " GROUP BY s.person_id"
                        ),
                        {"a": "2026-06-01 00:00:00.000000", "b": "2026-07-01 00:00:00.000000"},
                    ).fetchall()

            def bare_scan():
                with ctx.db.engine.connect() as conn:
                    return conn.execute(
                        text(
                            "SELECT submission_id, total_points FROM reviews"
                            " WHERE reviewed_at >= :a AND reviewed_at < :b"
                        ),
                        {"a": "2026-06-01 00:00:00.000000", "b": "2026-07-01 00:00:00.000000"},
                    ).fetchall()

            rows = len(queue().rows)
            entries = len(board().entries)
            results = [
                (f"queue filled ({rows} rows)", timed_ms(queue, args.runs)),
                (
                    f"queue, default filter ({len(awaiting().rows)} new or in review)",
                    timed_ms(awaiting, args.runs),
                ),
                ("baseline: bare SELECT of submissions", timed_ms(bare_select, args.runs)),
                (f"leaderboard {MONTH} ({entries} reps)", timed_ms(board, args.runs)),
                ("baseline: bare aggregate of the month", timed_ms(bare_aggregate, args.runs)),
                ("baseline: bare scan of the month's reviews", timed_ms(bare_scan, args.runs)),
            ]
        finally:
            ctx.close()
    print(
        f"\n| measure ({args.runs} runs) | wall median ms | wall fastest ms | CPU median ms |"
        "\n|---|---:|---:|---:|"
    )
    for name, (median, fastest, cpu) in results:
        print(f"| {name} | {median:.1f} | {fastest:.1f} | {cpu:.1f} |")
    print(
        f"\nwall (CPU) median ratios: queue / bare select "
        f"{results[0][1][0] / results[2][1][0]:.1f}x ({results[0][1][2] / results[2][1][2]:.1f}x); "
        f"leaderboard / bare aggregate "
        f"{results[3][1][0] / results[4][1][0]:.1f}x ({results[3][1][2] / results[4][1][2]:.1f}x)"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
