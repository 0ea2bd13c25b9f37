"""Putting files into place so that a crash, a power cut or a full disk never leaves half of one.

This module is the only place in CrossCoach that renames a file into place
(``tests/test_layout.py`` enforces it). Every path here flushes the file's
bytes to the disk before the rename and the folder's entry after it: without
the first, a power cut can leave a full-sized name holding zeros; without the
second, the rename itself may be forgotten.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


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
