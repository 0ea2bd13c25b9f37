"""Review UI benchmark: the coaching player's first frame and the queue page's fill.

1. Opening a 10-minute 720p recording to its first frame
   - through our ``CoachingPlayer`` widget (open -> ``first_frame``),
   - through the whole review screen (``ReviewScreen.open_submission``: the
     submission, rubric and 10 comments read from SQLite, then the player),
   - baseline: a bare ``QMediaPlayer`` + ``QVideoSink`` (setSource, play ->
     first ``videoFrameChanged``),
   interleaved, in the same process; target <= 300 ms.
2. Filling the review queue page with 10,000 submissions (100,000 comments),
   all statuses shown: ``ReviewPage.refresh_queue`` (domain query + table
   model + status chips) vs the bare domain query ``load_queue``; target <= 100 ms.

The recording is made once with ffmpeg (ultrafast) into the cache folder.
Run from the repository root::

    QT_QPA_PLATFORM=offscreen python bench/bench_player.py [--runs 9] [--submissions 10000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QEventLoop, QTimer, QUrl  # noqa: E402
from PySide6.QtMultimedia import QMediaPlayer, QVideoSink  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.bootstrap import open_context  # noqa: E402
from app.core.media import store_file  # noqa: E402
from app.core.models import Role, Scenario, Submission  # noqa: E402
from app.core.profiles import create_profile  # noqa: E402
from app.review.comments import PRESETS, add_comment  # noqa: E402
from app.review.queue import QueueFilter, load_queue  # noqa: E402
from app.ui.review.player import CoachingPlayer  # noqa: E402
from app.ui.review.review_page import ReviewPage  # noqa: E402
from app.ui.state import AppState  # noqa: E402

TARGET_FIRST_FRAME_MS = 300
TARGET_QUEUE_MS = 100
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "crosscoach-bench-cache"


def ten_minute_recording(cache: Path) -> Path:
    """A 10-minute 1280x720 H.264/AAC file from the synthetic source, made once."""
    target = cache / "ten-minutes-720p.mp4"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / ".ten-minutes-720p.partial.mp4"
    print("making the 10-minute 720p recording once (ffmpeg ultrafast)...", flush=True)
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "600", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-movflags", "+faststart", str(partial),
        ],
        check=True,
    )  # fmt: skip
    partial.rename(target)
    return target


def wait_for(signal, start, timeout_ms: int = 10_000) -> float:
    """Run ``start`` and spin the event loop until ``signal`` fires; ms elapsed."""
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    began = time.perf_counter()
    start()
    loop.exec()
    elapsed = (time.perf_counter() - began) * 1000
    signal.disconnect(loop.quit)
    if elapsed >= timeout_ms:
        raise RuntimeError("no first frame within the timeout")
    return elapsed


def settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


class BarePlayer:
    """The baseline: what Qt needs at the least to put a first frame in memory."""

    def __init__(self):
        self.player = QMediaPlayer()
        self.sink = QVideoSink()
        self.player.setVideoSink(self.sink)

    def first_frame_ms(self, path: Path) -> float:
        def start():
            self.player.setSource(QUrl.fromLocalFile(str(path)))
            self.player.play()

        elapsed = wait_for(self.sink.videoFrameChanged, start)
        self.player.stop()
        self.player.setSource(QUrl())
        return elapsed


def review_data_folder(root: Path, video: Path):
    """A data folder with one submission of the long recording and ten comments on it."""
    ctx = open_context(root)
    sha, _ = store_file(ctx.paths.media, video)
    with ctx.session() as s:
        trainer = create_profile(s, "Bench Trainer", Role.TRAINER)
        rep = create_profile(s, "Bench Rep", Role.REP, "Bench")
        scenario = s.scalars(select(Scenario).order_by(Scenario.key)).first()
        sub = Submission(
            person_id=rep.id,
            scenario_id=scenario.id,
            sha256=sha,
            size_bytes=video.stat().st_size,
            duration_seconds=600.0,
            width=1280,
            height=720,
            submitted_at=datetime.now(UTC),
        )
        s.add(sub)
        s.flush()
        for n in range(10):
            add_comment(s, trainer, sub.id, 55.0 * n + 3, f"remark {n}", PRESETS[n % 5].name)
        submission_id = sub.id
    state = AppState(ctx)
    state.use_profile(trainer)
    return ctx, state, submission_id


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_first_frame(video: Path, runs: int, folder: Path) -> list[tuple[str, list[float]]]:
    bare = BarePlayer()
    player = CoachingPlayer()
    player.resize(1280, 760)
    player.show()
    ctx, state, submission_id = review_data_folder(folder / "first-frame", video)
    page = ReviewPage(state)
    page.resize(1400, 900)
    page.show()
    screen = page.screen
    ours, whole, base = [], [], []
    try:
        for _ in range(runs):  # interleaved, so load changes hit all three alike
            base.append(bare.first_frame_ms(video))
            settle()
            ours.append(wait_for(player.first_frame, lambda: player.open(video)))
            player.close_video()
            settle()
            whole.append(
                wait_for(screen.player.first_frame, lambda: screen.open_submission(submission_id))
            )
            screen.leave()
            settle()
    finally:
        page.close()
        ctx.close()
    return [
        ("bare QMediaPlayer + QVideoSink (baseline)", base),
        ("CoachingPlayer widget", ours),
        ("review screen: submission + comments + player", whole),
    ]


def bench_queue(submissions: int, runs: int, folder: Path) -> list[tuple[str, list[float]]]:
    from bench_review import fill

    ctx = open_context(folder / "queue")
    try:
        print(f"filling {submissions} submissions with 10 comments each...", flush=True)
        fill(ctx, submissions, 10)
        with ctx.session() as s:
            trainer = create_profile(s, "Queue Trainer", Role.TRAINER)
        state = AppState(ctx)
        state.use_profile(trainer)
        page = ReviewPage(state)
        page.resize(1400, 900)
        page.show()
        everything = QueueFilter(statuses=())
        page.queue.filter = everything
        page.refresh_queue()
        rows = page.queue.model.rowCount()

        def domain(flt):
            with ctx.session() as s:
                load_queue(s, flt)

        def page_open(flt):
            page.queue.filter = flt
            page.refresh()  # filter choices + queue query + model + chips
            QApplication.processEvents()  # the table repaints its visible rows

        default = QueueFilter()
        measured = {
            key: ([], []) for key in ("bare all", "page all", "bare default", "page default")
        }
        for _ in range(runs):
            for key, action in (
                ("bare all", lambda: domain(everything)),
                ("page all", lambda: page_open(everything)),
                ("bare default", lambda: domain(default)),
                ("page default", lambda: page_open(default)),
            ):
                wall, cpu = time.perf_counter(), time.process_time()
                action()
                measured[key][1].append((time.process_time() - cpu) * 1000)
                measured[key][0].append((time.perf_counter() - wall) * 1000)
        awaiting = page.queue.model.rowCount()
        page.close()
    finally:
        ctx.close()
    return [
        ("bare domain query load_queue, every status (baseline)", *measured["bare all"]),
        (f"queue page opened, every status ({rows} rows)", *measured["page all"]),
        ("bare domain query load_queue, new + in review", *measured["bare default"]),
        (f"queue page opened, new + in review ({awaiting} rows)", *measured["page default"]),
    ]


def report(title: str, results: list[tuple], target: float, pairs: list[tuple[int, int]]) -> None:
    """One table; each result is (name, walls, [cpus]); ``pairs`` are (ours, its baseline) rows."""
    print(
        f"\n{title}\n| measure | wall median ms | wall fastest ms | CPU median ms |\n|---|---:|---:|---:|"
    )
    for name, walls, *cpus in results:
        cpu = f"{median(cpus[0]):.1f}" if cpus else "–"
        print(f"| {name} | {median(walls):.1f} | {min(walls):.1f} | {cpu} |")
    for ours, base in pairs:
        ratio = median(results[ours][1]) / median(results[base][1])
        verdict = "meets" if median(results[ours][1]) <= target else "MISSES"
        print(
            f"{results[ours][0]}: {ratio:.2f}x its baseline (wall); "
            f"{verdict} the {target:.0f} ms target (wall median)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    video = ten_minute_recording(args.cache)
    with tempfile.TemporaryDirectory(prefix="crosscoach-bench-player-") as folder:
        frames = bench_first_frame(video, args.runs, Path(folder))
        report(
            f"first frame of a 10-minute 720p recording ({args.runs} runs each)",
            frames,
            TARGET_FIRST_FRAME_MS,
            [(1, 0), (2, 0)],
        )
        queue = bench_queue(args.submissions, args.runs, Path(folder))
        report(
            f"review queue with {args.submissions} submissions ({args.runs} runs each)",
            queue,
            TARGET_QUEUE_MS,
            [(1, 0), (3, 2)],
        )
    print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    app.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
