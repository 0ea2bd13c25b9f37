#!/usr/bin/env bash
# Adds CrossCoach to your desktop's application menu (for your user only).
# Run it from the unpacked folder: ./install-desktop-entry.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
APP_ID=io.github.crosscoach.CrossCoach
mkdir -p "$DATA/applications"
sed "s|^Exec=crosscoach|Exec=\"$HERE/crosscoach\"|" "$HERE/share/applications/$APP_ID.desktop" \
  > "$DATA/applications/$APP_ID.desktop"
cp -r "$HERE/share/icons" "$DATA/"
echo "CrossCoach is now in your application menu."
