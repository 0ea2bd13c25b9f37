"""JPEG thumbnails of submission videos, cached in the data folder by content hash."""

from __future__ import annotations

from pathlib import Path

import cv2

from app.core.files import commit
from app.core.media import find_media
from app.core.paths import DataPaths

WIDTH = 320


def thumbs_folder(paths: DataPaths) -> Path:
    return paths.root / "cache" / "thumbs"


def thumbnail_for(paths: DataPaths, sha256: str) -> Path | None:
    """The cached thumbnail of a stored video, made on first use.

    None when the video is not on this device yet (not synced) or has no
    readable frame. The frame comes from a tenth of the way in, past the
    first instant when people are still settling in front of the camera.
    """
    target = thumbs_folder(paths) / f"{sha256}.jpg"
    if target.exists():
        return target
    video = find_media(paths.media, sha256)
    if video is None:
        return None
    frame = _frame(video)
    if frame is None:
        return None
    height, width = frame.shape[:2]
    if width > WIDTH:
        frame = cv2.resize(frame, (WIDTH, max(1, round(height * WIDTH / width))))
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    tmp.write_bytes(data.tobytes())
    commit(tmp, target)
    return target


def _frame(video: Path):
    capture = cv2.VideoCapture(str(video))
    try:
        if not capture.isOpened():
            return None
        frames = capture.get(cv2.CAP_PROP_FRAME_COUNT)
        if frames and frames > 10:
            capture.set(cv2.CAP_PROP_POS_FRAMES, int(frames // 10))
        ok, frame = capture.read()
        if not ok:
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = capture.read()
        return frame if ok else None
    finally:
        capture.release()
