"""An Ed25519 key pair: what a person signs their changes with, and its fingerprint.

The fingerprint is short enough to read aloud and compare between two screens
("7KQF 2M4X R9TB LW3A"): 16 base32 characters (80 bits) of the SHA-256 of the
raw public key, in groups of four.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class Keys:
    """A person's private key (and so their public key). Never printed, never pickled."""

    __slots__ = ("_private",)

    def __init__(self, private: Ed25519PrivateKey):
        self._private = private

    @classmethod
    def generate(cls) -> Keys:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> Keys:
        """From the 32 raw bytes of the private key (what the vault keeps)."""
        return cls(Ed25519PrivateKey.from_private_bytes(bytes(raw)))

    def private_bytes(self) -> bytes:
        """The 32 raw private bytes: for the vault only, which encrypts them."""
        return self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def public_bytes(self) -> bytes:
        """The 32 raw bytes of the public key."""
        return self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def fingerprint(self) -> str:
        return fingerprint_of(self.public_bytes())

    def sign(self, data: bytes) -> bytes:
        """A 64-byte Ed25519 signature of ``data``."""
        return self._private.sign(bytes(data))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keys) and other.public_bytes() == self.public_bytes()

    def __hash__(self) -> int:
        return hash(self.public_bytes())

    def __repr__(self) -> str:  # never the private key, even in a traceback
        return f"Keys({self.fingerprint()})"

    def __reduce__(self):
        raise TypeError("a private key is never pickled")


def fingerprint_of(public: bytes) -> str:
    """The fingerprint of a raw public key: four groups of four base32 characters."""
    code = base64.b32encode(hashlib.sha256(bytes(public)).digest()).decode("ascii")[:16]
    return " ".join(code[i : i + 4] for i in range(0, 16, 4))


def verify(public: bytes, data: bytes, signature: bytes) -> bool:
    """True if ``signature`` is ``public``'s signature of ``data``; False for anything
    else (a bad signature, a malformed key or signature), never an exception."""
    try:
        if len(public) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
            return False
        Ed25519PublicKey.from_public_bytes(bytes(public)).verify(bytes(signature), bytes(data))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
