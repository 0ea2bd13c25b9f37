"""A person's private key on this device: where it is kept and how it is protected.

One small JSON file per person, ``identities/<person id>.json`` in the data folder
(mode 0600, written with :func:`app.core.files.write_atomically`). It always holds
the public key and its fingerprint, and the private key in one of three ways:

- ``encrypted``: with the person's passphrase (trainers, managers) or PIN (reps who
  chose one). The passphrase goes through scrypt (:data:`KDF_PARAMETERS`, stored
  with the file, so they can be raised later: a file keeps the parameters it was
  written with and is re-encrypted with the current ones whenever its secret is
  changed) into a 256-bit key for AES-256-GCM. The authenticated data binds the
  ciphertext to the person and their public key, so a file cannot be passed off
  as someone else's. A wrong passphrase fails the GCM tag: nothing else checks it,
  and nothing derived from the passphrase is stored.
- ``keyring``: a rep without a PIN: the private key is in the operating system's
  keyring (the same ``keyring`` package as database passwords, app.sync.credentials),
  under an account name kept in the file.
- ``file``: the same rep on a computer without a keyring: the private key is in the
  file itself, which only the user's account can read; :func:`storage_words` says so.

The private key never enters the database or the sync share: this folder is not
a synced table, and nothing in app.sync reads it.

Exported keys (:func:`export_key`) are the same encrypted box in a file of their
own, protected with a passphrase, for another of the same person's devices.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core.errors import NotFound, PermissionDenied, UserError, reason
from app.core.files import export_target, write_atomically
from app.core.ids import new_id
from app.core.paths import DataPaths
from app.identity.keys import PUBLIC_KEY_BYTES, Keys, fingerprint_of

FORMAT = 1
SERVICE = "CrossCoach identity"  # the keyring's service name for reps' keys
EXPORT_KIND = "crosscoach-key"
EXPORT_SUFFIX = ".crosscoach-key"

# scrypt's cost. Measured on these machines (2 cores, Python 3.11, OpenSSL 3):
# N=2**14: 26-33 ms; N=2**15: 62-69 ms; N=2**16: 144 ms (r=8, p=1). N=2**15 uses
# 32 MiB. Every file stores the parameters it was made with (see the module's doc).
KDF_PARAMETERS = {"name": "scrypt", "n": 2**15, "r": 8, "p": 1}
# What a file may ask for: a damaged or hostile file cannot make us spend minutes or gigabytes.
KDF_LIMITS = {"n": (2**10, 2**20), "r": (1, 32), "p": (1, 16)}

PASSPHRASE = "passphrase"
PIN = "PIN"

_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class KeyProblem(UserError):
    """Something about a person's key on this device, in plain words."""


class WrongSecret(KeyProblem, PermissionDenied):
    """The passphrase or PIN does not open the key."""


class NoKey(KeyProblem, NotFound):
    """The person has no usable key on this device."""


@dataclass(frozen=True)
class KeyFile:
    """What an exported key file says about itself (read without its passphrase)."""

    path: Path
    person_id: str
    name: str
    role: str
    public: bytes
    protected: bool  # kept with a passphrase or PIN on the device it came from
    word: str  # "passphrase" or "PIN"

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.public)


# --- reading -----------------------------------------------------------------------------


def has_key(paths: DataPaths, person_id: str) -> bool:
    """True when this device holds a key for the person (usable or not)."""
    return _path(paths, person_id).is_file()


def is_protected(paths: DataPaths, person_id: str) -> bool:
    """True when the person's key here is encrypted with a passphrase or PIN."""
    record = _read(paths, person_id)
    return record is not None and record["private_key"].get("stored") == "encrypted"


def secret_word(paths: DataPaths, person_id: str) -> str | None:
    """ "passphrase" or "PIN" for a protected key here, None otherwise."""
    record = _read(paths, person_id)
    if record is None or record["private_key"].get("stored") != "encrypted":
        return None
    return record.get("secret") or PASSPHRASE


def public_key(paths: DataPaths, person_id: str) -> bytes | None:
    """The person's public key as this device knows it (no passphrase needed)."""
    record = _read(paths, person_id)
    return None if record is None else _b64d(record["public_key"])


def fingerprint(paths: DataPaths, person_id: str) -> str | None:
    public = public_key(paths, person_id)
    return None if public is None else fingerprint_of(public)


def storage(paths: DataPaths, person_id: str) -> str | None:
    """How the private key is kept here: "encrypted", "keyring", "file", or None (no key)."""
    record = _read(paths, person_id)
    return None if record is None else record["private_key"]["stored"]


