"""Where a new key on this device is announced, for whoever publishes public keys.

The team roster (app/sync) listens here: every time this device starts using a
key for a person that differs from the one it had — made on first use, made anew
by a reset, or imported from another device — each callback in :data:`on_new_key`
is called with ``(person_id, keys, reason)``, ``reason`` being one of
:data:`CREATED`, :data:`RESET` or :data:`IMPORTED`. ``keys`` is the unlocked pair
(its ``public_bytes()`` is what to publish). Re-encrypting the same key (a new
passphrase, an import of the key already here) announces nothing.

A callback that raises is logged and does not stop the others or the action
that made the key: the key is already in place when it is announced.

Two checks run *before* a key is accepted, for the roster to refuse what the team
does not know (each raises a UserError in plain words to refuse, returns to accept):

- :data:`import_checks`: ``check(person_id, public_key)`` before a key imported
  from a file becomes the person's key here (an exported file is not signed by
  anyone the device trusts: "is this the key the team knows for them?");
- :data:`first_key_checks`: ``check(person_id)`` before a trainer or manager makes
  their first key on this device by choosing a passphrase ("do they already have
  a key elsewhere?").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.identity.keys import Keys

log = logging.getLogger(__name__)

CREATED = "created"  # a person's first key on this device
RESET = "reset"  # a new key pair replaced a lost or forgotten one (a manager's reset)
IMPORTED = "imported"  # a key from another of the person's devices replaced this one's

NewKeyCallback = Callable[[str, "Keys", str], None]

on_new_key: list[NewKeyCallback] = []
import_checks: list[Callable[[str, bytes], None]] = []
first_key_checks: list[Callable[[str], None]] = []


def announce(person_id: str, keys: Keys, reason: str) -> None:
    for callback in list(on_new_key):
        try:
            callback(person_id, keys, reason)
        except Exception:  # one listener's bug never undoes a key already stored
            log.exception("a new-key listener failed for %s (%s)", person_id, reason)


def check_import(person_id: str, public: bytes) -> None:
    for check in list(import_checks):
        check(person_id, public)


def check_first_key(person_id: str) -> None:
    for check in list(first_key_checks):
        check(person_id)
