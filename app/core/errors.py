"""Errors meant for the person in front of the app, not for a developer."""


class UserError(Exception):
    """A problem the user can understand and act on.

    ``message`` says what went wrong in one plain sentence; ``hint`` says what
    to do next. The CLI prints both to stderr; the GUI shows both in a dialog.
    """

    exit_code = 2

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class NotFound(UserError):
    exit_code = 3


class PermissionDenied(UserError):
    exit_code = 4


def reason(exc: BaseException) -> str:
    """An operating-system or archive error in a few words (its strerror when it has one)."""
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


class DatabaseProblem(UserError):
    """The database cannot be used as it is: diagnosed by :mod:`app.core.health`.

    ``kind`` is one of the kinds in ``app.core.health`` (full, read-only, locked,
    damaged, empty, missing, disk error); the GUI chooses its words and actions
    from it, the CLI prints ``message`` and ``hint``. ``backups`` and
    ``take_records`` say what a restore or a rebuild would have to work with.
    """

    exit_code = 5

    def __init__(
        self,
        kind: str,
        message: str,
        hint: str = "",
        *,
        backups: int = 0,
        take_records: int = 0,
    ):
        super().__init__(message, hint)
        self.kind = kind
        self.backups = backups
        self.take_records = take_records
