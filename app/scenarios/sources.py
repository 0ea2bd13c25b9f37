"""Where a pack's files come from: a folder, or a .zip of one, kept inside its own walls.

A source reads pack.yaml with a size limit and answers for each prompt
media file: is it there, inside the pack, readable and small enough. Zips are
checked as a whole when opened (entry count, total size, entry names, links,
encryption, compression methods), and their files are read straight from the
archive, never extracted by name. Checking a media entry reads it whole, so
a damaged entry (a CRC mismatch, a cut-off stream) is found by validation,
not halfway through an import.
"""

from __future__ import annotations

import lzma
import stat
import struct
import tempfile
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path, PurePosixPath

from app.core.errors import reason
from app.scenarios.problems import PackInvalid, PackProblem

MANIFEST = "pack.yaml"
MANIFEST_MAX_BYTES = 2 * 1024 * 1024
MEDIA_MAX_BYTES = 200 * 1024 * 1024
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_TOTAL_BYTES = 1024 * 1024 * 1024
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
# What the zipfile module raises for a damaged archive; it documents no single type.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,  # includes UnicodeDecodeError for a name marked UTF-8 that is not
    OverflowError,
    RuntimeError,
    NotImplementedError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
)
CHUNK = 1024 * 1024
UTF8_NAMES = 0x800  # zip flag: the entry's name is UTF-8 (otherwise code page 437)


def mib(size: int) -> str:
    """A size in words a person can compare: bytes, KiB or MiB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size // 1024} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


class PackSource(ABC):
    """The files of one pack. ``problems`` holds what was wrong with the container itself."""

    label: str  # the pack as the user named it
    manifest_label: str  # pack.yaml as the user would find it

    def __init__(self) -> None:
        self.problems: list[PackProblem] = []

    @abstractmethod
    def read_manifest(self) -> bytes | None:
        """pack.yaml's bytes, or None (with a problem recorded) when it cannot be used."""

    @abstractmethod
    def media_problem(self, name: str) -> str | None:
        """Why the media file ``name`` (pack-relative, already checked for '..') cannot be used."""

    @abstractmethod
    def media_size(self, name: str) -> int:
        """The size of a media file that passed :meth:`media_problem`."""

    @abstractmethod
    def media_file(self, name: str) -> AbstractContextManager[Path]:
        """A local file holding the media file's bytes, for as long as the context lasts."""

    @abstractmethod
    def close(self) -> None:
        """Release the container."""

    def _within_limit(self, data: bytes) -> bytes | None:
        """The manifest as read, unless it grew past the limit after it was measured."""
        if len(data) > MANIFEST_MAX_BYTES:
            self._too_big_manifest(len(data))
            return None
        return data

    def _too_big_manifest(self, size: int) -> None:
        self.problems.append(
            PackProblem(
                self.manifest_label,
                None,
                "",
                f"pack.yaml is {mib(size)}; the limit is {mib(MANIFEST_MAX_BYTES)}. "
                "Split the scenarios into several packs.",
            )
        )


def open_source(path: Path) -> PackSource:
    """A folder holding pack.yaml, pack.yaml itself, or a .zip of a pack folder.

    PackInvalid when ``path`` is none of these.
    """
    path = Path(path)
    try:
        if path.is_dir():
            return FolderSource(path)
        if path.is_file() and path.name == MANIFEST:
            return FolderSource(path.parent)
        if path.is_file() and zipfile.is_zipfile(path):
            return ZipSource(path)
        if not path.exists():
            message = "There is no file or folder here."
        elif path.is_file() and path.suffix.lower() == ".zip":
            message = (
                "This .zip file is damaged or cut short (perhaps while it was copied); "
                "copy it again from where it came."
            )
        else:
            message = "This is neither a pack folder (with pack.yaml) nor a .zip of one."
    except (OSError, RuntimeError) as exc:  # a name too long, a link loop, no permission
        message = f"CrossCoach cannot open this ({reason(exc)})."
    raise PackInvalid(str(path), [PackProblem(str(path), None, "", message)])


