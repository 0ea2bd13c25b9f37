"""Signed batches of changes: who wrote them, and that nobody changed them since.

Once a team has a roster (app/sync/roster.py), every change a device publishes
travels in a batch signed by the person who made it: one Ed25519 signature
over the batch's exact text, ``MESSAGE_PREFIX`` + the changes as JSON. One
signature per batch (not per change) keeps the cost of checking a thousand
changes at one verification; each change of a good batch is then marked
``signed`` by that person and key, which is all the rules need later.

The shared folder keeps the exact text in the change file. The team database
keeps changes as rows, so there the text is rebuilt canonically (sorted keys,
no spaces) from the rows of one batch, in the order they were published.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from app.identity.keys import Keys, fingerprint_of, verify

MESSAGE_PREFIX = b"CrossCoach changes 1\n"
ENVELOPE = ("table", "id", "version", "deleted", "author_id", "device_id", "data")


@dataclass(frozen=True)
class Signature:
    by: str  # the person who signed: every change in the batch is theirs
    public_key: str  # hex
    signature: str  # base64

    def as_json(self) -> dict:
        return {"by": self.by, "public_key": self.public_key, "signature": self.signature}


def canonical(changes: list[dict]) -> str:
    """The exact text a batch of changes is signed as (only the fields a change has)."""
    core = [{k: c[k] for k in ENVELOPE} for c in changes]
    return json.dumps(core, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign(keys: Keys, person_id: str, text: str) -> Signature:
    return Signature(
        person_id,
        keys.public_bytes().hex(),
        base64.b64encode(keys.sign(MESSAGE_PREFIX + text.encode("utf-8"))).decode("ascii"),
    )


def check(signature: object, text: str) -> tuple[dict | None, str]:
    """``({"by", "key"}, "")`` for a good signature of ``text``; ``(None, reason)`` if not.

    ``key`` is the signer's public key (hex); whether the team trusts that key,
    for that person, at each change's version, is the roster's question.
    """
    if not isinstance(signature, dict):
        return None, "it is not signed"
    by, public, sig = (signature.get(k) for k in ("by", "public_key", "signature"))
    if not (isinstance(by, str) and isinstance(public, str) and isinstance(sig, str)):
        return None, "its signature has the wrong form"
    try:
        raw_key, raw_sig = bytes.fromhex(public), base64.b64decode(sig, validate=True)
    except ValueError:
        return None, "its signature has the wrong form"
    if not verify(raw_key, MESSAGE_PREFIX + text.encode("utf-8"), raw_sig):
        return None, "its signature does not match: it was changed after it was signed"
    return {"by": by, "key": public}, ""


def mark(changes: list[dict], signed: dict) -> list[dict]:
    """The changes of a good batch, each saying who signed it with which key."""
    return [{**c, "signed": signed} for c in changes]


def short(public_key_hex: str) -> str:
    """A key's fingerprint, the code people compare aloud."""
    return fingerprint_of(bytes.fromhex(public_key_hex))
