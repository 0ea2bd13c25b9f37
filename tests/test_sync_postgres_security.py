"""Database mode: PostgreSQL itself refuses what a member's login may not write.

Every test here connects as a login the product's own ``add_member`` made (a
manager, a trainer, two reps) and writes raw SQL, as someone trying to get
around the app would; one test per rule of ``crosscoach.may_push``, allowed
and refused. The superuser (who bypasses row-level security) appears only as
the admin who sets the database up.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sync_support import PG_ADMIN, admin_engine, publish_prompt

from app.core.media import sha256_file
from app.core.models import Assignment, Reward
from app.core.profiles import find_profile
from app.review.top_videos import mark_top
from app.sync.changes import TABLE_ORDER, TABLES, row_to_change
from app.sync.postgres import add_member, setup_database


class Login:
    """Raw SQL as one member's login."""

    def __init__(self, url: str):
        self.engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))

    def insert(self, change: dict, device_id: str | None = None, pushed_by: str | None = None):
        """Publish a change the way a device does (``device_id`` may claim another device)."""
        device = device_id or change["device_id"]
        columns = "device_id, table_name, record_id, version, author_id, deleted, data"
        values = ":device, :t, :id, :v, :a, :del, CAST(:d AS jsonb)"
        if pushed_by:
            columns, values = columns + ", pushed_by", values + ", :by"
        with self.engine.begin() as c:
            c.execute(
                text(f"INSERT INTO crosscoach.changes ({columns}) VALUES ({values})"),
                {
                    "device": device,
                    "t": change["table"],
                    "id": change["id"],
                    "v": change["version"],
                    "a": change["author_id"],
                    "del": change["deleted"],
                    "d": json.dumps(change["data"]),
                    "by": pushed_by,
                },
            )

    def refused(self, change: dict, **kw) -> str:
        with pytest.raises(DBAPIError) as err:
            self.insert(change, **kw)
        assert err.value.orig.sqlstate == "42501", err.value
        return err.value.orig.diag.message_primary

    def close(self):
        self.engine.dispose()


class Team:
    """Mia (manager), Tina (trainer), Rob and Rae (reps), each on their own laptop."""

    def __init__(self, office, clips):
        self.office = office
        self.mia_laptop = office.device("mia-laptop", "Mia")
        self.mia = office.add(self.mia_laptop, "Mia", "manager")
        self.tina = office.add(self.mia_laptop, "Tina", "trainer", by=self.mia)
        self.rob = office.add(self.mia_laptop, "Rob", "rep", by=self.mia, team="North")
        self.rae = office.add(self.mia_laptop, "Rae", "rep", by=self.mia)
        self.mia_laptop.sync()
        self.tina_laptop = office.device("tina-laptop", "Tina")
        self.tina_laptop.sync()
        self.scenario = self.tina_laptop.make_catalogue(self.tina)
        self.tina_laptop.sync()
        self.rob_laptop = office.device("rob-laptop", "Rob")
        self.rob_laptop.sync()
        self.sub = self.rob_laptop.submit(self.rob, self.scenario, clips[0], note="first try")
        assert not self.rob_laptop.sync().set_aside
        self.tina_laptop.sync()
        self.review = self.tina_laptop.review(self.tina, self.sub, 60, "Clearer bridge")
        self.comment = self.tina_laptop.comment(self.tina, self.sub, 2.0, "Here")
        with self.tina_laptop.session(self.tina) as s:
            self.top = mark_top(s, find_profile(s, self.tina), self.sub, "Great opening").id
        assert not self.tina_laptop.sync().set_aside
        self.rob_laptop.sync()
        self.logins = {n: Login(office.remote_for(n)) for n in ("Mia", "Tina", "Rob", "Rae")}

    def latest(self, device, table: str, record_id: str) -> dict:
        """A device's current version of a record, as the change it would publish."""
        with device.db.session() as s:
            for c in _all(s):
                if c["table"] == table and c["id"] == record_id:
                    return json.loads(json.dumps(c))
        raise AssertionError(f"no {table} {record_id}")

    def close(self):
        for login in self.logins.values():
            login.close()