class FolderSource(PackSource):
    def __init__(self, root: Path):
        super().__init__()
        self.root = root
        self.real_root = root.resolve()
        self.label = str(root)
        self.manifest_label = str(root / MANIFEST)

    def read_manifest(self) -> bytes | None:
        manifest = self.root / MANIFEST
        problem = self._file_problem(manifest, MANIFEST)
        if problem:
            self.problems.append(PackProblem(self.manifest_label, None, "", problem))
            return None
        try:
            size = manifest.stat().st_size
            if size > MANIFEST_MAX_BYTES:
                self._too_big_manifest(size)
                return None
            with open(manifest, "rb") as f:
                return self._within_limit(f.read(MANIFEST_MAX_BYTES + 1))
        except OSError as exc:
            message = f"pack.yaml cannot be read ({reason(exc)})."
            self.problems.append(PackProblem(self.manifest_label, None, "", message))
            return None

    def media_problem(self, name: str) -> str | None:
        problem = self._file_problem(self.root / name, name)
        if problem is None and (size := self.media_size(name)) > MEDIA_MAX_BYTES:
            problem = f"The media file {name} is {mib(size)}; the limit is {mib(MEDIA_MAX_BYTES)}."
        return problem

    def media_size(self, name: str) -> int:
        return (self.root / name).stat().st_size

    @contextmanager
    def media_file(self, name: str) -> Iterator[Path]:
        yield (self.root / name).resolve()

    def close(self) -> None:
        """A folder holds nothing open."""

    def _file_problem(self, path: Path, name: str) -> str | None:
        try:
            if not path.exists():
                if path.is_symlink():
                    return f"{name} is a link to a file that does not exist."
                return f"{name} is missing from the pack folder {self.root}."
            if not path.resolve().is_relative_to(self.real_root):
                return (
                    f"{name} is a link that points outside the pack folder, which is not allowed."
                )
            if not path.is_file():
                return f"{name} is not a file."
            with open(path, "rb"):
                pass  # readable: no permission problem waits for the import
        except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
            return f"{name} cannot be read ({reason(exc)})."
        return None


