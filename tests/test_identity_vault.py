"""People's private keys on a device: made with the profile, encrypted at rest with the
passphrase (scrypt + AES-GCM), in the keyring for reps without a PIN (or a private file
where there is none), exported and imported, and replaced by a manager's reset."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from app.bootstrap import open_context
from app.core.errors import UserError
from app.core.models import Role
from app.identity import acting, vault
from app.identity.acting import Step
from app.identity.keys import Keys
from app.sync import roster

PASS = "correct horse battery"


def key_file(ctx, person_id):
    return ctx.paths.identities / f"{person_id}.json"


def secrets_in(path, keys: Keys) -> list[str]:
    """Which forms of the raw private key appear in a file."""
    data = path.read_bytes()
    raw = keys.private_bytes()
    forms = {
        "raw": raw,
        "base64": base64.b64encode(raw),
        "urlsafe base64": base64.urlsafe_b64encode(raw).rstrip(b"="),
        "hex": raw.hex().encode(),
    }
    return [name for name, form in forms.items() if form in data]


@pytest.mark.parametrize("role", ["trainer", "manager"])
def test_a_trainer_or_manager_key_is_encrypted_with_their_passphrase(ctx, make_profile, role):
    profile = make_profile("Tom", role)
    assert acting.need(ctx.paths, ctx.db, profile).step is Step.SET  # made here, no key yet
    keys = ctx.confirm(profile, PASS)
    path = key_file(ctx, profile.id)
    assert secrets_in(path, keys) == []
    stored = json.loads(path.read_text())
    assert stored["private_key"]["stored"] == "encrypted"
    assert stored["private_key"]["cipher"] == "AES-256-GCM"
    assert stored["fingerprint"] == keys.fingerprint()
    assert vault.is_protected(ctx.paths, profile.id)
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(ctx.paths.identities.stat().st_mode) == 0o700
    assert vault.unlock(ctx.paths, profile.id, PASS) == keys
    with pytest.raises(vault.WrongSecret, match="not the right passphrase"):
        vault.unlock(ctx.paths, profile.id, "correct horse battery!")
    with pytest.raises(vault.WrongSecret, match="needs its passphrase"):
        vault.unlock(ctx.paths, profile.id, None)
    with pytest.raises(vault.WrongSecret, match="That is not Tom's passphrase"):
        acting.act_as(ctx.paths, ctx.db, profile, "wrong")


@pytest.mark.real_kdf
def test_the_scrypt_parameters_are_stored_with_the_file_and_can_be_raised(
    ctx, make_profile, monkeypatch
):
    tom = make_profile("Tom", "trainer")
    keys = ctx.confirm(tom, PASS)
    kdf = json.loads(key_file(ctx, tom.id).read_text())["private_key"]["kdf"]
    assert {k: kdf[k] for k in ("name", "n", "r", "p")} == {
        "name": "scrypt",
        "n": 2**15,
        "r": 8,
        "p": 1,
    }
    assert len(base64.b64decode(kdf["salt"])) == 16
    # A later version raises the cost: the old file still opens with what it recorded,
    # and the next change of passphrase writes it with the new cost.
    monkeypatch.setattr(vault, "KDF_PARAMETERS", {**vault.KDF_PARAMETERS, "n": 2**16})
    assert vault.unlock(ctx.paths, tom.id, PASS) == keys
    vault.change_secret(ctx.paths, tom.id, PASS, "a brand new passphrase")
    assert json.loads(key_file(ctx, tom.id).read_text())["private_key"]["kdf"]["n"] == 2**16
    assert vault.unlock(ctx.paths, tom.id, "a brand new passphrase") == keys


def test_a_file_asking_for_an_absurd_cost_is_refused_as_damaged(ctx, make_profile):
    tom = make_profile("Tom", "trainer")
    ctx.confirm(tom, PASS)
    path = key_file(ctx, tom.id)
    stored = json.loads(path.read_text())
    stored["private_key"]["kdf"]["n"] = 2**30
    path.write_text(json.dumps(stored))
    with pytest.raises(vault.KeyProblem, match="is damaged"):
        vault.unlock(ctx.paths, tom.id, PASS)


def test_a_key_file_cannot_be_passed_off_as_someone_elses(ctx, make_profile):
    tom, tina = make_profile("Tom", "trainer"), make_profile("Tina", "trainer")
    ctx.confirm(tom, PASS)
    ctx.confirm(tina, "tinas passphrase")
    toms = json.loads(key_file(ctx, tom.id).read_text())
    toms["person_id"] = tina.id
    key_file(ctx, tina.id).write_text(json.dumps(toms))
    # Tom's passphrase does not open Tom's key under Tina's name (the person is sealed in).
    with pytest.raises(vault.WrongSecret):
        vault.unlock(ctx.paths, tina.id, PASS)


def test_a_rep_key_goes_to_the_keyring_without_a_pin(ctx, make_profile, memory_keyring):
    rita = make_profile("Rita", "rep")
    assert acting.need(ctx.paths, ctx.db, rita).step is Step.NOTHING
    keys = ctx.confirm(rita)  # nothing asked
    assert vault.storage(ctx.paths, rita.id) == "keyring"
    assert secrets_in(key_file(ctx, rita.id), keys) == []
    (((service, _account), value),) = memory_keyring.saved.items()
    assert service == vault.SERVICE and base64.b64decode(value) == keys.private_bytes()
    assert vault.unlock(ctx.paths, rita.id, None) == keys
    assert "keyring" in vault.storage_words(ctx.paths, rita.id)
    # A PIN moves it out of the keyring, encrypted into the file.
    acting.change_secret(ctx.paths, rita, None, "4321")
    assert memory_keyring.saved == {} and vault.storage(ctx.paths, rita.id) == "encrypted"
    assert secrets_in(key_file(ctx, rita.id), keys) == []
    assert acting.need(ctx.paths, ctx.db, rita).step is Step.UNLOCK
    assert vault.unlock(ctx.paths, rita.id, "4321") == keys
    with pytest.raises(vault.WrongSecret, match="not the right PIN"):
        vault.unlock(ctx.paths, rita.id, "1234")


def test_without_a_keyring_a_rep_key_is_in_a_private_file_and_says_so(ctx, make_profile):
    rita = make_profile("Rita", "rep")  # conftest: this computer has no keyring
    keys = ctx.confirm(rita)
    assert vault.storage(ctx.paths, rita.id) == "file"
    path = key_file(ctx, rita.id)
    found = secrets_in(path, keys)  # the fallback: in the clear, readable by this user only
    assert "base64" in found and "raw" not in found and "hex" not in found
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert vault.storage_words(ctx.paths, rita.id) == (
        "This computer has no keyring, so the key is kept in a file in CrossCoach's data "
        "folder that only your user account can read."
    )


def test_a_rep_whose_keyring_lost_the_key_gets_a_new_one(ctx, make_profile, memory_keyring):
    rita = make_profile("Rita", "rep")
    first = ctx.confirm(rita)
    memory_keyring.saved.clear()
    again = ctx.confirm(rita)
    assert again != first


def test_export_and_import_on_a_second_data_folder_keep_the_same_fingerprint(
    ctx, make_profile, tmp_path
):
    tom = make_profile("Tom", "trainer")
    keys = ctx.confirm(tom, PASS)
    target = acting.export_key(ctx.paths, tom, PASS, tmp_path / "usb" / "tom.crosscoach-key")
    assert secrets_in(target, keys) == []
    if os.name != "nt":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    seen = vault.read_key_file(target)
    assert (seen.person_id, seen.name, seen.fingerprint) == (tom.id, "Tom", keys.fingerprint())

    laptop = open_context(tmp_path / "laptop")
    try:
        with pytest.raises(vault.WrongSecret, match="not the passphrase of this key file"):
            acting.import_key(laptop.paths, laptop.db, tom, seen, "not it at all")
        assert not vault.has_key(laptop.paths, tom.id)
        imported = acting.import_key(laptop.paths, laptop.db, tom, seen, PASS)
        assert imported.fingerprint() == keys.fingerprint()
        assert vault.fingerprint(laptop.paths, tom.id) == keys.fingerprint()
        assert vault.unlock(laptop.paths, tom.id, PASS) == keys  # kept with his passphrase
    finally:
        laptop.close()


def test_a_rep_without_a_pin_protects_the_export_with_a_passphrase_of_their_choice(
    ctx, make_profile, tmp_path, memory_keyring
):
    rita = make_profile("Rita", "rep")
    keys = ctx.confirm(rita)
    with pytest.raises(UserError, match="needs a passphrase"):
        acting.export_key(ctx.paths, rita, None, tmp_path / "rita.key", None)
    target = acting.export_key(
        ctx.paths, rita, None, tmp_path / "rita.key", "for the stick", "for the stick"
    )
    laptop = open_context(tmp_path / "laptop")
    try:
        acting.import_key(
            laptop.paths, laptop.db, rita, vault.read_key_file(target), "for the stick"
        )
        assert vault.storage(laptop.paths, rita.id) == "keyring"  # no PIN there either
        assert vault.unlock(laptop.paths, rita.id, None) == keys
    finally:
        laptop.close()


def test_importing_over_a_different_key_needs_the_current_passphrase(ctx, make_profile, tmp_path):
    """A key file anyone could have made must not take over someone's key here."""
    tom = make_profile("Tom", "trainer")
    mine = ctx.confirm(tom, PASS)
    other_place = open_context(tmp_path / "elsewhere")
    try:
        vault.create_key(other_place.paths, tom.id, "an impostor's words")
        forged = vault.export_key(
            other_place.paths, tom.id, "an impostor's words", tmp_path / "forged.key", name="Tom"
        )
    finally:
        other_place.close()
    key_file_ = vault.read_key_file(forged)
    with pytest.raises(acting.ReplacingNeedsSecret, match="replacing it needs Tom's current"):
        acting.import_key(
            ctx.paths, ctx.db, tom, key_file_, "an impostor's words", "a wrong guess!"
        )
    assert vault.unlock(ctx.paths, tom.id, PASS) == mine  # untouched
    # Tom himself (who knows his passphrase here) may replace it.
    replaced = acting.import_key(ctx.paths, ctx.db, tom, key_file_, "an impostor's words", PASS)
    assert replaced != mine