def storage_words(paths: DataPaths, person_id: str) -> str:
    """Where and how the key is kept, in a sentence a person can read."""
    record = _read(paths, person_id)
    if record is None:
        return "There is no key for this person on this computer."
    stored = record["private_key"]["stored"]
    if stored == "encrypted":
        return f"The key is kept on this computer, encrypted with the {record.get('secret') or PASSPHRASE}."
    if stored == "keyring":
        return "The key is kept in this computer's keyring."
    return (
        "This computer has no keyring, so the key is kept in a file in CrossCoach's data "
        "folder that only your user account can read."
    )


def unlock(paths: DataPaths, person_id: str, secret: str | None) -> Keys:
    """The person's keys, opened with their passphrase or PIN (ignored for a key without
    one). Raises :class:`WrongSecret` for a wrong or missing secret and :class:`NoKey`
    when there is no usable key here."""
    record = _read(paths, person_id)
    if record is None:
        raise NoKey(
            "There is no key for this person on this computer.",
            "Import the key from the person's other computer, or ask a manager to set a "
            "new passphrase.",
        )
    public = _b64d(record["public_key"])
    box = record["private_key"]
    stored = box.get("stored")
    if stored == "encrypted":
        word = record.get("secret") or PASSPHRASE
        if not secret:
            raise WrongSecret(f"This key needs its {word}.", f"Type the {word}.")
        raw = _decrypt(box, secret, _aad("identity", person_id, public))
        if raw is None:
            raise WrongSecret(
                f"That is not the right {word}.",
                f"Type it again. A forgotten {word} can only be replaced by a manager, "
                "which makes a new key.",
            )
    elif stored == "keyring":
        raw = _keyring_load(box.get("account", ""))
        if raw is None:
            raise NoKey(
                "The key kept in this computer's keyring is no longer there.",
                "A new key can be made for this person on this computer.",
            )
    elif stored == "file":
        raw = _b64d(box.get("raw", ""))
    else:
        raise _damaged(paths, person_id)
    try:
        keys = Keys.from_private_bytes(raw)
    except ValueError:
        raise _damaged(paths, person_id) from None
    if keys.public_bytes() != public:
        raise _damaged(paths, person_id)
    return keys


# --- writing -----------------------------------------------------------------------------


def create_key(
    paths: DataPaths, person_id: str, secret: str | None, *, word: str = PASSPHRASE
) -> Keys:
    """A new key pair for a person who has none here, kept encrypted with ``secret``
    (their passphrase, or a rep's PIN: ``word``) or, without one, in the keyring (or
    the fallback file)."""
    if has_key(paths, person_id):
        raise KeyProblem(
            "This person already has a key on this computer.",
            "Change the passphrase instead, or ask a manager to reset it.",
        )
    keys = Keys.generate()
    _store(paths, person_id, keys, secret, word)
    return keys


def change_secret(
    paths: DataPaths,
    person_id: str,
    old_secret: str | None,
    new_secret: str | None,
    *,
    word: str = PASSPHRASE,
) -> Keys:
    """The same key, kept with a new passphrase or PIN (or, ``new_secret`` None, with
    none: a rep removing their PIN). Re-encrypting uses the current KDF parameters."""
    keys = unlock(paths, person_id, old_secret)
    _store(paths, person_id, keys, new_secret, word)
    return keys


def reset_key(
    paths: DataPaths, person_id: str, new_secret: str | None, *, word: str = PASSPHRASE
) -> Keys:
    """A NEW key pair in place of the person's key here (a forgotten passphrase: the
    old private key was encrypted with it, so it cannot be kept). The old key is gone
    from this device."""
    keys = Keys.generate()
    _store(paths, person_id, keys, new_secret, word)
    return keys


def export_key(
    paths: DataPaths,
    person_id: str,
    secret: str | None,
    target: Path,
    *,
    file_secret: str | None = None,
    name: str = "",
    role: str = "",
) -> Path:
    """Write the person's key to ``target``, encrypted with ``file_secret`` (by default
    the person's own passphrase or PIN, ``secret``), for another of their devices.
    Returns the file written."""
    keys = unlock(paths, person_id, secret)
    protect = file_secret or secret
    if not protect:
        raise KeyProblem(
            "A key file needs a passphrase to protect it.",
            "Choose a passphrase for the file; you type it again on the other computer.",
        )
    record = _read(paths, person_id)
    if record is None:  # unlock() found it a moment ago: it was deleted since
        raise NoKey("This person has no key on this computer.", "")
    protected = record["private_key"]["stored"] == "encrypted"
    public = keys.public_bytes()
    data = {
        "kind": EXPORT_KIND,
        "format": FORMAT,
        "person_id": person_id,
        "name": name,
        "role": role,
        "public_key": _b64(public),
        "fingerprint": keys.fingerprint(),
        "protected": protected,
        "secret": (record.get("secret") or PASSPHRASE) if protected else None,
        "exported_at": _now(),
        "private_key": _encrypt(keys.private_bytes(), protect, _aad("export", person_id, public)),
    }
    target = export_target(Path(target), f"my-key{EXPORT_SUFFIX}")
    _write_file(target, data)
    return target


