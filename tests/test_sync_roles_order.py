"""Who may write is decided the same way on every device, whatever order changes arrive in.

Manager Mia demotes trainer Tom while Tom, offline, reviews one of Rob's takes
before that moment and another after it; rep Rob, with a patched CrossCoach,
publishes a promotion of himself and a review made "as a trainer". The three
laptops then sync in every order.
"""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import select
from sync_support import Device, as_person, assert_converged

from app.core.clock import HybridClock, wall_millis
from app.core.ids import natural_id
from app.core.models import Person, Review, Role
from app.review.leaderboard import leaderboard
from app.review.scoring import score_submission
from app.sync.merge import outgoing
from app.sync.service import SyncService


def _office(root, clips):
    """Mia's, Tom's and Rob's laptops with controllable clocks, everyone synced: Mia
    (manager) added Tom (trainer), Rob and Rae (reps); Rob handed in two takes, Rae one."""
    (root / "share").mkdir()
    base, ahead = [wall_millis()], [0, 0, 0]
    devices = [Device(root / name, f"folder:{root / 'share'}") for name in ("mia", "tom", "rob")]
    for i, d in enumerate(devices):
        d.db.clock = HybridClock(d.db.device_id, wall=lambda i=i: base[0] + ahead[i])
    m, t, r = devices
    mia = m.make_person("Mia", "manager")
    p = {"mia": mia, "tom": m.make_person("Tom", "trainer", by=mia)}
    p["rob"] = m.make_person("Rob", "rep", by=mia)
    p["rae"] = m.make_person("Rae", "rep", by=mia)
    scenario = m.make_catalogue(mia)
    p["rae_take"] = m.submit(p["rae"], scenario, clips[2])  # on Mia's laptop, in a session
    m.sync()
    r.sync()
    p["take1"] = r.submit(p["rob"], scenario, clips[0])
    p["take2"] = r.submit(p["rob"], scenario, clips[1])
    for d in (r, t, m, t):
        d.sync()
    return devices, base, ahead, p


def _offline_work(devices, base, ahead, p) -> dict:
    """Everyone offline. Returns the versions that matter."""
    m, t, r = devices
    tom, rob = p["tom"], p["rob"]
    base[0] += 10_000
    before = as_person(t, tom, lambda s, me: score_submission(s, me, p["take1"], {"opening": 4, "bridge": 4}))  # fmt: skip
    base[0] += 1_000
    with m.session(p["mia"]) as s:  # Mia demotes Tom
        s.get(Person, tom).role = Role.REP
    ahead[1] = 5_000  # Tom's clock runs a little ahead: his next review is after the demotion
    after = as_person(t, tom, lambda s, me: score_submission(s, me, p["take2"], {"opening": 5, "bridge": 5}))  # fmt: skip
    with r.session(rob) as s:  # Rob promotes himself ...
        s.get(Person, rob).role = Role.TRAINER
    forged = as_person(r, rob, lambda s, me: score_submission(s, me, p["rae_take"], {"opening": 5, "bridge": 5}))  # fmt: skip
    # ... and a patched CrossCoach publishes it without judging it first.
    with r.db.session() as s:
        mine = [c for c in outgoing(s, r.db.device_id, "") if c["table"] in ("people", "reviews")]
    mine = [c for c in mine if c["data"].get("edited_by") == rob and c["id"] in (rob, forged.id)]
    assert len(mine) == 2
    folder = r.root.parent / "share" / "devices" / r.db.device_id / "changes"
    n = max(int(f.stem) for f in folder.glob("*.json")) + 1
    payload = {"format": 1, "device_id": r.db.device_id, "seq": n, "changes": mine}
    (folder / f"{n:010d}.json").write_text(json.dumps(payload))
    return {"before": before.id, "after": after.id, "forged": forged.id}


def _reasons(device) -> dict[str, set[str]]:
    """What each set-aside change is about -> why (one device's status, as the app shows it)."""
    found: dict[str, set[str]] = {}
    for item in SyncService(device.db, device.ctx.settings).status().set_aside:
        found.setdefault(item["what"], set()).add(item["reason"])
    return found


def _board(device) -> dict:
    with device.db.session() as s:
        return leaderboard(s, "all").as_dict()


@pytest.mark.parametrize(
    "order", list(itertools.permutations(range(3))), ids=lambda o: "-".join("mtr"[i] for i in o)
)
def test_a_demotion_and_a_forged_promotion_decide_alike_in_every_order(tmp_path, clips, order):
    devices, base, ahead, p = _office(tmp_path, clips)
    try:
        versions = _offline_work(devices, base, ahead, p)
        for i in order + order:
            devices[i].sync()  # returns normally: refusals are set aside, one by one
        assert_converged(*devices)
        boards = [_board(d) for d in devices]
        assert boards[1] == boards[0] == boards[2]
        (row,) = boards[0]["entries"]
        assert row["name"] == "Rob" and row["points"] == 80.0  # the review before the demotion

        for d in devices:
            with d.db.session() as s:
                reviews = {r.id: r for r in s.scalars(select(Review))}
                roles = {p.name: p.role for p in s.scalars(select(Person))}
            assert versions["before"] in reviews and not reviews[versions["before"]].deleted
            assert versions["after"] not in reviews  # made after Tom was no trainer
            assert versions["forged"] not in reviews
            assert roles == {"Mia": Role.MANAGER, "Tom": Role.REP, "Rob": Role.REP,
                             "Rae": Role.REP}  # fmt: skip
            why = _reasons(d)
            assert why["Tom's review of Rob's take of 'coffee cross-sell'"] == {
                "only trainers and managers write reviews"
            }
            assert why["The profile 'Rob'"] == {"only managers change someone's role"}
            assert why["Rob's review of Rae's take of 'coffee cross-sell'"] == {
                "only trainers and managers write reviews"
            }
        assert natural_id("reviews", p["take2"], p["tom"]) == versions["after"]
    finally:
        for d in devices:
            d.close()
