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
