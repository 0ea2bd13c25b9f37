"""Practice domain: assignments, attempts and rounds, takes, submitting a take."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.errors import NotFound, PermissionDenied, UserError
from app.core.media import find_media
from app.core.models import Submission, SubmissionStatus, Take
from app.practice.assignments import AssignmentStatus, create_assignment, list_assignments
from app.practice.rounds import can_record
from app.practice.submit import submit_take
from app.practice.takes import delete_take, takes_visible_to

FULL_SCORES = {"opening": 4, "bridge": 3}


@pytest.fixture
def people(make_profile):
    return {
        "ana": make_profile("Ana", "rep", team="North"),
        "ben": make_profile("Ben", "rep", team="South"),
        "tia": make_profile("Tia", "trainer"),
    }


def decide(ctx, submission_id: str, status: SubmissionStatus) -> None:
    """What the trainer's decision does to the submission."""
    with ctx.db.session() as s:
        s.get(Submission, submission_id).status = status


def submissions_count(ctx) -> int:
    with ctx.db.session() as s:
        return s.scalar(select(func.count(Submission.id)))


def assignment_of(ctx, person, assignment_id):
    with ctx.db.session() as s:
        return next(a for a in list_assignments(s, person.id) if a.assignment.id == assignment_id)


def test_submitting_your_own_take_copies_its_video_facts(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch")
    ctx.use_profile(people["tia"])
    given = create_assignment(ctx, "pitch", to="Ana", due=date.today() + timedelta(days=7))
    take_id = make_take(people["ana"].id, scenario, assignment_id=given.id)

    ctx.use_profile(people["ana"])
    info = submit_take(ctx, take_id, note="  first try  ", self_scores=FULL_SCORES)

    with ctx.db.session() as s:
        take, row = s.get(Take, take_id), s.get(Submission, info.id)
        assert (row.sha256, row.size_bytes, row.duration_seconds, row.width, row.height) == (
            take.sha256,
            take.size_bytes,
            take.duration_seconds,
            take.width,
            take.height,
        )
        assert row.person_id == people["ana"].id and row.take_id == take_id
        assert row.assignment_id == given.id
        assert row.status is SubmissionStatus.NEW
        assert row.self_scores == FULL_SCORES and row.note == "first try"
        assert row.author_id == people["ana"].id  # stamped for sync
    assert info.status is SubmissionStatus.NEW and info.submitted_at.tzinfo is not None


def test_someone_elses_take_is_refused(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch")
    take_id = make_take(people["ben"].id, scenario)
    ctx.use_profile(people["ana"])
    with pytest.raises(PermissionDenied, match="belongs to someone else"):
        submit_take(ctx, take_id)
    with pytest.raises(PermissionDenied):
        delete_take(ctx, take_id)
    with pytest.raises(NotFound, match="no take"):
        submit_take(ctx, "0000-no-such-take")
    assert submissions_count(ctx) == 0


@pytest.mark.parametrize(
    "scores, problem",
    [
        ({"opening": 4, "bridge": 3, "closing": 2}, "no criterion closing"),
        ({"opening": 6, "bridge": 3}, "from 0 to 5"),
        ({"opening": -1, "bridge": 3}, "from 0 to 5"),
        ({"opening": 2.5, "bridge": 3}, "whole number"),
        ({"opening": 4}, "missing: bridge"),
    ],
)
def test_self_scores_are_checked_like_a_trainer_review(
    ctx, people, make_scenario, make_take, scores, problem
):
    scenario = make_scenario("pitch")
    take_id = make_take(people["ana"].id, scenario)
    ctx.use_profile(people["ana"])
    with pytest.raises(UserError, match=problem):
        submit_take(ctx, take_id, self_scores=scores)
    assert submissions_count(ctx) == 0  # nothing half-written
    assert submit_take(ctx, take_id, self_scores=None).self_scores == {}  # none at all is fine


def test_attempts_run_out_with_a_clear_message(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch", attempts=2)
    ana = people["ana"]
    with ctx.db.session() as s:
        plan = can_record(s, ana.id, "pitch")
    assert (plan.attempt, plan.allowed, plan.round, plan.assignment_id) == (1, 2, 1, None)
    make_take(ana.id, scenario, attempt=1)
    make_take(ana.id, scenario, attempt=2)
    with ctx.db.session() as s, pytest.raises(UserError) as err:
        can_record(s, ana.id, scenario)
    assert "used all 2 attempts for 'Scenario pitch'" in err.value.message
    assert "retake" in err.value.hint
    # Another rep's takes do not count against Ana, nor hers against him.
    with ctx.db.session() as s:
        assert can_record(s, people["ben"].id, "pitch").attempt == 1


def test_a_retake_request_opens_a_new_round(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch", attempts=2)
    ana = people["ana"]
    ctx.use_profile(people["tia"])
    given = create_assignment(ctx, "pitch", to="Ana")
    with ctx.db.session() as s:
        assert can_record(s, ana.id, "pitch").assignment_id == given.id
    first = make_take(ana.id, scenario, assignment_id=given.id, attempt=1)
    make_take(ana.id, scenario, assignment_id=given.id, attempt=2)
    ctx.use_profile(ana)
    submitted = submit_take(ctx, first)
    with ctx.db.session() as s, pytest.raises(UserError, match="used all 2"):
        can_record(s, ana.id, "pitch")  # waiting for the review does not give new attempts

    decide(ctx, submitted.id, SubmissionStatus.RETAKE_REQUESTED)
    with ctx.db.session() as s:
        plan = can_record(s, ana.id, "pitch")
    assert (plan.round, plan.attempt, plan.assignment_id) == (2, 1, given.id)
    make_take(ana.id, scenario, assignment_id=given.id, attempt=1)
    make_take(ana.id, scenario, assignment_id=given.id, attempt=2)
    with ctx.db.session() as s, pytest.raises(UserError, match="used all 2"):
        can_record(s, ana.id, "pitch")


def test_assignment_status_through_the_whole_cycle(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch", attempts=2)
    ana = people["ana"]
    ctx.use_profile(people["tia"])
    due = date.today() + timedelta(days=3)
    given = create_assignment(ctx, "pitch", team="north", due=due, note="Before Friday")
    assert given.assigned_to == "team North"

    mine = assignment_of(ctx, ana, given.id)
    assert mine.status is AssignmentStatus.TO_DO
    assert (mine.attempts_used, mine.attempts_allowed, mine.round) == (0, 2, 1)
    assert mine.assignment.scenario_title == "Scenario pitch"
    assert mine.assignment.due_date == due and mine.assignment.note == "Before Friday"
    assert not mine.overdue
    with ctx.db.session() as s:
        assert list_assignments(s, ana.id, today=due + timedelta(days=1))[0].overdue
        assert list_assignments(s, people["ben"].id) == []  # another team's

    first = make_take(ana.id, scenario, assignment_id=given.id)
    ctx.use_profile(ana)
    sub1 = submit_take(ctx, first)
    mine = assignment_of(ctx, ana, given.id)
    assert (mine.status, mine.attempts_used, mine.submission_id) == (
        AssignmentStatus.SUBMITTED,
        1,
        sub1.id,
    )
    with ctx.db.session() as s:  # handed in: late review does not make it overdue
        assert not list_assignments(s, ana.id, today=due + timedelta(days=1))[0].overdue
    decide(ctx, sub1.id, SubmissionStatus.IN_REVIEW)
    assert assignment_of(ctx, ana, given.id).status is AssignmentStatus.SUBMITTED

    decide(ctx, sub1.id, SubmissionStatus.RETAKE_REQUESTED)
    mine = assignment_of(ctx, ana, given.id)
    assert (mine.status, mine.attempts_used, mine.round) == (
        AssignmentStatus.RETAKE_REQUESTED,
        0,
        2,
    )
    with ctx.db.session() as s:
        assert list_assignments(s, ana.id, today=due + timedelta(days=1))[0].overdue

    second = make_take(ana.id, scenario, assignment_id=given.id)
    with pytest.raises(UserError, match="already handed in this take"):
        submit_take(ctx, first)
    sub2 = submit_take(ctx, second)
    assert sub2.assignment_id == given.id
    assert assignment_of(ctx, ana, given.id).status is AssignmentStatus.SUBMITTED

    decide(ctx, sub2.id, SubmissionStatus.APPROVED)
    mine = assignment_of(ctx, ana, given.id)
    assert mine.status is AssignmentStatus.APPROVED and mine.submission_id == sub2.id
    # Done: new takes of the scenario are free practice again.
    with ctx.db.session() as s:
        assert can_record(s, ana.id, "pitch").assignment_id is None


def test_only_one_submission_waits_per_assignment(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch")
    ana = people["ana"]
    ctx.use_profile(people["tia"])
    given = create_assignment(ctx, "pitch", to=ana.id)
    one = make_take(ana.id, scenario, assignment_id=given.id)
    two = make_take(ana.id, scenario, assignment_id=given.id)
    ctx.use_profile(ana)
    first = submit_take(ctx, one)
    with pytest.raises(UserError, match="waiting for your trainer"):
        submit_take(ctx, two)
    decide(ctx, first.id, SubmissionStatus.APPROVED)
    with pytest.raises(UserError, match="already approved"):
        submit_take(ctx, two)
    assert submissions_count(ctx) == 1


def test_a_free_practice_take_hands_in_the_open_assignment(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch")
    ana = people["ana"]
    free = make_take(ana.id, scenario)  # recorded before the assignment existed
    ctx.use_profile(people["tia"])
    given = create_assignment(ctx, "pitch", to="Ana")
    ctx.use_profile(ana)
    assert submit_take(ctx, free).assignment_id == given.id
    mine = assignment_of(ctx, ana, given.id)
    assert mine.status is AssignmentStatus.SUBMITTED
    assert mine.attempts_used == 1  # the take joined the assignment it was handed in for
    with ctx.db.session() as s:
        assert s.get(Take, free).assignment_id == given.id


def test_free_practice_without_assignment_submits_on_its_own(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch")
    ana = people["ana"]
    one, two = make_take(ana.id, scenario), make_take(ana.id, scenario)
    ctx.use_profile(ana)
    first = submit_take(ctx, one)
    assert first.assignment_id is None
    with pytest.raises(UserError, match="waiting for your trainer"):
        submit_take(ctx, two)


def test_takes_are_private(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch")
    older = make_take(people["ana"].id, scenario, attempt=1)
    newer = make_take(people["ana"].id, scenario, attempt=2)
    make_take(people["ben"].id, scenario)
    with ctx.db.session() as s:
        anas = takes_visible_to(s, people["ana"].id, ctx.paths.media)
        trainers = takes_visible_to(s, people["tia"].id, ctx.paths.media)
        bens = takes_visible_to(s, people["ben"].id, ctx.paths.media)
    assert [t.id for t in anas] == [newer, older]  # newest first
    assert trainers == []
    assert [t.person_id for t in bens] == [people["ben"].id]
    first = anas[0]
    assert first.scenario_title == "Scenario pitch" and first.attempt == 2
    assert first.media_path is not None and first.media_path.is_file()
    assert not first.recovered and first.warnings == () and first.submission_id is None


def test_deleting_a_take_removes_row_and_file(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch")
    ana = people["ana"]
    keep, drop = make_take(ana.id, scenario), make_take(ana.id, scenario)
    ctx.use_profile(ana)
    with ctx.db.session() as s:
        path = takes_visible_to(s, ana.id, ctx.paths.media)[0].media_path
    gone = delete_take(ctx, drop[:8])  # the start of the id is enough
    assert gone.id == drop
    assert not path.exists()
    with ctx.db.session() as s:
        assert s.get(Take, drop) is None and s.get(Take, keep) is not None

    submit_take(ctx, keep)
    with pytest.raises(UserError, match="handed in"):
        delete_take(ctx, keep)
    with ctx.db.session() as s:
        assert find_media(ctx.paths.media, s.get(Take, keep).sha256).is_file()


def test_deleting_keeps_a_file_another_take_still_uses(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch")
    ana = people["ana"]
    original = make_take(ana.id, scenario)
    with ctx.db.session() as s:
        row = s.get(Take, original)
        copy = Take(
            person_id=ana.id,
            scenario_id=scenario,
            sha256=row.sha256,
            size_bytes=row.size_bytes,
            duration_seconds=row.duration_seconds,
            width=row.width,
            height=row.height,
            recorded_at=row.recorded_at,
        )
        s.add(copy)
        s.flush()
        copy_id, sha = copy.id, row.sha256
    ctx.use_profile(ana)
    delete_take(ctx, copy_id)
    assert find_media(ctx.paths.media, sha) is not None


def test_deleting_the_take_gives_its_attempt_back(ctx, people, make_scenario, make_take):
    scenario = make_scenario("pitch", attempts=2)
    ana = people["ana"]
    make_take(ana.id, scenario, attempt=1)
    second = make_take(ana.id, scenario, attempt=2)
    ctx.use_profile(ana)
    delete_take(ctx, second)
    with ctx.db.session() as s:
        assert can_record(s, ana.id, "pitch").attempt == 2


def test_only_reviewers_assign_and_only_to_reps(ctx, people, make_scenario):
    make_scenario("pitch")
    ctx.use_profile(people["ana"])
    with pytest.raises(PermissionDenied, match="Only trainers and managers"):
        create_assignment(ctx, "pitch", to="Ben")
    ctx.use_profile(people["tia"])
    with pytest.raises(UserError, match="assignments are for reps"):
        create_assignment(ctx, "pitch", to="Tia")
    with pytest.raises(UserError, match="one rep or one team"):
        create_assignment(ctx, "pitch", to="Ana", team="North")
    with pytest.raises(UserError, match="one rep or one team"):
        create_assignment(ctx, "pitch")
    with pytest.raises(UserError, match="already passed"):
        create_assignment(ctx, "pitch", to="Ana", due=date(2020, 1, 1))
    with pytest.raises(NotFound, match="no team called 'West'"):
        create_assignment(ctx, "pitch", team="West")
    with pytest.raises(NotFound, match="no scenario"):
        create_assignment(ctx, "no-such-scenario", to="Ana")
    with pytest.raises(NotFound, match="no profile"):
        create_assignment(ctx, "pitch", to="Nobody")
    with ctx.db.session() as s:
        assert list_assignments(s, people["ana"].id) == []
