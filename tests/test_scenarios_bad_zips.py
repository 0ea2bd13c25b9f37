"""Damaged zips and awkward file names: validate and import refuse them alike, in plain
words naming the file and the entry, and the library stays as it was."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from scenarios_support import (
    CENTRAL_FLAGS,
    CENTRAL_METHOD,
    CENTRAL_USIZE,
    LOCAL_FLAGS,
    dump_database,
    flipped,
    make_audio,
    pack_data,
    pack_text,
    patched,
    scenario,
    write_pack,
    zip_files,
    zip_layout,
)

from app.core.errors import UserError
from app.scenarios.importer import apply_pack, import_pack
from app.scenarios.pack import read_pack
from app.scenarios.problems import PackInvalid

MEDIA = "media/customer.m4a"


@pytest.fixture
def trainer_ctx(ctx, make_profile):
    ctx.use_profile(make_profile("Tina", "trainer"))
    return ctx


@pytest.fixture(scope="module")
def audio(tmp_path_factory) -> bytes:
    return make_audio(tmp_path_factory.mktemp("audio") / "customer.m4a")


def _files(audio: bytes, name: str = MEDIA) -> dict[str, bytes]:
    """pack.yaml naming ``name`` as a scenario's prompt, and that media file."""
    text = pack_text(pack_data(scenarios=[scenario(prompt_media=name)]))
    return {"pack.yaml": text.encode("utf-8"), name: audio}


def _zip(tmp: Path, audio: bytes, name: str = MEDIA, method=zipfile.ZIP_STORED) -> Path:
    return zip_files(tmp / "pack.zip", _files(audio, name), method)


def _rewrite(path: Path, raw: bytes) -> Path:
    path.write_bytes(raw)
    return path


# Each case builds a bad pack and returns (path, words the refusal must hold).


