"""Screenshots of the review pages: the queue, the review screen (comment markers on
the timeline, the composer open, the rubric scored), Top Videos and the leaderboard.

Runs the real main window on an X display (``Xvfb :97 -screen 0 1400x900x24 &``,
``export DISPLAY=:97``) and grabs the screen with ImageMagick's
``import -window root`` (a widget grab shows an empty video widget):

    QT_QPA_PLATFORM=xcb python docs/screenshots/take_review_screenshots.py [OUT_DIR]

Three 40-second recordings come from ffmpeg's synthetic sources; the data
folder is a fresh temporary one.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from take_screenshots import grab, settle  # this folder: run as a script

from app.bootstrap import open_context
from app.core.clock import utcnow
from app.core.media import store_file
from app.core.models import Decision, Role, Scenario, Submission
from app.core.profiles import create_profile
from app.review.comments import add_comment
from app.review.decisions import decide
from app.review.rewards import grant_reward
from app.review.scoring import score_submission
from app.review.top_videos import mark_top, set_consent
from app.scenarios.rubrics import scenario_criteria
from app.ui.launch import application
from app.ui.main_window import MainWindow
from app.ui.state import AppState

SOURCES = ("testsrc2", "smptehdbars", "testsrc")
PEOPLE = (
    ("Tom Trainer", Role.TRAINER, "North"),
    ("Tia Coach", Role.TRAINER, None),
    ("Ana Souza", Role.REP, "North"),
    ("Ben Okafor", Role.REP, "North"),
    ("Cleo Martin", Role.REP, "South"),
    ("Dev Patel", Role.REP, "South"),
    ("Eva Lind", Role.REP, "North"),
)
# rep, scenario key, recording, hours ago
SUBMISSIONS = (
    ("Ana Souza", "camera-card-case", 0, 30),
    ("Ben Okafor", "printer-ink", 1, 28),
    ("Cleo Martin", "hotel-breakfast", 2, 26),
    ("Dev Patel", "laptop-office-software", 0, 20),
    ("Eva Lind", "burger-fries", 1, 8),
    ("Ana Souza", "phone-headset-sound", 2, 5),
    ("Ben Okafor", "camera-card-case", 0, 3),
    ("Cleo Martin", "computer-printer", 1, 2),
    ("Dev Patel", "hotel-breakfast", 2, 50),
    ("Eva Lind", "printer-ink", 0, 60),
)


def recording(folder: Path, source: str) -> Path:
    path = folder / f"{source}.mp4"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{source}=size=640x360:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=330", "-t", "40", "-c:v", "libx264",
            "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def fill(ctx, folder: Path) -> tuple[dict, list[str]]:
    shas = [store_file(ctx.paths.media, recording(folder, src))[0] for src in SOURCES]
    now = utcnow()
    with ctx.session() as s:
        people = {name: create_profile(s, name, role, team) for name, role, team in PEOPLE}
        scenarios = {sc.key: sc for sc in s.scalars(select(Scenario))}
        ids = []
        for rep, key, clip, hours in SUBMISSIONS:
            criteria = scenario_criteria(s, scenarios[key].id)
            sub = Submission(
                person_id=people[rep].id,
                scenario_id=scenarios[key].id,
                sha256=shas[clip],
                size_bytes=1,
                duration_seconds=40.0,
                width=640,
                height=360,
                self_scores={c.key: 4 for c in criteria},
                submitted_at=now - timedelta(hours=hours),
            )
            s.add(sub)
            s.flush()
            ids.append(sub.id)
    tom, tia = people["Tom Trainer"], people["Tia Coach"]
    with ctx.session() as s:
        for at, text, preset, who in (
            (3.2, "Opens with a question about the trip", "good discovery question", tom),
            (9.5, "", "benefit explained", tom),
            (17.0, "The customer mentioned the old card: that was the moment",
             "missed the cross-sell moment", tom),
            (24.5, "Calm answer to the price worry", "objection handled", tia),
            (33.0, "", "asked for the sale", tom),
        ):  # fmt: skip
            add_comment(s, who, ids[0], at, text, preset)
        for n, level, who in (
            (8, 5, tom),
            (9, 4, tia),
            (2, 4, tom),
            (4, 3, tom),
            (3, 3, tia),
            (1, 2, tom),
        ):
            sub = s.get(Submission, ids[n])
            criteria = scenario_criteria(s, sub.scenario_id)
            scores = {c.key: min(c.max_score, level + i % 2) for i, c in enumerate(criteria)}
            score_submission(s, who, ids[n], scores, "Clear and friendly.")
        decide(s, tom, ids[8], Decision.APPROVE)
        decide(s, tia, ids[9], Decision.APPROVE)
        decide(s, tom, ids[4], Decision.RETAKE, "Name the price of the menu.")
        for n, rep, reason in (
            (8, "Dev Patel", "Warm greeting, one specific suggestion, and an easy no."),
            (9, "Eva Lind", "Finds the real problem (running out of ink) before offering."),
            (2, "Cleo Martin", "Short and specific: a model for the counter."),
        ):
            mark_top(s, tom, ids[n], reason)
            set_consent(s, people[rep], ids[n], True)
        month = now.strftime("%Y-%m")
        grant_reward(
            s, tom, people["Dev Patel"].id, f"Best video — {now:%B}", badge="trophy", period=month
        )
        grant_reward(
            s,
            tom,
            people["Eva Lind"].id,
            "Top cross-seller of the month",
            badge="medal",
            period=month,
        )
    return people, ids


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    out.mkdir(parents=True, exist_ok=True)
    application()
    with tempfile.TemporaryDirectory(prefix="crosscoach-shots-") as folder:
        ctx = open_context(Path(folder) / "data")
        try:
            people, ids = fill(ctx, Path(folder))
            state = AppState(ctx)
            state.use_profile(people["Tom Trainer"])
            state.apply_theme()
            window = MainWindow(state)
            window.setGeometry(0, 0, 1400, 900)
            window.show()
            settle(1200)
            window.show_page("review")
            page = window.pages["review"]
            settle(500)
            grab(out, "review-queue")

            page.open_submission(ids[0])
            settle(1500)
            screen = page.screen
            screen.player.seek(12000)
            for criterion, value in zip(screen.rubric.criteria, (4, 5, 4, 3, 4), strict=False):
                screen.rubric.set_score(criterion.key, value)
            screen.rubric.feedback.setPlainText(
                "Good questions about the trip. Name the card's speed when you suggest it."
            )
            screen.comments.setCurrentRow(2)
            screen.start_comment()
            screen.composer.preset_buttons["benefit explained"].click()
            screen.composer.text.setText("Ties the faster card to the holiday photos")
            settle(800)
            grab(out, "review-screen")
            screen.composer.cancel()
            page.back_to_queue()

            window.show_page("top_videos")
            gallery = window.pages["top_videos"]
            for _ in range(50):
                settle(200)
                if gallery.loading is None and gallery.data is not None:
                    break
            grab(out, "top-videos")
            window.show_page("leaderboard")
            settle(800)
            grab(out, "leaderboard")
            window.close()
        finally:
            ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