def _all(s) -> list[dict]:
    found = []
    for name in TABLE_ORDER:
        for row in s.execute(TABLES[name].select()).mappings():
            found.append(row_to_change(name, dict(row)))
    return found


def edit(change: dict, device: str, editor: str | None, n: int = 1, **data) -> dict:
    """A new version of ``change`` made on ``device`` by ``editor``, with ``data`` changed."""
    c = json.loads(json.dumps(change))
    version = f"{int(time.time() * 1000) + n:013d}.00000.{device}"
    c["data"].update(data, version=version, device_id=device, edited_by=editor)
    c.update(
        id=c["data"]["id"],
        version=version,
        device_id=device,
        author_id=c["data"]["author_id"],
        deleted=c["data"]["deleted"],
    )
    return c


def new(change: dict, device: str, editor: str | None, n: int = 1, **data) -> dict:
    """A brand-new record shaped like ``change``."""
    return edit(change, device, editor, n, id=str(uuid.uuid4()), **data)


@pytest.fixture
def team(make_device, clips, tmp_path, empty_pg):
    from sync_support import Office

    t = Team(Office("postgres", make_device, tmp_path, empty_pg), clips)
    yield t
    t.close()


def dev(laptop) -> str:
    return laptop.db.device_id


# -- the log only grows ------------------------------------------------------------------------


def test_no_member_may_update_or_delete_the_log(team):
    rob = team.logins["Rob"].engine
    with rob.connect() as c:
        with pytest.raises(DBAPIError) as err:
            c.execute(
                text(
                    "UPDATE crosscoach.changes SET data = jsonb_set(data, '{total_points}', "
                    "'100') WHERE table_name = 'reviews'"
                )
            )
        assert err.value.orig.sqlstate == "42501"
        c.rollback()
        with pytest.raises(DBAPIError):
            c.execute(text("DELETE FROM crosscoach.changes"))
        c.rollback()
        with pytest.raises(DBAPIError):
            c.execute(text("TRUNCATE crosscoach.changes"))


# -- who publishes ------------------------------------------------------------------------------


def test_a_login_that_is_no_ones_is_refused(team):
    stranger = f"{team.office.database}_stranger"
    add_member(team.office.admin_url, stranger, str(uuid.uuid4()), "rep")
    admin = admin_engine(team.office.admin_url)
    with admin.begin() as c:
        c.execute(text("DELETE FROM crosscoach.members WHERE login = :l"), {"l": stranger})
    admin.dispose()
    login = Login(team.office.remote_for("stranger"))
    try:
        change = team.latest(team.rob_laptop, "submissions", team.sub)
        reason = login.refused(edit(change, str(uuid.uuid4()), None, note="x"))
        assert reason == "your login is not a member of this team"
    finally:
        login.close()


def test_a_device_id_cannot_be_borrowed(team):
    """Rae publishes an edit of her own under Rob's device id: refused."""
    change = team.latest(team.mia_laptop, "people", team.rae)
    forged = edit(change, dev(team.rob_laptop), team.rae, name="Rae S.")
    assert "another login" in team.logins["Rae"].refused(forged)
    team.logins["Rae"].insert(edit(change, str(uuid.uuid4()), team.rae, name="Rae S."))


def test_versions_dated_a_day_ahead_are_refused(team):
    change = team.latest(team.rob_laptop, "submissions", team.sub)
    far = edit(change, dev(team.rob_laptop), team.rob, note="later")
    far["version"] = far["data"]["version"] = f"{int(time.time() * 1000) + 2 * 86400_000:013d}"
    far["version"] = far["data"]["version"] = f"{far['version']}.00000.{dev(team.rob_laptop)}"
    assert "more than a day ahead" in team.logins["Rob"].refused(far)


def test_a_change_naming_someone_else_as_its_maker_is_refused(team):
    change = team.latest(team.tina_laptop, "reviews", team.review)
    forged = edit(change, dev(team.rob_laptop), team.tina, total_points=100)
    assert team.logins["Rob"].refused(forged) == ("it names someone else as the person who made it")


