"""The built-in pack is the same on every device, and never undoes an edit through sync."""

from __future__ import annotations

from sync_support import make_device  # noqa: F401  (fixture)

from app.core.models import Scenario


def _builtin(device, key: str) -> Scenario:
    with device.db.session() as s:
        return s.query(Scenario).filter_by(key=key).one()


def test_builtin_records_are_identical_on_every_device(make_device):  # noqa: F811
    one, two = make_device("one"), make_device("two")
    a, b = _builtin(one, "burger-fries"), _builtin(two, "burger-fries")
    assert (a.id, a.version, a.created_at, a.updated_at) == (
        b.id, b.version, b.created_at, b.updated_at,
    )  # fmt: skip
    assert a.device_id == "shipped"


def test_a_device_installed_later_does_not_overwrite_a_trainers_edit(make_device, tmp_path):  # noqa: F811
    (tmp_path / "share").mkdir()
    remote = f"folder:{tmp_path / 'share'}"
    first = make_device("first", remote)
    trainer = first.make_person("Tina Trainer", "trainer")
    scenario_id = _builtin(first, "burger-fries").id
    first.edit_scenario(trainer, scenario_id, "Burger alone, late at night")
    first.sync()

    later = make_device("later", remote)  # loads the built-in pack after the edit was made
    later.sync()
    first.sync()
    assert _builtin(later, "burger-fries").title == "Burger alone, late at night"
    assert _builtin(first, "burger-fries").title == "Burger alone, late at night"
