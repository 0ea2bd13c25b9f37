"""The log file: what CrossCoach writes down for whoever investigates a problem.

Each data folder has one, ``logs/crosscoach.log``, rotated at 1 MB with five
older files beside it (``crosscoach.log.1`` … ``.5``), UTF-8, one line per
record with its local time, level, logger and thread; a traceback follows the
line of an unexpected error. :func:`start` sets it up once per process: the
desktop app at launch, the CLI for its command. The first line of every run
names the CrossCoach version, the platform and the data folder.

Levels: INFO and above from CrossCoach's own modules (``app.*``) — what
started and what went wrong; WARNING and above from everything else
(libraries such as SQLAlchemy or psycopg, and Python's warnings), whose INFO
and DEBUG chatter (SQL statements with their parameters, for one) never
reaches the file.

No password ever reaches the file: every record passes :class:`Redact`,
which hides passwords in URLs (``postgresql://ana:***@db``), ``password=``,
``PGPASSWORD=`` and ``passphrase`` values, in the message and in the
traceback alike.
"""

from __future__ import annotations

import contextlib
import logging
import platform
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from app import __version__
from app.core.errors import UserError
from app.core.paths import DataPaths

LOG_NAME = "crosscoach.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
OWN_LOGGERS = "app"
OWN_LEVEL = logging.INFO
LIBRARY_LEVEL = logging.WARNING
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
HIDDEN = "***"

log = logging.getLogger(__name__)

# scheme://user:PASSWORD@host — up to the last "@" before the path, query or fragment.
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/?#@]*:)[^\s/?#]*(?=@)", re.IGNORECASE)
# password=…, PGPASSWORD=…, ?password=…&, 'passphrase': '…', "password": "…", passwd: …
_FIELD_PASSWORD = re.compile(
    r"""(\b\w*(?:password|passphrase|passwd)\w*['"]?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,'"()\[\]{}]+)""",
    re.IGNORECASE,
)


def _hide_field(match: re.Match) -> str:
    value = match.group(2)
    quote = value[0] if value[0] in "'\"" else ""
    return f"{match.group(1)}{quote}{HIDDEN}{quote}"


def redact(text: str) -> str:
    """The text with every password it contains replaced by ``***``."""
    return _FIELD_PASSWORD.sub(_hide_field, _URL_PASSWORD.sub(rf"\1{HIDDEN}", text))


class Redact(logging.Filter):
    """Hides passwords in a record's message, traceback and stack before any handler
    writes it (the formatted traceback is kept on the record, so it is built once)."""

    _traceback = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._traceback.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def wanted(record: logging.LogRecord) -> bool:
    """INFO from our own modules, WARNING from anything else (even a library that
    turned its own logger up to DEBUG)."""
    own = record.name == OWN_LOGGERS or record.name.startswith(OWN_LOGGERS + ".")
    return record.levelno >= (OWN_LEVEL if own else LIBRARY_LEVEL)


class LogFile(RotatingFileHandler):
    """The rotating log file. A record it cannot write (a full disk, a file another
    CrossCoach holds open on Windows while rotating) is dropped quietly: the log
    must never be the reason a command or the app stops."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass


def _current() -> LogFile | None:
    return next((h for h in logging.getLogger().handlers if isinstance(h, LogFile)), None)


def log_file() -> Path | None:
    """The file this process logs to; None when logging could not start."""
    handler = _current()
    return Path(handler.baseFilename) if handler else None


def start(paths: DataPaths, run: str) -> Path | None:
    """Log this process to the data folder's log file and write the first line;
    ``run`` names what runs ("desktop app", "crosscoach sync"). Calling it again for
    another data folder moves the log there. Returns the file, or None when the
    folder cannot be written (the caller reports that problem in its own words)."""
    file = paths.logs / LOG_NAME
    root = logging.getLogger()
    previous = _current()
    if previous is None or Path(previous.baseFilename) != file:
        try:
            paths.logs.mkdir(parents=True, exist_ok=True)
            handler = LogFile(file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
        except OSError:
            return None
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(wanted)
        handler.addFilter(Redact())
        if previous is not None:
            root.removeHandler(previous)
            previous.close()
        root.addHandler(handler)
    logging.getLogger(OWN_LOGGERS).setLevel(OWN_LEVEL)
    logging.captureWarnings(True)
    log.info(
        "CrossCoach %s (%s) on %s, Python %s; data folder %s",
        __version__,
        run,
        platform.platform(),
        platform.python_version(),
        paths.root,
    )
    return file


def stop() -> None:
    """Close the log file (a command that ends lets go of it, so its folder can be
    moved, unmounted or made read-only by whoever runs it in the same process)."""
    handler = _current()
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        with contextlib.suppress(OSError):  # a full disk loses the last lines, nothing else
            handler.close()


def unexpected(err: BaseException) -> UserError:
    """An error nobody foresaw, in plain words that say where its details are (the
    log has the traceback when the caller logged it). Exit code 1, not a user's 2."""
    detail = (str(err).strip().splitlines() or [""])[0][:200]
    what = f"{type(err).__name__}: {detail}" if detail else type(err).__name__
    file = log_file()
    where = f"; the details are in the log file {file}" if file else ""
    problem = UserError(
        redact(f"Something unexpected went wrong ({what}){where}."),
        f"Try again. If it keeps happening, send the log folder {file.parent} to your "
        "trainer or IT contact."
        if file
        else "Try again. If it keeps happening, tell your trainer or IT contact what you did.",
    )
    problem.exit_code = 1
    return problem
