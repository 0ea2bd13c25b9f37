"""Fixtures for the review tests: a real short recording, a rubric, people, submissions.

Test modules import the fixtures they use from here (pytest finds fixtures by
name in the module's namespace).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from factories import add_catalogue, make_clip

from app.core.media import store_file
from app.core.models import Assignment, Submission, SubmissionStatus
from app.core.profiles import Profile, find_team


@pytest.fixture(scope="session")
def review_video(tmp_path_factory) -> Path:
    """A real 4-second H.264/AAC recording from ffmpeg's synthetic sources."""
    return make_clip(tmp_path_factory.mktemp("video") / "take.mp4", 4, size=(320, 240), fps=25)


def probe_duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out)["format"]["duration"])


def utc(y, m, d, hh=12, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@dataclass
class Coaching:
    """The people and the scenario every review test starts from."""

    ctx: object
    video: Path
    sha256: str
    duration: float
    scenario_id: str
    other_scenario_id: str
    assignment_id: str
    ana: Profile  # rep, North
    ben: Profile  # rep, North
    cleo: Profile  # rep, South
    tom: Profile  # trainer
    tia: Profile  # trainer
    max: Profile  # manager

    def submit(
        self,
        rep: Profile,
        submitted_at: datetime | None = None,
        *,
        other_scenario: bool = False,
        self_scores: dict | None = None,
        status: SubmissionStatus = SubmissionStatus.NEW,
    ) -> str:
        with self.ctx.db.session(person_id=rep.id) as s:
            sub = Submission(
                person_id=rep.id,
                scenario_id=self.other_scenario_id if other_scenario else self.scenario_id,
                assignment_id=None if other_scenario else self.assignment_id,
                sha256=self.sha256,
                size_bytes=self.video.stat().st_size,
                duration_seconds=self.duration,
                width=320,
                height=240,
                self_scores=self_scores or {},
                status=status,
                submitted_at=submitted_at or utc(2026, 11, 10),
            )
            s.add(sub)
            s.flush()
            return sub.id


# Weights 2, 1, 1 and maxima 5, 5, 10: weight, not scale, decides what counts.
CRITERIA = (
    ("discovery", "Discovery questions", 2.0, 5),
    ("benefit", "Benefit explained", 1.0, 5),
    ("close", "Asked for the sale", 1.0, 10),
)


@pytest.fixture
def coaching(ctx, make_profile, review_video) -> Coaching:
    sha, _ = store_file(ctx.paths.media, review_video)
    people = {
        "ana": make_profile("Ana Souza", "rep", team="North"),
        "ben": make_profile("Ben Okafor", "rep", team="North"),
        "cleo": make_profile("Cleo Martin", "rep", team="South"),
        "tom": make_profile("Tom Trainer", "trainer", team="North"),
        "tia": make_profile("Tia Trainer", "trainer"),
        "max": make_profile("Max Manager", "manager"),
    }
    with ctx.session() as s:
        scenarios = add_catalogue(
            s,
            products=[
                ("rv-account", "Current account", "banking"),
                ("rv-card", "Credit card", "cards"),
                ("rv-saver", "Savings plan", "savings"),
            ],
            rubric=("rv-rubric", "Cross-sell basics"),
            criteria=CRITERIA,
            scenarios=[
                {
                    "key": key,
                    "title": title,
                    "situation": "A customer opens an account.",
                    "cross_sell": other,
                }
                for key, title, other in (
                    ("rv-card-offer", "Offer the card", "rv-card"),
                    ("rv-saver-offer", "Offer the savings plan", "rv-saver"),
                )
            ],
        ).scenarios
        assignment = Assignment(
            scenario_id=scenarios[0].id,
            team_id=find_team(s, "North").id,
            due_date=date(2026, 11, 20),
        )
        s.add(assignment)
        s.flush()
        ids = scenarios[0].id, scenarios[1].id, assignment.id
    return Coaching(ctx, review_video, sha, probe_duration(review_video), *ids, **people)
