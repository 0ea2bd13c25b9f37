# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""The review commands, run in-process through the real CLI."""

from __future__ import annotations

import csv
import json

from pypdf import PdfReader
from review_support import coaching, review_video  # noqa: F401  (fixtures)

from app.core.clock import utcnow
from app.review.periods import period_of

TOM = ("--as", "Tom Trainer")
ANA = ("--as", "Ana Souza")


def _json(result):
    code, out, err = result
    assert code == 0, err
    return json.loads(out)


def test_queue_lists_awaiting_submissions_for_reviewers_only(coaching, cli):
    sub = coaching.submit(coaching.ana)
    data = _json(cli(*TOM, "queue", "--json"))
    assert [row["id"] for row in data["submissions"]] == [sub]
    row = data["submissions"][0]
    assert (row["rep"], row["team"], row["scenario"], row["status"]) == (
        "Ana Souza",
        "North",
        "rv-card-offer",
        "new",
    )
    assert row["due_date"] == "2026-11-20"
    assert data["counts"] == {"new": 1, "in_review": 0, "retake_requested": 0, "approved": 0}
    code, out, _ = cli(*TOM, "queue", "--status", "approved")
    assert code == 0 and "the queue is empty" in out
    code, out, _ = cli(*TOM, "queue", "--team", "North", "--sort", "rep")
    assert code == 0 and sub[:8] in out and "Ana Souza" in out
    code, _, err = cli(*ANA, "queue")
    assert code == 4 and "Only trainers and managers can see the review queue" in err
    code, _, err = cli(*TOM, "queue", "--status", "lost")
    assert code == 2 and "'lost' is not a submission status" in err


def test_review_scores_comments_and_asks_for_a_retake(coaching, cli):
    sub = coaching.submit(coaching.ana)
    review = _json(
        cli(*TOM, "review", sub[:6], "--score", "discovery=4", "--score", "benefit=3",
            "--score", "close=7", "--feedback", "Good start.", "--retake", "Ask for the sale.",
            "--json")
    )  # fmt: skip
    assert (review["points"], review["status"], review["decision"]) == (
        72.5,
        "retake_requested",
        "retake",
    )
    assert review["feedback"] == "Good start."
    assert cli(*TOM, "comment", sub, "--at", "1.5", "--preset", "objection handled", "Calm")[0] == 0
    assert cli(*TOM, "comment", sub, "--at", "0:00.5", "Open with a question")[0] == 0
    assert cli(*TOM, "comment", sub, "--at", "3", "--preset", "asked for the sale", "")[0] == 0
    comments = _json(cli("comments", sub, "--json"))
    assert [(c["at_seconds"], c["preset"], c["text"], c["author"]) for c in comments] == [
        (0.5, "", "Open with a question", "Tom Trainer"),
        (1.5, "objection handled", "Calm", "Tom Trainer"),
        (3.0, "asked for the sale", "", "Tom Trainer"),
    ]
    code, out, _ = cli("comments", sub)
    assert code == 0 and "0:01.5" in out and "objection handled" in out


def test_feedback_alone_keeps_the_earlier_scores_then_approve(coaching, cli):
    sub = coaching.submit(coaching.ana)
    scores = ("--score", "discovery=5", "--score", "benefit=5", "--score", "close=10")
    assert cli(*TOM, "review", sub, *scores)[0] == 0
    review = _json(cli(*TOM, "review", sub, "--feedback", "Perfect.", "--approve", "--json"))
    assert (review["points"], review["feedback"], review["status"]) == (
        100.0,
        "Perfect.",
        "approved",
    )


def test_bad_reviews_are_refused_and_save_nothing(coaching, cli):
    sub = coaching.submit(coaching.ana)
    code, _, err = cli(*TOM, "review", sub, "--score", "discovery=4", "--approve")
    assert code == 2
    assert "Every criterion needs a score; missing: benefit, close." in err
    assert "What to do:" in err
    code, _, err = cli(*ANA, "review", sub, "--score", "discovery=4")
    assert code == 4 and "cannot review your own submission" in err
    code, _, err = cli("--as", "Ben Okafor", "review", sub, "--score", "discovery=4")
    assert code == 4 and "Ben Okafor is a rep" in err
    code, _, err = cli(*TOM, "review", sub, "--score", "discovery=four")
    assert code == 2 and "not CRITERION=VALUE" in err
    code, _, err = cli(*TOM, "review", sub, "--approve")
    assert code == 2 and "Score the submission before" in err
    code, _, err = cli(*TOM, "review", sub[:4], "--approve")
    assert code == 2 and "too short" in err
    code, _, err = cli(*TOM, "review", "ffffffff", "--approve")
    assert code == 3 and "There is no submission 'ffffffff'" in err
    code, _, err = cli(*TOM, "comment", sub, "--at", "99", "Too late")
    assert code == 2 and "outside the video" in err
    data = _json(cli(*TOM, "queue", "--json"))
    assert data["submissions"][0]["status"] == "new"
    assert data["submissions"][0]["reviews"] == 0 and data["submissions"][0]["comments"] == 0