def test_the_row_must_say_what_its_columns_say(team):
    """pushed_by, device, author and tombstone outside the record must match inside."""
    change = team.latest(team.rob_laptop, "submissions", team.sub)
    mine = edit(change, dev(team.rob_laptop), team.rob, note="x")
    with pytest.raises(DBAPIError) as err:
        team.logins["Rob"].insert(mine, pushed_by=f"{team.office.database}_tina")
    assert "row-level security" in str(err.value.orig)
    lying = dict(mine, author_id=team.tina)
    with pytest.raises(DBAPIError) as err:
        team.logins["Rob"].insert(lying)
    assert "row-level security" in str(err.value.orig)


# -- profiles ---------------------------------------------------------------------------------


def test_a_first_profile_takes_the_role_the_admin_gave_the_login(team, make_device):
    laptop = team.office.device("sam-laptop", "Sam")
    sam = laptop.make_person("Sam", "trainer")  # Sam says he is a trainer ...
    add_member(team.office.admin_url, f"{team.office.database}_sam", sam, "rep")  # ... he is not
    report = laptop.sync()
    assert any("role the team database gives your login (rep)" in i["reason"]
               for i in report.set_aside)  # fmt: skip
    honest = team.office.device("sid-laptop", "Sid")
    sid = honest.make_person("Sid", "rep")
    add_member(team.office.admin_url, f"{team.office.database}_sid", sid, "rep")
    assert not honest.sync().set_aside


def test_a_login_whose_profile_is_not_published_yet_is_refused(team):
    laptop = team.office.device("sue-laptop", "Sue")
    sue = str(uuid.uuid4())
    add_member(team.office.admin_url, f"{team.office.database}_sue", sue, "trainer")
    change = team.latest(team.tina_laptop, "reviews", team.review)
    review = new(change, dev(laptop), sue, author_id=sue, reviewer_id=sue)
    assert "not in the team database yet" in Login(laptop.remote).refused(review)


def test_people_rules(team):
    mia, tina, rob = (team.logins[n] for n in ("Mia", "Tina", "Rob"))
    rob_profile = team.latest(team.mia_laptop, "people", team.rob)
    # a rep adds a rep (a shared computer's "I am new here"), never a trainer
    rob.insert(new(rob_profile, dev(team.rob_laptop), team.rob, author_id=team.rob, name="Ria"))
    assert "only trainers and managers add" in rob.refused(
        new(
            rob_profile,
            dev(team.rob_laptop),
            team.rob,
            author_id=team.rob,
            name="Boss",
            role="manager",
        )  # fmt: skip
    )
    # a rep renames himself, but cannot promote himself or remove anyone
    rob.insert(edit(rob_profile, dev(team.rob_laptop), team.rob, 1, name="Robert"))
    assert "only managers change someone's role" in rob.refused(
        edit(rob_profile, dev(team.rob_laptop), team.rob, 2, role="trainer")
    )
    assert "only trainers and managers remove" in rob.refused(
        edit(
            team.latest(team.mia_laptop, "people", team.rae),
            dev(team.rob_laptop),
            team.rob,
            3,
            deleted=True,
        )  # fmt: skip
    )
    assert "only the person, a trainer or a manager" in rob.refused(
        edit(
            team.latest(team.mia_laptop, "people", team.rae),
            dev(team.rob_laptop),
            team.rob,
            4,
            name="Rae the slow",
        )  # fmt: skip
    )
    # a trainer edits a profile but cannot change a role; a manager can
    tina_dev = dev(team.tina_laptop)
    tina.insert(edit(rob_profile, tina_dev, team.tina, 5, name="Rob S."))
    assert "only managers" in tina.refused(
        edit(rob_profile, tina_dev, team.tina, 6, role="trainer")
    )
    mia.insert(edit(rob_profile, dev(team.mia_laptop), team.mia, 7, role="trainer"))


