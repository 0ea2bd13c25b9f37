"""Database mode: PostgreSQL itself refuses what a rep's login may not write."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.core.errors import UserError
from app.sync.merge import outgoing
from app.sync.postgres import add_member


@pytest.fixture
def office(pg_database, make_device, clips):
    """A trainer's device pushed a review; a rep has a login of their own."""
    admin = create_engine(pg_database.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as c:
        c.execute(text("TRUNCATE crosscoach.changes, crosscoach.media, crosscoach.media_chunks"))
    database = make_url(pg_database).database
    rep_login, trainer_login = f"{database}_rob", f"{database}_tina"
    trainer_device = make_device("tina-laptop", pg_database)
    tina = trainer_device.make_person("Tina", "trainer")
    rob = trainer_device.make_person("Rob", "rep")
    add_member(pg_database, rep_login, rob, "rep")
    add_member(pg_database, trainer_login, tina, "trainer")
    scenario = trainer_device.make_catalogue(tina)
    sub = trainer_device.submit(rob, scenario, clips[0])  # (written on Rob's behalf here)
    review = trainer_device.review(tina, sub, 60, "Needs a clearer bridge")
    trainer_url = pg_database.replace("postgres@", f"{trainer_login}@")
    trainer_device.sync(trainer_url)  # the trainer's own login may publish all of it
    rep_url = pg_database.replace("postgres@", f"{rep_login}@").replace(
        "postgresql://", "postgresql+psycopg://"
    )
    rep = create_engine(rep_url)
    yield {"rep": rep, "rob": rob, "tina": tina, "review": review, "sub": sub}
    rep.dispose()
    admin.dispose()


def _review_row(c, review_id):
    return c.execute(
        text(
            "SELECT data FROM crosscoach.changes WHERE table_name = 'reviews' "
            "AND record_id = :r ORDER BY seq DESC LIMIT 1"
        ),
        {"r": review_id},
    ).scalar_one()


def _insert(c, data: dict, table: str = "reviews"):
    c.execute(
        text(
            "INSERT INTO crosscoach.changes (device_id, table_name, record_id, version, "
            "author_id, deleted, data) VALUES ('tampered', :t, :id, :v, :a, false, "
            "CAST(:d AS jsonb))"
        ),
        {
            "t": table,
            "id": data["id"],
            "v": data["version"],
            "a": data["author_id"],
            "d": json.dumps(data),
        },
    )


def test_rep_login_cannot_update_a_trainers_review(office):
    with office["rep"].connect() as c:
        with pytest.raises(DBAPIError) as err:
            c.execute(
                text(
                    "UPDATE crosscoach.changes SET data = jsonb_set(data, '{total_points}', "
                    "'100') WHERE table_name = 'reviews'"
                )
            )
        assert err.value.orig.sqlstate == "42501"  # permission denied
        c.rollback()
        with pytest.raises(DBAPIError):
            c.execute(text("DELETE FROM crosscoach.changes"))
        c.rollback()


def test_rep_login_cannot_insert_a_newer_version_of_a_trainers_review(office):
    with office["rep"].connect() as c:
        forged = dict(_review_row(c, office["review"]))
        forged.update(total_points=100, feedback="Perfect!", version="9999999999999.00000.x")
        with pytest.raises(DBAPIError) as err:
            _insert(c, forged)
        assert "row-level security" in str(err.value.orig)
        c.rollback()
        # nor pretend to be a reviewer of their own submission
        own = dict(forged, id=str(uuid.uuid4()), author_id=office["rob"], reviewer_id=office["rob"])
        with pytest.raises(DBAPIError) as err:
            _insert(c, own)
        assert "row-level security" in str(err.value.orig)
        c.rollback()
        assert _review_row(c, office["review"])["total_points"] != 100


def test_rep_login_may_publish_their_own_submission(office):
    """The control: the same login is not simply locked out."""
    with office["rep"].begin() as c:
        sub = {
            k: v
            for k, v in c.execute(
                text("SELECT data FROM crosscoach.changes WHERE table_name = 'submissions' LIMIT 1")
            )
            .scalar_one()
            .items()
        }
        sub.update(id=str(uuid.uuid4()), version="9999999999999.00000.rob", note="new try")
        _insert(c, sub, "submissions")


def test_a_refused_push_is_a_plain_error_and_nothing_is_lost(office, make_device, pg_database):
    """A rep device that wrote a review anyway (e.g. an edited database) gets told plainly."""
    rep_url = str(office["rep"].url.render_as_string(hide_password=False)).replace(
        "postgresql+psycopg://", "postgresql://"
    )
    device = make_device("rob-laptop", rep_url)
    device.sync()
    device.review(office["rob"], office["sub"], 100, "I am great")  # forged locally
    with pytest.raises(UserError) as err:
        device.sync()
    assert "refused a change your login may not make" in err.value.message
    with device.db.session() as s:
        assert any(c["table"] == "reviews" for c in outgoing(s, device.db.device_id, ""))
