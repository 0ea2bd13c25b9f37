"""The shared-folder remote: a network share, a cloud-drive folder or a USB stick.

Layout (every device writes only below its own folder, and never rewrites a
finished file; every file is written under a temporary name and renamed)::

    crosscoach-share.json                       format and identity of the share
    devices/<device id>/changes/<seq:010d>.json one batch of one device's changes
    media/<sha[:2]>/<sha256>.<ext>              recordings, content-addressed

Anything else (sync-client conflict copies, temporary and lock files,
duplicates a cloud drive makes) is ignored. No database ever lives here.

Links are never followed, to read or to write: anyone who can write to the
share can put a link there, and it could lead anywhere on this computer. A
folder of the layout that is a link is not read, and nothing is written
through it; a change file that is a link (or no plain file) is skipped with
the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

from app.core.clock import utcnow
from app.core.errors import UserError
from app.core.files import commit, move, write_atomically
from app.core.media import sha256_file
from app.sync.media_transfer import MEDIA_NAME
from app.sync.remote import (
    CHANGES_FORMAT,
    NEWER_FOLDER,
    SIGNED,
    SYNC_FORMAT,
    Batch,
    BytesMoved,
    NotSent,
    Refusal,
    Remote,
    Unreadable,
    full_disk,
)
from app.sync.signing import canonical, check, mark
from app.sync.validate import MAX_FILE_BYTES, Malformed, check_change, load_json
from app.sync.watermarks import ReadMark

HEADER = "crosscoach-share.json"
CHANGE_NAME = re.compile(r"^(\d{10})\.json$")
LAST_NUMBER = 10**10 - 1  # the highest number a change file's name can hold
DEVICE_NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
COPY_BLOCK = 64 * 1024 * 1024  # per sendfile call; also how often progress is reported


def write_new_file(target: Path, payload: bytes) -> bool:
    """Write a file that is never rewritten: False (and nothing written) if it exists."""
    return write_atomically(target, payload, overwrite=False)


def copy_from(source: Path, target: Path, progress: BytesMoved | None = None) -> int:
    """Append ``source`` to ``target`` from ``target``'s current size (a resumed copy).

    The bytes move inside the kernel where it can (``sendfile``), as fast as a
    plain file copy. Returns the bytes copied.
    """
    # Not "ab": Linux refuses sendfile into a file opened for appending.
    with open(source, "rb") as src, open(target, "r+b" if target.exists() else "wb") as dst:
        offset = dst.seek(0, os.SEEK_END)
        total = os.fstat(src.fileno()).st_size
        if offset > total:
            dst.truncate(0)  # not a start of this file: copy it whole
            offset = 0
        moved = 0
        while offset < total:
            sent = _send(src, dst, offset, min(COPY_BLOCK, total - offset))
            if sent == 0:
                raise OSError(f"{source.name} became shorter while it was copied")
            offset += sent
            moved += sent
            if progress:
                progress(offset)
    return moved


def _send(src, dst, offset: int, count: int) -> int:
    if hasattr(os, "sendfile"):
        try:
            dst.seek(offset)
            return os.sendfile(dst.fileno(), src.fileno(), offset, count)
        except OSError as exc:
            if full_disk(exc):
                raise
    src.seek(offset)
    block = src.read(count)
    dst.seek(offset)
    dst.write(block)
    dst.flush()
    return len(block)


class FolderRemote(Remote):
    def __init__(self, root: Path):
        self.root = root
        self.spec = f"folder:{root}"
        self._media_index: dict[str, dict[str, str]] = {}  # prefix -> sha -> path

    # -- identity ---------------------------------------------------------------
    def open(self) -> str:
        if not self.root.is_dir():
            raise UserError(
                f"The shared folder {self.root} is not reachable.",
                "Connect the drive or network share (or plug in the USB stick) and sync "
                "again; your changes wait on this device until then.",
            )
        header = self.root / HEADER
        if not header.exists() and not header.is_symlink():
            self._create_header(header)
        try:
            info = load_json(_read_plain_file(header))  # a link here is never followed
            fmt, remote_id = info["format"], info["remote_id"]
            if not isinstance(fmt, int) or not isinstance(remote_id, str) or not remote_id:
                raise Malformed("it has the wrong form")
        except (OSError, Malformed, KeyError, TypeError) as exc:
            raise UserError(
                f"{header} is damaged, so CrossCoach cannot tell what this shared folder holds.",
                "Restore the file from another copy of the folder, or choose another folder.",
            ) from exc
        if fmt > SYNC_FORMAT:
            raise NEWER_FOLDER
        return remote_id

    def _create_header(self, header: Path) -> None:
        payload = {
            "app": "CrossCoach",
            "format": SYNC_FORMAT,
            "remote_id": str(uuid.uuid4()),
            "created_at": utcnow().isoformat(),
        }
        # Two devices starting at once: the first header wins, the other is dropped.
        write_new_file(header, json.dumps(payload, indent=2).encode("utf-8"))

    # -- links ------------------------------------------------------------------
    def _inside(self, folder: Path) -> bool:
        """True for a folder of the share reached without passing through a link."""
        path = self.root
        for part in folder.relative_to(self.root).parts:
            path = path / part
            if path.is_symlink():
                return False
        return folder.is_dir()

    def _folder_to_write(self, *parts: str) -> Path:
        """A folder of the share, made if missing, that really is a folder of the share.

        NotSent if one on the way is a link (or a file): writing through it could
        put files anywhere on this computer.
        """
        path = self.root
        for part in parts:
            path = path / part
            if not path.is_symlink():
                with contextlib.suppress(FileExistsError):
                    path.mkdir()
            if path.is_symlink() or not path.is_dir():
                raise NotSent(
                    f"{path} in the shared folder is a link to another place (or a file), "
                    "and CrossCoach never writes through one. Ask whoever looks after the "
                    "shared folder to replace it with a plain folder; nothing waiting on "
                    "this device is lost meanwhile"
                )
        return path

    # -- changes ----------------------------------------------------------------
    def _changes_dir(self, device_id: str) -> Path:
        return self.root / "devices" / device_id / "changes"

    def _sequences(self, folder: Path) -> list[tuple[int, Path]]:
        """Everything named like a change file in a device's folder, by number (whether it
        is a plain file is checked when it is read; links are never followed)."""
        found = []
        if self._inside(folder):
            for entry in os.scandir(folder):
                m = CHANGE_NAME.match(entry.name)
                if m:
                    found.append((int(m.group(1)), Path(entry.path)))
        return sorted(found)

    def push(self, device_id: str, changes: list[dict], sign=None) -> list[Refusal]:
        try:
            folder = self._folder_to_write("devices", device_id, "changes")
        except NotSent as exc:
            raise UserError(
                "This device's changes could not be sent to the shared folder.", f"{exc}."
            ) from None
        taken = {n for n, _ in self._sequences(folder)}
        seq = _next_number(taken)
        if sign is None:
            body = {"format": SYNC_FORMAT, "changes": changes}
        else:  # the exact text is kept as text, so a reader checks the very bytes signed
            text = canonical(changes)
            body = {"format": SIGNED, "signed": sign(text).as_json(), "changes": text}
        while True:  # a finished file is never rewritten: take the next free number
            payload = {"device_id": device_id, "seq": seq, **body}
            data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            if write_new_file(folder / f"{seq:010d}.json", data):
                return []  # a shared folder has no logins to refuse anything
            taken.add(seq)
            seq = _next_number(taken)

    def _devices(self, device_id: str) -> list[str]:
        base = self.root / "devices"
        if not self._inside(base):
            return []
        return sorted(
            e.name
            for e in os.scandir(base)
            if DEVICE_NAME.match(e.name) and e.name != device_id and e.is_dir(follow_symlinks=False)
        )

    def _unread(self, device_id, marks, retry) -> Iterator[tuple[str, int, Path, str]]:
        """Change files not read yet, skipping those that failed before and did not change."""
        for source in self._devices(device_id):
            mark = marks.get(source, ReadMark())
            for seq, path in self._sequences(self._changes_dir(source)):
                key = f"{source}/{seq}"
                if mark.has(seq) or retry.get(key) == _signature(path):
                    continue
                yield source, seq, path, key

    def pull(self, device_id, marks, retry) -> Iterator[Batch]:
        for source, seq, path, key in self._unread(device_id, marks, retry):
            yield self._read_batch(source, seq, path, key)

    def _read_batch(self, source: str, seq: int, path: Path, key: str) -> Batch:
        signature = _signature(path)
        try:
            payload = load_json(_read_plain_file(path))
            if not isinstance(payload, dict):
                raise Malformed("it is not a change file")
            fmt = payload.get("format")
            if not isinstance(fmt, int) or isinstance(fmt, bool):
                raise Malformed("its format is not a number")
            if fmt > CHANGES_FORMAT:
                raise Malformed(
                    "it was written by a newer CrossCoach; it is read after this one is updated"
                )
            if payload.get("device_id") != source:
                raise Malformed("it names another device than the folder it is in")
            signed = None
            if fmt == SIGNED:
                text = payload.get("changes")
                if not isinstance(text, str):
                    raise Malformed("it is not a change file")
                signed, why = check(payload.get("signed"), text)
                if signed is None:
                    raise Malformed(why)
                payload["changes"] = load_json(text.encode("utf-8"))
            if not isinstance(payload.get("changes"), list):
                raise Malformed("it is not a change file")
        except (OSError, Malformed) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            return Batch(
                source,
                seq,
                [],
                unreadable=[
                    Unreadable(
                        key,
                        f"Skipped the damaged change file {path}: {reason} "
                        "(it is read again if it changes)",
                    )
                ],
                retry_signature=signature,
            )
        good, unreadable = [], []
        for n, raw in enumerate(payload["changes"], 1):
            try:
                good.append(check_change(raw, source))
            except Malformed as exc:
                unreadable.append(Unreadable(f"{key}#{n}", f"Skipped change {n} of {path}: {exc}"))
        return Batch(source, seq, mark(good, signed) if signed else good, unreadable=unreadable)

    def count_waiting(self, device_id, marks, retry=None) -> int:
        return sum(1 for _ in self._unread(device_id, marks, retry or {}))

    # -- media ------------------------------------------------------------------
    def _media_dir(self, sha256: str) -> Path:
        return self.root / "media" / sha256[:2]

    def _media_files(self, sha256: str) -> dict[str, str]:
        prefix = sha256[:2]
        if prefix not in self._media_index:
            index: dict[str, str] = {}
            folder = self._media_dir(sha256)
            if self._inside(folder):
                for entry in os.scandir(folder):
                    m = MEDIA_NAME.match(entry.name)
                    if m and entry.is_file(follow_symlinks=False):
                        index[m.group(1)] = entry.path
            self._media_index[prefix] = index
        return self._media_index[prefix]

    def _find(self, sha256: str) -> Path | None:
        found = self._media_files(sha256).get(sha256)
        return Path(found) if found else None

    def missing_media(self, shas: set[str]) -> set[str]:
        return {sha for sha in shas if sha not in self._media_files(sha)}

    def media_size(self, sha256: str) -> int | None:
        path = self._find(sha256)
        return path.stat().st_size if path else None

    def put_media(self, sha256, source, progress=None) -> int:
        """Copy to ``.<name>.partial`` (resuming from its size), check the size, rename.

        The copy is not read back here (right after writing, a read-back sees
        the operating system's cache, not the drive): every device that fetches
        it checks its SHA-256 before importing it, and moves a damaged copy
        aside so this device uploads it again (docs/sync.md).
        """
        folder = self._folder_to_write("media", sha256[:2])
        final = folder / f"{sha256}{source.suffix.lower() or '.mp4'}"
        partial = folder / f".{final.name}.partial"
        if list(folder.glob(f".{final.name}.damaged-*")) and sha256_file(source) != sha256:
            raise UserError(
                f"The recording {source.name} on this device is damaged, so it was not sent.",
                "Run crosscoach doctor; another device may still have a good copy.",
            )
        try:
            moved = copy_from(source, partial, progress)
            if partial.stat().st_size != source.stat().st_size:
                partial.unlink()
                raise OSError(f"the copy of {source.name} on the share has the wrong size")
            commit(partial, final)
        except OSError as exc:
            if full_disk(exc):
                raise UserError(
                    f"The shared folder {self.root} is full.",
                    "Free some space on the shared drive and sync again; nothing was lost.",
                ) from exc
            raise
        self._media_files(sha256)[sha256] = str(final)
        return moved

    def fetch_media(self, sha256, partial, progress=None) -> str:
        path = self._find(sha256)
        if path is None:
            raise FileNotFoundError(sha256)
        copy_from(path, partial, progress)
        return path.suffix

    def report_bad_media(self, sha256: str) -> None:
        """Move a damaged copy aside (ignored by name) so its owner uploads it again."""
        path = self._find(sha256)
        if path is not None:
            try:
                move(path, path.with_name(f".{path.name}.damaged-{uuid.uuid4().hex[:6]}"))
            except OSError:
                return
            self._media_files(sha256).pop(sha256, None)


def _next_number(taken: set[int]) -> int:
    """The number of a device's next change file: one past the highest number taken.

    No device counts up to 9999999999, but anyone who can write to the share can
    put a file with that number in a device's folder, and one past it has eleven
    digits: a name no device reads, so everything the device sent after it would
    be lost without a word. So the number is one past the highest taken number
    that still has a free number after it: past the device's own files as always
    (never in a gap below them: a file deleted from the share may have been read
    under that number already), skipping a run of numbers at the very end.
    """
    for n in sorted(taken | {0}, reverse=True):
        if n < LAST_NUMBER and n + 1 not in taken:
            return n + 1
    raise UserError(
        "This device's folder on the shared folder has no free change file number left.",
        "Ask whoever looks after the shared folder to remove the change files this "
        "device did not write.",
    )


def _read_plain_file(path: Path) -> bytes:
    """The bytes of a change file that is a plain file; Malformed for a link (never
    followed: it could lead to any file on this computer), a folder or a pipe (reading a
    pipe would wait forever)."""
    if stat.S_ISLNK(os.lstat(path).st_mode):
        raise Malformed("it is a link to another place, which CrossCoach never follows")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise Malformed("it is not a file")
        return f.read(MAX_FILE_BYTES + 1)


def _signature(path: Path) -> str:
    """What a skipped file looked like: it is read again when its size or date changes,
    or when CrossCoach itself is updated (a file from a newer version becomes readable)."""
    try:
        st = path.stat(follow_symlinks=False)
    except OSError:
        return "gone"
    return f"{CHANGES_FORMAT}:{st.st_size}:{st.st_mtime_ns}"