def damaged_media_entry(tmp, audio):
    path = _zip(tmp, audio)
    entry = zip_layout(path.read_bytes())[MEDIA]
    raw = flipped(path.read_bytes(), (entry.data + entry.end) // 2)
    return _rewrite(path, raw), [
        "scenarios[0].prompt_media",
        f"{MEDIA} is damaged and cannot be unpacked",
        "CRC",
    ]


def damaged_compressed_media_entry(tmp, audio):
    path = _zip(tmp, audio, method=zipfile.ZIP_DEFLATED)
    entry = zip_layout(path.read_bytes())[MEDIA]
    raw = flipped(path.read_bytes(), entry.data + 40)
    return _rewrite(path, raw), [f"{MEDIA} is damaged and cannot be unpacked"]


def damaged_manifest(tmp, audio):
    path = _zip(tmp, audio, method=zipfile.ZIP_DEFLATED)
    entry = zip_layout(path.read_bytes())["pack.yaml"]
    raw = flipped(path.read_bytes(), entry.data + 100)
    return _rewrite(path, raw), [f"{path}:pack.yaml", "pack.yaml is damaged"]


def truncated(tmp, audio):
    path = _zip(tmp, audio)
    return _rewrite(path, path.read_bytes()[:-300]), ["damaged or cut short", "copy it again"]


def bytes_cut_from_the_middle(tmp, audio):
    path = _zip(tmp, audio)
    raw = path.read_bytes()
    middle = len(raw) // 2
    return _rewrite(path, raw[:middle] + raw[middle + 500 :]), ["damaged"]


def encrypted_entry(tmp, audio):
    path = _zip(tmp, audio)
    entry = zip_layout(path.read_bytes())[MEDIA]
    raw = patched(
        path.read_bytes(),
        (entry.local + LOCAL_FLAGS, b"\x01\x00"),
        (entry.central + CENTRAL_FLAGS, b"\x01\x00"),
    )
    return _rewrite(path, raw), [f"{path}:{MEDIA}", "encrypted", "password"]


def unknown_compression(tmp, audio):
    path = _zip(tmp, audio)
    entry = zip_layout(path.read_bytes())[MEDIA]
    raw = patched(path.read_bytes(), (entry.central + CENTRAL_METHOD, b"\x09\x00"))  # Deflate64
    return _rewrite(path, raw), [f"{path}:{MEDIA}", "method 9", "cannot unpack"]


def entry_longer_than_declared(tmp, audio):
    """A bomb's trick: the entry declares 100 bytes but holds more. Only 100 are read."""
    path = _zip(tmp, audio, method=zipfile.ZIP_DEFLATED)
    entry = zip_layout(path.read_bytes())[MEDIA]
    raw = patched(path.read_bytes(), (entry.central + CENTRAL_USIZE, (100).to_bytes(4, "little")))
    return _rewrite(path, raw), [f"{MEDIA} is damaged", "CRC"]


def entry_declared_huge(tmp, audio):
    path = _zip(tmp, audio, method=zipfile.ZIP_DEFLATED)
    entry = zip_layout(path.read_bytes())[MEDIA]
    size = (300 * 1024 * 1024).to_bytes(4, "little")
    raw = patched(path.read_bytes(), (entry.central + CENTRAL_USIZE, size))
    return _rewrite(path, raw), ["scenarios[0].prompt_media", "300.0 MiB", "limit is 200.0 MiB"]


def entries_declared_over_a_gibibyte(tmp, audio):
    files = _files(audio)
    files.update({f"media/extra-{n}.wav": b"x" for n in range(5)})
    path = zip_files(tmp / "pack.zip", files)
    layout = zip_layout(path.read_bytes())
    size = (250 * 1024 * 1024).to_bytes(4, "little")
    changes = [(layout[f"media/extra-{n}.wav"].central + CENTRAL_USIZE, size) for n in range(5)]
    raw = patched(path.read_bytes(), *changes)
    return _rewrite(path, raw), ["unpacks to 1250.0 MiB", "limit is 1024.0 MiB"]


def absolute_entry(tmp, audio):
    files = {**_files(audio), "/etc/cron.d/job": b"* * * * * root evil"}
    return zip_files(tmp / "pack.zip", files), ["/etc/cron.d/job", "absolute path"]


def drive_letter_entry(tmp, audio):
    files = {**_files(audio), "C:/Windows/evil.dll": b"MZ"}
    return zip_files(tmp / "pack.zip", files), ["C:/Windows/evil.dll", "absolute path"]


def backslash_entry(tmp, audio):
    files = {**_files(audio), "..\\..\\evil.bat": b"echo"}
    return zip_files(tmp / "pack.zip", files), ["evil.bat", "absolute path"]


def duplicate_entry(tmp, audio):
    path = _zip(tmp, audio)
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as zf:
        warnings.simplefilter("ignore")  # zipfile warns about the very thing under test
        zf.writestr(MEDIA, b"a different customer")
    return path, [f"{path}:{MEDIA}", "appears twice"]


def link_entry(tmp, audio):
    path = _zip(tmp, audio)
    with zipfile.ZipFile(path, "a") as zf:
        info = zipfile.ZipInfo("media/passwords.m4a")
        info.create_system = 3  # Unix, where the mode bits mean what they say
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/shadow")
    return path, [f"{path}:media/passwords.m4a", "is a link"]


def folder_instead_of_media(tmp, audio):
    files = _files(audio)
    del files[MEDIA]
    path = zip_files(tmp / "pack.zip", files)
    with zipfile.ZipFile(path, "a") as zf:
        zf.mkdir(MEDIA)
    return path, ["scenarios[0].prompt_media", f"{MEDIA} is a folder in the zip, not a file"]


def name_marked_utf8_but_not(tmp, audio):
    name = "media/clïent.m4a"
    path = _zip(tmp, audio, name)
    raw = path.read_bytes().replace("ï".encode(), b"\xff\xfe")  # in both headers
    return _rewrite(path, raw), ["marked as UTF-8 text but is not", "zip the pack folder again"]


def name_in_an_old_code_page(tmp, audio):
    """Old zip tools store 'ï' in the computer's code page, unmarked, not as UTF-8."""
    name = "media/clïent.m4a"
    files = {"pack.yaml": _files(audio, name)["pack.yaml"], "media/clXent.m4a": audio}
    path = zip_files(tmp / "pack.zip", files, zipfile.ZIP_STORED)
    raw = path.read_bytes().replace(b"clXent", "clïent".encode("cp1252"))
    return _rewrite(path, raw), [f"{name} is missing from the zip", "not stored as UTF-8"]


LONG_NAME = "media/" + "é" * 200 + ".m4a"  # 211 characters, but 404 bytes in one name


def long_non_ascii_name_in_a_zip(tmp, audio):
    return _zip(tmp, audio, LONG_NAME), ["too long for file systems", "404 bytes", "limit is 255"]


def long_non_ascii_name_in_a_folder(tmp, audio):
    folder = write_pack(tmp / "pack", pack_data(scenarios=[scenario(prompt_media=LONG_NAME)]))
    return folder, ["scenarios[0].prompt_media", "too long for file systems", "404 bytes"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("media/why?.m4a", "uses ?"),
        ('media/"quoted".m4a', 'uses "'),
        ("media/a:b.m4a", "uses :"),
        ("media/a|b<c>.m4a", "uses < > |"),
        ("media/CON.m4a", "reserves for devices"),
        ("media/lpt1.wav", "reserves for devices"),
        ("media/end./customer.m4a", "ends with a space or a dot"),
        ("media/customer /x.m4a", "ends with a space or a dot"),
        ("media/line\nbreak.m4a", "control character"),
    ],
)
def test_a_media_name_windows_cannot_hold_is_refused(trainer_ctx, tmp_path, audio, name, words):
    """Packs travel between Windows, macOS and Linux: a name one of them cannot store is
    refused on all, before the name touches the disk."""
    path = zip_files(tmp_path / "pack.zip", _files(audio, name))
    _assert_refused(trainer_ctx, path, ["scenarios[0].prompt_media", words])


