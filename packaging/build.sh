#!/usr/bin/env bash
# Builds the self-contained Linux bundle of CrossCoach (PyInstaller, one folder)
# and a tar.gz a user unpacks and runs. Run from anywhere, with the Python
# environment that has CrossCoach installed (pip install -e ".[test]").
# Output: dist/crosscoach/ (the bundle) and dist/crosscoach-VERSION-linux-ARCH.tar.gz
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
APP_ID=io.github.crosscoach.CrossCoach

"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install -q "pyinstaller>=6.5,<7"
VERSION="$("$PY" -c 'from app import __version__; print(__version__)')"
ARCH="$(uname -m)"
start=$(date +%s)

# Licences of the bundled parts (the FFmpeg line names the build CrossCoach will run).
mkdir -p build/packaging/LICENSES
"$PY" - <<'PYEOF'
from pathlib import Path
from app.about import licence_text
from app.recorder.ffmpeg_tools import find_ffmpeg
Path("build/packaging/LICENSES/THIRD-PARTY.txt").write_text(licence_text(find_ffmpeg()))
PYEOF
cp LICENSE build/packaging/LICENSES/CrossCoach-LICENSE.txt 2>/dev/null || true
cp resources/fonts/DejaVu-LICENSE.txt build/packaging/LICENSES/

"$PY" -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/crosscoach.spec

# Desktop integration beside the executable: .desktop, metainfo, icons, installer.
B=dist/crosscoach
mkdir -p "$B/share/applications" "$B/share/metainfo"
cp packaging/linux/$APP_ID.desktop "$B/share/applications/"
cp packaging/linux/$APP_ID.metainfo.xml "$B/share/metainfo/"
mkdir -p build/packaging/icons
QT_QPA_PLATFORM=offscreen "$PY" - <<'PYEOF'
from pathlib import Path
from PySide6.QtGui import QGuiApplication
from app.ui.app_icon import render_pngs
app = QGuiApplication([])
render_pngs(Path("build/packaging/icons"))
PYEOF
for png in build/packaging/icons/crosscoach-*.png; do
  size="$(basename "$png" .png)"; size="${size#crosscoach-}"
  mkdir -p "$B/share/icons/hicolor/${size}x${size}/apps"
  cp "$png" "$B/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
mkdir -p "$B/share/icons/hicolor/scalable/apps"
cp resources/icons/crosscoach.svg "$B/share/icons/hicolor/scalable/apps/$APP_ID.svg"
cp packaging/linux/install-desktop-entry.sh "$B/"
cp -r build/packaging/LICENSES "$B/"

ARCHIVE="dist/crosscoach-$VERSION-linux-$ARCH.tar.gz"
tar -C dist -czf "$ARCHIVE" crosscoach
end=$(date +%s)
echo "Built $B ($(du -sh "$B" | cut -f1)) and $ARCHIVE ($(du -sh "$ARCHIVE" | cut -f1)) in $((end - start)) s"