def test_a_file_that_is_not_a_key_is_refused_in_plain_words(tmp_path):
    for content in (b"", b"not json", b'{"kind": "something else"}', "é".encode("latin-1")):
        bad = tmp_path / "bad.crosscoach-key"
        bad.write_bytes(content)
        with pytest.raises(vault.KeyProblem, match="is not a key file CrossCoach made"):
            vault.read_key_file(bad)
    with pytest.raises(vault.KeyProblem, match="cannot read"):
        vault.read_key_file(tmp_path / "missing.crosscoach-key")


def test_a_manager_resets_a_forgotten_passphrase_with_a_new_key(ctx, make_profile):
    mia, tom = make_profile("Mia", "manager"), make_profile("Tom", "trainer")
    old = ctx.confirm(tom, PASS)
    mias = ctx.confirm(mia, "mias own passphrase")
    rita = make_profile("Rita", "rep")
    with pytest.raises(UserError, match="Only a manager"):
        acting.reset_secret(ctx.paths, tom, old, rita, None)
    with pytest.raises(UserError, match="Mia's own key must be unlocked"):
        acting.reset_secret(ctx.paths, mia, None, tom, "tom starts again")
    with pytest.raises(UserError, match="cannot reset their own"):
        acting.reset_secret(ctx.paths, mia, mias, mia, "mia starts again")
    new = acting.reset_secret(ctx.paths, mia, mias, tom, "tom starts again", "tom starts again")
    assert new.fingerprint() != old.fingerprint()
    assert vault.fingerprint(ctx.paths, tom.id) == new.fingerprint()
    with pytest.raises(vault.WrongSecret):
        vault.unlock(ctx.paths, tom.id, PASS)  # the old passphrase no longer works
    assert vault.unlock(ctx.paths, tom.id, "tom starts again") == new