def read_key_file(source: Path) -> KeyFile:
    """What an exported key file says about itself; a KeyProblem if it is not one."""
    source = Path(source)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise KeyProblem(
            f"CrossCoach cannot read {source} ({reason(exc)}).", "Choose the key file again."
        ) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("kind") != EXPORT_KIND:
            raise ValueError("not a key file")
        if data.get("format") != FORMAT:
            raise ValueError("another format")
        person_id = data["person_id"]
        if not isinstance(person_id, str) or not _ID.fullmatch(person_id):
            raise ValueError("person id")
        public = _b64d(data["public_key"])
        if len(public) != PUBLIC_KEY_BYTES:
            raise ValueError("public key")
        _check_box(data["private_key"])
        protected = bool(data.get("protected"))
        word = PIN if data.get("secret") == PIN else PASSPHRASE
        return KeyFile(
            source,
            person_id,
            str(data.get("name") or ""),
            str(data.get("role") or ""),
            public,
            protected,
            word,
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise KeyProblem(
            f"{source.name} is not a key file CrossCoach made.",
            "Choose the file that Export my key wrote on the other computer.",
        ) from None


def open_key_file(key_file: KeyFile, file_secret: str) -> Keys:
    """The keys in an exported file, opened with its passphrase (nothing is stored)."""
    try:
        data = json.loads(key_file.path.read_bytes().decode("utf-8"))
        box = data["private_key"]
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise KeyProblem(
            f"CrossCoach cannot read {key_file.path.name} any more.", "Choose the key file again."
        ) from None
    raw = _decrypt(box, file_secret or "", _aad("export", key_file.person_id, key_file.public))
    if raw is None:
        raise WrongSecret(
            "That is not the passphrase of this key file.",
            "Type the passphrase that protected the key when it was exported.",
        )
    try:
        keys = Keys.from_private_bytes(raw)
    except ValueError:
        keys = None
    if keys is None or keys.public_bytes() != key_file.public:
        raise KeyProblem(
            f"{key_file.path.name} is damaged.", "Export the key again on the other computer."
        )
    return keys


def import_key(
    paths: DataPaths,
    source: Path,
    file_secret: str,
    keep_secret: str | None,
    *,
    word: str = PASSPHRASE,
) -> Keys:
    """Take the key in an exported file (opened with ``file_secret``) as its person's
    key on this device, kept with ``keep_secret`` (None: in the keyring). A different
    key than the one here replaces it."""
    key_file = read_key_file(source)
    keys = open_key_file(key_file, file_secret)
    _store(paths, key_file.person_id, keys, keep_secret, word)
    return keys


# --- the file ----------------------------------------------------------------------------


def _path(paths: DataPaths, person_id: str) -> Path:
    if not isinstance(person_id, str) or not _ID.fullmatch(person_id):
        raise ValueError(f"not a person id: {person_id!r}")
    return paths.identities / f"{person_id}.json"


def _read(paths: DataPaths, person_id: str) -> dict | None:
    path = _path(paths, person_id)
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError):
        raise _damaged(paths, person_id) from None
    try:
        if data["format"] != FORMAT or data["person_id"] != person_id:
            raise ValueError
        if len(_b64d(data["public_key"])) != PUBLIC_KEY_BYTES:
            raise ValueError
        box = data["private_key"]
        if box["stored"] == "encrypted":
            _check_box(box)
        elif box["stored"] not in ("keyring", "file"):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise _damaged(paths, person_id) from None
    return data


def _damaged(paths: DataPaths, person_id: str) -> KeyProblem:
    return KeyProblem(
        f"The key file {_path(paths, person_id).name} in CrossCoach's data folder is damaged.",
        "Import the key from the person's other computer, or ask a manager to set a new "
        "passphrase (which makes a new key).",
    )


