"""Three devices work offline, then meet in different orders: all end identical."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sync_support import Device, Office, assert_converged

from app.core.clock import HybridClock
from app.core.media import find_media
from app.core.models import Review, Scenario, Submission
from app.core.profiles import find_profile
from app.review.scoring import score_submission
from app.review.top_videos import mark_top

ORDERS = [(0, 1, 2), (2, 1, 0), (1, 2, 0)]


def _office(office):
    """Tina's and Tom's laptops (trainers) and Rob's (rep), all synced once. Tina adds
    the others to the team; in database mode each syncs with their own login."""
    a = office.device("tina-laptop", "Tina")
    tina = office.add(a, "Tina", "trainer")
    people = {
        "tina": tina,
        "tom": office.add(a, "Tom", "trainer", by=tina),
        "rob": office.add(a, "Rob", "rep", by=tina, team="North"),
    }
    scenario = a.make_catalogue(people["tina"], "coffee")
    spare = a.make_catalogue(people["tina"], "tea")
    a.sync()
    b, c = office.device("tom-laptop", "Tom"), office.device("rob-laptop", "Rob")
    for device in (a, b, c, a, b, c):
        device.sync()
    return (a, b, c), people, scenario, spare


@pytest.mark.parametrize(
    "kind, order",
    [("folder", o) for o in ORDERS] + [("postgres", ORDERS[1])],
    ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v)),
)
def test_concurrent_offline_work_converges_whatever_the_order(
    request, make_device, clips, tmp_path, kind, order
):
    admin = request.getfixturevalue("empty_pg") if kind == "postgres" else None
    (a, b, c), p, scenario, spare = _office(Office(kind, make_device, tmp_path, admin))
    first = c.submit(p["rob"], scenario, clips[0], note="first try")
    for device in (c, a, b):
        device.sync()

    # Everyone offline now.
    second = c.submit(p["rob"], scenario, clips[1], note="second try")
    c.comment(p["rob"], first, 2.0, "I rushed the opening")
    a.review(p["tina"], first, 70, "Bridge too late")
    b.review(p["tom"], first, 85, "Nice warmth")
    a.comment(p["tina"], first, 5.0, "Here: name the benefit")
    b.comment(p["tom"], first, 5.0, "Here too")
    a.edit_scenario(p["tina"], scenario, "Coffee and a pastry (Tina)")
    b.edit_scenario(p["tom"], scenario, "Coffee and a pastry (Tom)")
    a.delete(p["tina"], Scenario, spare)  # a delete ...
    b.edit_scenario(p["tom"], spare, "Tea, renamed")  # ... against an edit

    devices = (a, b, c)
    for i in order + order:
        assert not devices[i].sync().set_aside
    final = assert_converged(a, b, c)

    assert {r["reviewer_id"] for r in final["reviews"]} == {p["tina"], p["tom"]}
    assert len(final["comments"]) == 3  # concurrent comments never conflict
    assert {s["id"] for s in final["submissions"]} == {first, second}
    with a.db.session() as s:
        edited = s.get(Scenario, scenario)
        assert edited.title in {"Coffee and a pastry (Tina)", "Coffee and a pastry (Tom)"}
        # the later HLC version wins, on every device
        tom_later = edited.title.endswith("(Tom)")
        assert (edited.device_id == b.db.device_id) == tom_later
        tea = s.get(Scenario, spare)
        winner = "delete" if tea.deleted else "edit"
        assert (tea.device_id == a.db.device_id) == (winner == "delete")
    # the videos travelled with the submissions
    for device in devices:
        with device.db.session() as s:
            shas = set(s.scalars(select(Submission.sha256)))
        assert all(find_media(device.db.paths.media, sha) for sha in shas)


def test_same_history_same_result_in_every_order(make_device, clips, tmp_path):
    """Replaying the same offline history through every sync order gives one outcome."""
    for n, order in enumerate(itertools.permutations(range(3))):
        share = tmp_path / f"share{n}"
        share.mkdir()
        devices = [Device(tmp_path / f"run{n}-{i}", f"folder:{share}") for i in range(3)]
        try:
            a, b, c = devices
            tina = a.make_person("Tina", "trainer")
            scenario = a.make_catalogue(tina)
            for d in devices:
                d.sync()
            b.edit_scenario(tina, scenario, "from b")
            c.edit_scenario(tina, scenario, "from c")
            for i in order + order:
                devices[i].sync()
            assert_converged(*devices)
            with a.db.session() as s:
                sc = s.get(Scenario, scenario)
                # the winner is the greater version, whoever synced first
                assert sc.title == ("from c" if sc.device_id == c.db.device_id else "from b")
        finally:
            for d in devices:
                d.close()


# -- property: random offline histories -------------------------------------------

TRAINERS = (0, 1)  # devices 0 and 1 belong to trainers, device 2 to the rep
op = st.one_of(
    st.tuples(st.just("submit"), st.just(2), st.integers(0, 2)),
    st.tuples(st.just("review"), st.sampled_from(TRAINERS), st.integers(0, 100)),
    st.tuples(st.just("comment"), st.integers(0, 2), st.integers(0, 30)),
    st.tuples(st.just("edit"), st.sampled_from(TRAINERS), st.integers(0, 9)),
    st.tuples(st.just("delete"), st.sampled_from(TRAINERS), st.just(0)),
    st.tuples(st.just("sync"), st.integers(0, 2), st.just(0)),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(op, min_size=4, max_size=18), final_order=st.permutations([0, 1, 2]))
def test_random_histories_converge(clips, tmp_path_factory, history, final_order):
    root = tmp_path_factory.mktemp("history")  # a fresh folder for every example
    (root / "share").mkdir()
    devices = [Device(root / f"d{i}", f"folder:{root / 'share'}") for i in range(3)]
    try:
        _play(devices, history, final_order, clips)
    finally:
        for d in devices:
            d.close()


def _play(devices, history, final_order, clips):
    a = devices[0]
    people = [a.make_person("Tina", "trainer"), a.make_person("Tom", "trainer")]
    people.append(a.make_person("Rob", "rep"))
    scenario = a.make_catalogue(people[0])
    for d in devices:
        d.sync()
    comments = []
    for kind, who, arg in history:
        device, person = devices[who], people[who]
        with device.db.session() as s:
            subs = sorted(s.scalars(select(Submission.id)))
        if kind == "submit":
            device.submit(person, scenario, clips[arg])
        elif kind == "review" and subs:
            device.review(person, subs[arg % len(subs)], arg, f"review {arg}")
        elif kind == "comment" and subs:
            comments.append(device.comment(person, subs[arg % len(subs)], arg, f"at {arg}"))
        elif kind == "edit":
            device.edit_scenario(person, scenario, f"title {arg}")
        elif kind == "delete":
            device.delete(person, Scenario, scenario)
        elif kind == "sync":
            device.sync()
    for i in final_order + final_order:
        devices[i].sync()
    final = assert_converged(*devices)
    assert {c["id"] for c in final["comments"]} == set(comments)  # no comment is ever lost
    with a.db.session() as s:
        # one review per reviewer and submission, whatever the interleaving
        pairs = list(s.execute(select(Review.submission_id, Review.reviewer_id)))
        assert len(pairs) == len(set(pairs))


def test_clock_skew_an_edit_made_after_seeing_another_wins(make_device, tmp_path):
    """A laptop whose clock runs an hour fast cannot shadow a later edit made elsewhere."""
    (tmp_path / "share").mkdir()
    remote = f"folder:{tmp_path / 'share'}"
    fast, normal = make_device("fast", remote), make_device("normal", remote)
    tina = fast.make_person("Tina", "trainer")
    scenario = fast.make_catalogue(tina)
    hour_ahead = fast.db.clock._wall() + 3_600_000
    fast.db.clock = HybridClock(fast.db.device_id, wall=lambda: hour_ahead)
    fast.edit_scenario(tina, scenario, "edited on the fast laptop")
    fast.sync()
    normal.sync()
    normal.edit_scenario(tina, scenario, "edited later, after seeing it")
    normal.sync()
    fast.sync()
    for device in (fast, normal):
        with device.db.session() as s:
            assert s.get(Scenario, scenario).title == "edited later, after seeing it"
    assert_converged(fast, normal)


def test_one_trainer_on_two_devices_and_two_trainers_marking_one_top_video(
    make_device, clips, tmp_path
):
    """Records unique per submission (and reviewer) merge instead of clashing."""
    (tmp_path / "share").mkdir()
    remote = f"folder:{tmp_path / 'share'}"
    laptop, desktop, other = (make_device(n, remote) for n in ("laptop", "desktop", "tom"))
    tina, tom = laptop.make_person("Tina", "trainer"), laptop.make_person("Tom", "trainer")
    rob = laptop.make_person("Rob", "rep")
    sub = laptop.submit(rob, laptop.make_catalogue(tina), clips[0])
    for device in (laptop, desktop, other, laptop):
        device.sync()

    def act(device, person, work):
        with device.session(person) as s:
            work(s, find_profile(s, person))

    # all three offline
    act(laptop, tina, lambda s, me: score_submission(s, me, sub, {"opening": 2, "bridge": 2}))
    act(desktop, tina, lambda s, me: score_submission(s, me, sub, {"opening": 5, "bridge": 4}))
    act(laptop, tina, lambda s, me: mark_top(s, me, sub, "Great opening"))
    act(other, tom, lambda s, me: mark_top(s, me, sub, "Model bridge"))
    for device in (desktop, other, laptop, desktop, other, laptop):
        report = device.sync()
        assert not any("clashes" in w for w in report.warnings)
    final = assert_converged(laptop, desktop, other)
    assert len(final["reviews"]) == 1 and len(final["top_videos"]) == 1
    assert final["reviews"][0]["scores"] in (
        {"opening": 2, "bridge": 2},
        {"opening": 5, "bridge": 4},
    )
