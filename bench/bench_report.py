"""Report benchmark: writing one rep's PDF coaching report (``crosscoach report``).

Builds a coaching report in memory (one rep, N reviews over a quarter scored on
three criteria, feedback on every other review, two comments per review, names
with accents and a Polish Ł), then times, each beside a baseline measured in the
same run:

- **warm**, in this process after one warm-up: ``write_report_pdf`` vs
  ``write_scores_csv`` of the same rows (the same export checks, temporary file,
  flush and rename, without the layout);
- **cold**, the first report in a fresh Python process, as one
  ``crosscoach report`` makes it (imports, fonts and any application object
  included) vs a fresh process writing the CSV of the same rows.

Run from the repository root::

    python bench/bench_report.py [--reviews 20] [--runs 15] [--cold-runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.models import Decision, Role  # noqa: E402
from app.review.scores import ScoreRow  # noqa: E402
from app.review.scoring import Criterion  # noqa: E402

CRITERIA = (
    Criterion("discovery", "Discovery questions", 2.0, 5),
    Criterion("benefit", "Benefit explained", 1.0, 5),
    Criterion("close", "Asked for the sale", 1.0, 10),
)
START = datetime(2026, 10, 1, 9, tzinfo=UTC)
REVIEWERS = ("Łukasz Nowak", "Tom Trainer", "Márta Szűcs")


def rows(n: int) -> list[ScoreRow]:
    out = []
    for i in range(n):
        scores = {c.key: (i * (k + 3)) % (c.max_score + 1) for k, c in enumerate(CRITERIA)}
        out.append(
            ScoreRow(
                review_id=f"r{i}",
                submission_id=f"s{i}",
                rep_id="rep",
                rep_name="Zoë Ångström",
                team="Nord-Süd",
                scenario_key=f"scenario-{i % 4}",
                scenario_title=f"Crédit immobilier, scénario {i % 4}",
                reviewer_name=REVIEWERS[i % 3],
                reviewed_at=START + timedelta(hours=36 * i),
                scores=scores,
                points=round(
                    sum(scores[c.key] / c.max_score * c.weight for c in CRITERIA) / 4 * 100, 1
                ),
                decision=(Decision.APPROVE, Decision.RETAKE, Decision.NONE)[i % 3],
                feedback=(
                    "Good open questions; ask for the card earlier and name its yearly fee."
                    if i % 2 == 0
                    else ""
                ),
                criteria=CRITERIA,
            )
        )
    return out


def report(n: int):
    from app.core.profiles import Profile
    from app.review.comments import CommentView
    from app.review.periods import parse_period
    from app.review.report import CoachingReport, _criterion_stats

    score_rows = tuple(rows(n))
    comments = tuple(
        (
            r.scenario_title,
            CommentView(
                id=f"c{r.review_id}-{k}",
                submission_id=r.submission_id,
                at_seconds=12.5 + 40 * k,
                text="missed the cross-sell moment" if k else "",
                preset="" if k else "Great question",
                color="#1565c0",
                author_id=None,
                author_name=r.reviewer_name,
                created_at=r.reviewed_at,
            ),
        )
        for r in score_rows
        for k in range(2)
    )
    return CoachingReport(
        rep=Profile("rep", "Zoë Ångström", Role.REP, "Nord-Süd"),
        period=parse_period("2026-Q4"),
        rows=score_rows,
        criteria=tuple(_criterion_stats(score_rows)),
        comments=comments,
    )


def write_pdf(n: int, folder: Path) -> Path:
    from app.review.report import write_report_pdf

    return write_report_pdf(report(n), folder / "report.pdf")


def write_csv(n: int, folder: Path) -> Path:
    from app.review.export import write_scores_csv

    write_scores_csv(folder / "scores.csv", rows(n))
    return folder / "scores.csv"


def timed_ms(action, runs: int) -> tuple[float, float, float]:
    """Median wall, fastest wall and median CPU time of ``runs`` calls, in ms."""
    action()  # warm-up: imports, fonts, the application object if any
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def cold_ms(kind: str, n: int, folder: Path, runs: int) -> tuple[float, float, float]:
    """Median wall, fastest wall and median CPU (user + system) of a fresh process each."""
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    command = [sys.executable, __file__, "--one", kind, "--reviews", str(n), "--out", str(folder)]
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        subprocess.run(command, check=True, env=env, capture_output=True)
        walls.append((time.perf_counter() - wall) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=20)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--one", choices=("pdf", "csv"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # the child of a cold run
        (write_pdf if args.one == "pdf" else write_csv)(args.reviews, args.out)
        return 0

    with tempfile.TemporaryDirectory(prefix="crosscoach-bench-") as name:
        folder = Path(name)
        n = args.reviews
        lines = [
            (f"warm: write_report_pdf ({n} reviews)", timed_ms(lambda: write_pdf(n, folder), args.runs)),
            ("warm baseline: write_scores_csv, same rows", timed_ms(lambda: write_csv(n, folder), args.runs)),
            ("cold: fresh process, one PDF report", cold_ms("pdf", n, folder, args.cold_runs)),
            ("cold baseline: fresh process, one CSV", cold_ms("csv", n, folder, args.cold_runs)),
        ]  # fmt: skip
        pdf = folder / "report.pdf"
        print(f"report of {n} reviews, {2 * n} comments: {pdf.stat().st_size / 1024:.0f} KiB PDF")
    print(f"{'measure':46}  wall median  wall fastest  CPU median  (ms)")
    for label, (median, fastest, cpu) in lines:
        print(f"{label:46}  {median:11.1f}  {fastest:12.1f}  {cpu:10.1f}")
    warm, warm_base, cold, cold_base = (x[1] for x in lines)
    print(
        "wall (CPU) median ratios: warm PDF / CSV "
        f"{warm[0] / warm_base[0]:.1f}x ({warm[2] / warm_base[2]:.1f}x); "
        f"cold PDF / CSV {cold[0] / cold_base[0]:.1f}x ({cold[2] / cold_base[2]:.1f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