def test_teams_rules(team):
    rob, tina = team.logins["Rob"], team.logins["Tina"]
    with team.mia_laptop.db.session() as s:
        north = next(c for c in _all(s) if c["table"] == "teams")
    # re-creating the team the same way is harmless; renaming it is for trainers
    rob.insert(edit(north, dev(team.rob_laptop), team.rob, 1))
    assert "only trainers and managers change teams" in rob.refused(
        edit(north, dev(team.rob_laptop), team.rob, 2, name="Rob's team")
    )
    tina.insert(edit(north, dev(team.tina_laptop), team.tina, 3, name="North-East"))
    rob.insert(new(north, dev(team.rob_laptop), team.rob, author_id=team.rob, name="South"))


# -- takes, reviews, comments -------------------------------------------------------------------


def test_submission_rules(team):
    rob, rae, tina = (team.logins[n] for n in ("Rob", "Rae", "Tina"))
    sub = team.latest(team.rob_laptop, "submissions", team.sub)
    rob_dev, tina_dev = dev(team.rob_laptop), dev(team.tina_laptop)
    rob.insert(edit(sub, rob_dev, team.rob, 1, note="I rushed the opening"))
    assert "cannot decide on their own take" in rob.refused(
        edit(sub, rob_dev, team.rob, 2, status="approved")
    )
    assert "only the rep and trainers" in rae.refused(
        edit(sub, str(uuid.uuid4()), team.rae, 3, note="Rae was here")
    )
    sub["data"]["note"] = "I rushed the opening"  # Tina's device has Rob's latest words
    tina.insert(edit(sub, tina_dev, team.tina, 4, status="approved", decision_reason=""))
    assert "only the rep and trainers" in tina.refused(
        edit(sub, tina_dev, team.tina, 5, note="a trainer rewrites the rep's note")
    )
    assert "cannot change hands" in tina.refused(
        edit(sub, tina_dev, team.tina, 6, person_id=team.rae)
    )
    fresh = new(sub, rob_dev, team.rob, author_id=team.rob)
    assert "without a decision" in rob.refused(
        dict(fresh, data={**fresh["data"], "status": "approved"})
    )
    rob.insert(fresh)
    assert "only be handed in by its rep" in rae.refused(
        new(sub, str(uuid.uuid4()), team.rae, author_id=team.rae)
    )


def test_review_rules(team):
    rob, tina = team.logins["Rob"], team.logins["Tina"]
    review = team.latest(team.tina_laptop, "reviews", team.review)
    tina.insert(edit(review, dev(team.tina_laptop), team.tina, 1, total_points=70))
    assert "only trainers and managers write reviews" in rob.refused(
        new(review, dev(team.rob_laptop), team.rob, author_id=team.rob, reviewer_id=team.rob)
    )
    assert "keeps the author" in rob.refused(
        edit(review, dev(team.rob_laptop), team.rob, 2, author_id=team.rob, reviewer_id=team.rob)
    )
    assert "only be written by its reviewer" in tina.refused(
        new(review, dev(team.tina_laptop), team.tina, author_id=team.tina, reviewer_id=team.mia)
    )


def test_comment_rules(team):
    rob, tina = team.logins["Rob"], team.logins["Tina"]
    comment = team.latest(team.tina_laptop, "comments", team.comment)
    rob.insert(new(comment, dev(team.rob_laptop), team.rob, author_id=team.rob, text="Thanks!"))
    assert "only the person who wrote a comment" in rob.refused(
        edit(comment, dev(team.rob_laptop), team.rob, 1, text="Tina never said that")
    )
    assert "keeps the author" in rob.refused(
        edit(comment, dev(team.rob_laptop), team.rob, 1, author_id=team.rob, text="Mine now")
    )
    tina.insert(edit(comment, dev(team.tina_laptop), team.tina, 2, deleted=True))


