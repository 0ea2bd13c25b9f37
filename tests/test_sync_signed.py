"""A team with a roster: changes are signed, and forged ones are refused everywhere.

Mia (manager) founds the roster on her laptop; Tina (trainer) and Rob (rep) ask
to join with their own keys and Mia approves them. Everything goes through the
product's functions (app.sync.roster, the review and practice domain), and
through the real shared folder or the real team database with member logins.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sync_support import Office, as_person, assert_converged

from app.core.models import Role
from app.identity.keys import Keys
from app.review.leaderboard import leaderboard
from app.review.periods import ALL_TIME
from app.review.scoring import score_submission
from app.sync import roster, signing
from app.sync.merge import outgoing


def found_team(office: Office):
    """Mia founds the roster; Tina and Rob join (their requests approved by Mia)."""
    mia_laptop = office.device("mia-laptop", "Mia")
    mia = office.add(mia_laptop, "Mia", "manager")
    tina = office.add(mia_laptop, "Tina", "trainer", by=mia)
    rob = office.add(mia_laptop, "Rob", "rep", by=mia)
    mia_keys = mia_laptop.key_for(mia)
    as_person(mia_laptop, mia, lambda s, me: roster.found(s, me, mia_keys))
    scenario = mia_laptop.make_catalogue(mia)
    assert not mia_laptop.sync().set_aside
    laptops = {"mia": mia_laptop}
    for name, person in (("tina", tina), ("rob", rob)):
        laptop = office.device(f"{name}-laptop", name.title())
        laptop.sync()
        keys = laptop.key_for(person)
        as_person(laptop, person, lambda s, me, keys=keys: roster.ask_to_join(s, me, keys))
        laptop.sync()
        laptops[name] = laptop
    mia_laptop.sync()
    for person in (tina, rob):
        as_person(mia_laptop, mia, lambda s, me, p=person: roster.approve(s, me, mia_keys, p))
    assert not mia_laptop.sync().set_aside
    for laptop in (laptops["tina"], laptops["rob"], mia_laptop):
        assert not laptop.sync().set_aside
    return laptops, {"mia": mia, "tina": tina, "rob": rob}, scenario


@pytest.fixture
def folder_team(make_device, tmp_path):
    return found_team(Office("folder", make_device, tmp_path))


def _board(device) -> list[tuple[str, float]]:
    with device.db.session() as s:
        return [(e.name, e.points) for e in leaderboard(s, ALL_TIME).entries]


def _share_file(office_share, device, payload: dict) -> None:
    folder = office_share / "devices" / device.db.device_id / "changes"
    taken = sorted(int(p.stem) for p in folder.glob("*.json"))
    (folder / f"{taken[-1] + 1:010d}.json").write_text(json.dumps(payload))


def test_a_rep_forging_a_trainers_review_three_ways_is_refused_everywhere(
    folder_team, clips, tmp_path
):
    laptops, p, scenario = folder_team
    rob, tina, mia = laptops["rob"], laptops["tina"], laptops["mia"]
    take = rob.submit(p["rob"], scenario, clips[0])
    rob.sync()
    tina.sync()
    as_person(tina, p["tina"], lambda s, me: score_submission(s, me, take, {"opening": 1, "bridge": 1}))  # fmt: skip
    tina.sync()
    for laptop in (rob, mia):
        laptop.sync()
    board = _board(mia)
    with tina.db.session() as s:
        review = next(c for c in outgoing(s, tina.db.device_id, "") if c["table"] == "reviews")
    share = tmp_path / "share"

    def newer(change: dict, n: int, **data) -> dict:
        c = json.loads(json.dumps(change))
        version = f"{int(time.time() * 1000) + n:013d}.00000.{rob.db.device_id}"
        c["data"].update(data, version=version, device_id=rob.db.device_id)
        c.update(version=version, device_id=rob.db.device_id)
        return c

    # 1. a hand-edited change file: Tina's review with full marks, unsigned
    forged = newer(review, 1, total_points=100.0)
    _share_file(share, rob, {"format": 1, "device_id": rob.db.device_id, "changes": [forged]})
    # 2. Tina's own signed batch, copied, with the score changed inside the signed text
    honest = newer(review, 2)
    text = signing.canonical([honest])
    signature = signing.sign(tina.keys[p["tina"]], p["tina"], text).as_json()
    tampered = text.replace('"total_points":', '"total_points":100.0,"x":', 1)
    _share_file(share, rob, {"format": 2, "device_id": rob.db.device_id, "signed": signature,
                             "changes": tampered})  # fmt: skip
    # 3. signed with Rob's own (valid) key, naming Tina as the one who made it
    in_her_name = newer(review, 3, total_points=100.0)
    text = signing.canonical([in_her_name])
    own = signing.sign(rob.keys[p["rob"]], p["rob"], text).as_json()
    _share_file(share, rob, {"format": 2, "device_id": rob.db.device_id, "signed": own,
                             "changes": text})  # fmt: skip

    for laptop in (mia, tina):
        report = laptop.sync()
        reasons = " | ".join(f"{i['what']}: {i['reason']}" for i in report.set_aside)
        assert "it is not signed" in reasons
        assert "its signature does not match: it was changed after it was signed" in reasons
        assert "signed by someone else than the person who made it" in reasons
        assert _board(laptop) == board  # the leaderboard does not move
        assert [r["total_points"] for r in laptop.dump()["reviews"]] == [20.0]  # 1 + 1 of 10


def test_a_revoked_key_signs_nothing_after_its_revocation_but_its_history_stays(folder_team, clips):
    laptops, p, scenario = folder_team
    rob, mia, tina = laptops["rob"], laptops["mia"], laptops["tina"]
    first = rob.submit(p["rob"], scenario, clips[0])
    rob.sync()
    mia.sync()
    # Rob's laptop is stolen: Mia revokes his key from now on.
    revoked_at = mia.db.clock.tick()
    keys = mia.keys[p["mia"]]
    as_person(mia, p["mia"], lambda s, me: roster.revoke(s, me, keys, p["rob"], revoked_at))
    mia.sync()
    # The thief (Rob's laptop, which has not heard of the revocation) comments afterwards.
    rob.comment(p["rob"], first, 1.0, "written by whoever has the laptop")
    rob.sync()
    for laptop in (tina, mia):
        report = laptop.sync()
        assert any("revoked" in i["reason"] for i in report.set_aside)
        dump = laptop.dump()
        assert first in {s["id"] for s in dump["submissions"]}  # history signed before stays
        assert not [c for c in dump["comments"] if "whoever" in c["text"]]
    assert_converged(mia, tina)


def test_changes_from_before_the_roster_stay_valid_and_later_unsigned_ones_are_refused(
    make_device, clips, tmp_path
):
    office = Office("folder", make_device, tmp_path)
    old = office.device("old-laptop", "Tina")
    tina = office.add(old, "Tina", "trainer")
    rob = office.add(old, "Rob", "rep", by=tina)
    scenario = old.make_catalogue(tina)
    take = old.submit(rob, scenario, clips[0])
    old.sync()  # the team's history, from before anyone signed
    mia_laptop = office.device("mia-laptop", "Mia")
    mia_laptop.sync()
    mia = office.add(mia_laptop, "Mia", "manager")
    keys = mia_laptop.key_for(mia)
    as_person(mia_laptop, mia, lambda s, me: roster.found(s, me, keys))
    mia_laptop.sync()
    old.sync()
    # an older CrossCoach (no keys) goes on writing unsigned changes after the founding
    as_person(old, tina, lambda s, me: score_submission(s, me, take, {"opening": 3, "bridge": 3}))
    report = old.sync()
    assert any("waits until Tina signs in" in i["reason"] for i in report.set_aside)
    old.keys.clear()
    mia_laptop.sync()
    dump = mia_laptop.dump()
    assert take in {s["id"] for s in dump["submissions"]}  # history from before: accepted
    assert not dump["reviews"]  # nothing unsigned after the founding


def test_a_second_founding_is_refused_and_the_team_code_stays(folder_team, tmp_path):
    """Tina (a trainer) publishes, with a key of her own, a roster entry making herself the
    manager of a roster of her own: every device refuses it; the team code is unchanged."""
    laptops, p, _ = folder_team
    tina, mia = laptops["tina"], laptops["mia"]
    with mia.db.session() as s:
        code = roster.team_code(s)
    assert code and len(code.split()) == 4
    rogue = Keys.generate()
    version = f"{int(time.time() * 1000):013d}.00000.{tina.db.device_id}"
    now = "2026-11-29T10:00:00+00:00"
    data = {
        "id": str(uuid.uuid4()), "person_id": p["tina"], "name": "Tina", "role": "manager",
        "public_key": rogue.public_bytes().hex(), "valid_from": roster.FROM_THE_START,
        "revoked_at": None, "author_id": p["tina"], "device_id": tina.db.device_id,
        "created_at": now, "updated_at": now, "version": version, "deleted": False,
        "edited_by": p["tina"],
    }  # fmt: skip
    change = {"table": "roster", "id": data["id"], "version": version, "deleted": False,
              "author_id": p["tina"], "device_id": tina.db.device_id, "data": data}  # fmt: skip
    text = signing.canonical([change])
    signed = signing.sign(rogue, p["tina"], text).as_json()
    _share_file(tmp_path / "share", tina, {"format": 2, "device_id": tina.db.device_id,
                                           "signed": signed, "changes": text})  # fmt: skip
    for laptop in (mia, laptops["rob"]):
        report = laptop.sync()
        assert any(i["reason"] == "the team's roster was already founded" for i in report.set_aside)
        with laptop.db.session() as s:
            assert roster.team_code(s) == code
            assert [m.role for m in roster.members(s) if m.person_id == p["tina"]] == ["trainer"]


@pytest.mark.parametrize("kind", ["folder", "postgres"])
def test_three_devices_converge_with_signed_changes(request, make_device, clips, tmp_path, kind):
    admin = request.getfixturevalue("empty_pg") if kind == "postgres" else None
    laptops, p, scenario = found_team(Office(kind, make_device, tmp_path, admin))
    rob, tina, mia = laptops["rob"], laptops["tina"], laptops["mia"]
    first = rob.submit(p["rob"], scenario, clips[0], note="first try")
    for laptop in (rob, tina, mia):
        laptop.sync()
    # everyone offline
    second = rob.submit(p["rob"], scenario, clips[1], note="second try")
    rob.comment(p["rob"], first, 2.0, "I rushed the opening")
    tina.review(p["tina"], first, 70, "Bridge too late")
    mia.review(p["mia"], first, 85, "Nice warmth")
    tina.comment(p["tina"], first, 5.0, "Here: name the benefit")
    mia.edit_scenario(p["mia"], scenario, "Coffee and a pastry")
    for order in ((rob, tina, mia), (mia, tina, rob)):
        for laptop in order:
            assert not laptop.sync().set_aside
    final = assert_converged(rob, tina, mia)
    assert {r["reviewer_id"] for r in final["reviews"]} == {p["tina"], p["mia"]}
    assert {s["id"] for s in final["submissions"]} == {first, second}
    assert len(final["comments"]) == 2


def test_an_invitation_brings_a_new_member_in_with_the_right_team_code(folder_team, make_device):
    laptops, p, _ = folder_team
    mia = laptops["mia"]
    with mia.session(p["mia"]) as s:
        from app.core.profiles import find_profile

        invitation = roster.invite(s, find_profile(s, p["mia"]), mia.remote, "Ana Silva", Role.REP)
    path = roster.write_invitation(invitation, mia.root / "ana.crosscoach-invite")
    read = roster.read_invitation(path)
    assert read.root == invitation.root and read.role is Role.REP
    with mia.db.session() as s:
        assert signing.short(read.root) == roster.team_code(s)


def test_a_profile_added_right_after_founding_goes_out_signed_in_the_same_sync(
    make_device, tmp_path
):
    """Mia's own profile (from before the roster) and the one she adds after founding it
    leave in one sync: the first unsigned, the second signed by her. Judging the first
    must not judge the second before it is signed (it was once refused that way)."""
    office = Office("folder", make_device, tmp_path)
    laptop = office.device("mia-laptop", "Mia")
    mia = office.add(laptop, "Mia", "manager")
    keys = laptop.key_for(mia)
    as_person(laptop, mia, lambda s, me: roster.found(s, me, keys))
    nina = office.add(laptop, "Nina", "rep", by=mia)
    report = laptop.sync()
    assert report.set_aside == [] and report.warnings == []
    other = office.device("tina-laptop", "Tina")
    assert not other.sync().set_aside
    assert {p["id"] for p in other.dump()["people"]} == {mia, nina}


def test_a_profile_waiting_for_its_makers_key_is_not_refused_meanwhile(make_device, tmp_path):
    """A shared computer: Mia adds Nina, then Rob syncs while Mia is not signed in. Nina's
    profile waits for Mia's signature (Rob's changes go out); when Mia is back, it goes
    out signed and counts — it was not judged, unsigned, in the meantime."""
    office = Office("folder", make_device, tmp_path)
    laptop = office.device("shop-pc", "Shop")
    mia = office.add(laptop, "Mia", "manager")
    rob = office.add(laptop, "Rob", "rep", by=mia)
    mia_keys, rob_keys = laptop.key_for(mia), laptop.key_for(rob)
    as_person(laptop, mia, lambda s, me: roster.found(s, me, mia_keys))
    as_person(laptop, mia, lambda s, me: roster.add_member(
        s, me, mia_keys, rob, "Rob", Role.REP, rob_keys.public_bytes().hex()))  # fmt: skip
    assert not laptop.sync().set_aside
    nina = office.add(laptop, "Nina", "rep", by=mia)
    as_person(laptop, rob, lambda s, me: roster.ask_to_join(s, me, rob_keys))  # Rob's change
    del laptop.keys[mia]  # Mia is not signed in: only Rob's key opens
    report = laptop.sync()
    assert [(i["what"], i["waiting"]) for i in report.set_aside] == [("The profile 'Nina'", True)]
    laptop.keys[mia] = mia_keys
    report = laptop.sync()
    assert report.set_aside == [] and report.warnings == []
    other = office.device("tina-laptop", "Tina")
    assert not other.sync().set_aside
    assert nina in {p["id"] for p in other.dump()["people"]}
