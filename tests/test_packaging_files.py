"""Desktop integration files are valid and agree with the one version number."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.github.crosscoach.CrossCoach"


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_installed_version_is_the_project_version():
    from app import __version__

    assert __version__ == project_version()


def test_metainfo_validates_and_names_this_release():
    metainfo = LINUX / f"{APP_ID}.metainfo.xml"
    tree = ET.parse(metainfo)
    assert tree.findtext("id") == APP_ID
    releases = [r.get("version") for r in tree.iter("release")]
    assert releases[0] == project_version()
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli is not installed (Debian package appstream)")
    result = subprocess.run(
        [tool, "validate", "--no-net", str(metainfo)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_entry_launches_the_app_with_its_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(LINUX / f"{APP_ID}.desktop")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"] == "crosscoach"
    assert section["Icon"] == APP_ID
    assert section["Categories"].split(";")[0] == "Education"
    tool = shutil.which("desktop-file-validate")
    if tool:
        result = subprocess.run(
            [tool, str(LINUX / f"{APP_ID}.desktop")], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_licence_text_names_every_bundled_part():
    from app.about import licence_text
    from app.recorder.ffmpeg_tools import find_ffmpeg

    ffmpeg = find_ffmpeg()
    text = licence_text(ffmpeg)
    for part in ("PySide6", "LGPL-3.0", "OpenCV", "Apache-2.0", "SQLAlchemy", "FFmpeg", "fpdf2"):
        assert part in text
    assert f"FFmpeg {ffmpeg.version}: {ffmpeg.licence}" in text
    assert "DejaVu Sans fonts 2.37: Bitstream Vera and Arev font licences" in text


def test_the_shipped_fonts_carry_their_licence():
    """The PDF report's fonts ship in resources/fonts with the licence they require be
    included in every copy (the bundle also copies it into LICENSES/)."""
    fonts = ROOT / "resources" / "fonts"
    assert sorted(p.name for p in fonts.glob("*.ttf")) == ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf"]
    licence = (fonts / "DejaVu-LICENSE.txt").read_text()
    assert "Bitstream Vera Fonts Copyright" in licence and "Arev Fonts Copyright" in licence
    assert "DejaVu-LICENSE.txt" in (ROOT / "packaging" / "build.sh").read_text()


def test_ffmpeg_licence_follows_its_build_configuration():
    from app.recorder.ffmpeg_tools import build_licence

    assert build_licence("configuration: --enable-gpl --enable-version3 --enable-libx264") == (
        "GPL-3.0-or-later"
    )
    assert build_licence("configuration: --enable-gpl --enable-libx264") == "GPL-2.0-or-later"
    assert build_licence("configuration: --enable-version3") == "LGPL-3.0-or-later"
    assert build_licence("configuration: --disable-doc") == "LGPL-2.1-or-later"
