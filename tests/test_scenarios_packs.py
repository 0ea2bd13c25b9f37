"""Good packs: import with media, upsert, export round trips, the built-in pack."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from scenarios_support import dump_database, make_audio, pack_data, scenario, write_pack
from sqlalchemy import func, select

from app.bootstrap import open_context
from app.core.errors import PermissionDenied
from app.core.media import sha256_file
from app.core.models import LocalState, Rubric, RubricCriterion, Scenario
from app.scenarios import builtin
from app.scenarios.exporter import export_pack
from app.scenarios.importer import import_pack
from app.scenarios.library import get_scenario, search_scenarios
from app.scenarios.pack import read_pack


@pytest.fixture
def trainer_ctx(ctx, make_profile):
    ctx.use_profile(make_profile("Tina", "trainer"))
    return ctx


def _media_pack(tmp_path):
    audio = make_audio(tmp_path / "src" / "customer.m4a")
    data = pack_data(
        scenarios=[
            scenario("tent-bag", prompt_media="media/customer.m4a"),
            scenario("tent-mat", title="Tent buyer sleeping on the ground", tags=["outdoor"]),
        ]
    )
    return write_pack(tmp_path / "pack", data, media={"media/customer.m4a": audio}), audio


def test_import_stores_media_and_records_it(trainer_ctx, tmp_path):
    folder, audio = _media_pack(tmp_path)
    result = import_pack(trainer_ctx, folder)
    assert (result.created, result.updated, result.media_files) == (2, 0, 1)
    with trainer_ctx.db.session() as s:
        detail = get_scenario(s, "tent-bag", trainer_ctx.paths.media)
        row = s.scalar(select(Scenario).where(Scenario.key == "tent-bag"))
        assert row.prompt_media_name == "media/customer.m4a"
        assert row.pack_key == "outdoor"
        assert row.author_id == trainer_ctx.profile().id
    assert detail.prompt_media_path is not None
    stored = Path(detail.prompt_media_path).read_bytes()
    assert stored == audio and row.prompt_media_sha256 == sha256_file(detail.prompt_media_path)
    assert detail.cross_sell_why == "Mountain nights are cold."
    assert [(c.key, c.weight) for c in detail.criteria] == [("need", 2.0), ("close", 1.0)]


def test_reimport_updates_by_key_instead_of_duplicating(trainer_ctx, tmp_path):
    import_pack(trainer_ctx, write_pack(tmp_path / "v1", pack_data()))
    data = pack_data(scenarios=[scenario(title="Tent buyer, revised"), scenario("new-one")])
    data["rubrics"][0]["criteria"] = [
        {"key": "need", "name": "Asks about the need", "weight": 3, "max_score": 10}
    ]
    result = import_pack(trainer_ctx, write_pack(tmp_path / "v2", data))
    assert (result.created, result.updated) == (1, 1)
    with trainer_ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Scenario).where(
            Scenario.key.in_(["tent-bag", "new-one"]))) == 2  # fmt: skip
        titles = [r.title for r in search_scenarios(s, "tent buyer")]
        assert "Tent buyer, revised" in titles
        rubric = s.scalar(select(Rubric).where(Rubric.key == "basic"))
        live = [(c.key, c.weight, c.max_score) for c in rubric.criteria if not c.deleted]
        assert live == [("need", 3.0, 10)]
        # the dropped criterion is tombstoned (it may have synced elsewhere), not erased
        gone = s.scalar(select(RubricCriterion).where(RubricCriterion.key == "close"))
        assert gone.deleted is True


def test_an_unchanged_reimport_changes_no_row(trainer_ctx, tmp_path):
    folder = write_pack(tmp_path / "pack", pack_data())
    import_pack(trainer_ctx, folder)
    before = dump_database(trainer_ctx)
    import_pack(trainer_ctx, folder)
    assert dump_database(trainer_ctx) == before  # same versions: nothing to sync


def test_a_rep_cannot_import(ctx, make_profile, tmp_path):
    ctx.use_profile(make_profile("Rick", "rep"))
    before = dump_database(ctx)
    with pytest.raises(PermissionDenied, match="Only trainers and managers can import"):
        import_pack(ctx, write_pack(tmp_path / "pack", pack_data()))
    assert dump_database(ctx) == before


@pytest.mark.parametrize("target", ["export-folder", "export.zip"])
def test_export_import_export_is_identical(trainer_ctx, tmp_path, target):
    folder, audio = _media_pack(tmp_path)
    import_pack(trainer_ctx, folder)
    first = tmp_path / "first" / target
    with trainer_ctx.db.session() as s:
        export_pack(s, first, trainer_ctx.paths.media)

    fresh = open_context(tmp_path / "fresh-data")
    try:
        with fresh.session() as s:
            from app.core.profiles import create_profile, parse_role

            fresh.use_profile(create_profile(s, "Tom", parse_role("manager")))
        import_pack(fresh, first)
        second = tmp_path / "second" / target
        with fresh.db.session() as s:
            result = export_pack(s, second, fresh.paths.media)
    finally:
        fresh.close()

    a, b = _files(first), _files(second)
    assert a == b
    assert a["pack.yaml"].startswith(b"format: crosscoach-pack\nversion: 1\n")
    assert a["media/customer.m4a"] == audio
    assert result.scenarios >= 13  # the 11 built-ins and the 2 imported


def test_export_of_one_scenario_carries_only_what_it_needs(trainer_ctx, tmp_path):
    with trainer_ctx.db.session() as s:
        export_pack(s, tmp_path / "one", trainer_ctx.paths.media, ["printer-ink"])
    pack = read_pack(tmp_path / "one")
    pack.source.close()
    assert [sc.values.key for sc in pack.scenarios] == ["printer-ink"]
    assert sorted(p.key for p in pack.products) == ["ink-subscription", "printer"]
    assert [(c.product, c.suggested) for c in pack.cross_sells] == [("printer", "ink-subscription")]
    assert [r.key for r in pack.rubrics] == ["consultative-retail"]


def test_export_never_overwrites(trainer_ctx, tmp_path):
    target = tmp_path / "taken.zip"
    target.write_bytes(b"precious")
    with trainer_ctx.db.session() as s, pytest.raises(Exception, match="does not overwrite"):
        export_pack(s, target, trainer_ctx.paths.media)
    assert target.read_bytes() == b"precious"


def test_a_zip_with_the_pack_in_one_folder_imports(trainer_ctx, tmp_path):
    folder, audio = _media_pack(tmp_path)
    archive = tmp_path / "shared.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"outdoor-pack/{path.relative_to(folder).as_posix()}")
    result = import_pack(trainer_ctx, archive)
    assert (result.created, result.media_files) == (2, 1)


def test_builtin_pack_loads_once_and_again_only_when_newer(ctx, monkeypatch, tmp_path):
    with ctx.db.session() as s:
        assert s.get(LocalState, builtin.STATE_KEY).value == "1"
        assert len(search_scenarios(s)) >= 10
    assert builtin.ensure_builtin_pack(ctx) is False  # already there: nothing to do

    shipped = builtin.builtin_pack_file().read_text(encoding="utf-8")
    newer = tmp_path / "builtin"
    write_pack(
        newer,
        shipped.replace("  version: 1\n", "  version: 2\n", 1).replace(
            "Burger on its own at the counter", "Burger ordered alone at the counter"
        ),
    )
    monkeypatch.setattr(builtin, "builtin_pack_file", lambda: newer / "pack.yaml")
    assert builtin.ensure_builtin_pack(ctx) is True
    with ctx.db.session() as s:
        assert s.get(LocalState, builtin.STATE_KEY).value == "2"
        assert [r.title for r in search_scenarios(s, "burger")] == [
            "Burger ordered alone at the counter"
        ]
        assert s.scalar(select(Scenario.author_id).where(Scenario.key == "burger-fries")) is None


def test_builtin_scenarios_are_complete(ctx):
    with ctx.db.session() as s:
        rows = search_scenarios(s)
        details = [get_scenario(s, r.key, ctx.paths.media) for r in rows]
    pairs = {(d.product_key, d.cross_sell_key) for d in details}
    for pair in [
        ("smartphone", "wireless-headset"),
        ("email-marketing", "crm"),
        ("desktop-computer", "printer"),
        ("printer", "ink-subscription"),
        ("burger", "fries"),
        ("current-account", "life-insurance"),
        ("pacemaker", "loop-recorder"),
    ]:
        assert pair in pairs
    for d in details:
        assert d.situation and d.customer_line and d.cross_sell_why
        assert len(d.talking_points) >= 4 and d.keywords_mention and d.keywords_avoid
        assert d.criteria and all(c.weight > 0 for c in d.criteria)
    assert "sound quality" in next(d for d in details if d.key == "phone-headset-sound").title


def _files(path):
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            return {n: zf.read(n) for n in zf.namelist()}
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}


def test_the_example_in_the_format_document_is_valid(tmp_path):
    doc = (Path(__file__).parents[1] / "docs" / "scenario-format.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    folder = write_pack(tmp_path / "outdoor-pack", example)
    make_audio(folder / "media" / "customer-tent.m4a")
    pack = read_pack(folder)
    pack.source.close()
    assert [s.values.key for s in pack.scenarios] == ["tent-sleeping-bag"]
    assert [c.weight for c in pack.rubrics[0].criteria] == [3.0, 2.0, 1.0]


def test_two_data_folders_give_the_builtins_the_same_ids(ctx, tmp_path):
    """Every device loads the built-in pack offline; sync must see one record, not two."""
    other = open_context(tmp_path / "laptop-data")
    try:
        with ctx.db.session() as a, other.db.session() as b:
            mine = {(r.key, r.id) for r in search_scenarios(a)}
            theirs = {(r.key, r.id) for r in search_scenarios(b)}
            rubric_ids = [set(x.scalars(select(RubricCriterion.id))) for x in (a, b)]
    finally:
        other.close()
    assert mine == theirs and len(mine) >= 10
    assert rubric_ids[0] == rubric_ids[1]


def test_media_names_that_differ_only_in_case_stay_two_files_in_an_export(trainer_ctx, tmp_path):
    """Windows and macOS drives hold media/Customer.m4a and media/customer.m4a as one file,
    so an export renames the second rather than let one overwrite the other."""
    low = make_audio(tmp_path / "src" / "low.m4a", 440)
    high = make_audio(tmp_path / "src" / "high.m4a", 880)
    data = pack_data(
        scenarios=[
            scenario("one", prompt_media="media/customer.m4a"),
            scenario("two", prompt_media="media/Customer.m4a"),
        ]
    )
    media = {"media/customer.m4a": low, "media/Customer.m4a": high}
    import_pack(trainer_ctx, write_pack(tmp_path / "pack", data, media=media))
    with trainer_ctx.db.session() as s:
        export_pack(s, tmp_path / "out.zip", trainer_ctx.paths.media, ["one", "two"])
    pack = read_pack(tmp_path / "out.zip")
    pack.source.close()
    names = {sc.values.key: sc.prompt_media for sc in pack.scenarios}
    assert len({n.lower() for n in names.values()}) == 2
    files = _files(tmp_path / "out.zip")
    assert (files[names["one"]], files[names["two"]]) == (low, high)
