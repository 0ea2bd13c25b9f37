"""The model's constraints and the sync stamps every record gets."""

from __future__ import annotations

import pytest
from factories import add_catalogue, scenario_row
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from app.core.clock import HybridClock, parse_version, utcnow
from app.core.models import (
    Assignment,
    CrossSell,
    Person,
    Review,
    Role,
    RubricCriterion,
    Scenario,
    Team,
)


@pytest.fixture
def db(ctx):
    return ctx.db


def _products(db):
    """Two products and a rubric, stored; no scenario yet."""
    with db.session() as s:
        made = add_catalogue(
            s, products=[("cc-a", "A"), ("cc-b", "B")], rubric=("cc-r", "R"), criteria=(),
            scenarios=(),
        )  # fmt: skip
    return made.products["cc-a"], made.products["cc-b"], made.rubric


def _scenario(a, b, rubric, **over) -> Scenario:
    """A scenario row, not yet added, for the constraints to judge."""
    return scenario_row(a, b, rubric, **{"key": "cc-s", "title": "T", "situation": "S", **over})


def _refused(db, *objects):
    with pytest.raises((IntegrityError, StatementError)), db.session() as s:
        s.add_all(objects)


def test_every_synced_record_is_stamped(db, make_profile):
    ana = make_profile("Ana", "trainer")
    with db.session(person_id=ana.id) as s:
        team = Team(name="East")
        s.add(team)
    assert len(team.id) == 36
    assert team.author_id == ana.id
    assert team.device_id == db.device_id
    assert team.created_at is not None and team.updated_at is not None
    millis, _, device = parse_version(team.version)
    assert device == db.device_id and millis > 0
    first = team.version
    with db.session(person_id=ana.id) as s:
        s.add(team)
        team.name = "East coast"
    assert team.version > first  # an edit always moves the version forward


def test_role_must_be_known(db):
    _refused(db, Person(name="X", role="boss"))


def test_person_name_cannot_be_blank(db):
    _refused(db, Person(name="   ", role=Role.REP))


def test_team_names_are_unique(db):
    with db.session() as s:
        s.add(Team(name="West"))
    _refused(db, Team(name="West"))


def test_cross_sell_cannot_suggest_the_same_product(db):
    a, _, _ = _products(db)
    _refused(db, CrossSell(product_id=a.id, suggested_id=a.id))


def test_scenario_needs_two_different_products(db):
    a, _, rubric = _products(db)
    _refused(db, _scenario(a, a, rubric))


@pytest.mark.parametrize(
    "field,value",
    [("prep_seconds", -1), ("max_answer_seconds", 2), ("allowed_attempts", 0), ("title", " ")],
)
def test_scenario_ranges(db, field, value):
    a, b, rubric = _products(db)
    _refused(db, _scenario(a, b, rubric, **{field: value}))


def test_scenario_keys_are_unique(db):
    a, b, rubric = _products(db)
    with db.session() as s:
        s.add(_scenario(a, b, rubric))
    _refused(db, _scenario(a, b, rubric))


@pytest.mark.parametrize("weight,max_score", [(0, 5), (-1, 5), (1, 0)])
def test_rubric_criterion_weights_and_scale(db, weight, max_score):
    _, _, rubric = _products(db)
    _refused(
        db,
        RubricCriterion(rubric_id=rubric.id, key="k", name="K", weight=weight, max_score=max_score),
    )


def test_assignment_goes_to_a_person_or_a_team_not_both(db, make_profile):
    a, b, rubric = _products(db)
    rep = make_profile("Rep", "rep", team="North")
    with db.session() as s:
        scenario = _scenario(a, b, rubric)
        s.add(scenario)
        team_id = s.get(Person, rep.id).team_id
    _refused(db, Assignment(scenario_id=scenario.id))
    _refused(db, Assignment(scenario_id=scenario.id, person_id=rep.id, team_id=team_id))
    with db.session() as s:
        s.add(Assignment(scenario_id=scenario.id, team_id=team_id))


def test_foreign_keys_are_enforced(db):
    """SQLite checks foreign keys only on connections that ask for it: the product's engine
    must ask on every one. Each refused row below is complete but for its missing parent,
    so only the foreign key can refuse it."""
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    orphans = [
        RubricCriterion(rubric_id="no-such-rubric", key="orphan", name="Orphan"),
        Review(submission_id="no-such-submission", reviewer_id="nobody", reviewed_at=utcnow()),
    ]
    for orphan in orphans:
        with (
            pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"),
            db.session() as s,
        ):
            s.add(orphan)
    with db.session() as s:
        assert s.scalars(select(RubricCriterion).where(RubricCriterion.key == "orphan")).all() == []
        assert s.scalars(select(Review)).all() == []


def test_hybrid_clock_orders_edits_and_survives_a_clock_going_back():
    readings = [1000, 1000, 900]
    clock = HybridClock("dev-a", wall=lambda: readings.pop(0) if len(readings) > 1 else 900)
    v1, v2, v3 = clock.tick(), clock.tick(), clock.tick()
    assert v1 < v2 < v3  # same millisecond, then the wall clock stepped back
    assert clock.observe("0000000005000.00007.dev-b")  # a device whose clock runs ahead
    assert clock.tick() > "0000000005000.00007.dev-b"


def test_a_team_made_with_a_new_profile_is_that_persons_and_dated_after_it(db):
    """The first start makes the profile and the team typed beside it in one go: the team is
    the new person's (so it can be signed as theirs) and is dated after their profile (so
    the rules, which look at people as of each version, already know them)."""
    from app.core.models import Person, Team
    from app.core.profiles import create_profile

    with db.session() as s:
        ana = create_profile(s, "Ana", Role.REP, "North")
    with db.session() as s:
        person, team = s.get(Person, ana.id), s.scalar(select(Team))
        assert team.edited_by == ana.id and team.author_id == ana.id
        assert person.version < team.version