def test_a_trainer_from_another_computer_must_bring_their_key(ctx, make_profile, tmp_path):
    """A profile that came by sync cannot be claimed here by choosing a passphrase."""
    from app.core.models import Person

    tom = make_profile("Tom", "trainer")
    with ctx.db.session() as s:  # as if it came from another device
        s.info["applying_remote"] = True
        s.get(Person, tom.id).device_id = "another-device"
    need = acting.need(ctx.paths, ctx.db, tom)
    assert need.step is Step.ELSEWHERE
    with pytest.raises(acting.KeyElsewhere, match="Tom's key is not on this computer"):
        ctx.confirm(tom, "I say I am Tom")
    assert not vault.has_key(ctx.paths, tom.id)
    # The team database's login named him while joining: he may choose it here.
    assert acting.need(ctx.paths, ctx.db, tom, proven=True).step is Step.SET


def test_the_roster_refuses_a_first_key_or_an_import_it_does_not_know(ctx, make_profile, tmp_path):
    """Once the team's roster holds Tom's key, nobody "sets" a passphrase for him here
    (where his profile was made, his key lost), and only that key may be imported."""
    tom = make_profile("Tom", "trainer")
    mia = make_profile("Mia", "manager")
    mias = ctx.confirm(mia, "mias passphrase")
    laptop = open_context(tmp_path / "laptop")  # Tom's own laptop, where his key is
    try:
        toms = acting.act_as(laptop.paths, laptop.db, tom, PASS, proven=True)
        with ctx.session() as s:
            roster.found(s, mia, mias)
            roster.add_member(s, mia, mias, tom.id, "Tom", Role.TRAINER, toms.public_bytes().hex())
        need = acting.need(ctx.paths, ctx.db, tom)
        assert need.step is Step.ELSEWHERE and need.in_roster
        with pytest.raises(acting.KeyElsewhere, match="the team's roster holds the key"):
            ctx.confirm(tom, "I say I am Tom")
        assert not vault.has_key(ctx.paths, tom.id)

        # A key file someone made for "Tom" is not the one the team knows.
        impostor = open_context(tmp_path / "impostor")
        try:
            acting.act_as(impostor.paths, impostor.db, tom, "an impostor's words", proven=True)
            forged = acting.export_key(impostor.paths, tom, "an impostor's words",
                                       tmp_path / "forged.key")  # fmt: skip
        finally:
            impostor.close()
        with pytest.raises(UserError, match="not the key the team's roster holds for Tom"):
            acting.import_key(ctx.paths, ctx.db, tom, vault.read_key_file(forged),
                              "an impostor's words")  # fmt: skip
        assert not vault.has_key(ctx.paths, tom.id)

        # His own key, exported from his laptop, is taken.
        real = acting.export_key(laptop.paths, tom, PASS, tmp_path / "tom.key")
        taken = acting.import_key(ctx.paths, ctx.db, tom, vault.read_key_file(real), PASS)
        assert taken == toms
    finally:
        laptop.close()


def test_the_signer_is_the_acting_persons_keys_and_reaches_the_session(ctx, make_profile):
    tom = make_profile("Tom", "trainer")
    ctx.use_profile(tom)
    assert ctx.signer() is None  # not confirmed: the GUI has not asked yet
    keys = ctx.confirm(tom, PASS)
    assert ctx.signer() == keys
    with ctx.session() as s:
        assert s.info["signer"] == keys and s.info["person_id"] == tom.id
    ctx.lock()
    assert ctx.signer() is None
    with ctx.session() as s:
        assert s.info["signer"] is None
    with ctx.db.session() as s:
        assert s.info["signer"] is None and s.info["person_id"] is None
