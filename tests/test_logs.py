"""The log file: where it is, what it holds (levels, the first line, tracebacks), that
it rotates, that it never holds a password, and what the CLI prints when a command
fails unexpectedly (one sentence naming the log file, no traceback)."""

from __future__ import annotations

import logging
import platform
import subprocess
import sys
import textwrap

import pytest

from app import __version__
from app.core import logs
from app.core.paths import DataPaths

SECRETS = ["s3cret-1", "s3cret-2", "s3cret-3", "s3cret 4", "s3cret-5", "s3cret-6", "s3cret-7"]


@pytest.fixture
def log_folder(tmp_path, stop_logging):
    """This (test) process logs to a fresh data folder."""
    paths = DataPaths(tmp_path / "data")
    assert logs.start(paths, "test") == paths.logs / logs.LOG_NAME
    return paths.logs


def read_log(folder) -> str:
    return (folder / logs.LOG_NAME).read_text(encoding="utf-8")


def run_script(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_first_line_names_the_version_the_platform_and_the_data_folder(log_folder):
    first = read_log(log_folder).splitlines()[0]
    assert f"INFO app.core.logs [MainThread] CrossCoach {__version__} (test)" in first
    assert platform.platform() in first and platform.python_version() in first
    assert first.endswith(f"data folder {log_folder.parent}")
    assert first[:4].isdigit()  # the line starts with its date and time


def test_passwords_never_reach_the_file(log_folder):
    log = logging.getLogger("app.sync.test")
    log.info("connecting to postgresql://ana:s3cret-1@db.example:5432/coaching")
    log.info("url postgresql://ana@db:5432/coaching?sslmode=require&password=s3cret-2&x=1")
    log.warning("ran with PGPASSWORD=s3cret-3 psql")
    log.info("form %s", {"passphrase": "s3cret 4", "user": "ana"})
    log.info('settings {"password": "s3cret-5", "theme": "dark"}')
    log.info("remote %s", "postgresql+psycopg://bob:s3cret-6@h/db")
    try:
        raise ValueError("cannot reach postgres://carl:s3cret-7@h:5432/db")
    except ValueError:
        log.exception("sync failed")

    text = read_log(log_folder)
    assert [s for s in SECRETS if s in text] == []
    # Only the passwords go: what someone needs to investigate stays.
    assert "postgresql://ana:***@db.example:5432/coaching" in text
    assert "?sslmode=require&password=***&x=1" in text
    assert "PGPASSWORD=*** psql" in text
    assert "{'passphrase': '***', 'user': 'ana'}" in text
    assert '"password": "***", "theme": "dark"' in text
    assert "postgresql+psycopg://bob:***@h/db" in text
    assert "Traceback (most recent call last)" in text
    assert "ValueError: cannot reach postgres://carl:***@h:5432/db" in text


def test_redact_keeps_everything_but_the_password():
    assert logs.redact("postgresql://ana:p@ss@db/x?sslmode=require") == (
        "postgresql://ana:***@db/x?sslmode=require"
    )
    assert logs.redact("postgresql://ana@db:5432/x") == "postgresql://ana@db:5432/x"
    assert logs.redact("host=db password='two words' user=ana") == "host=db password='***' user=ana"
    assert logs.redact("password authentication failed for user ana") == (
        "password authentication failed for user ana"
    )


def test_own_modules_log_info_and_libraries_only_warnings(log_folder):
    chatty = logging.getLogger("somelibrary.engine")
    chatty.setLevel(logging.DEBUG)  # as SQLAlchemy's echo does: still no INFO in our file
    try:
        chatty.info("SELECT * FROM people -- library chatter")
        chatty.warning("library warning")
    finally:
        chatty.setLevel(logging.NOTSET)
    logging.getLogger("app.practice.test").info("our own info")
    logging.getLogger("app.practice.test").debug("our own debug")

    text = read_log(log_folder)
    assert "WARNING somelibrary.engine [MainThread] library warning" in text
    assert "INFO app.practice.test [MainThread] our own info" in text
    assert "library chatter" not in text and "our own debug" not in text


def test_the_file_rotates_and_keeps_five_older_files(log_folder):
    log = logging.getLogger("app.test.rotation")
    line = "Café ✓ " + "x" * 1000
    for _ in range(7 * logs.MAX_BYTES // len(line)):
        log.info(line)

    names = sorted(p.name for p in log_folder.iterdir())
    assert names == [logs.LOG_NAME] + [f"{logs.LOG_NAME}.{n}" for n in range(1, 6)]
    for file in log_folder.iterdir():
        assert file.stat().st_size <= logs.MAX_BYTES
    assert line in (log_folder / f"{logs.LOG_NAME}.5").read_text(encoding="utf-8")


def test_python_warnings_go_to_the_log(tmp_path):
    done = run_script(
        """
        import sys, warnings
        from app.core import logs
        from app.core.paths import DataPaths

        logs.start(DataPaths(__import__("pathlib").Path(sys.argv[1])), "script")
        warnings.warn("an old call, password=s3cret-w")
        """,
        str(tmp_path / "data"),
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # routed to the file instead
    text = read_log(tmp_path / "data" / "logs")
    assert "WARNING py.warnings" in text
    assert "UserWarning: an old call, password=***" in text


def test_a_command_starts_the_log_of_its_data_folder(tmp_path):
    data = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), "profile", "list"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    first = read_log(data / "logs").splitlines()[0]
    assert f"CrossCoach {__version__} (crosscoach profile) on {platform.platform()}" in first


def test_an_unexpected_error_is_one_sentence_on_stderr_and_a_traceback_in_the_log(tmp_path):
    data = tmp_path / "data"
    done = run_script(
        """
        import sys
        import app.bootstrap

        def broken_open_context(*args, **kwargs):
            raise RuntimeError("lost the database at postgresql://ana:s3cret-x@db/coaching")

        app.bootstrap.open_context = broken_open_context  # a bug we did not foresee
        from app.__main__ import main

        sys.exit(main(["--data-dir", sys.argv[1], "profile", "list"]))
        """,
        str(data),
    )
    log_file = data / "logs" / logs.LOG_NAME
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "crosscoach: Something unexpected went wrong (RuntimeError: lost the database at "
        f"postgresql://ana:***@db/coaching); the details are in the log file {log_file}.",
        "  What to do: Try again. If it keeps happening, send the log folder "
        f"{log_file.parent} to your trainer or IT contact.",
    ]
    text = log_file.read_text(encoding="utf-8")
    assert "ERROR app.cli.main [MainThread] crosscoach profile failed" in text
    assert "Traceback (most recent call last)" in text
    assert "in broken_open_context" in text
    assert "s3cret-x" not in text
