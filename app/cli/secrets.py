"""Passphrases and PINs on the command line: typed at a prompt, or handed to a script.

A prompt (``getpass``, nothing echoed) is used only when standard input is a
terminal. Scripts give the acting person's passphrase (or PIN) in
``CROSSCOACH_PASSPHRASE``, and a new one (a change, a reset, a key file's) in
``CROSSCOACH_NEW_PASSPHRASE``. Without either, a command that needs one refuses in
one plain sentence instead of waiting for an answer nobody can type.
"""

from __future__ import annotations

import getpass
import os
import sys

from app.core.errors import UserError
from app.core.models import Role
from app.identity.acting import Need, Step, check_new_secret

PASSPHRASE_ENV = "CROSSCOACH_PASSPHRASE"
NEW_PASSPHRASE_ENV = "CROSSCOACH_NEW_PASSPHRASE"
TRIES = 3

# What was typed for each person in this process (one command), so a command that
# confirms someone and then re-encrypts their key does not ask twice.
_typed: dict[str, str] = {}


def can_prompt() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def prompt(text: str) -> str:
    try:
        return getpass.getpass(text)
    except EOFError:
        raise UserError("Nothing was typed.", "Run the command again and type it.") from None


def ask(wanted: Need) -> str | None:
    """``AppContext.ask_secret`` for the CLI: what acting as someone needs."""
    if not wanted.asks:
        return None
    profile, word = wanted.profile, wanted.word
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        secret = given
    elif not can_prompt():
        raise UserError(
            f"Acting as {profile.name} needs their {word}, which this command can only read "
            "from a terminal or from CROSSCOACH_PASSPHRASE.",
            f"Run it in a terminal, or give a script the {word} in CROSSCOACH_PASSPHRASE.",
        )
    elif wanted.step is Step.UNLOCK:
        secret = prompt(f"{profile.name}'s {word}: ")
    else:
        print(wanted.question(), file=sys.stderr)
        secret = choose(profile.role, f"{profile.name}'s new {word}", env=None)
    _typed[profile.id] = secret
    return secret


def typed(profile, word: str) -> str:
    """The passphrase given for ``profile`` earlier in this command, else asked now."""
    if profile.id in _typed:
        return _typed[profile.id]
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    if not can_prompt():
        raise UserError(
            f"This needs {profile.name}'s {word}, which can only be read from a terminal "
            "or from CROSSCOACH_PASSPHRASE.",
            f"Run it in a terminal, or give a script the {word} in CROSSCOACH_PASSPHRASE.",
        )
    _typed[profile.id] = secret = prompt(f"{profile.name}'s {word}: ")
    return secret


def choose(role: Role, what: str, *, env: str | None = NEW_PASSPHRASE_ENV) -> str:
    """A new passphrase (or PIN, by ``role``): from ``env`` for scripts, else typed twice
    at a prompt and checked; ``what`` names it ("Tom's new passphrase")."""
    given = os.environ.get(env) if env else None
    if given:
        check_new_secret(role, given)
        return given
    if not can_prompt():
        raise UserError(
            f"{what[0].upper()}{what[1:]} can only be read from a terminal or from "
            f"{env or PASSPHRASE_ENV}.",
            f"Run the command in a terminal, or give a script the new one in "
            f"{env or PASSPHRASE_ENV}.",
        )
    for attempt in range(TRIES):
        first = prompt(f"{what[0].upper()}{what[1:]}: ")
        again = prompt("Type it again: ")
        try:
            check_new_secret(role, first, again)
            return first
        except UserError as err:
            if attempt == TRIES - 1:
                raise
            print(f"{err.message} {err.hint}", file=sys.stderr)
    raise AssertionError("unreachable")


def file_passphrase() -> str:
    """The passphrase of a key file being imported: CROSSCOACH_PASSPHRASE, else typed."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    if not can_prompt():
        raise UserError(
            "The key file's passphrase can only be read from a terminal or from "
            "CROSSCOACH_PASSPHRASE.",
            "Run the command in a terminal, or give a script the passphrase in "
            "CROSSCOACH_PASSPHRASE.",
        )
    return prompt("Passphrase of the key file: ")
