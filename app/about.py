"""What the About dialog and the bundle's licence file say about CrossCoach's parts."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from app import __version__
from app.recorder.ffmpeg_tools import FfmpegInfo


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    url: str


# (distribution, shown name, licence, home page) of what a bundle carries.
_PARTS = [
    ("pyside6-essentials", "Qt for Python (PySide6) and Qt", "LGPL-3.0-only", "https://www.qt.io/"),
    ("opencv-python-headless", "OpenCV", "Apache-2.0", "https://opencv.org/"),
    ("sqlalchemy", "SQLAlchemy", "MIT", "https://www.sqlalchemy.org/"),
    ("alembic", "Alembic", "MIT", "https://alembic.sqlalchemy.org/"),
    ("psycopg", "psycopg 3 (with libpq)", "LGPL-3.0-only", "https://www.psycopg.org/"),
    ("ffmpeg-python", "ffmpeg-python", "Apache-2.0", "https://github.com/kkroening/ffmpeg-python"),
    (
        "imageio-ffmpeg",
        "imageio-ffmpeg",
        "BSD-2-Clause",
        "https://github.com/imageio/imageio-ffmpeg",
    ),
    ("platformdirs", "platformdirs", "MIT", "https://github.com/tox-dev/platformdirs"),
    ("pyyaml", "PyYAML", "MIT", "https://pyyaml.org/"),
    ("fpdf2", "fpdf2", "LGPL-3.0-only", "https://py-pdf.github.io/fpdf2/"),
    ("fonttools", "fontTools", "MIT", "https://github.com/fonttools/fonttools"),
    ("pillow", "Pillow", "MIT-CMU", "https://python-pillow.org/"),
    ("defusedxml", "defusedxml", "PSF-2.0", "https://github.com/tiran/defusedxml"),
]

# Files CrossCoach ships in its own resources (resources/fonts: the PDF report's text,
# with their licence file beside them): (shown name, version, licence, home page).
_SHIPPED = [
    (
        "DejaVu Sans fonts",
        "2.37",
        "Bitstream Vera and Arev font licences",
        "https://dejavu-fonts.github.io/",
    ),
]


def _installed(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def components(ffmpeg: FfmpegInfo | None = None) -> list[Component]:
    """The parts CrossCoach runs on, with FFmpeg as the given build has it."""
    parts = [Component(name, _installed(dist), lic, url) for dist, name, lic, url in _PARTS]
    parts += [Component(*shipped) for shipped in _SHIPPED]
    if ffmpeg is not None:
        parts.insert(1, Component("FFmpeg", ffmpeg.version, ffmpeg.licence, "https://ffmpeg.org/"))
    return parts


def licence_text(ffmpeg: FfmpegInfo | None = None) -> str:
    lines = [
        f"CrossCoach {__version__} — GPL-3.0-or-later",
        "",
        "CrossCoach includes these parts, each under its own licence:",
        "",
    ]
    for c in components(ffmpeg):
        lines.append(f"- {c.name} {c.version}: {c.licence} ({c.url})")
    lines += [
        "",
        "Qt and PySide6 are used under the LGPL: they are shipped as separate shared",
        "libraries that you may replace with your own build.",
        "The DejaVu fonts' licence is in LICENSES/DejaVu-LICENSE.txt.",
    ]
    return "\n".join(lines) + "\n"
