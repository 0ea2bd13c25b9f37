"""Putting files into place so that a crash, a power cut or a full disk never leaves half of one.

This module is the only place in CrossCoach that renames a file into place
(``tests/test_layout.py`` enforces it), and :func:`export_target` is where
every export checks what it is about to replace. Every path here flushes the file's
bytes to the disk before the rename and the folder's entry after it: without
the first, a power cut can leave a full-sized name holding zeros; without the
second, the rename itself may be forgotten.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from app.core.errors import UserError, reason

MAX_LINKS = 40  # as many links in a row as Linux follows before it calls it a loop


def fsync_path(path: Path) -> None:
    """Flush a file's (or, on POSIX, a folder's) contents and metadata to the disk."""
    if path.is_dir():
        if os.name == "nt":
            return  # Windows cannot open a folder for flushing; NTFS journals renames
        flags = os.O_RDONLY
    else:
        flags = os.O_RDWR if os.name == "nt" else os.O_RDONLY  # Windows flushes writable handles
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(tmp: Path, target: Path, *, overwrite: bool = True) -> bool:
    """Rename a finished temporary file (or folder) to ``target``, durably.

    ``tmp`` must be in ``target``'s folder. With ``overwrite=False`` an
    existing ``target`` is never replaced: nothing moves and the result is
    False (a hard link makes the check atomic; where the file system has none,
    e.g. a FAT32 USB stick, it is an existence test just before the rename).
    """
    tmp, target = Path(tmp), Path(target)
    fsync_path(tmp)
    if overwrite:
        os.replace(tmp, target)
    else:
        try:
            os.link(tmp, target)  # fails if target exists
        except FileExistsError:
            return False
        except OSError:
            if target.exists():
                return False
            os.replace(tmp, target)
        else:
            tmp.unlink()
    fsync_path(target.parent)
    return True


def write_atomically(target: Path, data: bytes, *, overwrite: bool = True) -> bool:
    """Write ``data`` under a temporary name beside ``target``, then :func:`commit` it.

    Returns False (writing nothing) when ``overwrite`` is off and ``target`` exists.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return commit(tmp, target, overwrite=overwrite)
    finally:
        tmp.unlink(missing_ok=True)


def copy(source: Path, target: Path) -> Path:
    """Copy a file to ``target`` durably: under a temporary name beside it, flushed,
    then renamed (an existing ``target`` is replaced only by a complete copy)."""
    source, target = Path(source), Path(target)
    tmp = target.with_name(f".{target.name}.copying")
    try:
        shutil.copyfile(source, tmp)
        commit(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def move(source: Path, target: Path) -> Path:
    """Move a file to another folder durably (a rename, or a copy across drives)."""
    source, target = Path(source), Path(target)
    try:
        os.replace(source, target)
    except OSError:
        if not source.exists():
            raise
        copy(source, target)
        source.unlink()
        fsync_path(source.parent)
        return target
    fsync_path(target.parent)
    if source.parent != target.parent:
        fsync_path(source.parent)
    return target


def export_target(path: Path, example: str, *, folder_ok: bool = False) -> Path:
    """The file an export to ``path`` writes: ``path`` itself when nothing or a regular file
    is there, or, for a link the user made that leads (through links the user made) to a
    regular file, that file, which the export then replaces while the link stays.

    Anything else is refused with a UserError, because an export renames a new file over
    what is there: a folder (unless ``folder_ok``: a pack may be exported into a folder), a
    device such as /dev/null, a named pipe, a socket, and links that lead nowhere, to
    anything but a regular file, or that another user made (a trap in a shared folder).
    ``example`` is a file name to suggest instead, such as "scores.csv".
    """
    path = Path(path)
    current, hops = path, 0
    while True:
        try:
            mode = current.lstat()
        except FileNotFoundError:
            if current == path:
                return path  # a new file
            raise UserError(
                f"{path} is a link to {current}, which does not exist.",
                f"Choose a file name that is not a link, for example {example}.",
            ) from None
        except OSError as exc:
            raise UserError(
                f"CrossCoach cannot use {path} ({reason(exc)}).",
                f"Choose a file in one of your folders, for example {example}.",
            ) from exc
        if not stat.S_ISLNK(mode.st_mode):
            break
        hops += 1
        if hops > MAX_LINKS or (hasattr(os, "getuid") and mode.st_uid != os.getuid()):
            raise UserError(
                f"{path} is a link that another user made (or a loop of links); "
                "CrossCoach does not write through it.",
                f"Choose a file name that is not a link, for example {example}.",
            )
        current = current.parent / os.readlink(current)
    if stat.S_ISREG(mode.st_mode) or (folder_ok and current == path and stat.S_ISDIR(mode.st_mode)):
        return current
    what = _kind(mode.st_mode)
    if current != path:
        message = f"{path} is a link to {current}, which is {what}"
        hint = f"Choose a file name that is not a link, for example {example}."
    elif stat.S_ISDIR(mode.st_mode):
        message = f"{path} is a folder"
        hint = f"Add a file name to the folder, for example {path / example}."
    else:
        message = f"{path} is {what}"
        hint = f"Choose a file in one of your folders, for example {example}."
    raise UserError(f"{message}; CrossCoach writes exports only to ordinary files.", hint)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not an ordinary file"
