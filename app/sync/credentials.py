"""Database passwords: kept in the operating system's keyring, never in settings.

Without a usable keyring (a headless Linux box, for one) CrossCoach stores no
password at all and leaves it to PostgreSQL's own ways: the ``PGPASSWORD``
environment variable or the ``~/.pgpass`` file (``%APPDATA%\\postgresql\\pgpass.conf``
on Windows). ``crosscoach remote show`` says which one is in use.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.core.errors import UserError

SERVICE = "CrossCoach PostgreSQL"


def _keyring():
    try:
        import keyring
        from keyring.backends.fail import Keyring as FailKeyring
    except ImportError:
        return None
    backend = keyring.get_keyring()
    return None if isinstance(backend, FailKeyring) else keyring


def account(url: str) -> str:
    u = make_url(url)
    return f"{u.username or ''}@{u.host or ''}:{u.port or 5432}/{u.database or ''}"


def without_password(url: str) -> tuple[str, str | None]:
    """The URL with any password removed — after the user name or as ``?password=`` in
    the query, libpq reads both — and that password (the first one given)."""
    try:
        u = make_url(url)
    except (ArgumentError, ValueError) as exc:  # a garbled URL, or a port that is no number
        raise UserError(
            "That database address is not a URL CrossCoach can read.",
            "Write it as postgresql://USER@HOST:5432/DATABASE.",
        ) from exc
    in_query = u.query.get("password")
    if isinstance(in_query, tuple):
        in_query = in_query[0]
    password = u.password if u.password is not None else in_query
    bare = u._replace(password=None).difference_update_query(["password"])
    return bare.render_as_string(hide_password=False), password


def with_password(url: str, password: str | None) -> str:
    """The URL with this password after the user name (to connect with it once)."""
    if not password:
        return url
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def store_password(url: str, password: str) -> bool:
    """True when the keyring took it; False means it was not stored anywhere."""
    kr = _keyring()
    if kr is None:
        return False
    kr.set_password(SERVICE, account(url), password)
    return True


def load_password(url: str) -> str | None:
    kr = _keyring()
    if kr is None:
        return None
    try:
        return kr.get_password(SERVICE, account(url))
    except Exception:  # a locked or broken keyring must not stop a sync
        return None


def pgpass_file() -> Path:
    if os.environ.get("PGPASSFILE"):
        return Path(os.environ["PGPASSFILE"])
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", "")) / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def password_source(url: str) -> str:
    """Where the password for this database comes from, in plain words."""
    if without_password(url)[1]:  # saved by a CrossCoach that kept ?password= in settings
        return (
            "written in CrossCoach's settings file; set the remote again to move it to the keyring"
        )
    if load_password(url):
        return "the operating system's keyring"
    if os.environ.get("PGPASSWORD"):
        return "the PGPASSWORD environment variable"
    if pgpass_file().exists():
        return f"the PostgreSQL password file {pgpass_file()}"
    if _keyring() is None:
        return (
            "none stored: this computer has no keyring, so set PGPASSWORD or write the "
            f"password to {pgpass_file()}"
        )
    return "none stored (the server may not need one)"