def fifo_media(tmp, audio):
    folder = write_pack(tmp / "pack", pack_data(scenarios=[scenario(prompt_media=MEDIA)]))
    (folder / "media").mkdir()
    os.mkfifo(folder / MEDIA)  # reading it would wait forever
    return folder, ["scenarios[0].prompt_media", f"{MEDIA} is not a file"]


def socket_media(tmp, audio):
    folder = write_pack(tmp / "pack", pack_data(scenarios=[scenario(prompt_media=MEDIA)]))
    (folder / "media").mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / MEDIA))
    server.close()
    return folder, [f"{MEDIA} is not a file"]


def folder_instead_of_media_file(tmp, audio):
    folder = write_pack(tmp / "pack", pack_data(scenarios=[scenario(prompt_media=MEDIA)]))
    (folder / MEDIA).mkdir(parents=True)
    return folder, [f"{MEDIA} is not a file"]


def link_loop_media(tmp, audio):
    folder = write_pack(tmp / "pack", pack_data(scenarios=[scenario(prompt_media=MEDIA)]))
    (folder / "media").mkdir()
    os.symlink("customer.m4a", folder / MEDIA)  # points at itself
    return folder, [f"{MEDIA} is a link to a file that does not exist"]


def folder_instead_of_manifest(tmp, audio):
    (tmp / "pack" / "pack.yaml").mkdir(parents=True)
    return tmp / "pack", ["pack.yaml is not a file"]


def path_too_long(tmp, audio):
    return tmp / ("p" * 300), ["cannot open this", "File name too long"]


CASES = [
    damaged_media_entry,
    damaged_compressed_media_entry,
    damaged_manifest,
    truncated,
    bytes_cut_from_the_middle,
    encrypted_entry,
    unknown_compression,
    entry_longer_than_declared,
    entry_declared_huge,
    entries_declared_over_a_gibibyte,
    absolute_entry,
    drive_letter_entry,
    backslash_entry,
    duplicate_entry,
    link_entry,
    folder_instead_of_media,
    name_marked_utf8_but_not,
    name_in_an_old_code_page,
    long_non_ascii_name_in_a_zip,
    long_non_ascii_name_in_a_folder,
    fifo_media,
    socket_media,
    folder_instead_of_media_file,
    link_loop_media,
    folder_instead_of_manifest,
    path_too_long,
]


