"""Render the app icon's PNG sizes from resources/icons/crosscoach.svg.

Run ``python -m app.ui.app_icon`` after changing the SVG; the PNGs are kept in
the repository for packagers (window managers, installers) that need bitmaps.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from app.ui.icons import icon_dir, render_svg

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render_pngs(out_dir: Path) -> list[Path]:
    svg = (icon_dir() / "crosscoach.svg").read_text(encoding="utf-8")
    written = []
    for size in PNG_SIZES:
        target = out_dir / f"crosscoach-{size}.png"
        if not render_svg(svg, size).save(str(target), "PNG"):
            raise OSError(f"could not write {target}")
        written.append(target)
    return written


if __name__ == "__main__":
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    for path in render_pngs(Path(str(icon_dir()))):
        print(path)