def _store(paths: DataPaths, person_id: str, keys: Keys, secret: str | None, word: str) -> None:
    try:
        before = _read(paths, person_id)
    except KeyProblem:
        before = None  # a damaged file is replaced
    public = keys.public_bytes()
    raw = keys.private_bytes()
    same_key = before is not None and before["public_key"] == _b64(public)
    created = before.get("created_at") if before is not None and same_key else None
    created = created or _now()
    if secret:
        box = {"stored": "encrypted", **_encrypt(raw, secret, _aad("identity", person_id, public))}
    else:
        account = f"{person_id}/{new_id()}"
        if _keyring_save(account, raw):
            box = {"stored": "keyring", "service": SERVICE, "account": account}
        else:
            box = {"stored": "file", "raw": _b64(raw)}
    record = {
        "format": FORMAT,
        "person_id": person_id,
        "public_key": _b64(public),
        "fingerprint": keys.fingerprint(),
        "secret": (PIN if word == PIN else PASSPHRASE) if secret else None,
        "created_at": created,
        "saved_at": _now(),
        "private_key": box,
    }
    folder = paths.identities
    folder.mkdir(parents=True, exist_ok=True)
    if os.name != "nt":
        folder.chmod(0o700)
    _write_file(_path(paths, person_id), record)
    if before is not None and before["private_key"].get("stored") == "keyring":
        _keyring_forget(before["private_key"].get("account", ""))


def _write_file(target: Path, data: dict) -> None:
    # write_atomically's temporary file is made by mkstemp, so it is 0600 from the start:
    # the private key is never readable by others, not even for a moment.
    write_atomically(target, json.dumps(data, indent=2, sort_keys=True).encode("utf-8"))
    if os.name != "nt":
        target.chmod(0o600)


# --- encryption --------------------------------------------------------------------------


def _secret_bytes(secret: str) -> bytes:
    # The same passphrase typed on another system (composed or decomposed accents) is the same.
    return unicodedata.normalize("NFC", secret).encode("utf-8")


def _derive(secret: str, kdf: dict) -> bytes:
    n, r, p = kdf["n"], kdf["r"], kdf["p"]
    return hashlib.scrypt(
        _secret_bytes(secret),
        salt=_b64d(kdf["salt"]),
        n=n,
        r=r,
        p=p,
        maxmem=128 * r * (n + p + 2) + 2**20,
        dklen=32,
    )


def _encrypt(raw: bytes, secret: str, aad: bytes) -> dict:
    kdf = {**KDF_PARAMETERS, "salt": _b64(os.urandom(16))}
    nonce = os.urandom(12)
    ciphertext = AESGCM(_derive(secret, kdf)).encrypt(nonce, raw, aad)
    return {
        "kdf": kdf,
        "cipher": "AES-256-GCM",
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }


def _decrypt(box: dict, secret: str, aad: bytes) -> bytes | None:
    """The plaintext, or None when ``secret`` is not the one it was encrypted with."""
    try:
        return AESGCM(_derive(secret, box["kdf"])).decrypt(
            _b64d(box["nonce"]), _b64d(box["ciphertext"]), aad
        )
    except InvalidTag:
        return None


def _check_box(box: dict) -> None:
    """Raise ValueError unless ``box`` is an encrypted key with KDF parameters in bounds."""
    kdf = box["kdf"]
    if kdf.get("name") != "scrypt" or box.get("cipher") != "AES-256-GCM":
        raise ValueError("unknown algorithm")
    for name, (low, high) in KDF_LIMITS.items():
        value = kdf.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValueError(name)
    if kdf["n"] & (kdf["n"] - 1):
        raise ValueError("n is not a power of two")
    if len(_b64d(kdf["salt"])) < 16 or len(_b64d(box["nonce"])) != 12:
        raise ValueError("salt or nonce")
    _b64d(box["ciphertext"])


def _aad(kind: str, person_id: str, public: bytes) -> bytes:
    return f"CrossCoach {kind} key {FORMAT}\n{person_id}\n{_b64(public)}".encode()


# --- the keyring -------------------------------------------------------------------------


def _keyring():
    try:
        import keyring
        from keyring.backends.fail import Keyring as FailKeyring
    except ImportError:
        return None
    return None if isinstance(keyring.get_keyring(), FailKeyring) else keyring


def keyring_available() -> bool:
    return _keyring() is not None


def _keyring_save(account: str, raw: bytes) -> bool:
    kr = _keyring()
    if kr is None:
        return False
    try:
        kr.set_password(SERVICE, account, _b64(raw))
    except Exception:  # a locked or broken keyring: the file is the fallback
        return False
    return True


def _keyring_load(account: str) -> bytes | None:
    kr = _keyring()
    if kr is None or not account:
        return None
    try:
        value = kr.get_password(SERVICE, account)
        return _b64d(value) if value else None
    except Exception:
        return None


def _keyring_forget(account: str) -> None:
    kr = _keyring()
    if kr is None or not account:
        return
    # Already gone, or the keyring refuses: there is nothing to keep either way.
    with contextlib.suppress(Exception):
        kr.delete_password(SERVICE, account)


# --- small helpers -----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64d(text: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("not base64") from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
