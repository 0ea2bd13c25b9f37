"""A person's key pair: signing, verifying (never raising), and the fingerprint people
read aloud to compare."""

from __future__ import annotations

import pickle
import re

import pytest

from app.identity.keys import Keys, fingerprint_of, verify


def test_a_signature_verifies_with_the_public_key_and_nothing_else():
    keys, other = Keys.generate(), Keys.generate()
    data = b'{"table": "reviews", "id": "1"}'
    signature = keys.sign(data)
    assert len(keys.public_bytes()) == 32 and len(signature) == 64
    assert verify(keys.public_bytes(), data, signature)
    assert not verify(keys.public_bytes(), data + b" ", signature)  # changed data
    assert not verify(other.public_bytes(), data, signature)  # someone else's key
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not verify(keys.public_bytes(), data, flipped)


@pytest.mark.parametrize(
    ("public", "signature"),
    [
        (b"", b"\0" * 64),
        (b"\0" * 31, b"\0" * 64),
        (b"\xff" * 32, b"\0" * 64),  # not a point on the curve
        (None, b"\0" * 64),
        (b"\0" * 32, b"short"),
        (b"\0" * 32, None),
    ],
)
def test_verify_never_raises_for_garbage(public, signature):
    assert verify(public, b"data", signature) is False


def test_the_fingerprint_is_sixteen_base32_characters_in_groups_of_four():
    keys = Keys.generate()
    fingerprint = keys.fingerprint()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4}){3}", fingerprint)
    assert fingerprint == fingerprint_of(keys.public_bytes())
    assert fingerprint != Keys.generate().fingerprint()


def test_keys_round_trip_through_their_raw_private_bytes():
    keys = Keys.generate()
    again = Keys.from_private_bytes(keys.private_bytes())
    assert again == keys and again.public_bytes() == keys.public_bytes()


def test_a_private_key_is_never_printed_or_pickled():
    keys = Keys.generate()
    raw = keys.private_bytes()
    assert raw.hex() not in repr(keys) and keys.fingerprint() in repr(keys)
    with pytest.raises(TypeError):
        pickle.dumps(keys)
