"""A private key never leaves its device: after people act, write records and sync through
a shared folder (with the real sync code), no file on the share and no file of either
device's data folder — its database, backups, settings, logs, recordings — holds a
private key, raw or encoded. The keys live only in the keyring and, encrypted, in
``identities/``."""

from __future__ import annotations

import base64
from pathlib import Path

from app.core import backups
from app.core.profiles import find_profile
from app.identity import vault
from app.review.comments import add_comment


def encodings(raw: bytes) -> dict[str, bytes]:
    """Every way a 32-byte key could have been written down."""
    forms = {
        "raw": raw,
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
        "base64": base64.b64encode(raw),
        "base64 unpadded": base64.b64encode(raw).rstrip(b"="),
        "urlsafe base64": base64.urlsafe_b64encode(raw).rstrip(b"="),
        "base32": base64.b32encode(raw).rstrip(b"="),
    }
    return {name: form for name, form in forms.items()}


def files_under(*roots: Path) -> list[Path]:
    found = []
    for root in roots:
        found += [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
    return sorted(found)


def leaks(roots: list[Path], secrets: dict[str, bytes]) -> list[str]:
    found = []
    for path in files_under(*roots):
        data = path.read_bytes()
        for who, raw in secrets.items():
            for form, needle in encodings(raw).items():
                if needle in data:
                    found.append(f"{who}'s key ({form}) in {path}")
    return found


def test_no_private_key_reaches_the_share_or_any_database(
    make_device, tmp_path, clips, memory_keyring
):
    share = tmp_path / "share"
    share.mkdir()
    remote = f"folder:{share}"
    office, laptop = make_device("office", remote), make_device("laptop", remote)

    tom_id = office.make_person("Tom", "trainer")
    rita_id = office.make_person("Rita", "rep")
    with office.db.session() as s:
        tom, rita = find_profile(s, tom_id), find_profile(s, rita_id)
    ctx = office.ctx
    rita_keys = ctx.confirm(rita)  # her key: in the keyring
    tom_keys = ctx.confirm(tom, "toms passphrase")  # his: encrypted in identities/
    ctx.use_profile(tom)
    assert ctx.signer() == tom_keys

    scenario = office.make_catalogue(tom_id)
    submission = office.submit(rita_id, scenario, clips[0], note="my best try")
    office.review(tom_id, submission, 8, "Good bridge to the headset.")
    with ctx.session() as s:  # a session carrying Tom's unlocked keys
        assert s.info["signer"] == tom_keys
        add_comment(s, tom, submission, 0.5, "Nice opening.")
    backups.make_backup(office.db.paths)
    assert not office.sync().set_aside

    # Tom's laptop: his key imported there; it writes and syncs too.
    exported = vault.export_key(ctx.paths, tom_id, "toms passphrase", tmp_path / "tom.key")
    vault.import_key(laptop.ctx.paths, exported, "toms passphrase", "toms passphrase")
    exported.unlink()
    laptop.sync()
    laptop.ctx.confirm(tom, "toms passphrase")
    laptop.ctx.use_profile(tom)
    with laptop.ctx.session() as s:
        add_comment(s, tom, submission, 0.8, "And a clear close.")
    assert not laptop.sync().set_aside
    assert not office.sync().set_aside
    for device in (office, laptop):
        device.db.engine.dispose()  # everything written to the files, nothing held open

    secrets = {"Tom": tom_keys.private_bytes(), "Rita": rita_keys.private_bytes()}
    roots = [share, office.root, laptop.root]
    published = {p.parts[-3] for p in share.glob("devices/*/changes/*.json")}
    assert published == {office.db.device_id, laptop.db.device_id}  # both devices wrote there
    assert (office.root / "crosscoach.db").is_file()
    assert any(p.suffix == ".db" for p in files_under(office.root / "backups"))
    assert leaks(roots, secrets) == []
    # The search does see a key where one is written down.
    canary = tmp_path / "canary.txt"
    canary.write_bytes(b"key: " + base64.b64encode(secrets["Rita"]) + b"\n")
    assert "Rita's key (base64) in " + str(canary) in leaks([canary], secrets)
    assert vault.storage(office.ctx.paths, rita_id) == "keyring"
    assert vault.unlock(laptop.ctx.paths, tom_id, "toms passphrase") == tom_keys