class ZipSource(PackSource):
    def __init__(self, path: Path):
        super().__init__()
        self.label = str(path)
        self.manifest_label = f"{path}:{MANIFEST}"
        self.prefix = ""
        self.entries: dict[str, zipfile.ZipInfo] = {}
        self.checked: dict[str, str | None] = {}  # media name -> its problem, once read whole
        try:
            self.zip: zipfile.ZipFile | None = zipfile.ZipFile(path)
        except UnicodeDecodeError:
            self.zip = None
            self._fail(
                "A file name in the zip is marked as UTF-8 text but is not, so the zip "
                "cannot be read; zip the pack folder again."
            )
            return
        except ZIP_ERRORS as exc:
            self.zip = None
            self._fail(
                f"The zip is damaged and cannot be opened ({reason(exc)}); "
                "copy it again from where it came."
            )
            return
        self._check_entries()

    def _problem(self, message: str, entry: str = "") -> PackProblem:
        return PackProblem(f"{self.label}:{entry}" if entry else self.label, None, "", message)

    def _fail(self, message: str, entry: str = "") -> None:
        self.problems.append(self._problem(message, entry))

    def _check_entries(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > ZIP_MAX_ENTRIES:
            self._fail(f"The zip holds {len(infos)} files; the limit is {ZIP_MAX_ENTRIES}.")
            return
        total = sum(i.file_size for i in infos)
        if total > ZIP_MAX_TOTAL_BYTES:
            self._fail(f"The zip unpacks to {mib(total)}; the limit is {mib(ZIP_MAX_TOTAL_BYTES)}.")
            return
        for info in infos:
            name = info.filename
            pure = PurePosixPath(name)
            mode = info.external_attr >> 16
            if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
                self._fail("This entry has an absolute path, which is not allowed.", name)
            elif ".." in pure.parts:
                self._fail("This entry points outside the pack ('..'), which is not allowed.", name)
            elif stat.S_ISLNK(mode):
                self._fail("This entry is a link, which is not allowed in a pack.", name)
            elif info.flag_bits & 0x1:
                self._fail("This entry is encrypted; packs cannot be password-protected.", name)
            elif info.compress_type not in ZIP_METHODS:
                self._fail(
                    f"This entry is compressed with a method CrossCoach cannot unpack "
                    f"(method {info.compress_type}); zip the pack folder again with the "
                    "standard method (deflate).",
                    name,
                )
            elif name in self.entries:
                self._fail(
                    "This name appears twice in the zip, so it is unclear which to use.", name
                )
            else:
                self.entries[name] = info
        if self.problems:
            return
        manifests = [
            n
            for n, i in self.entries.items()
            if PurePosixPath(n).name == MANIFEST and not i.is_dir()
        ]
        top = [n for n in manifests if n.count("/") <= 1]
        if len(top) != 1:
            self._fail(
                "The zip must hold exactly one pack.yaml, at its top or in one folder "
                f"(found {len(top)})."
            )
            return
        self.prefix = top[0][: -len(MANIFEST)]
        self.manifest_label = f"{self.label}:{top[0]}"

    def read_manifest(self) -> bytes | None:
        if self.zip is None or self.problems:
            return None
        info = self.entries[self.prefix + MANIFEST]
        if info.file_size > MANIFEST_MAX_BYTES:
            self._too_big_manifest(info.file_size)
            return None
        try:
            return self._within_limit(b"".join(self._blocks(info)))
        except PackInvalid as err:
            self.problems.extend(err.problems)
            return None

    def _blocks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The entry's bytes, never more than its declared size; its CRC and size are checked
        at the end.

        PackInvalid naming the entry when it cannot be unpacked.
        """
        size = 0
        try:
            with self.zip.open(info) as f:
                while block := f.read(CHUNK):
                    size += len(block)
                    yield block
            if size != info.file_size:  # a stream that ends early passes the CRC check
                raise zipfile.BadZipFile(f"it holds {size} bytes, not the {info.file_size} listed")
        except ZIP_ERRORS as exc:
            message = (
                f"{info.filename} is damaged and cannot be unpacked ({reason(exc)}); "
                "copy the zip again from where it came, or zip the pack folder again."
            )
            raise PackInvalid(self.label, [self._problem(message, info.filename)]) from exc

    def media_problem(self, name: str) -> str | None:
        if name not in self.checked:
            self.checked[name] = self._media_entry_problem(name)
        return self.checked[name]

    def _media_entry_problem(self, name: str) -> str | None:
        info = self.entries.get(self.prefix + name)
        if info is None:
            if self.prefix + name + "/" in self.entries:
                return f"{name} is a folder in the zip, not a file."
            return f"{name} is missing from the zip." + self._encoding_hint(name)
        if info.file_size > MEDIA_MAX_BYTES:
            return (
                f"The media file {name} is {mib(info.file_size)}; "
                f"the limit is {mib(MEDIA_MAX_BYTES)}."
            )
        try:
            for _ in self._blocks(info):
                pass
        except PackInvalid as err:
            return err.problems[0].message
        return None

    def _encoding_hint(self, name: str) -> str:
        """Why a name with accents may not match: the zip tool stored names in an old code page."""
        old = any(
            not i.flag_bits & UTF8_NAMES and not i.filename.isascii() for i in self.entries.values()
        )
        if name.isascii() or not old:
            return ""
        return (
            " Some names in this zip are not stored as UTF-8, so letters such as é do not "
            "match; zip the pack folder again with a current zip tool."
        )

    def media_size(self, name: str) -> int:
        return self.entries[self.prefix + name].file_size

    @contextmanager
    def media_file(self, name: str) -> Iterator[Path]:
        """The entry copied to a private temporary file (never more than its declared size)."""
        info = self.entries[self.prefix + name]
        with tempfile.TemporaryDirectory(prefix="crosscoach-pack-") as tmp:
            target = Path(tmp) / f"media{PurePosixPath(name).suffix.lower()}"
            with open(target, "wb") as dst:
                for block in self._blocks(info):
                    dst.write(block)
            yield target

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
