"""``crosscoach takes | submit | assign | assignments`` through the real CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.models import Submission, SubmissionStatus, Take


@pytest.fixture
def setup(ctx, cli, make_scenario, make_profile):
    scenario = make_scenario("pitch", attempts=2)
    ana = make_profile("Ana", "rep", team="North")
    make_profile("Ben", "rep", team="North")
    make_profile("Tia", "trainer")
    return scenario, ana


def run_json(cli, *args):
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_assign_then_submit_with_self_assessment(ctx, cli, setup, make_take):
    scenario, ana = setup
    due = (date.today() + timedelta(days=5)).isoformat()
    given = run_json(
        cli, "--as", "Tia", "assign", "pitch", "--team", "North", "--due", due, "--note", "Go"
    )
    assert (given["scenario"], given["assigned_to"], given["due_date"]) == (
        "Scenario pitch",
        "team North",
        due,
    )

    [mine] = run_json(cli, "--as", "Ana", "assignments")
    assert mine["id"] == given["id"] and mine["status"] == "to do"
    assert (mine["attempts_used"], mine["attempts_allowed"], mine["overdue"]) == (0, 2, False)

    take_id = make_take(ana.id, scenario, assignment_id=given["id"])
    [listed] = run_json(cli, "--as", "Ana", "takes", "list")
    assert listed["id"] == take_id and listed["scenario"] == "Scenario pitch"
    assert listed["media_path"] and listed["submission_id"] is None
    assert run_json(cli, "--as", "Tia", "takes", "list") == []  # takes are private

    sent = run_json(
        cli,
        "--as",
        "Ana",
        "submit",
        take_id,
        "--note",
        "Nervous start",
        "--self-score",
        "opening=4",
        "--self-score",
        "bridge=2",
    )
    assert sent["self_scores"] == {"opening": 4, "bridge": 2}
    assert sent["status"] == "new" and sent["assignment_id"] == given["id"]
    # The take check ran first: a 1 s test pattern shows nobody's face, and the
    # scenario allows 30 s.
    assert [w["code"] for w in sent["warnings"]] == ["no_face", "short"]
    with ctx.db.session() as s:
        assert s.get(Take, take_id).check_warnings == sent["warnings"]
        assert s.get(Submission, sent["id"]).note == "Nervous start"

    [mine] = run_json(cli, "--as", "Ana", "assignments")
    assert mine["status"] == "submitted" and mine["attempts_used"] == 1
    [listed] = run_json(cli, "--as", "Ana", "takes", "list")
    assert listed["submission_id"] == sent["id"] and listed["warnings"] == sent["warnings"]


def test_submit_prints_the_take_check_in_plain_words(cli, setup, make_take):
    scenario, ana = setup
    take_id = make_take(ana.id, scenario)
    code, out, err = cli("--as", "Ana", "submit", take_id)
    assert code == 0, err
    assert "Warning: We could not see your face" in out
    assert "Submitted your take of 'Scenario pitch'" in out


def test_bad_submit_input_gets_clear_errors_and_writes_nothing(ctx, cli, setup, make_take):
    scenario, ana = setup
    take_id = make_take(ana.id, scenario)
    cases = [
        (("--self-score", "opening"), "is not a self-score"),
        (("--self-score", "opening=4", "--self-score", "opening=3"), "scored opening twice"),
        (("--self-score", "opening=4"), "missing: bridge"),
        (("--self-score", "opening=9", "--self-score", "bridge=1"), "from 0 to 5"),
        (("--self-score", "tone=1", "--self-score", "opening=1"), "no criterion tone"),
    ]
    for extra, message in cases:
        code, out, err = cli("--as", "Ana", "submit", take_id, *extra)
        assert code == 2, (extra, err)
        assert message in err and "What to do:" in err and "Traceback" not in err
        assert "Warning" not in out  # refused before the (slow) take check ran
    code, _, err = cli("--as", "Ben", "submit", take_id)
    assert code == 4 and "belongs to someone else" in err
    with ctx.db.session() as s:
        assert s.scalar(select(func.count(Submission.id))) == 0


def test_assign_refuses_reps_and_bad_dates(cli, setup):
    code, _, err = cli("--as", "Ana", "assign", "pitch", "--to", "Ben")
    assert code == 4 and "Only trainers and managers can give assignments" in err
    code, _, err = cli("--as", "Tia", "assign", "pitch", "--to", "Ben", "--due", "31/12/2026")
    assert code == 2 and "'31/12/2026' is not a date" in err and "YYYY-MM-DD" in err
    code, _, err = cli("--as", "Tia", "assign", "nope", "--to", "Ben")
    assert code == 3 and "There is no scenario 'nope'" in err
    code, out, _ = cli("--as", "Ben", "assignments")
    assert code == 0 and "No assignments for you right now" in out


def test_takes_delete_and_the_tables(ctx, cli, setup, make_take):
    scenario, ana = setup
    keep = make_take(ana.id, scenario, attempt=1)
    drop = make_take(ana.id, scenario, attempt=2)
    code, out, _ = cli("--as", "Ana", "takes", "list")
    assert code == 0 and keep in out and drop in out and "Scenario pitch" in out

    code, out, _ = cli("--as", "Tia", "assign", "pitch", "--to", "Ana")
    assert code == 0 and "Assigned 'Scenario pitch' to Ana" in out
    code, out, _ = cli("--as", "Ana", "assignments")
    assert code == 0 and "to do" in out and "Scenario pitch" in out

    gone = run_json(cli, "--as", "Ana", "takes", "delete", drop)
    assert gone["id"] == drop and not any(p for p in ctx.paths.media.rglob(f"{gone['sha256']}.*"))
    code, _, err = cli("--as", "Ben", "takes", "delete", keep)
    assert code == 4
    code, _, err = cli("--as", "Ana", "takes", "delete", drop)
    assert code == 3 and "There is no take" in err
    with ctx.db.session() as s:
        assert s.get(Take, keep) is not None
        assert s.scalar(select(func.count(Take.id))) == 1


def test_an_approved_assignment_shows_so(ctx, cli, setup, make_take):
    scenario, ana = setup
    given = run_json(cli, "--as", "Tia", "assign", "pitch", "--to", "Ana")
    take_id = make_take(ana.id, scenario, assignment_id=given["id"])
    sent = run_json(cli, "--as", "Ana", "submit", take_id)
    with ctx.db.session() as s:
        s.get(Submission, sent["id"]).status = SubmissionStatus.APPROVED
    [mine] = run_json(cli, "--as", "Ana", "assignments")
    assert mine["status"] == "approved" and mine["submission_id"] == sent["id"]