def test_top_videos_need_the_reps_consent(coaching, cli):
    sub = coaching.submit(coaching.ana)
    assert cli(*TOM, "review", sub, "--score", "discovery=4", "--score", "benefit=3",
               "--score", "close=7")[0] == 0  # fmt: skip
    code, out, _ = cli(*TOM, "top", "mark", sub, "--reason", "Model discovery questions")
    assert code == 0 and "pending" in out
    assert _json(cli("top", "list", "--json")) == []
    code, _, err = cli(*TOM, "top", "consent", sub, "--yes")
    assert code == 4 and "Only the rep in the video" in err
    assert cli(*ANA, "top", "consent", sub, "--yes")[0] == 0
    (card,) = _json(cli("top", "list", "--scenario", "rv-card-offer", "--json"))
    assert (card["submission_id"], card["reason"], card["mean_points"]) == (
        sub,
        "Model discovery questions",
        72.5,
    )
    assert card["thumbnail"].endswith(f"{coaching.sha256}.jpg")
    assert _json(cli("top", "list", "--product", "rv-saver", "--json")) == []
    best = _json(cli("top", "best", "--by", "month", "--json"))
    assert [c["submission_id"] for c in best.values()] == [sub]
    assert cli(*ANA, "top", "consent", sub, "--no")[0] == 0
    code, out, _ = cli("top", "list")
    assert code == 0 and "No shared Top Videos" in out


def test_rewards_and_the_leaderboard(coaching, cli):
    for rep, close in (
        (coaching.ana, "close=7"),
        (coaching.ben, "close=7"),
        (coaching.cleo, "close=0"),
    ):
        sub = coaching.submit(rep)
        assert cli(*TOM, "review", sub, "--score", "discovery=4", "--score", "benefit=3",
                   "--score", close)[0] == 0  # fmt: skip
    month = period_of("month", utcnow()).label
    code, out, _ = cli(*TOM, "reward", "Ana Souza", "--title", "Best video", "--period", month)
    assert code == 0 and "Ana Souza received" in out
    code, _, err = cli(*ANA, "reward", "Ben Okafor", "--title", "Buddy")
    assert code == 4
    board = _json(cli("leaderboard", "--period", "month", "--json"))
    assert board["period"] == month
    assert [(e["rank"], e["name"], e["points"], e["highlighted"]) for e in board["entries"]] == [
        (1, "Ana Souza", 72.5, True),
        (1, "Ben Okafor", 72.5, True),
        (3, "Cleo Martin", 55.0, True),
    ]
    assert [r["title"] for r in board["entries"][0]["rewards"]] == ["Best video"]
    south = _json(cli("leaderboard", "--period", "all", "--team", "South", "--json"))
    assert [e["name"] for e in south["entries"]] == ["Cleo Martin"]
    code, out, _ = cli("leaderboard", "--period", "quarter")
    assert code == 0 and "Ana Souza" in out and "Best video" in out
    code, _, err = cli("leaderboard", "--period", "fortnight")
    assert code == 2 and "not a period" in err


def test_export_scores_and_the_coaching_report(coaching, cli, tmp_path):
    sub = coaching.submit(coaching.ana)
    assert cli(*TOM, "review", sub, "--score", "discovery=4", "--score", "benefit=3",
               "--score", "close=7", "--feedback", "Nice pace.", "--approve")[0] == 0  # fmt: skip
    target = tmp_path / "scores.csv"
    code, out, _ = cli(*TOM, "export", "scores", "--csv", str(target), "--period", "month")
    assert code == 0 and "Wrote 1 review(s)" in out
    with open(target, encoding="utf-8-sig", newline="") as f:
        header, row = list(csv.reader(f))
    assert dict(zip(header, row, strict=True)) | {"reviewed_date": "-"} == {
        "submission_id": sub,
        "rep": "Ana Souza",
        "team": "North",
        "scenario": "rv-card-offer",
        "reviewer": "Tom Trainer",
        "reviewed_date": "-",
        "period": period_of("month", utcnow()).label,
        "discovery": "4",
        "benefit": "3",
        "close": "7",
        "points": "72.5",
        "decision": "approve",
    }
    code, _, err = cli(*ANA, "export", "scores", "--csv", str(target))
    assert code == 4
    pdf = tmp_path / "ana.pdf"
    code, out, _ = cli(*TOM, "report", "Ana Souza", "--period", "all", "--pdf", str(pdf))
    assert code == 0 and "Wrote the coaching report for Ana Souza" in out
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert "Ana Souza" in text and "72.5" in text and "Nice pace." in text
    assert cli(*ANA, "report", "Ana Souza", "--pdf", str(tmp_path / "mine.pdf"))[0] == 0
    code, _, err = cli(*ANA, "report", "Ben Okafor", "--pdf", str(tmp_path / "ben.pdf"))
    assert code == 4 and "only their own coaching report" in err
    code, _, err = cli(*TOM, "report", "Ana Souza", "--pdf", str(tmp_path / "no" / "x.pdf"))
    assert code == 2 and "does not exist" in err