def test_top_video_rules(team):
    rob, rae, tina = (team.logins[n] for n in ("Rob", "Rae", "Tina"))
    top = team.latest(team.tina_laptop, "top_videos", team.top)
    rob_dev = dev(team.rob_laptop)
    assert "only the rep in the video agrees" in tina.refused(
        edit(
            top,
            dev(team.tina_laptop),
            team.tina,
            1,
            consent="granted",
            consent_at="2026-11-29T10:00:00+00:00",
        )  # fmt: skip
    )
    assert "only answers whether" in rob.refused(
        edit(top, rob_dev, team.rob, 2, reason="Best video ever")
    )
    assert "only trainers and managers mark" in rae.refused(
        edit(top, str(uuid.uuid4()), team.rae, 3, consent="granted")
    )
    rob.insert(edit(top, rob_dev, team.rob, 4, consent="granted",
                    consent_at="2026-11-29T10:00:00+00:00"))  # fmt: skip
    tina.insert(edit(top, dev(team.tina_laptop), team.tina, 5, reason="Great opening, named"))
    assert "only trainers and managers mark" in rob.refused(
        new(top, rob_dev, team.rob, author_id=team.rob)
    )


def test_catalogue_assignments_and_rewards_are_for_trainers(team, clips):
    rob, tina = team.logins["Rob"], team.logins["Tina"]
    with team.rob_laptop.db.session() as s:
        everything = _all(s)
    builtin = next(c for c in everything if c["table"] == "scenarios" and c["author_id"] is None)
    # a tombstone for, or a rewrite of, a built-in scenario by a rep: refused
    assert "only trainers and managers change scenarios" in rob.refused(
        edit(builtin, dev(team.rob_laptop), team.rob, 1, deleted=True)
    )
    assert "only trainers and managers change scenarios" in rob.refused(
        edit(builtin, dev(team.rob_laptop), team.rob, 2, title="Hacked by a rep")
    )
    tina.insert(edit(builtin, dev(team.tina_laptop), team.tina, 3, title="Coffee, revised"))
    for table in ("products", "rubrics", "rubric_criteria", "cross_sells"):
        item = next((c for c in everything if c["table"] == table), None)
        if item is not None:
            assert "only trainers and managers change" in rob.refused(
                edit(item, dev(team.rob_laptop), team.rob, 4, deleted=True)
            )
    with team.tina_laptop.session(team.tina) as s:
        s.add(Assignment(scenario_id=team.scenario, person_id=team.rob))
        s.add(Reward(person_id=team.rob, title="Best video"))
    assert not team.tina_laptop.sync().set_aside
    with team.tina_laptop.db.session() as s:
        mine = [c for c in _all(s) if c["table"] in ("assignments", "rewards")]
    for item in mine:
        assert "only trainers and managers change" in rob.refused(
            new(item, dev(team.rob_laptop), team.rob, author_id=team.rob)
        )


def test_a_refused_change_is_set_aside_and_the_rest_still_syncs(team):
    """A rep's device with a forged review still sends and receives everything else."""
    rob = team.rob_laptop
    rob.review(team.rob, team.sub, 100, "I am great")  # written straight into his database
    rob.comment(team.rob, team.sub, 3.0, "My own comment")
    team.tina_laptop.comment(team.tina, team.sub, 4.0, "Tina's new comment")
    team.tina_laptop.sync()
    report = rob.sync()
    assert any("review" in i["what"] and "only trainers and managers write reviews" in i["reason"]
               for i in report.set_aside)  # fmt: skip
    assert report.records_up >= 1  # his comment went out
    assert report.records_down >= 1  # Tina's comment came in
    team.tina_laptop.sync()
    comments = {c["text"] for c in team.tina_laptop.dump()["comments"]}
    assert {"My own comment", "Tina's new comment"} <= comments
    assert all(r["total_points"] != 100 for r in team.tina_laptop.dump()["reviews"])


# -- recordings --------------------------------------------------------------------------------


