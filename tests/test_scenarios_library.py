"""The library API the UI uses: search, details, drafts, validation and saving."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.errors import NotFound, PermissionDenied
from app.core.models import Scenario
from app.scenarios.library import (
    DraftInvalid,
    ScenarioDraft,
    get_scenario,
    list_products,
    list_rubrics,
    save_scenario,
    search_scenarios,
    validate_draft,
)
from app.scenarios.rubrics import Criterion


def _keys(rows):
    return [r.key for r in rows]


def test_search_by_text_keyword_tag_and_product(ctx):
    with ctx.db.session() as s:
        assert _keys(search_scenarios(s, "SOUND quality")) == ["phone-headset-sound"]
        # a keyword to mention
        assert _keys(search_scenarios(s, "noise cancelling")) == ["phone-headset-sound"]
        # a tag, and every word must match
        assert "bank-life-insurance" in _keys(search_scenarios(s, "regulated"))
        assert _keys(search_scenarios(s, "regulated cardiology")) == ["pacemaker-loop-recorder"]
        # a product name
        assert _keys(search_scenarios(s, "loop recorder")) == ["pacemaker-loop-recorder"]
        # product filter: the printer is a cross-sell in one scenario and the product in another
        assert _keys(search_scenarios(s, product_key="printer")) == [
            "computer-printer",
            "printer-ink",
        ]
        assert _keys(search_scenarios(s, "subscription", product_key="printer")) == ["printer-ink"]
        assert search_scenarios(s, "no such words anywhere") == []
        assert search_scenarios(s, "100%_") == []  # LIKE wildcards are plain characters


def test_full_list_is_sorted_by_title_and_limited(ctx):
    with ctx.db.session() as s:
        rows = search_scenarios(s)
        assert [r.title.lower() for r in rows] == sorted(r.title.lower() for r in rows)
        assert len(search_scenarios(s, limit=3)) == 3
        row = next(r for r in rows if r.key == "burger-fries")
    assert (row.product, row.cross_sell, row.difficulty) == ("Burger", "Fries", "easy")
    assert row.tags == ("food", "quick service")


def test_get_scenario_by_id_or_key_and_not_found(ctx):
    with ctx.db.session() as s:
        by_key = get_scenario(s, "printer-ink", ctx.paths.media)
        by_id = get_scenario(s, by_key.id, ctx.paths.media)
        with pytest.raises(NotFound, match="no scenario 'nope'"):
            get_scenario(s, "nope", ctx.paths.media)
        products, rubrics = list_products(s), list_rubrics(s)
    assert by_id == by_key and by_key.rubric_key == "consultative-retail"
    assert ("printer", "Colour inkjet printer") in products
    assert [n for _, n in products] == sorted((n for _, n in products), key=str.lower)
    assert ("quick-service", "Quick-service suggestion") in rubrics


def _draft() -> ScenarioDraft:
    d = ScenarioDraft.blank()
    d.title = "Gym member asks about sore knees"
    d.situation = "A member of two years mentions knee pain after running classes."
    d.customer_line = "My knees hurt after every class lately."
    d.product_key, d.cross_sell_key = "laptop", "office-software"
    d.talking_points = ["Ask about the pain first."]
    d.keywords_mention = ["Physio"]
    d.tags = ["fitness"]
    d.rubric_key = "gym-rubric"
    d.criteria = [Criterion("care", "Shows care", "", 2.0, 5)]
    return d


def test_validate_draft_names_each_field(ctx):
    d = ScenarioDraft.blank()
    d.cross_sell_key = "laptop"
    d.product_key = "laptop"
    d.prep_seconds = 99999
    d.criteria = [Criterion("a", "A", "", 0, 5), Criterion("a", "B", "", 1, 500)]
    with ctx.db.session() as s:
        errors = {(e.field, e.message) for e in validate_draft(s, d)}
    fields = {f for f, _ in errors}
    assert {"title", "situation", "customer_line", "talking_points", "rubric_key"} <= fields
    assert ("title", "Give the scenario a title.") in errors
    assert any(f == "prep_seconds" and "0 to 3600" in m for f, m in errors)
    assert any(f == "cross_sell_key" and "different product" in m for f, m in errors)
    criteria = [m for f, m in errors if f == "criteria"]
    assert any("Criterion 1" in m and "more than 0" in m for m in criteria)
    assert any("Criterion 2" in m and "used twice" in m for m in criteria)
    assert any("Criterion 2" in m and "1 to 100" in m for m in criteria)
    assert "key" not in fields  # a blank key is made from the title on save


def test_save_creates_then_updates_and_fills_search_text(ctx, make_profile):
    trainer = make_profile("Tina", "trainer")
    with ctx.session() as s:
        created = save_scenario(s, _draft(), trainer)
    assert created.key == "gym-member-asks-about-sore-knees"
    assert created.rubric_name == "Gym member asks about sore knees"
    with ctx.session() as s:
        assert _keys(search_scenarios(s, "physio knees")) == [created.key]
        draft = ScenarioDraft.from_detail(get_scenario(s, created.id, ctx.paths.media))
        draft.title = "Member with sore knees"
        draft.criteria.append(Criterion("advice", "Gives safe advice", "", 1.0, 5))
        updated = save_scenario(s, draft, trainer)
    assert updated.id == created.id and len(updated.criteria) == 2
    with ctx.db.session() as s:
        text = s.scalar(select(Scenario.search_text).where(Scenario.id == created.id))
        assert "member with sore knees" in text and "office software subscription" in text
        assert search_scenarios(s, "gym member") == []
    # a second new scenario with the same title gets its own key
    with ctx.session() as s:
        again = save_scenario(s, _draft(), trainer)
    assert again.key == "gym-member-asks-about-sore-knees-2"


def test_save_refuses_reps_and_invalid_drafts(ctx, make_profile):
    rep = make_profile("Rick", "rep")
    trainer = make_profile("Tina", "trainer")
    with ctx.session() as s, pytest.raises(PermissionDenied, match="Rick is a rep"):
        save_scenario(s, _draft(), rep)
    bad = _draft()
    bad.key = "phone-headset-sound"  # taken by a built-in
    bad.title = ""
    with ctx.session() as s, pytest.raises(DraftInvalid) as caught:
        save_scenario(s, bad, trainer)
    assert {e.field for e in caught.value.errors} == {"key", "title"}
    with ctx.db.session() as s:
        assert search_scenarios(s, "sore knees") == []