def _assert_refused(ctx, path: Path, words: list[str]) -> PackInvalid:
    """validate (read_pack) and import refuse alike, and nothing changes."""
    before, media_before = dump_database(ctx), sorted(ctx.paths.media.rglob("*"))
    with pytest.raises(PackInvalid) as validated:
        read_pack(path)
    with pytest.raises(PackInvalid) as imported:
        import_pack(ctx, path)
    assert [str(p) for p in imported.value.problems] == [str(p) for p in validated.value.problems]
    text = imported.value.message
    for word in words:
        assert word in text, text
    assert all(p.file.startswith(str(path)) for p in imported.value.problems), text
    assert dump_database(ctx) == before
    assert sorted(ctx.paths.media.rglob("*")) == media_before
    return imported.value


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_a_bad_zip_or_file_name_is_refused_by_validate_and_import(
    case, trainer_ctx, tmp_path, audio
):
    path, words = case(tmp_path, audio)
    _assert_refused(trainer_ctx, path, words)


def test_the_same_zip_undamaged_imports(trainer_ctx, tmp_path, audio):
    """The cases above break a pack that is good: here it is, unbroken."""
    for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        path = _zip(tmp_path, audio, method=method)
        assert import_pack(trainer_ctx, path).media_files == 1
        path.unlink()
    name = "media/" + "é" * 123 + ".m4a"  # 250 bytes: the longest name that fits
    assert import_pack(trainer_ctx, _zip(tmp_path, audio, name)).media_files == 1


def test_the_cli_refuses_a_damaged_media_entry_in_validate_and_import(cli, tmp_path, audio):
    """Measured before: validate said 'valid' and import crashed with BadZipFile."""
    path, _ = damaged_media_entry(tmp_path, audio)
    cli("profile", "create", "--name", "Tina", "--role", "trainer")
    code, out, err = cli("scenarios", "validate", str(path))
    assert (code, out) == (2, "")
    assert f"{MEDIA} is damaged and cannot be unpacked" in err and "Traceback" not in err
    code, out, err = cli("--as", "Tina", "scenarios", "import", str(path))
    assert (code, out) == (2, "")
    assert "nothing was imported" in err and f"{MEDIA} is damaged" in err


def test_a_zip_damaged_after_validation_fails_the_import_cleanly(trainer_ctx, tmp_path, audio):
    """The file changed on the shared drive between the check and the copy."""
    path = _zip(tmp_path, audio)
    pack = read_pack(path)
    entry = zip_layout(path.read_bytes())[MEDIA]
    with open(path, "r+b") as f:  # in place: the open archive sees the damage
        f.seek(entry.data + 10)
        f.write(b"\x00\x00\x00\x00")
    before = dump_database(trainer_ctx)
    try:
        with pytest.raises(PackInvalid, match=f"{MEDIA} is damaged"), trainer_ctx.session() as s:
            apply_pack(s, pack, trainer_ctx.paths.media)
    finally:
        pack.source.close()
    assert dump_database(trainer_ctx) == before


def test_media_gone_after_validation_fails_the_import_cleanly(trainer_ctx, tmp_path, audio):
    folder = write_pack(
        tmp_path / "pack",
        pack_data(scenarios=[scenario(prompt_media=MEDIA)]),
        media={MEDIA: audio},
    )
    pack = read_pack(folder)
    (folder / MEDIA).unlink()
    before = dump_database(trainer_ctx)
    copy_failed = pytest.raises(UserError, match=f"could not copy the media file {MEDIA}")
    with copy_failed, trainer_ctx.session() as s:
        apply_pack(s, pack, trainer_ctx.paths.media)
    assert dump_database(trainer_ctx) == before


def test_an_unreadable_media_file_is_refused_by_validate(tmp_path, audio):
    """A file the user may not read. Root reads everything, so under root the check runs in
    a process without the capability to bypass file permissions (setpriv, util-linux)."""
    folder = write_pack(
        tmp_path / "pack",
        pack_data(scenarios=[scenario(prompt_media=MEDIA)]),
        media={MEDIA: audio},
    )
    os.chmod(folder / MEDIA, 0)
    command = [sys.executable, "-m", "app", "--data-dir", str(tmp_path / "data")]
    if os.geteuid() == 0:
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    done = subprocess.run(
        [*command, "scenarios", "validate", str(folder)], capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    assert f"{MEDIA} cannot be read (Permission denied)" in done.stderr
    assert "Traceback" not in done.stderr