def test_a_member_uploads_only_recordings_of_records_they_published(team, clips):
    rae = team.logins["Rae"].engine
    with team.rob_laptop.db.session() as s:
        sha = s.execute(text("SELECT sha256 FROM submissions")).scalar_one()
    with rae.begin() as c:
        with pytest.raises(DBAPIError) as err:  # pre-seeding a bad chunk for Rob's video
            c.execute(
                text("INSERT INTO crosscoach.media_chunks (sha256, n, data) VALUES (:s, 0, 'x')"),
                {"s": sha},
            )
        assert "row-level security" in str(err.value.orig)
    with rae.begin() as c:
        assert c.execute(text("DELETE FROM crosscoach.media_chunks")).rowcount == 0
    # the trainer's own prompt video: she may upload it, and only she publishes it
    prompt = publish_prompt(team.tina_laptop, team.tina, team.scenario, clips[1])
    assert team.tina_laptop.sync().media_up == 1
    assert prompt == sha256_file(clips[1])


def test_a_garbage_upload_never_becomes_the_recording(team, clips):
    tina = team.logins["Tina"].engine
    publish_prompt(team.tina_laptop, team.tina, team.scenario, clips[2])
    team.tina_laptop.sync()
    sha = sha256_file(clips[2])
    with tina.begin() as c:
        c.execute(text("DELETE FROM crosscoach.media_chunks WHERE sha256 = :s"), {"s": sha})
        c.execute(
            text("INSERT INTO crosscoach.media_chunks (sha256, n, data) VALUES (:s, 0, 'junk')"),
            {"s": sha},
        )
    with tina.begin() as c, pytest.raises(DBAPIError) as err:
        c.execute(text("SELECT crosscoach.publish_media(:s, '.mp4', 4)"), {"s": sha})
    assert "did not match its SHA-256" in str(err.value.orig)


# -- one team's database is not another's --------------------------------------------------------


@pytest.fixture
def other_team():
    """A second team's database on the same server, set up the same way."""
    name = f"crosscoach_sync_other_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    setup_database(url)
    yield url
    with admin.connect() as c:
        c.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        c.execute(text(f'DROP DATABASE "{name}"'))
        c.execute(text(f'DROP ROLE IF EXISTS "{name}_team"'))
    admin.dispose()


def test_a_login_reaches_only_its_own_teams_database(team, other_team):
    rob_url = team.office.remote_for("Rob")
    elsewhere = rob_url.rsplit("/", 1)[0] + "/" + other_team.rsplit("/", 1)[1]
    engine = create_engine(elsewhere.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with pytest.raises(OperationalError) as err:
            engine.connect()
        assert "permission denied for database" in str(err.value.orig)
    finally:
        engine.dispose()


def test_the_admin_still_sets_up_and_reads_everything(team):
    """The superuser path works for the admin: setting up again, and reading the log."""
    setup_database(team.office.admin_url)
    admin = admin_engine(team.office.admin_url)
    with admin.connect() as c:
        assert c.scalar(text("SELECT count(*) FROM crosscoach.changes")) > 0
        logins = set(c.scalars(text("SELECT login FROM crosscoach.members")))
    admin.dispose()
    assert {f"{team.office.database}_{n}" for n in ("mia", "tina", "rob", "rae")} <= logins


def test_a_removed_profile_publishes_nothing_more(team):
    """Mia removes Rae from the team: Rae's login can publish nothing after that."""
    mia, rae = team.logins["Mia"], team.logins["Rae"]
    rae_profile = team.latest(team.mia_laptop, "people", team.rae)
    mia.insert(edit(rae_profile, dev(team.mia_laptop), team.mia, 1, deleted=True))
    late = new(rae_profile, str(uuid.uuid4()), team.rae, 5, author_id=team.rae, name="Rae 2")
    assert rae.refused(late) == "your profile was removed from the team"


def test_a_table_that_does_not_sync_is_refused(team):
    change = team.latest(team.rob_laptop, "submissions", team.sub)
    odd = edit(change, dev(team.rob_laptop), team.rob, 1, note="x")
    odd["table"] = "secrets"
    assert team.logins["Rob"].refused(odd) == "it is a kind of record CrossCoach does not sync"
